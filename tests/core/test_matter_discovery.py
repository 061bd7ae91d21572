"""Matter discovery against matter.js virtual devices in their own network namespaces, heard
over IPv6 link-local through a bridge: the ``matter`` transport in the discovery manager, the
TXT fields, a device's own QR code decoded by our codec, and labels matched to devices."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from matter_home import DeviceSpec, MatterHome, matter_home, unavailable_reason

from commissioner.discovery.matter import MatterTransport, parse_commissionable_txt
from commissioner.discovery.matter_ids import parse_matter_device_id
from commissioner.discovery.scan import scan
from commissioner.protocol.matter_payload import Rendezvous, decode_manual_code, decode_qr
from commissioner.protocol.spec import CommissioningState

SPECS = [DeviceSpec("light", 0xF01, product_id=0x8000),
         DeviceSpec("plug", 0xE02, product_id=0x8001, passcode=34567890)]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MatterHome]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with matter_home(tmp_path_factory.mktemp("matter-disc"), SPECS) as h:
        yield h


def test_the_devices_own_codes_decode(home: MatterHome) -> None:
    for device in home.devices:
        qr = decode_qr(device.qr)
        assert (qr.vendor_id, qr.product_id, qr.discriminator, qr.passcode) == (
            device.spec.vendor_id, device.spec.product_id, device.spec.discriminator,
            device.spec.passcode)
        assert qr.rendezvous == Rendezvous.ON_NETWORK
        manual = decode_manual_code(device.manual)
        assert manual.discriminator == device.spec.discriminator >> 8
        assert manual.passcode == device.spec.passcode


def test_commissionable_devices_are_heard_over_link_local(home: MatterHome) -> None:
    result = asyncio.run(scan(home.interfaces, 10, expect=len(SPECS),
                              extra_transports=[MatterTransport(home.interfaces)]))
    by_id = {r.device_id: r for r in result.devices}
    assert set(by_id) == {"matter-fff1-8000-f01", "matter-fff1-8001-e02"}, result.malformed
    for record in by_id.values():
        s = record.sightings["matter"]
        assert s.address is not None and s.address.startswith("fe80::") and "%" in s.address
        assert s.port == 5540 and s.state is CommissioningState.FACTORY
        assert s.kind == "matter" and s.manufacturer == "VID FFF1"
        ident = parse_matter_device_id(record.device_id)
        assert ident is not None
        spec = next(d.spec for d in home.devices if d.spec.discriminator == ident.discriminator)
        assert decode_manual_code(home.devices[home.devices.index(next(
            d for d in home.devices if d.spec is spec))].manual).matches(
            discriminator=ident.discriminator, vendor_id=ident.vendor_id,
            product_id=ident.product_id)
    assert not result.malformed


@pytest.mark.parametrize(("props", "ok"), [
    ({b"D": b"3841", b"VP": b"65521+32768", b"CM": b"1"}, True),
    ({b"D": b"3841", b"VP": b"65521"}, True),
    ({b"D": b"4096", b"VP": b"65521+32768"}, False),
    ({b"VP": b"65521+32768"}, False),
    ({b"D": b"1", b"VP": b"65536+1"}, False),
    ({b"D": b"1", b"VP": b"x+1"}, False),
    ({b"D": b"1", b"VP": b"1+1", b"CM": b"7"}, False),
    ({b"D": b"1", b"VP": b"1+1", b"DN": b"\xff"}, False),
])
def test_txt_parsing(props: dict[bytes, bytes | None], ok: bool) -> None:
    if ok:
        assert parse_commissionable_txt(props)[0] == 3841
    else:
        with pytest.raises(ValueError):
            parse_commissionable_txt(props)


def test_interfaces_are_required() -> None:
    with pytest.raises(ValueError):
        MatterTransport([])


