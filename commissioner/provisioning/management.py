"""Management sessions to a job's devices after (or before) provisioning, for the firmware
update and later resale steps: the credential the job holds for each device, never a guess.

:class:`JobAccess` is the seam's :class:`~commissioner.backends.Credentials`; the device's
backend decides which one a session needs:

* a commissioned device: the commissioner's home-CA client certificate, then the device's
  admin-credential proof;
* a device still in factory state: the setup-code proof with the label scanned into the job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commissioner.backends import ClientCredentials
from commissioner.jobs.store import JobStore
from commissioner.protocol.label import Label
from commissioner.provisioning.job_secrets import (
    COMMISSIONER_CERT,
    COMMISSIONER_KEY,
    admin_secret_name,
)
from commissioner.provisioning.setup_codes import job_label
from commissioner.secrets.vault import SecretVault

__all__ = ["JobAccess"]


@dataclass
class JobAccess:
    """The job's own credentials for its devices.

    ``fallback_labels`` (training mode: the virtual home's box labels) are used only for a
    factory-state device whose label was not scanned into the job."""

    store: JobStore
    vault: SecretVault
    job_id: str
    fallback_labels: Mapping[str, Label] = field(default_factory=dict)

    def client_credentials(self) -> ClientCredentials | None:
        if not self.vault.has(self.job_id, COMMISSIONER_CERT):
            return None
        return ClientCredentials(
            self.vault.get(self.job_id, COMMISSIONER_CERT),
            self.vault.get(self.job_id, COMMISSIONER_KEY),
        )

    def admin_credential(self, device_id: str) -> bytes | None:
        name = admin_secret_name(device_id)
        return self.vault.get(self.job_id, name) if self.vault.has(self.job_id, name) else None

    def setup_label(self, device_id: str) -> Label | None:
        label = job_label(self.store, self.vault, self.job_id, device_id)
        return label or self.fallback_labels.get(device_id)
