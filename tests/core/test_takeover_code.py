"""The owner takeover code: 13 digits with a Verhoeff check digit, derived from the
invitation; the virtual gateway redeems it (docs/device-protocol.md section 16) and stops
accepting typed codes after too many wrong ones."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from test_virtualhome_provisioning_gateway import owner_csr
from test_virtualhome_provisioning_support import (
    Home,
    management_session,
    new_key_pem,
    provision,
    running_home,
)

from commissioner.protocol.attestation import cert_pem
from commissioner.protocol.spec import ProvisioningEndpoint as PE
from commissioner.protocol.takeover_code import (
    MAX_CODE_FAILURES,
    TakeoverCodeError,
    parse_code,
)
from commissioner.provisioning.invitation import (
    new_invitation,
    takeover_code_of,
    takeover_code_verifier,
    token_sha256,
)

pytestmark = pytest.mark.timeout(60)


def test_code_shape_and_every_single_typo_is_caught() -> None:
    inv = new_invitation("home-test", "gw-0001")
    code = takeover_code_of(inv)
    assert len(code) == 15 and [len(g) for g in code.split("-")] == [4, 4, 5]
    digits = code.replace("-", "")
    assert parse_code(code) == parse_code(f" {digits} ") == digits[:12]
    for i in range(13):
        for d in "0123456789":
            if d != digits[i]:
                with pytest.raises(TakeoverCodeError) as err:
                    parse_code(digits[:i] + d + digits[i + 1:])
                assert err.value.reason == "check-digit"
    for i in range(12):
        if digits[i] != digits[i + 1]:
            with pytest.raises(TakeoverCodeError):
                parse_code(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    for bad in ("", "12345", "abcd-efgh-ijklm", None, "1" * 40):
        with pytest.raises(TakeoverCodeError):
            parse_code(bad)


async def _redeem_code(h: Home, code: str, csr: str) -> tuple[int, dict[str, object]]:
    async with await h.connect(h.gateway) as s:
        r = await s.request("POST", PE.GATEWAY_REDEEM.value, {"code": code, "csr": csr})
        return r.status, r.json()


def _wrong(code: str) -> str:
    """Another valid-looking code (right check digit, other secret digits)."""
    from commissioner.protocol.takeover_code import format_code
    digits = code.replace("-", "")[:12]
    return format_code(f"{(int(digits) + 1) % 10**12:012d}")


def test_gateway_redeems_the_typed_code_once_and_locks_after_wrong_ones(tmp_path: Path) -> None:
    asyncio.run(_gateway(tmp_path))


async def _gateway(tmp_path: Path) -> None:
    async with running_home(tmp_path, devices=1) as h:
        gw = h.gateway
        await provision(h, gw)
        issuing_key, issuing_key_pem = new_key_pem()
        issuing = h.ca.issue_gateway_issuing_ca(issuing_key.public_key(), gateway_id=gw.device_id)
        first = new_invitation("home-test", gw.device_id, epoch=1)
        second = new_invitation("home-test", gw.device_id, epoch=1)
        async with await management_session(h, gw) as s:
            r = await s.request("PUT", PE.GATEWAY_ISSUING_CA.value, {
                "certificate": cert_pem(issuing).decode(), "key": issuing_key_pem.decode()})
            assert r.status == 200, r.body

            async def put(inv: object) -> None:
                r = await s.request("PUT", PE.GATEWAY_INVITATION.value, {
                    "invitation_id": inv.invitation_id,  # type: ignore[attr-defined]
                    "token_sha256": token_sha256(inv),  # type: ignore[arg-type]
                    "expires_at": int(inv.expires_at.timestamp()),  # type: ignore[attr-defined]
                    "epoch": 1, "code_verifier": takeover_code_verifier(inv),  # type: ignore[arg-type]
                })
                assert r.status == 200, r.body

            await put(first)
            summary = (await s.request("GET", PE.SUMMARY.value)).json()
            assert "code_verifier" not in str(summary)  # the verifier is never shown
        _key, csr = owner_csr()
        code = takeover_code_of(first)
        # A typo is refused before any comparison (and does not count as a guess).
        typo = code[:-1] + str((int(code[-1]) + 1) % 10)
        status, body = await _redeem_code(h, typo, csr)
        assert status == 400
        status, body = await _redeem_code(h, code, csr)
        assert status == 200 and "certificate" in body, body
        status, body = await _redeem_code(h, code, csr)
        assert status == 403 and body["reason"] == "bad-code"  # used: no longer open
        # Wrong codes: after MAX_CODE_FAILURES even the right code of a new invitation is
        # refused until the next invitation is put.
        async with await management_session(h, gw) as s:
            await put(second)
        good = takeover_code_of(second)
        for _ in range(MAX_CODE_FAILURES):
            status, body = await _redeem_code(h, _wrong(good), csr)
            assert status == 403 and body["reason"] == "bad-code"
        status, body = await _redeem_code(h, good, csr)
        assert status == 429 and body["reason"] == "code-locked"
        assert hashlib.sha256(second.token).hexdigest() == token_sha256(second)
