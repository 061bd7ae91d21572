"""How the job names a Matter device: from what both its box label and its commissionable
advertisement carry (vendor id, product id, discriminator), so that a scanned label and a
heard device meet on one device id.

    matter-<vid:04x>-<pid:04x>-<discriminator:03x>     e.g. matter-fff1-8000-f00

A label without the vendor/product ids or with only the 4-bit short discriminator (an
11-digit manual code) cannot name the device by itself; it is matched against the Matter
devices of the job instead (:func:`candidates`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

MATTER_FAMILY: Final = "matter"
MATTER_KIND: Final = "matter"
_ID_RE: Final = re.compile(r"^matter-([0-9a-f]{4})-([0-9a-f]{4})-(s?)([0-9a-f]{1,3})$")


@dataclass(frozen=True, slots=True)
class MatterIdentity:
    vendor_id: int
    product_id: int
    discriminator: int
    short: bool = False

    @property
    def device_id(self) -> str:
        if self.short:
            return f"matter-{self.vendor_id:04x}-{self.product_id:04x}-s{self.discriminator:x}"
        return f"matter-{self.vendor_id:04x}-{self.product_id:04x}-{self.discriminator:03x}"

    def could_be(self, device: MatterIdentity) -> bool:
        """Whether a device heard as ``device`` (long discriminator) fits this identity; a zero
        vendor or product id means "not given"."""
        if self.short:
            if device.discriminator >> 8 != self.discriminator:
                return False
        elif device.discriminator != self.discriminator:
            return False
        if self.vendor_id and self.vendor_id != device.vendor_id:
            return False
        return not (self.product_id and self.product_id != device.product_id)


def matter_device_id(vendor_id: int, product_id: int, discriminator: int) -> str:
    return MatterIdentity(vendor_id, product_id, discriminator).device_id


def parse_matter_device_id(device_id: str) -> MatterIdentity | None:
    m = _ID_RE.fullmatch(device_id)
    if m is None:
        return None
    short = bool(m.group(3))
    disc = int(m.group(4), 16)
    if (short and disc > 0xF) or (not short and len(m.group(4)) != 3):
        return None
    return MatterIdentity(int(m.group(1), 16), int(m.group(2), 16), disc, short)


def candidates(identity: MatterIdentity, device_ids: Iterable[str]) -> list[str]:
    """The job's Matter devices that ``identity`` (from a label) may belong to."""
    out = []
    for device_id in device_ids:
        heard = parse_matter_device_id(device_id)
        if heard is not None and not heard.short and identity.could_be(heard):
            out.append(device_id)
    return out
