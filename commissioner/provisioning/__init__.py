"""Provisioning a whole home: the home CA, operational credentials and owner invitations."""

from commissioner.provisioning.home_ca import (
    CsrRejectedError,
    HomeCA,
    fingerprint,
    issue_owner_certificate,
)
from commissioner.provisioning.invitation import (
    Invitation,
    MalformedInvitationError,
    decode_invitation_qr,
    encode_invitation_qr,
    new_invitation,
    token_sha256,
)

__all__ = [
    "CsrRejectedError",
    "HomeCA",
    "Invitation",
    "MalformedInvitationError",
    "decode_invitation_qr",
    "encode_invitation_qr",
    "fingerprint",
    "issue_owner_certificate",
    "new_invitation",
    "token_sha256",
]
