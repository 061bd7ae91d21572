"""Who may open a management session for a firmware update: the credentials a caller holds.

A :data:`ManagementAccess` is the seam's :class:`~commissioner.backends.Credentials`: the
backend asks it for the setup payload of a factory-state device, or the admin credential (and
the commissioner's client certificate) of a commissioned one.
:class:`commissioner.provisioning.management.JobAccess` answers from a job;
:class:`SetupCodeAccess` from scanned labels only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from commissioner.backends import ClientCredentials, Credentials
from commissioner.backends.errors import NoCredentialError
from commissioner.protocol.label import Label

__all__ = ["AccessError", "ManagementAccess", "SetupCodeAccess"]

ManagementAccess = Credentials
AccessError = NoCredentialError
"""No way to authenticate to the device (no label / credential for it)."""


@dataclass
class SetupCodeAccess:
    """Factory-state devices: the setup-code proof with the device's scanned label (the label
    must match the attested certificate before anything is sent)."""

    labels: Mapping[str, Label]

    def setup_label(self, device_id: str) -> Label | None:
        return self.labels.get(device_id)

    def admin_credential(self, device_id: str) -> bytes | None:
        return None

    def client_credentials(self) -> ClientCredentials | None:
        return None
