"""Matter box labels (the ``MT:`` QR code or the 11/21-digit manual code) as job labels.

A Matter label becomes a :class:`~commissioner.protocol.label.Label` whose device id is the
Matter device id (:mod:`commissioner.discovery.matter_ids`), whose manufacturer and model are
the vendor and product ids, and whose secret part (``setup_code``) is the onboarding payload
itself, normalised: the commissioning engine needs the whole payload, and like every setup code
it is kept only in the job's encrypted vault. A label that cannot name its device alone (a
manual code) is resolved against the job's Matter devices when it is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from commissioner.discovery.matter_ids import MATTER_KIND, MatterIdentity, candidates
from commissioner.protocol.label import Label
from commissioner.protocol.matter_payload import (
    MatterPayload,
    MatterPayloadError,
    decode_matter_payload,
    is_matter_payload,
)

__all__ = ["identity_of", "is_matter_label", "matter_label", "matter_payload_of",
           "resolve_matter_label"]

_SEPARATORS: Final = re.compile(r"[\s-]")


def identity_of(payload: MatterPayload) -> MatterIdentity:
    return MatterIdentity(payload.vendor_id, payload.product_id, payload.discriminator,
                          payload.short_discriminator)


def _normalised(text: str) -> str:
    text = text.strip()
    return text if text.startswith("MT:") else _SEPARATORS.sub("", text)


def matter_label(text: str) -> Label:
    """The job label for a Matter payload (raises MatterPayloadError when it is invalid)."""
    payload = decode_matter_payload(text)
    return Label(
        device_id=identity_of(payload).device_id,
        manufacturer=f"VID {payload.vendor_id:04X}" if payload.vendor_id else "VID unknown",
        model=f"PID {payload.product_id:04X}" if payload.product_id else "PID unknown",
        serial=payload.serial_number or "unknown",
        setup_code=_normalised(text),
        kind=MATTER_KIND,
    )


def is_matter_label(label: Label) -> bool:
    return label.kind == MATTER_KIND and is_matter_payload(label.setup_code)


def matter_payload_of(label: Label) -> MatterPayload:
    return decode_matter_payload(label.setup_code)


def resolve_matter_label(label: Label, device_ids: Iterable[str]) -> Label:
    """``label`` with the device id of the one job device it fits (by discriminator and
    vendor/product ids); unchanged when none or several fit."""
    if not is_matter_label(label):
        return label
    try:
        identity = identity_of(matter_payload_of(label))
    except MatterPayloadError:
        return label
    found = candidates(identity, device_ids)
    if len(found) != 1 or found[0] == label.device_id:
        return label
    return Label(found[0], label.manufacturer, label.model, label.serial, label.setup_code,
                 label.kind)
