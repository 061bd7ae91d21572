"""Resale without the previous record: every device is wiped through its reset button while
the app waits; a device whose wipe keeps a recording (simulator fault) and a device without
power stay unverified, the certificate says so and the job cannot close; a rerun completes.
Also: a home whose device already holds personal data cannot be handed over."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import keyring_fixtures
from vh_fixtures import running_virtual_home

REPO = Path(__file__).resolve().parents[2]
_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service
PROMPT = re.compile(r"Press the factory-reset button of (\S+)")


def test_reset_button_path_faults_and_rerun(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env.update({"COMMISSIONER_DATA_DIR": str(data),
                "DBUS_SESSION_BUS_ADDRESS": secret_service.bus_address,
                "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "QT_QPA_PLATFORM": "offscreen"})
    base = [sys.executable, "-m", "commissioner.cli"]

    def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], capture_output=True, text=True,
                              timeout=timeout, cwd=REPO, env=env)

    with running_virtual_home(tmp_path / "home", scenario="standard", devices=3,
                              env=env) as home:
        vh = ["--virtual-home", str(home.directory)]
        ctl = ["virtual-home", "ctl", str(home.directory)]
        show_home = home.devices[0].device_id
        assert cli(*ctl, "occupy", show_home).returncode == 0  # a show-home unit

        r = cli("job", "new", "--job-number", "A-1", "--site-name", "s", "--site-address",
                "a", "--level", "2", "--operator", "o", "--json")
        job = json.loads(r.stdout)["id"]
        assert cli("certify", "--job", job, "--scan-timeout", "6", *vh).returncode == 0
        r = cli("commission", "--job", job, "--read-box-labels", *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        assert cli("update", "--job", job, "--reboot-timeout", "20", *vh).returncode == 0
        r = cli("handover", "--job", job, "--report", str(tmp_path / "r.json"), *vh)
        assert r.returncode == 8
        assert f"{show_home}: the device already holds personal data" in r.stderr

        # No record: a resale job from discovery alone.
        r = cli("job", "new", "--kind", "resale", "--job-number", "B-1", "--site-name", "s",
                "--site-address", "a", "--level", "2", "--operator", "o", "--json")
        assert r.returncode == 0, r.stderr
        resale = json.loads(r.stdout)["id"]
        faulty, unpowered = home.devices[1].device_id, home.devices[2].device_id
        assert cli(*ctl, "wipe-fault", faulty, "retain-recording").returncode == 0

        def wipe(skip: set[str]) -> tuple[int, dict[str, object], list[str]]:
            proc = subprocess.Popen([*base, "wipe", "--job", resale, "--json",
                                     "--reset-timeout", "8", *vh], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
            prompted: list[str] = []

            def press() -> None:
                assert proc.stderr is not None
                for line in proc.stderr:
                    m = PROMPT.search(line)
                    if m and m.group(1) not in skip:
                        prompted.append(m.group(1))
                        subprocess.run([*base, *ctl, "reset", m.group(1)], cwd=REPO, env=env,
                                       capture_output=True, check=True)

            t = threading.Thread(target=press)
            t.start()
            assert proc.stdout is not None
            out = proc.stdout.read()
            proc.wait(timeout=120)
            t.join()
            return proc.returncode, json.loads(out), prompted

        assert cli(*ctl, "power-cycle", unpowered, "--downtime", "25").returncode == 0
        rc, result, prompted = wipe(set())
        assert rc == 9
        by_id = {d["device_id"]: d for d in result["devices"]}  # type: ignore[union-attr]
        assert by_id[faulty]["verified"] is False
        assert any(p.startswith(("personal-data-left", "reset-timeout"))
                   for p in by_id[faulty]["problems"]), by_id[faulty]
        assert by_id[unpowered]["verified"] is False
        verified = {i for i, d in by_id.items() if d["verified"]}
        assert verified == {i for i in by_id if i not in (faulty, unpowered)}
        for i in verified:
            assert by_id[i]["method"] == "factory-reset-by-technician"
            assert by_id[i]["after"]["personal_data"] and set(
                by_id[i]["after"]["personal_data"].values()) == {0}

        r = cli("wipe-certificate", "--job", resale, "--json", str(tmp_path / "c.json"))
        cert = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
        assert r.returncode == 9 and cert["all_verified"] is False
        assert set(cert["unverified"]) == {faulty, unpowered}
        assert {d["device_id"] for d in cert["devices"] if d["verified"]} == verified
        assert cert["previous_job"]["id"] is None

        r = cli("handover", "--job", resale, "--report", str(tmp_path / "r2.json"), *vh)
        assert r.returncode == 8 and "wipe unverified" in r.stderr

        # The fault is repaired, the device has power again: a rerun completes the wipe.
        assert cli(*ctl, "wipe-fault", faulty, "clear").returncode == 0
        import time

        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            status = json.loads(cli(*ctl, "status").stdout)
            if all(d["powered"] for d in status["devices"]):
                break
            time.sleep(0.5)
        rc, result, prompted = wipe(set())
        assert rc == 0, result
        assert set(prompted) == {faulty, unpowered}
        r = cli("wipe-certificate", "--job", resale, "--pdf", str(tmp_path / "c.pdf"),
                "--lang", "en", "--json", str(tmp_path / "c2.json"))
        assert r.returncode == 0, r.stderr
        text = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        flat = " ".join(text.split())
        (tmp_path / "c.txt").write_text(flat, encoding="utf-8")
        assert "technician" in flat and "previous home: nothing to try" in flat
        assert "UNVERIFIED" not in flat
