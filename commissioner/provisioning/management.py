"""Management sessions to a job's devices after (or before) provisioning, for the firmware
update and later resale steps: the credential the job holds for each device, never a guess.

* A commissioned device: TLS with the commissioner's home-CA client certificate, then the
  device's admin-credential proof.
* A device still in factory state: the setup-code proof with the label scanned into the job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commissioner.firmware.plan import DeviceEndpoint
from commissioner.firmware.push import AccessError
from commissioner.jobs.store import JobStore
from commissioner.protocol.client import DeviceSession, TrustStore, open_session
from commissioner.protocol.label import Label
from commissioner.protocol.spec import CommissioningState
from commissioner.provisioning import device_ops as ops
from commissioner.provisioning.run import COMMISSIONER_CERT, COMMISSIONER_KEY, admin_secret_name
from commissioner.provisioning.setup_codes import job_label
from commissioner.secrets.vault import SecretVault

__all__ = ["JobAccess"]


@dataclass
class JobAccess:
    """Opens authenticated management sessions with the job's own credentials.

    ``fallback_labels`` (training mode: the virtual home's box labels) are used only for a
    factory-state device whose label was not scanned into the job."""

    store: JobStore
    vault: SecretVault
    job_id: str
    fallback_labels: Mapping[str, Label] = field(default_factory=dict)

    def _client(self) -> ops.ClientCredentials | None:
        if not self.vault.has(self.job_id, COMMISSIONER_CERT):
            return None
        return ops.ClientCredentials(
            self.vault.get(self.job_id, COMMISSIONER_CERT),
            self.vault.get(self.job_id, COMMISSIONER_KEY),
        )

    async def open(
        self,
        endpoint: DeviceEndpoint,
        trust: TrustStore,
        timeout: float,  # noqa: ASYNC109 - per network step, kept by the session
    ) -> DeviceSession:
        session = await open_session(
            endpoint.host, endpoint.port, ops.client_trust(trust, self._client()), timeout=timeout
        )
        try:
            await self._authenticate(session, endpoint.device_id)
        except BaseException:
            await session.aclose()
            raise
        return session

    async def _authenticate(self, session: DeviceSession, device_id: str) -> None:
        name = admin_secret_name(device_id)
        state = await ops.get_state(session)
        if state == CommissioningState.COMMISSIONED.value:
            if not self.vault.has(self.job_id, name):
                raise AccessError(
                    f"{device_id} is commissioned but this job holds no admin credential for it"
                )
            await ops.admin_authenticate(session, self.vault.get(self.job_id, name))
            return
        label = job_label(self.store, self.vault, self.job_id, device_id)
        label = label or self.fallback_labels.get(device_id)
        if label is None:
            raise AccessError(f"no label (setup code) for {device_id}; scan its label")
        await session.authenticate(label)
