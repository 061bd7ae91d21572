"""Resale: a new job for the next owner of a handed-over home (R2-4, R2-5, R2-9).

The resale job starts from the home's previous sealed job - in this job store, or imported
from a job bundle - or from discovery alone when no record exists. The link (previous job id,
number and sealed hash, or "discovery") is the first entry of the new job's audit log
(``resale.link``); the previous job is only read, never changed: it stays sealed.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, replace
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commissioner.app.context import AppContext, find_job
from commissioner.backends import ClientCredentials
from commissioner.errors import UserError
from commissioner.jobs.models import Job
from commissioner.jobs.store import JobStore
from commissioner.provisioning.home_ca import issue_owner_certificate
from commissioner.provisioning.job_secrets import (
    ISSUING_CERT,
    ISSUING_KEY,
    active_invitation,
    current_owner_epoch,
    invitation_secret_name,
    load_invitation,
)
from commissioner.provisioning.management import JobAccess
from commissioner.secrets.vault import SecretVault

RESALE_LINK: Final = "resale.link"
SOURCE_JOB: Final = "job-store"
SOURCE_DISCOVERY: Final = "discovery"


@dataclass(frozen=True, slots=True)
class ResaleLink:
    from_job: str | None
    from_job_number: str | None
    sealed_hash: str | None
    source: str  # job-store | discovery


@dataclass(frozen=True, slots=True)
class PreviousHome:
    """What the previous job's vault still holds to prove the old home is gone. Secrets:
    never logged, never written anywhere but the probes sent to the devices."""

    job_id: str
    access: JobAccess  # admin credentials and commissioner client certificate
    owner_probe: ClientCredentials | None  # an owner certificate of the old epoch
    owner_epoch: int | None
    invitation: tuple[str, str] | None  # (invitation id, token as in the QR payload)


def resale_link(store: JobStore, job_id: str) -> ResaleLink | None:
    """The job's link to the previous job, or None when it is not a resale job."""
    for step in store.steps(job_id):
        if step.action == RESALE_LINK:
            d = step.detail
            return ResaleLink(
                from_job=str(d["from_job"]) if d.get("from_job") else None,
                from_job_number=str(d["from_job_number"]) if d.get("from_job_number") else None,
                sealed_hash=str(d["sealed_hash"]) if d.get("sealed_hash") else None,
                source=str(d.get("source", SOURCE_DISCOVERY)),
            )
    return None


def create_resale_job(
    ctx: AppContext, *, job_number: str, operator: str, from_job: str | None,
    site_name: str | None = None, site_address: str | None = None,
    service_level: int | None = None,
) -> tuple[Job, ResaleLink]:
    """Create the resale job and record its link; the previous job must be sealed. The job's
    operator is the signed-in account."""
    operator = ctx.require("resale").audit_name
    with ctx.store(create=True) as store:
        previous: Job | None = None
        if from_job is not None:
            previous = find_job(store, from_job)
            if not previous.is_closed or previous.sealed_hash is None:
                raise UserError(
                    code="resale.previous-not-sealed",
                    params={"job_id": previous.id, "job_number": previous.job_number})
            check = store.verify_audit(previous.id)
            if not check.ok:
                raise UserError(
                    code="resale.audit-broken",
                    params={"job_id": previous.id, "detail": check.problem})
        name = site_name or (previous.site_name if previous else None)
        address = site_address or (previous.site_address if previous else None)
        level = service_level or (previous.service_level if previous else None)
        if not name or not address or level is None:
            raise UserError(code="resale.needs-site")
        try:
            # The basis of the level (R2-1/R3-2) carries over with the home's service.
            same = previous is not None and previous.service_level == level
            job = store.create_job(job_number=job_number, site_name=name, site_address=address,
                                   service_level=level, operator=operator,
                                   personal_data=previous.personal_data if previous else None,
                                   life_or_property=previous.life_or_property if previous
                                   else None,
                                   level_reason=previous.level_reason if same and previous
                                   else None)
        except ValueError as err:
            raise UserError(code="value.invalid", params={"detail": err}) from None
        link = ResaleLink(
            from_job=previous.id if previous else None,
            from_job_number=previous.job_number if previous else None,
            sealed_hash=previous.sealed_hash if previous else None,
            source=SOURCE_JOB if previous else SOURCE_DISCOVERY,
        )
        store.append_step(job.id, RESALE_LINK, {
            "kind": "resale", "from_job": link.from_job,
            "from_job_number": link.from_job_number, "sealed_hash": link.sealed_hash,
            "source": link.source,
        }, operator=operator)
        if previous is not None:
            now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
            for device in store.devices(previous.id):
                store.upsert_device(job.id, replace(device, first_seen=now, last_seen=now,
                                                    status="seen"))
        return job, link


def previous_home(store: JobStore, vault: SecretVault, link: ResaleLink) -> PreviousHome | None:
    """The previous job's credentials, when this store's vault holds them."""
    if link.from_job is None:
        return None
    old = link.from_job
    access = JobAccess(store, vault, old)
    epoch: int | None = None
    owner_probe = None
    try:
        epoch = current_owner_epoch(store, old)
    except (UserError, ValueError, KeyError):
        epoch = None
    if epoch is not None and vault.has(old, ISSUING_KEY) and vault.has(old, ISSUING_CERT):
        owner_probe = _owner_probe(vault.get(old, ISSUING_CERT), vault.get(old, ISSUING_KEY),
                                   epoch)
    invitation = None
    inv = active_invitation(store, old)
    # A job imported from a bundle has no invitation token (it never leaves the laptop that
    # issued it): the invitation is then not tried, and the evidence does not claim it.
    if inv is not None and vault.has(old, invitation_secret_name(inv.invitation_id)):
        loaded = load_invitation(vault, old, inv)
        token = base64.urlsafe_b64encode(loaded.token).rstrip(b"=").decode("ascii")
        invitation = (loaded.invitation_id, token)
    return PreviousHome(old, access, owner_probe, epoch, invitation)


def _owner_probe(cert_pem: bytes, key_pem: bytes, epoch: int) -> ClientCredentials | None:
    """An owner certificate of the previous owner's epoch, issued by the previous home's
    issuing CA exactly as the gateway issued the owner's own: what the old owner holds."""
    issuer = x509.load_pem_x509_certificate(cert_pem)
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    own = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "owner-probe")]))
           .sign(own, hashes.SHA256()))
    cert = issue_owner_certificate(issuer, key, csr.public_bytes(serialization.Encoding.PEM),
                                   epoch=epoch)
    chain = cert.public_bytes(serialization.Encoding.PEM) + cert_pem
    return ClientCredentials(chain, own.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
