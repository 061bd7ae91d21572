"""ECHONET Lite equipment in a training home, through the CLI (each command its own process):
the virtual home starts real nodes (UDP 3610 on 127.0.0.20+, multicast on loopback in the
test's network namespace); certify finds and judges them with the mDNS devices; at ★★ the
equipment the catalog allows without attestation does not block the handover and the report
and the owner's sheet say which equipment was not attested, citing the JC-STAR number; at ★★★
the same equipment blocks until its box label is typed and matched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import keyring_fixtures
from vh_fixtures import running_virtual_home

from commissioner.virtualhome.echonet_home import ECHONET_FILE, equipment_of
from commissioner.virtualhome.echonet_nodes import NodeSpec, standard_nodes

REPO = Path(__file__).resolve().parents[2]
_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service
JCSTAR_URL = "https://www.ipa.go.jp/security/jc-star/product/JCS-3-000122"


def _certified_only() -> list[NodeSpec]:
    """The standard home's certified equipment: air conditioner, water heater (★★★) and the
    storage battery (★★) - no uncertified or unknown equipment, so the home can be handed over."""
    nodes = standard_nodes()
    battery = NodeSpec(nodes[2].host, nodes[2].manufacturer_code, nodes[2].unique,
                       (nodes[2].objects[0],))
    return [nodes[0], nodes[1], battery]


def _seed(directory: Path, nodes: list[NodeSpec]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    doc = {"format": 1, "interface": "127.0.0.1", "nodes": [
        {"host": n.host, "manufacturer_code": n.manufacturer_code, "unique": n.unique,
         "hostile": None, "objects": [{"eoj": str(o.eoj), "product_code": o.product_code,
                                       "serial": o.serial, "manufacturer_code": None}
                                      for o in n.objects]} for n in nodes]}
    (directory / ECHONET_FILE).write_text(json.dumps(doc), encoding="utf-8")


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return unicodedata.normalize("NFKC", out)


def test_echonet_equipment_is_certified_handed_over_at_two_stars_and_gated_at_three(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "data"
    env = {
        "COMMISSIONER_DATA_DIR": str(data),
        "DBUS_SESSION_BUS_ADDRESS": secret_service.bus_address,
        "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2",
        "COMMISSIONER_VH_FIRMWARE_BYTES": "65536",
        "QT_QPA_PLATFORM": "offscreen",
    }

    def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        full_env.update(env)
        return subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                              capture_output=True, text=True, timeout=timeout, cwd=REPO,
                              env=full_env)

    nodes = _certified_only()
    ids = {e.kind: e.device_id for e in equipment_of(nodes)}
    _seed(tmp_path / "home", nodes)
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=2,
                              env=env) as home:
        assert home.echonet is not None and home.echonet["status"] == "running", home.echonet
        vh = ["--virtual-home", str(home.directory)]

        # --- ★★: allowed behind the HEMS controller, handed over, listed as not attested
        r = cli("job", "new", "--job-number", "EL-2", "--site-name", "ひばり邸",
                "--site-address", "大阪府", "--level", "2", "--operator", "田中", "--json")
        assert r.returncode == 0, r.stderr
        job = json.loads(r.stdout)["id"]
        r = cli("certify", "--job", job, "--json", "--scan-timeout", "10", *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        verdicts = {v["device_id"]: v["verdict"] for v in json.loads(r.stdout)}
        assert {verdicts[i] for i in ids.values()} == {"model-matched-not-attested"}
        assert {v for d, v in verdicts.items() if d not in ids.values()} == {"certified"}

        r = cli("label", "add", "--job", job, "--device", ids["air-conditioner"], JCSTAR_URL,
                "--json", *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        assert json.loads(r.stdout)["registration_number"] == "JCS-3-000122"
        r = cli("label", "add", "--job", job, JCSTAR_URL, *vh)  # which device? refused, clearly
        assert r.returncode != 0 and "--device" in r.stderr and "Traceback" not in r.stderr

        r = cli("commission", "--job", job, "--json", "--read-box-labels", *vh, timeout=180)
        assert r.returncode == 0, r.stderr + r.stdout
        r = cli("update", "--job", job, "--json", "--reboot-timeout", "20", *vh, timeout=180)
        assert r.returncode == 0, r.stderr + r.stdout
        report = tmp_path / "handover-2.json"
        r = cli("handover", "--job", job, "--report", str(report), *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        body = json.loads(report.read_text(encoding="utf-8"))
        listed = {u["device_id"]: u for u in body["unattested_equipment"]}
        assert set(listed) == set(ids.values())
        assert all(u["allowed"] and u["verdict"] == "model-matched-not-attested"
                   for u in listed.values())
        assert listed[ids["air-conditioner"]]["jcstar_registration_number"] == "JCS-3-000122"
        assert body["jcstar_labels"][0]["finding"] is None

        for lang, words in (("ja", ("真正性を証明できない機器", "Fujimi Electric")),
                            ("en", ("without attestation", "Fujimi Electric"))):
            sheet = tmp_path / f"sheet-{lang}.pdf"
            r = cli("sheet", "--job", job, "--out", str(sheet), "--lang", lang, *vh)
            assert r.returncode == 0, r.stderr
            text = _pdf_text(sheet)
            assert all(w in text for w in words), text
            assert "FE-RAS22" in text and "TE-BT50" in text and "JCS-3-000122" in text
            pdf = tmp_path / f"report-{lang}.pdf"
            r = cli("report", "--job", job, "--pdf", str(pdf), "--lang", lang, *vh)
            assert r.returncode == 0, r.stderr
            text = _pdf_text(pdf)
            assert "JCS-3-000122" in text and "FE-WH37" in text
        assert "identity not attested" in _pdf_text(tmp_path / "report-en.pdf")

        # --- ★★★: the same equipment blocks until its box label is typed and matches
        r = cli("job", "new", "--job-number", "EL-3", "--site-name", "つばめ邸",
                "--site-address", "京都府", "--level", "3", "--operator", "田中", "--json")
        job3 = json.loads(r.stdout)["id"]
        r = cli("certify", "--job", job3, "--json", "--scan-timeout", "10", *vh)
        assert r.returncode == 6, r.stderr + r.stdout
        by_id = {v["device_id"]: v for v in json.loads(r.stdout)}
        aircon = by_id[ids["air-conditioner"]]
        assert aircon["verdict"] == "model-matched-not-attested" and aircon["blocked"]
        assert by_id[ids["storage-battery"]]["verdict"] == "level-too-low"

        wrong = cli("label", "add", "--job", job3, "--device", ids["water-heater"],
                    "--model", "FE-WH37", "--serial", "WH37-9999999", *vh)
        assert wrong.returncode == 0, wrong.stderr
        for kind, model, serial in (("air-conditioner", "FE-RAS22", "RAS22-000123"),):
            r = cli("label", "add", "--job", job3, "--device", ids[kind], "--model", model,
                    "--serial", serial, *vh)
            assert r.returncode == 0, r.stderr
        r = cli("certify", "--job", job3, "--json", "--scan-timeout", "10", *vh)
        by_id = {v["device_id"]: v for v in json.loads(r.stdout)}
        assert not by_id[ids["air-conditioner"]]["blocked"]
        assert by_id[ids["air-conditioner"]]["verdict"] == "model-matched-not-attested"
        assert by_id[ids["water-heater"]]["verdict"] == "identity-mismatch"
        assert by_id[ids["water-heater"]]["blocked"]
        r = cli("report", "--job", job3, "--json", "-", *vh)
        blockers = {b["device_id"] for b in json.loads(r.stdout)["handover"]["blockers"]}
        assert ids["air-conditioner"] not in blockers
        assert {ids["water-heater"], ids["storage-battery"]} <= blockers
