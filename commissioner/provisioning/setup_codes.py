"""Setup codes of scanned labels, kept for provisioning.

The job store never holds a setup code in clear (see :mod:`commissioner.trust.labels`); when
the installer scans a label, the CLI or GUI calls :func:`remember_label`, which records the
label's public fields (as ``label add`` does) and keeps the setup code encrypted in the job's
vault as ``label/<device id>/setup-code``. Provisioning reads it back with :func:`job_label`.
Nothing here logs or prints a setup code.
"""

from __future__ import annotations

from collections.abc import Iterable

from commissioner.jobs.store import JobStore
from commissioner.protocol.label import Label
from commissioner.protocol.spec import SETUP_CODE_RE
from commissioner.secrets.vault import SecretVault
from commissioner.trust.label_records import add_labels, setup_code_name

__all__ = [
    "forget_setup_codes",
    "job_label",
    "remember_label",
    "remember_labels",
    "setup_code_name",
]


def remember_label(store: JobStore, vault: SecretVault, job_id: str, label: Label, *,
                   source: str | None = None) -> str:
    """Record a scanned label for provisioning (see :func:`add_labels`); its pairing status."""
    (result,) = add_labels(store, store.get_job(job_id), [label], vault=vault, source=source)
    return str(result["status"])


def remember_labels(
    store: JobStore, vault: SecretVault, job_id: str, labels: Iterable[Label], *,
    source: str | None = None,
) -> dict[str, str]:
    """:func:`remember_label` for each label; ``{device id: pairing status}``."""
    return {lab.device_id: remember_label(store, vault, job_id, lab, source=source)
            for lab in labels}


def job_label(store: JobStore, vault: SecretVault, job_id: str, device_id: str) -> Label | None:
    """The device's label with its setup code from the vault, or None if none was scanned."""
    name = setup_code_name(device_id)
    if not vault.has(job_id, name):
        return None
    code = vault.get(job_id, name).decode("ascii", errors="replace")
    if not SETUP_CODE_RE.fullmatch(code):
        return None
    for lab in store.labels(job_id):
        if lab.device_id == device_id:
            return Label(lab.device_id, lab.manufacturer, lab.model, lab.serial, code, lab.kind)
    return None


def forget_setup_codes(vault: SecretVault, job_id: str) -> int:
    """Delete every stored setup code of the job (they are useless once commissioned)."""
    return vault.delete(job_id, "label/")
