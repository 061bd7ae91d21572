"""The job's provisioning secrets, all kept in the encrypted job vault: the home CA, the
commissioner's client certificate, the gateway's owner-issuing CA, per-device admin
credentials and the owner invitations (with their owner epoch)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.backends import ClientCredentials
from commissioner.errors import UserError
from commissioner.jobs.models import OwnerInvitation
from commissioner.jobs.store import JobStore
from commissioner.protocol.spec import ADMIN_CREDENTIAL_BYTES
from commissioner.provisioning.home_ca import CA_CERT_NAME, HomeCA, fingerprint
from commissioner.provisioning.invitation import Invitation, encode_invitation_qr
from commissioner.secrets.vault import SecretVault

__all__ = [
    "COMMISSIONER_CERT",
    "COMMISSIONER_KEY",
    "ISSUING_CERT",
    "ISSUING_KEY",
    "active_invitation",
    "admin_credential",
    "admin_secret_name",
    "current_owner_epoch",
    "ensure_client_credentials",
    "ensure_home_ca",
    "ensure_issuing_ca",
    "invitation_secret_name",
    "load_invitation",
    "owner_invitation_payload",
]

COMMISSIONER_KEY: Final = "commissioner/client.key"
COMMISSIONER_CERT: Final = "commissioner/client.crt"
ISSUING_KEY: Final = "gateway/issuing-ca.key"
ISSUING_CERT: Final = "gateway/issuing-ca.crt"


def admin_secret_name(device_id: str) -> str:
    return f"admin/{device_id}"


def invitation_secret_name(invitation_id: str) -> str:
    return f"owner/invitation/{invitation_id}"


def ensure_home_ca(store: JobStore, vault: SecretVault, job_id: str) -> HomeCA:
    """The job's home CA, created (and stored encrypted) on first use."""
    if vault.has(job_id, CA_CERT_NAME):
        return HomeCA.from_vault(vault, job_id)
    ca = HomeCA.create(job_id)
    ca.to_vault(vault, job_id)  # key first, certificate last: a stored cert implies its key
    store.append_step(
        job_id, "provision.home-ca",
        {"fingerprint": ca.fingerprint, "algorithm": "ECDSA P-256 / SHA-256"},
    )
    return ca


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure_client_credentials(
    store: JobStore, vault: SecretVault, ca: HomeCA, job_id: str
) -> ClientCredentials:
    """The commissioner's client certificate for management connections (created once)."""
    if not vault.has(job_id, COMMISSIONER_CERT):
        cert, key = ca.issue_commissioner_client(job_id)
        vault.put(job_id, COMMISSIONER_KEY, _pem_key(key))
        vault.put(job_id, COMMISSIONER_CERT, cert.public_bytes(serialization.Encoding.PEM))
        store.append_step(job_id, "provision.commissioner-certificate",
                          {"fingerprint": fingerprint(cert)})
    return ClientCredentials(
        vault.get(job_id, COMMISSIONER_CERT), vault.get(job_id, COMMISSIONER_KEY)
    )


def ensure_issuing_ca(
    vault: SecretVault, ca: HomeCA, job_id: str, gateway_id: str
) -> tuple[str, str, str]:
    """(certificate PEM, key PEM, fingerprint) of the gateway's owner-issuing CA."""
    if not vault.has(job_id, ISSUING_CERT):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = ca.issue_gateway_issuing_ca(key.public_key(), gateway_id=gateway_id)
        vault.put(job_id, ISSUING_KEY, _pem_key(key))
        vault.put(job_id, ISSUING_CERT, cert.public_bytes(serialization.Encoding.PEM))
    cert_pem = vault.get(job_id, ISSUING_CERT)
    cert = x509.load_pem_x509_certificate(cert_pem)
    return cert_pem.decode("ascii"), vault.get(job_id, ISSUING_KEY).decode("ascii"), fingerprint(
        cert
    )


def admin_credential(vault: SecretVault, job_id: str, device_id: str) -> bytes:
    """The device's admin credential: generated once (32 random bytes = 256 bits), stored
    encrypted *before* it is ever sent, and never replaced."""
    name = admin_secret_name(device_id)
    if not vault.has(job_id, name):
        vault.put(job_id, name, secrets.token_bytes(ADMIN_CREDENTIAL_BYTES))
    return vault.get(job_id, name)


def current_owner_epoch(store: JobStore, job_id: str) -> int:
    epochs = [inv.epoch for inv in store.owner_invitations(job_id)]
    return max(epochs, default=1)


def active_invitation(store: JobStore, job_id: str) -> OwnerInvitation | None:
    """The job's current (highest-epoch, unrevoked) owner invitation record, if any."""
    active = [i for i in store.owner_invitations(job_id) if i.status == "active"]
    return max(active, key=lambda i: i.epoch) if active else None


def owner_invitation_payload(store: JobStore, vault: SecretVault, job_id: str) -> str:
    """The QR payload of the job's current owner invitation, for the guidance sheet.

    It contains the one-time token: print it, never log it. Raises UserError if the job has
    no active invitation (commission the home first)."""
    inv = active_invitation(store, job_id)
    if inv is None:
        raise UserError(code="owner.no-invitation")
    return encode_invitation_qr(load_invitation(vault, job_id, inv))


def load_invitation(vault: SecretVault, job_id: str, inv: OwnerInvitation) -> Invitation:
    return Invitation(
        invitation_id=inv.invitation_id, home_id=job_id, gateway_id=inv.gateway_id,
        token=vault.get(job_id, invitation_secret_name(inv.invitation_id)),
        expires_at=dt.datetime.fromtimestamp(inv.expires_at, dt.UTC), epoch=inv.epoch,
    )

