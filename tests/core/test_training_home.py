"""The product's reader of a training home's home.json: strict, bounded, loopback only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commissioner.app.site import FieldSite, TrainingSite, make_site
from commissioner.app.training_home import MAX_BYTES, TrainingHomeError, read_training_home
from commissioner.settings import Settings


def _doc(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "format": 1,
        "gateway": {"device_id": "gw-1", "host": "127.0.0.1", "port": 4000},
        "devices": [{"device_id": "dev-1", "kind": "camera", "manufacturer": "Acme",
                     "model": "CAM-1", "host": "127.0.0.1", "port": 4001,
                     "label": "labels/dev-1.json"}],
        "labels_dir": "labels", "trust_roots": "trust/roots.pem",
        "mdns": {"interfaces": ["127.0.0.1"]}, "control": {"host": "127.0.0.1", "port": 4002},
        "catalog_url": "http://127.0.0.1:4003/", "scenario": "standard",
    }
    doc.update(changes)
    return doc


def _write(tmp_path: Path, doc: object) -> Path:
    (tmp_path / "home.json").write_text(json.dumps(doc), encoding="utf-8")
    return tmp_path


def test_a_valid_home_is_read_with_its_devices(tmp_path: Path) -> None:
    home = read_training_home(_write(tmp_path, _doc()))
    assert [d.device_id for d in home.everything] == ["gw-1", "dev-1"]
    assert home.endpoints() == {"gw-1": ("127.0.0.1", 4000), "dev-1": ("127.0.0.1", 4001)}
    assert home.label_path("dev-1") == tmp_path / "labels/dev-1.json"
    site = make_site(tmp_path)
    assert isinstance(site, TrainingSite) and site.training
    assert site.mdns_interfaces(Settings(mdns_interfaces=("192.0.2.1",)), None) == ("127.0.0.1",)
    assert site.expected_count() == 2


def test_field_site_uses_settings_and_knows_no_training_home() -> None:
    site = make_site(None)
    assert isinstance(site, FieldSite) and not site.training
    assert site.mdns_interfaces(Settings(mdns_interfaces=("192.0.2.1",)), None) == ("192.0.2.1",)
    assert site.endpoints() == {} and site.box_labels(["x"]) == {} and site.listed_devices() == ()


def test_a_file_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    (tmp_path / "home.json").write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(TrainingHomeError, match="larger than"):
        read_training_home(tmp_path)


def test_deep_nesting_is_refused_before_parsing(tmp_path: Path) -> None:
    (tmp_path / "home.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(TrainingHomeError, match="nested deeper"):
        read_training_home(tmp_path)


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    home = read_training_home(_write(tmp_path, _doc(scenario="[" * 100)))
    assert home.scenario == "[" * 100


@pytest.mark.parametrize("where", ["gateway", "device", "control", "catalog", "mdns"])
def test_every_address_must_be_loopback(tmp_path: Path, where: str) -> None:
    doc = _doc()
    if where == "gateway":
        doc["gateway"] = {"device_id": "gw-1", "host": "192.0.2.7", "port": 4000}
    elif where == "device":
        doc["devices"][0]["host"] = "10.0.0.5"  # type: ignore[index]
    elif where == "control":
        doc["control"] = {"host": "203.0.113.9", "port": 4002}
    elif where == "catalog":
        doc["catalog_url"] = "http://198.51.100.4:8080/"
    else:
        doc["mdns"] = {"interfaces": ["192.168.1.20"]}
    with pytest.raises(TrainingHomeError, match="loopback"):
        read_training_home(_write(tmp_path, doc))


def test_paths_must_stay_inside_the_home_folder(tmp_path: Path) -> None:
    with pytest.raises(TrainingHomeError, match="inside the home folder"):
        read_training_home(_write(tmp_path, _doc(trust_roots="../../etc/passwd")))


def test_missing_and_unknown_keys_are_named(tmp_path: Path) -> None:
    doc = _doc(extra=1)
    del doc["scenario"]
    with pytest.raises(TrainingHomeError, match=r"missing key.*scenario"):
        read_training_home(_write(tmp_path, doc))
    with pytest.raises(TrainingHomeError, match=r"unknown key.*extra"):
        read_training_home(_write(tmp_path, _doc(extra=1)))


def test_no_home_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingHomeError, match="no training home"):
        read_training_home(tmp_path)


def test_site_reads_the_file_again_when_it_changes(tmp_path: Path) -> None:
    site = TrainingSite(_write(tmp_path, _doc()))
    assert site.endpoints()["dev-1"] == ("127.0.0.1", 4001)
    doc = _doc()
    doc["devices"][0]["port"] = 5001  # type: ignore[index]
    doc["scenario"] = "standard-restarted"  # a different size, so the change is seen
    _write(tmp_path, doc)
    assert site.endpoints()["dev-1"] == ("127.0.0.1", 5001)


def test_cli_reports_a_hostile_home_file_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from commissioner.cli import main

    (tmp_path / "home.json").write_text("[" * 100_000)
    assert main(["scan", "--timeout", "0.1", "--virtual-home", str(tmp_path),
                 "--data-dir", str(tmp_path / "data")]) == 1
    err = capsys.readouterr().err
    assert "nested deeper" in err and "Traceback" not in err
