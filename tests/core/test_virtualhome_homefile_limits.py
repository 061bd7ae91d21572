"""The virtual home's writer keeps home.json within the limits readers enforce
(docs/training-home.md): at most 1 MiB, nesting depth at most 32, every host loopback."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from commissioner.virtualhome.homefile import (
    HOME_FILE,
    MAX_HOME_FILE_BYTES,
    BleDeviceEntry,
    BleEntry,
    DeviceEntry,
    GatewayEntry,
    HomeFile,
    read_home_file,
    write_home_file,
)
from commissioner.virtualhome.scenario import MAX_DEVICES


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _home(directory: Path, count: int, host: str = "127.0.0.1") -> HomeFile:
    ids = [f"d{i:03d}-" + "x" * 59 for i in range(count)]  # 64 characters, the longest id
    return HomeFile(
        directory=directory,
        gateway=GatewayEntry("g" * 64, host, 65535),
        devices=tuple(
            DeviceEntry(i, "storage-battery", "M" * 64, "X" * 64, host, 65535, f"labels/{i}.json")
            for i in ids
        ),
        labels_dir="labels",
        trust_roots="trust/manufacturer-roots.pem",
        mdns_interfaces=("127.0.0.1",),
        control_host=host,
        control_port=65535,
        catalog_url=f"http://{host}:65535" if ":" not in host else f"http://[{host}]:65535",
        scenario="s" * 64,
        ble=BleEntry(
            "tcp-client:127.0.0.1:65535",
            "lan/network.json",
            tuple(BleDeviceEntry(i, "FF:FF:FF:FF:FF:FF", "both", True) for i in ids),
        ),
    )


def test_the_largest_home_stays_within_the_reader_limits(tmp_path: Path) -> None:
    path = write_home_file(_home(tmp_path, MAX_DEVICES))
    data = path.read_bytes()
    assert len(data) <= MAX_HOME_FILE_BYTES
    assert _depth(json.loads(data)) <= 32
    assert len(read_home_file(tmp_path).devices) == MAX_DEVICES


@pytest.mark.parametrize("host", ["127.0.0.1", "127.45.6.7", "::1"])
def test_loopback_hosts_are_written(tmp_path: Path, host: str) -> None:
    write_home_file(_home(tmp_path, 2, host))
    assert read_home_file(tmp_path).gateway.host == host


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gateway", "192.0.2.10"),
        ("device", "localhost"),  # a name, not an address: would need a lookup
        ("control", "0.0.0.0"),
        ("catalog", "http://192.0.2.10:8080"),
        ("catalog", "http://example.invalid/"),
        ("device", "::ffff:192.0.2.10"),
    ],
)
def test_a_home_file_with_a_non_loopback_host_is_never_written(
    tmp_path: Path, field: str, value: str
) -> None:
    home = _home(tmp_path, 3)
    if field == "gateway":
        home = dataclasses.replace(home, gateway=GatewayEntry("gw", value, 1))
    elif field == "device":
        bad = dataclasses.replace(home.devices[1], host=value)
        home = dataclasses.replace(home, devices=(home.devices[0], bad, home.devices[2]))
    elif field == "control":
        home = dataclasses.replace(home, control_host=value)
    else:
        home = dataclasses.replace(home, catalog_url=value)
    with pytest.raises(ValueError, match="not a loopback address"):
        write_home_file(home)
    assert not (tmp_path / HOME_FILE).exists()
