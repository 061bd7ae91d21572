"""The home gateway of the virtual home.

The gateway speaks the same device protocol as every device (same endpoints, its own
attestation chain, setup code and label) but advertises ``role=gateway, kind=gateway``. It is
kept factory-fresh by the scenarios so the app commissions it first.

On top of the device endpoints it implements (docs/device-protocol.md sections 15-16): its
owner-issuing CA, the allow-list of device operational certificates, owner invitations and
their redemption, and device authentication (SR2-H-2): the gateway connects to a device of
the home over TLS with its operational certificate as client certificate, challenges it and
checks the answer against the home CA and the allow-list.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import secrets
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commissioner.protocol import tls
from commissioner.protocol.attestation import parse_attestation_certificate
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.protocol.http11 import HttpFramingError, Request, read_response, write_request
from commissioner.protocol.spec import (
    AUTH_NONCE_BYTES,
    DEVICE_ID_RE,
    INVITATION_ID_RE,
    MAX_ALLOW_LIST,
    MAX_OWNER_EPOCH,
    MAX_PEM_CHARS,
    SHA256_HEX_RE,
    CertRole,
    CommissioningState,
    DeviceKind,
    ErrorCode,
    ProvisioningEndpoint,
    ProvisioningError,
    Role,
)
from commissioner.protocol.takeover_code import (
    MAX_CODE_FAILURES,
    TakeoverCodeError,
    code_verifier,
    parse_code,
)
from commissioner.virtualhome import homepki
from commissioner.virtualhome.device import VirtualDevice
from commissioner.virtualhome.device_http import (
    Access,
    BadField,
    Route,
    _err,
    _Reply,
    _Session,
    conflict,
    now_utc,
    only_keys,
)
from commissioner.virtualhome.owner_issuer import (
    IssuerNotReady,
    OwnerCsrRefused,
    issue_owner,
    read_owner_csr,
)
from commissioner.virtualhome.provisioning_state import ISSUING_CA_KEY_FILE, Invitation
from commissioner.virtualhome.scenario import DEFAULT_SETTINGS, GatewayTemplate, Manufacturer
from commissioner.virtualhome.state import DeviceState

GATEWAY_KIND: Final = DeviceKind.GATEWAY.value
AUTH_TIMEOUT_S: Final = 5.0
MAX_INVITATIONS: Final = 100
MAX_EXPIRY: Final = 253402300799  # 9999-12-31T23:59:59Z

Lookup = Callable[[str], tuple[str, int] | None]


def gateway_state(
    template: GatewayTemplate,
    manufacturer: Manufacturer,
    *,
    device_id: str,
    serial: str,
    setup_code: str,
) -> DeviceState:
    return DeviceState(
        device_id=device_id,
        role=Role.GATEWAY,
        kind=GATEWAY_KIND,
        manufacturer=manufacturer.name,
        model=template.model,
        advertised_model=template.model,
        serial=serial,
        setup_code=setup_code,
        firmware_slots={"a": template.firmware, "b": None},
        active_slot="a",
        state=CommissioningState.FACTORY,
        default_credential_enabled=True,
        settings=dict(DEFAULT_SETTINGS[GATEWAY_KIND]),
    )


def _int_field(body: dict[str, Any], name: str, low: int, high: int) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadField(name, f"{name} must be an integer {low}..{high}")
    return value


def _decode_token(value: object) -> bytes | None:
    """The invitation token: base64url without padding (as in the QR payload) or base64."""
    if not isinstance(value, str) or not 16 <= len(value) <= 128:
        return None
    text = value.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if 16 <= len(raw) <= 64 else None


class VirtualGateway(VirtualDevice):
    """The gateway: a :class:`VirtualDevice` with the gateway endpoints."""

    def __init__(self, directory: Path, **kwargs: Any) -> None:
        super().__init__(directory, **kwargs)
        self._lookup: Lookup | None = None
        self._roots_path: Path | None = None
        self._client_ctx: tuple[str, ssl.SSLContext] | None = None
        # Wrong typed takeover codes since the last invitation was put (kept in memory).
        self._code_failures = 0

    def attach_home(self, lookup: Lookup, manufacturer_roots: Path) -> None:
        """How the gateway finds the home's devices (address by device id) and which
        manufacturer roots it trusts for their attestation certificates."""
        self._lookup = lookup
        self._roots_path = manufacturer_roots

    def _issuing_key(self) -> ec.EllipticCurvePrivateKey | None:
        return self._read_key(ISSUING_CA_KEY_FILE)

    def routes(self) -> dict[str, Route]:
        pe = ProvisioningEndpoint
        mgmt = Access.MANAGEMENT
        return {
            **super().routes(),
            pe.GATEWAY_ISSUING_CA.value: Route("PUT", mgmt, self._put_issuing_ca),
            pe.GATEWAY_ALLOW_LIST.value: Route("PUT", mgmt, self._put_allow_list),
            pe.GATEWAY_INVITATION.value: Route("PUT", mgmt, self._put_invitation),
            pe.GATEWAY_AUTHENTICATE.value: Route(
                "POST", Access.OWNER_OR_COMMISSIONER, self._authenticate
            ),
            pe.GATEWAY_REDEEM.value: Route("POST", Access.PUBLIC, self._redeem),
        }

    # --- management -----------------------------------------------------------------------

    async def _put_issuing_ca(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        only_keys(body, {"certificate", "key"})
        cert = homepki.load_one_cert(body.get("certificate"))
        if cert is None:
            raise BadField("certificate", "certificate must be one PEM certificate")
        key_text = body.get("key")
        if not isinstance(key_text, str) or not key_text or len(key_text) > MAX_PEM_CHARS:
            raise BadField("key", "key must be a PEM private key")
        try:
            key = serialization.load_pem_private_key(key_text.encode("ascii"), password=None)
        except (ValueError, TypeError, UnicodeEncodeError):
            raise BadField("key", "key must be an unencrypted PEM private key") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not homepki.same_public_key(
            key.public_key(), cert.public_key()
        ):
            raise BadField("key", "key must be the P-256 key of the certificate")
        async with self._op_lock:
            prov = self.state.provisioning
            home_ca = self._cert_home_ca()
            if home_ca is None:
                return conflict(
                    "no-operational-certificate", "install the operational certificate first"
                )
            problem = homepki.check_chain_to_root(cert, [home_ca], now_utc())
            if problem is not None:
                return _err(
                    400,
                    ErrorCode.BAD_REQUEST,
                    f"the issuing CA was refused ({problem})",
                    field="certificate",
                    reason=problem,
                )
            new_pem = homepki.pem_text(cert)
            if prov.issuing_ca_pem == new_pem and self._issuing_key() is not None:
                return self._issuing_reply(cert)
            if prov.issuing_ca_pem not in (None, new_pem) and self.commissioned:
                return conflict(
                    "issuing-ca-installed", "a different issuing CA is already installed"
                )
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            await self._write_secret(ISSUING_CA_KEY_FILE, pem)
            prov.issuing_ca_pem = new_pem
            await self.persist_state()
        return self._issuing_reply(cert)

    def _issuing_reply(self, cert: x509.Certificate) -> _Reply:
        return _Reply(200, {"fingerprint": homepki.fingerprint(cert)})

    async def _put_allow_list(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        only_keys(body, {"devices"})
        devices = body.get("devices")
        if not isinstance(devices, list) or len(devices) > MAX_ALLOW_LIST:
            raise BadField("devices", f"devices must list at most {MAX_ALLOW_LIST} entries")
        entries: list[dict[str, str]] = []
        seen: set[str] = set()
        for item in devices:
            if not isinstance(item, dict):
                raise BadField("devices", "every entry must be an object")
            device_id, fp = item.get("device_id"), item.get("fingerprint")
            if not isinstance(device_id, str) or not DEVICE_ID_RE.fullmatch(device_id):
                raise BadField("devices", "device_id must be a device id")
            if not isinstance(fp, str) or not SHA256_HEX_RE.fullmatch(fp.lower()):
                raise BadField("devices", "fingerprint must be 64 hex digits (SHA-256)")
            if device_id in seen:
                raise BadField("devices", f"device {device_id} appears twice")
            seen.add(device_id)
            entries.append({"device_id": device_id, "fingerprint": fp.lower()})
        async with self._op_lock:
            prov = self.state.provisioning
            if prov.allow_list != entries:
                prov.allow_list = entries
                await self.persist_state()
        return _Reply(200, {"devices": len(entries)})

    async def _put_invitation(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        only_keys(body, {"invitation_id", "token_sha256", "expires_at", "epoch", "code_verifier"})
        inv_id = body.get("invitation_id")
        if not isinstance(inv_id, str) or not INVITATION_ID_RE.fullmatch(inv_id):
            raise BadField("invitation_id", "invitation_id must be 1-64 of [A-Za-z0-9_-]")
        digest = body.get("token_sha256")
        if not isinstance(digest, str) or not SHA256_HEX_RE.fullmatch(digest.lower()):
            raise BadField("token_sha256", "token_sha256 must be 64 hex digits")
        expires = _int_field(body, "expires_at", 0, MAX_EXPIRY)
        epoch = _int_field(body, "epoch", 1, MAX_OWNER_EPOCH)
        verifier = body.get("code_verifier")
        if verifier is not None and (
            not isinstance(verifier, str) or not SHA256_HEX_RE.fullmatch(verifier.lower())
        ):
            raise BadField("code_verifier", "code_verifier must be 64 hex digits")
        wanted = Invitation(digest.lower(), expires, epoch,
                            code_verifier=None if verifier is None else verifier.lower())
        async with self._op_lock:
            invitations = self.state.provisioning.invitations
            current = invitations.get(inv_id)
            if current is not None:
                same = (current.token_sha256, current.expires_at, current.epoch) == (
                    wanted.token_sha256,
                    wanted.expires_at,
                    wanted.epoch,
                )
                if not same:
                    return conflict(
                        "invitation-differs", "an invitation with this id exists with other values"
                    )
                return self._invitation_reply(inv_id, current)
            if len(invitations) >= MAX_INVITATIONS:
                # Forget the oldest invitation that can no longer be redeemed.
                now = self._wall()
                stale = [
                    k
                    for k, v in invitations.items()
                    if v.redeemed_at is not None or v.expires_at < now
                ]
                if not stale:
                    return conflict("too-many-invitations", "too many open invitations")
                invitations.pop(stale[0])
            invitations[inv_id] = wanted
            self._code_failures = 0
            await self.persist_state()
        return self._invitation_reply(inv_id, wanted)

    def _invitation_reply(self, inv_id: str, inv: Invitation) -> _Reply:
        return _Reply(
            200,
            {"invitation_id": inv_id, "epoch": inv.epoch, "redeemed": inv.redeemed_at is not None},
        )

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        prov = self.state.provisioning
        issuing = homepki.load_one_cert(prov.issuing_ca_pem) if prov.issuing_ca_pem else None
        out["gateway"] = {
            "issuing_ca_fingerprint": homepki.fingerprint(issuing) if issuing else None,
            "allow_list": [dict(e) for e in prov.allow_list],
            "invitations": [
                {
                    "invitation_id": k,
                    "expires_at": v.expires_at,
                    "epoch": v.epoch,
                    "redeemed": v.redeemed_at is not None,
                }
                for k, v in prov.invitations.items()
            ],
        }
        return out

    # --- owner invitation -----------------------------------------------------------------

    def _find_by_code(self, digits: str) -> Invitation | None:
        """The open invitation whose takeover code verifier matches ``digits``."""
        now = self._wall()
        for inv_id, inv in self.state.provisioning.invitations.items():
            if inv.code_verifier is None or inv.redeemed_at is not None or now >= inv.expires_at:
                continue
            if hmac.compare_digest(code_verifier(digits, inv_id), inv.code_verifier):
                return inv
        return None

    async def _redeem(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        only_keys(body, {"invitation_id", "token", "code", "csr"})
        digits: str | None = None
        token: bytes | None = None
        inv_id: object = None
        if "code" in body:
            if "token" in body or "invitation_id" in body:
                raise BadField("code", "send either the typed code or the invitation and token")
            try:
                digits = parse_code(body.get("code"))
            except TakeoverCodeError as exc:
                raise BadField("code", str(exc)) from None
        else:
            inv_id = body.get("invitation_id")
            if not isinstance(inv_id, str) or not INVITATION_ID_RE.fullmatch(inv_id):
                raise BadField("invitation_id", "invitation_id must be 1-64 of [A-Za-z0-9_-]")
            token = _decode_token(body.get("token"))
            if token is None:
                raise BadField("token", "token must be base64url text")
        csr_text = body.get("csr")
        if not isinstance(csr_text, str) or not csr_text or len(csr_text) > MAX_PEM_CHARS:
            raise BadField("csr", "csr must be a PEM certificate request")

        def refused(status: int, reason: str, message: str) -> _Reply:
            return _err(status, ProvisioningError.INVITATION_REFUSED, message, reason=reason)

        async with self._op_lock:
            prov = self.state.provisioning
            if digits is not None:
                if self._code_failures >= MAX_CODE_FAILURES:
                    return refused(429, "code-locked", "too many wrong codes; ask the support "
                                   "desk for a new invitation")
                found = await asyncio.to_thread(self._find_by_code, digits)
                if found is None:
                    self._code_failures += 1
                    return refused(403, "bad-code", "the takeover code is wrong")
                inv = found
            else:
                assert isinstance(inv_id, str) and token is not None
                known = prov.invitations.get(inv_id)
                if known is None:
                    return refused(403, "unknown-invitation", "no such invitation")
                digest = hashlib.sha256(token).hexdigest()
                if not hmac.compare_digest(digest, known.token_sha256):
                    return refused(403, "bad-token", "the invitation token is wrong")
                inv = known
            if inv.redeemed_at is not None:
                return refused(409, "already-redeemed", "this invitation was already used")
            if self._wall() >= inv.expires_at:
                return refused(410, "expired", "this invitation has expired")
            epoch = prov.owner_epoch
            if epoch is None or inv.epoch != epoch:
                return refused(410, "revoked", "this invitation was revoked (owner epoch)")
            issuer = homepki.load_one_cert(prov.issuing_ca_pem) if prov.issuing_ca_pem else None
            issuer_key = self._issuing_key()
            home_ca = self._cert_home_ca()
            if issuer is None or issuer_key is None or home_ca is None:
                return conflict("not-ready", "the gateway has no owner-issuing CA yet")
            try:
                owner_key = read_owner_csr(csr_text)
            except OwnerCsrRefused as exc:
                return _err(
                    400,
                    ErrorCode.BAD_REQUEST,
                    "the certificate request was refused",
                    field="csr",
                    reason=exc.reason,
                )
            try:
                owner = issue_owner(issuer, issuer_key, owner_key, epoch=epoch, now=now_utc())
            except (IssuerNotReady, ValueError):
                return conflict("not-ready", "the gateway's owner-issuing CA cannot issue")
            inv.redeemed_at = self._wall()
            await self.persist_state()
        return _Reply(
            200,
            {
                "certificate": homepki.pem_text(owner),
                "chain": [homepki.pem_text(issuer), homepki.pem_text(home_ca)],
                "epoch": epoch,
            },
        )

    # --- device authentication (SR2-H-2) --------------------------------------------------

    async def _authenticate(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        only_keys(body, {"device_id"})
        device_id = body.get("device_id")
        if not isinstance(device_id, str) or not DEVICE_ID_RE.fullmatch(device_id):
            raise BadField("device_id", "device_id must be a device id")
        prov = self.state.provisioning
        ready = prov.operational_cert_pem is not None and self._op_key is not None
        if not ready or self._cert_home_ca() is None:
            return conflict("not-provisioned", "the gateway has no operational certificate")
        return _Reply(200, await self.authenticate_device(device_id))

    def _client_context(self) -> ssl.SSLContext:
        prov = self.state.provisioning
        assert prov.operational_cert_pem is not None and self._op_key is not None
        assert self._roots_path is not None
        cache_key = prov.operational_cert_pem
        if self._client_ctx is None or self._client_ctx[0] != cache_key:
            key_pem = self._op_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            ctx = tls.client_context(
                self._roots_path.read_bytes(),
                cert_chain_pem=prov.operational_cert_pem.encode("ascii"),
                key_pem=key_pem,
            )
            self._client_ctx = (cache_key, ctx)
        return self._client_ctx[1]

    async def authenticate_device(self, device_id: str) -> dict[str, Any]:
        """Challenge ``device_id``; ``{"device_id", "authenticated": bool, "reason"?, ...}``."""

        def fail(reason: str, message: str) -> dict[str, Any]:
            return {
                "device_id": device_id,
                "authenticated": False,
                "reason": reason,
                "message": message,
            }

        address = self._lookup(device_id) if self._lookup is not None else None
        if address is None or self._roots_path is None:
            return fail("unknown-device", "the gateway cannot find this device in the home")
        host, port = address
        prov = self.state.provisioning
        home_ca = self._cert_home_ca()
        assert prov.operational_cert_pem is not None and home_ca is not None
        gateway_der = x509.load_pem_x509_certificate(
            prov.operational_cert_pem.encode("ascii")
        ).public_bytes(serialization.Encoding.DER)
        try:
            ctx = self._client_context()
        except (OSError, ValueError, ssl.SSLError):
            return fail("gateway-misconfigured", "the gateway cannot build its TLS context")
        nonce = secrets.token_bytes(AUTH_NONCE_BYTES)
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(AUTH_TIMEOUT_S):
                reader, writer = await asyncio.open_connection(host, port, ssl=ctx)
                ssl_object = writer.get_extra_info("ssl_object")
                tls.check_negotiated(ssl_object)
                der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
                attested = parse_attestation_certificate(der or b"")
                if attested.device_id != device_id:
                    return fail(
                        "identity-mismatch", "the device at this address is another device"
                    )
                await write_request(
                    writer,
                    "POST",
                    ProvisioningEndpoint.AUTH_CHALLENGE.value,
                    {"nonce": base64.b64encode(nonce).decode("ascii")},
                    host=device_id,
                    extra_headers={"Connection": "close"},
                )
                response = await read_response(reader)
        except ssl.SSLCertVerificationError:
            return fail(
                "untrusted-attestation",
                "the device's attestation certificate does not chain to a manufacturer root",
            )
        except DeviceProtocolError as exc:
            if isinstance(exc, HttpFramingError):
                return fail("connection-failed", "the device closed the connection")
            return fail(
                "untrusted-attestation", f"the device's identity was refused ({exc.reason})"
            )
        except ssl.SSLError:
            return fail(
                "tls-failed",
                "TLS with the device failed (it may not trust this gateway's certificate)",
            )
        except (TimeoutError, OSError):
            return fail("unreachable", "the gateway could not talk to the device")
        finally:
            if writer is not None:
                writer.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 1)
        if response.status != 200:
            code = ""
            with contextlib.suppress(DeviceProtocolError):
                answer = response.json()
                code = str(answer.get("reason") or answer.get("error") or "")[:40]
            if response.status == 409:
                return fail("not-provisioned", "the device has no operational certificate")
            return fail(
                "challenge-refused",
                f"the device refused the challenge ({response.status} {code})".strip(),
            )
        try:
            answer = response.json()
        except DeviceProtocolError:
            return fail("malformed-answer", "the device's answer is not JSON")
        cert = homepki.load_one_cert(answer.get("certificate"))
        signature_text = answer.get("signature")
        if cert is None or not isinstance(signature_text, str) or len(signature_text) > 512:
            return fail("malformed-answer", "the device's answer is malformed")
        try:
            signature = base64.b64decode(signature_text, validate=True)
        except (binascii.Error, ValueError):
            return fail("malformed-answer", "the device's signature is not base64")
        problem = homepki.check_chain_to_root(cert, [home_ca], now_utc())
        if problem is not None:
            return fail(
                "untrusted-certificate",
                f"the device's operational certificate is not from this home's CA ({problem})",
            )
        if (
            homepki.subject_value(cert, NameOID.COMMON_NAME) != device_id
            or homepki.subject_value(cert, NameOID.ORGANIZATIONAL_UNIT_NAME)
            != CertRole.DEVICE.value
        ):
            return fail(
                "identity-mismatch", "the operational certificate is for another identity"
            )
        if not homepki.verify_challenge(cert, nonce, gateway_der, signature):
            return fail("bad-signature", "the device's signature over the challenge is wrong")
        fp = homepki.fingerprint(cert)
        listed = next((e for e in prov.allow_list if e["device_id"] == device_id), None)
        if listed is None:
            return fail("not-allow-listed", "the device is not on the gateway's allow-list")
        if not hmac.compare_digest(listed["fingerprint"], fp):
            return fail(
                "fingerprint-mismatch",
                "the device's certificate is not the one on the gateway's allow-list",
            )
        return {"device_id": device_id, "authenticated": True, "fingerprint": fp}
