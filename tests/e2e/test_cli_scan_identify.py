"""The spine end to end: a virtual home in its own process, found and identified by the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from vh_fixtures import running_virtual_home

from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.state import device_dir

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "commissioner.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def _firmware(home: HomeFile, device_id: str) -> str:
    state = json.loads((device_dir(home.directory, device_id) / "state.json").read_text())
    return str(state["firmware_slots"][state["active_slot"]])


def test_scan_json_lists_every_device_of_a_20_device_home(tmp_path: Path) -> None:
    with running_virtual_home(tmp_path / "home", scenario="home-20") as home:
        expected = {d.device_id: d for d in home.devices}
        assert len(expected) == 20
        result = cli(
            "scan",
            "--json",
            "--timeout",
            "10",
            "--virtual-home",
            str(home.directory),
        )
        assert result.returncode == 0, result.stderr
        rows = {row["id"]: row for row in json.loads(result.stdout)}
        ours = {i: r for i, r in rows.items() if i in expected or i == home.gateway.device_id}
        assert set(ours) == set(expected) | {home.gateway.device_id}
        for device_id, entry in expected.items():
            row = ours[device_id]
            assert row["model"] == entry.model
            assert row["manufacturer"] == entry.manufacturer
            assert row["kind"] == entry.kind
            assert row["firmware"] == _firmware(home, device_id)
            assert row["state"] == "factory"
            assert row["transport"] == "mdns"
            assert (row["address"], row["port"]) == (entry.host, entry.port)
        assert ours[home.gateway.device_id]["role"] == "gateway"


def test_identify_accepts_genuine_and_rejects_counterfeit_and_mismatch(tmp_path: Path) -> None:
    with running_virtual_home(tmp_path / "home", scenario="mixed-faults") as home:
        manifest = json.loads((home.directory / "virtual-home.json").read_text())
        faults = {d["device_id"]: d["faults"] for d in manifest["devices"]}
        by_fault = {f[0]: i for i, f in faults.items() if f}
        genuine = next(i for i, f in faults.items() if not f)

        def identify(device_id: str, *extra: str) -> subprocess.CompletedProcess[str]:
            entry = home.device(device_id)
            return cli(
                "identify",
                f"{entry.host}:{entry.port}",
                "--json",
                "--virtual-home",
                str(home.directory),
                *extra,
            )

        good = identify(genuine)
        assert good.returncode == 0, good.stderr
        out = json.loads(good.stdout)
        assert out["device_id"] == genuine and out["verified"] is True
        assert len(out["certificate"]["chain"]) == 3

        for fault in ("counterfeit-self-signed", "counterfeit-unknown-ca"):
            bad = identify(by_fault[fault])
            assert bad.returncode != 0
            assert "untrusted-chain" in bad.stderr or "trusted manufacturer root" in bad.stderr
            assert bad.stdout == ""

        mismatch_id = by_fault["model-mismatch"]
        mismatch = identify(mismatch_id, "--model", home.device(mismatch_id).model)
        assert mismatch.returncode != 0
        assert "model-mismatch" in mismatch.stderr


def test_cli_errors_are_actionable() -> None:
    result = cli("identify", "not-an-endpoint")
    assert result.returncode != 0
    assert "ADDRESS:PORT" in result.stderr and "Traceback" not in result.stderr
