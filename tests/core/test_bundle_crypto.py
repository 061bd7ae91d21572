"""Job-bundle cryptography and the job store's import refusals, at unit level (real keys,
real AES-GCM, a real SQLite store): every alteration is refused, and a refused import stores
nothing. The follow-up log's secrets belong to sealed jobs only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.bundles.crypto import (
    BundleCryptoError,
    Sealed,
    decrypt_with,
    encrypt_to,
    load_card,
    make_card,
    sign,
    signature_ok,
)
from commissioner.jobs.store import JobStore
from commissioner.jobs.store_followup import JobNotSealedError
from commissioner.jobs.store_transfer import ImportRefusedError

CONTEXT = b"job-1\0sealed-hash\0recipient"


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_secrets_decrypt_only_with_the_recipient_key_and_context() -> None:
    own = _key()
    sealed = encrypt_to(own.public_key(), b"admin credential", CONTEXT)
    assert decrypt_with(own, sealed, CONTEXT) == b"admin credential"
    assert sealed.ciphertext.find(b"admin credential") == -1
    with pytest.raises(BundleCryptoError, match="do not decrypt"):
        decrypt_with(_key(), sealed, CONTEXT)  # wrong recipient key
    with pytest.raises(BundleCryptoError, match="do not decrypt"):
        decrypt_with(own, sealed, CONTEXT + b"x")  # another job / seal / recipient (AAD)
    flipped = bytearray(sealed.ciphertext)
    flipped[0] ^= 0x80
    with pytest.raises(BundleCryptoError, match="do not decrypt"):
        decrypt_with(own, Sealed(sealed.ephemeral, sealed.nonce, bytes(flipped)), CONTEXT)
    tag = bytearray(sealed.ciphertext)
    tag[-1] ^= 0x01
    with pytest.raises(BundleCryptoError, match="do not decrypt"):
        decrypt_with(own, Sealed(sealed.ephemeral, sealed.nonce, bytes(tag)), CONTEXT)
    other_nonce = bytes(b ^ 0xFF for b in sealed.nonce)
    with pytest.raises(BundleCryptoError, match="do not decrypt"):
        decrypt_with(own, Sealed(sealed.ephemeral, other_nonce, sealed.ciphertext), CONTEXT)
    with pytest.raises(BundleCryptoError, match="bad nonce"):
        decrypt_with(own, Sealed(sealed.ephemeral, sealed.nonce[:8], sealed.ciphertext),
                     CONTEXT)
    with pytest.raises(BundleCryptoError, match="bad ephemeral key"):
        decrypt_with(own, Sealed(b"\x04" + b"\x00" * 64, sealed.nonce, sealed.ciphertext),
                     CONTEXT)
    # A fresh ephemeral key and nonce every time: the same secret never looks the same.
    again = encrypt_to(own.public_key(), b"admin credential", CONTEXT)
    assert again.ephemeral != sealed.ephemeral and again.ciphertext != sealed.ciphertext


def test_signatures_hold_only_for_the_signing_card_and_the_exact_body() -> None:
    signer, other = _key(), _key()
    card = make_card(signer, _key().public_key(), "laptop A")
    foreign = make_card(other, _key().public_key(), "laptop B")
    body = json.dumps({"job": "J-1", "sealed": "ab" * 32}).encode()
    signature = sign(signer, body)
    assert signature_ok(card, body, signature)
    assert not signature_ok(card, body + b" ", signature)
    assert not signature_ok(foreign, body, signature)
    assert load_card(card.pem(), "card").signer_id == card.signer_id
    # A card whose receiving certificate another key issued is refused.
    mixed = card.pem().split(b"-----END CERTIFICATE-----\n")[0] + \
        b"-----END CERTIFICATE-----\n" + foreign.pem().split(b"-----END CERTIFICATE-----\n")[1] \
        + b"-----END CERTIFICATE-----\n"
    with pytest.raises(BundleCryptoError):
        load_card(mixed, "card")
    with pytest.raises(BundleCryptoError):
        load_card(b"not a card", "card")


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[JobStore, JobStore]]:
    a = JobStore.open(tmp_path / "a.sqlite3")
    b = JobStore.open(tmp_path / "b.sqlite3")
    yield a, b
    a.close()
    b.close()


def _sealed(store: JobStore, number: str = "B-1") -> str:
    job = store.create_job(job_number=number, site_name="Site", site_address="Addr",
                           service_level=2, operator="Op")
    store.append_step(job.id, "note.added", {"text": "a step"})
    store.close_job(job.id)
    return job.id


def test_store_import_refusals_store_nothing(stores: tuple[JobStore, JobStore]) -> None:
    a, b = stores
    jid = _sealed(a)
    rows = a.job_rows(jid)

    def edited(table: str, change: dict[str, object], pos: int = 0
               ) -> dict[str, list[dict[str, object]]]:
        out: dict[str, list[dict[str, object]]] = {k: [dict(r) for r in v]
                                                   for k, v in rows.items()}
        out[table][pos].update(change)
        return out

    open_job = a.create_job(job_number="B-2", site_name="S", site_address="A",
                            service_level=2, operator="Op")
    cases: list[tuple[object, str]] = [
        (edited("steps", {"detail": json.dumps({"text": "edited"})}, 1), "does not verify"),
        (edited("jobs", {"sealed_hash": "0" * 64}), "does not verify"),
        (edited("steps", {"job_id": "J-OTHER"}), "does not belong"),
        ({**rows, "no_such_table": [{"job_id": jid}]}, "does not know"),
        ({k: v for k, v in rows.items() if k != "jobs"}, "no single job record"),
        (a.job_rows(open_job.id), "only a sealed"),
        (edited("steps", {"detail": {"nested": "object"}}), "wrong type"),
    ]
    for tables, message in cases:
        with pytest.raises(ImportRefusedError, match=message):
            b.import_sealed_job(tables)  # type: ignore[arg-type]
        assert b.list_jobs() == [], message
    assert b.import_sealed_job(rows) == jid
    assert b.verify_audit(jid).ok
    with pytest.raises(ImportRefusedError, match="already in this job store"):
        b.import_sealed_job(rows)
    # A store where the job number is already taken by another job refuses it too.
    c = JobStore.open(a.path.with_name("c.sqlite3"))
    try:
        taken = c.create_job(job_number="B-1", site_name="S", site_address="A",
                             service_level=2, operator="Op")
        with pytest.raises(ImportRefusedError, match="already uses the job number"):
            c.import_sealed_job(rows)
        assert [j.id for j in c.list_jobs()] == [taken.id]
    finally:
        c.close()


def test_followup_secrets_only_on_sealed_jobs_and_under_their_prefix(
        stores: tuple[JobStore, JobStore]) -> None:
    a, _ = stores
    jid = _sealed(a)
    a.put_followup_secret(jid, "followup/admin/dev-1", b"\0" * 12, b"\1" * 32)
    assert a.get_secret(jid, "followup/admin/dev-1") == (b"\0" * 12, b"\1" * 32)
    with pytest.raises(ValueError, match="followup/"):
        a.put_followup_secret(jid, "admin/dev-1", b"\0" * 12, b"\1" * 32)
    job = a.create_job(job_number="B-9", site_name="S", site_address="A", service_level=2,
                       operator="Op")
    with pytest.raises(JobNotSealedError):
        a.put_followup_secret(job.id, "followup/admin/dev-1", b"\0" * 12, b"\1" * 32)


def test_bundle_carries_the_followup_log_linked_to_the_seal(
        stores: tuple[JobStore, JobStore]) -> None:
    from commissioner.bundles.bundle import BundleError, build_bundle, check_bundle, open_secrets
    from commissioner.bundles.identity import Installation
    from commissioner.jobs.store_followup import followup_rows

    a, b = stores
    jid = _sealed(a)
    a.append_followup(jid, "verify.completed", {"matches": False}, operator="Op")
    a.append_followup(jid, "remediate.replaced", {"n": 1}, device_id="dev-1", operator="Op")
    sender, receiver = Installation(_key(), _key()), Installation(_key(), _key())
    rows = followup_rows(a.followup_steps(jid))

    def bundle(followup: list[dict[str, object]]) -> bytes:
        return build_bundle(tables=a.job_rows(jid), own=sender, recipient=receiver.card(),
                            secrets={"followup/admin/dev-1": b"new admin", "admin/dev-1": b"x"},
                            handover_report=None, followup=followup)

    checked = check_bundle(bundle(rows), trusted_signer=sender.card())
    assert [s.action for s in checked.followup] == ["verify.completed", "remediate.replaced"]
    assert open_secrets(checked, receiver)["followup/admin/dev-1"] == b"new admin"
    other = _sealed(a, "B-2")
    a.append_followup(other, "verify.completed", {}, operator="Op")
    edited = [dict(rows[0], detail='{"matches":true}'), rows[1]]
    cases = {  # each re-signed by the sender: only the chain check can catch them
        "edited": (edited, "edited"),
        "dropped first": (rows[1:], "link broken"),
        "reordered": (rows[::-1], "link broken"),
        "another job's": (followup_rows(a.followup_steps(other)), "another job"),
    }
    for name, (followup, message) in cases.items():
        with pytest.raises(BundleError, match=message) as err:
            check_bundle(bundle(followup), trusted_signer=sender.card())
        assert err.value.problem == "audit-broken", name
    # The store re-checks the chain inside the import's transaction: nothing is stored.
    with pytest.raises(ImportRefusedError, match="follow-up log"):
        b.import_sealed_job(a.job_rows(jid), followup=tuple(reversed(checked.followup)))
    assert b.list_jobs() == []
    with pytest.raises(ImportRefusedError, match="followup/"):
        b.import_sealed_job(a.job_rows(jid), followup=checked.followup,
                            followup_secrets=[("admin/dev-1", b"\0" * 12, b"\1" * 32)])
    assert b.list_jobs() == []
    assert b.import_sealed_job(a.job_rows(jid), followup=checked.followup, followup_secrets=[
        ("followup/admin/dev-1", b"\0" * 12, b"\1" * 32)]) == jid
    assert b.verify_followup(jid).entries == 2
    assert b.get_secret(jid, "followup/admin/dev-1") == (b"\0" * 12, b"\1" * 32)
    # Appending goes on from the imported chain.
    b.append_followup(jid, "bundle.imported", {}, operator="Op")
    assert b.verify_followup(jid).ok and b.verify_followup(jid).entries == 3
