"""JC-STAR labels as evidence: recorded in the job's log for the device they are paired with,
compared with the catalog's registration number for the device's model, never proof alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from commissioner.jobs.store import JobStore
from commissioner.protocol.catalog_format import Catalog
from commissioner.protocol.jcstar import JcStarLabel

__all__ = ["ACTION", "JcStarEvidence", "evidence", "finding_for", "record_jcstar"]

ACTION: Final = "label.jcstar"


@dataclass(frozen=True, slots=True)
class JcStarEvidence:
    device_id: str
    model: str
    url: str
    registration_number: str
    catalog_number: str | None  # what the catalog lists for the model, if anything
    finding: str | None  # a sentence when the label contradicts the catalog


def finding_for(catalog: Catalog, model: str, label: JcStarLabel) -> tuple[str | None, str | None]:
    """(the catalog's registration number for ``model``, a finding or None)."""
    listed = None if catalog.codes is None else catalog.codes.jcstar_registrations.get(model)
    if listed is not None and listed != label.registration_number:
        return listed, (f"The JC-STAR label carries registration number "
                        f"{label.registration_number}, but the catalog lists {listed} for "
                        f"model {model}.")
    return listed, None


def record_jcstar(store: JobStore, job_id: str, device_id: str, model: str,
                  label: JcStarLabel, catalog: Catalog) -> JcStarEvidence:
    """Append the label to the job's log as evidence (nothing fetched); returns it."""
    listed, finding = finding_for(catalog, model, label)
    store.append_step(job_id, ACTION, {
        "model": model, "url": label.url, "registration_number": label.registration_number,
        "catalog_registration_number": listed, "finding": finding,
        "note": "evidence only: the page was not fetched and a label is not proof",
    }, device_id=device_id)
    return JcStarEvidence(device_id, model, label.url, label.registration_number, listed,
                          finding)


def evidence(store: JobStore, job_id: str) -> list[JcStarEvidence]:
    """The latest JC-STAR evidence per device, from the job's log."""
    latest: dict[str, JcStarEvidence] = {}
    for step in store.steps(job_id):
        if step.action != ACTION or step.device_id is None:
            continue
        d: Mapping[str, object] = step.detail
        latest[step.device_id] = JcStarEvidence(
            step.device_id, str(d.get("model", "")), str(d.get("url", "")),
            str(d.get("registration_number", "")),
            None if d.get("catalog_registration_number") is None
            else str(d["catalog_registration_number"]),
            None if d.get("finding") is None else str(d["finding"]))
    return list(latest.values())
