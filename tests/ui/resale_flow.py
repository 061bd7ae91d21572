"""The resale flow in the GUI, shared by its pytest-qt test and the screenshot script.

:func:`hand_over_for_owner_a` commissions a virtual home and hands it over through the CLI
(owner A then lives there: ``virtual-home ctl occupy``); one device was reset by A and used
again, so its wipe needs the reset button. :func:`gui_resale` then does, in the window, what a
resale technician does: new resale job from the handed-over job, scan, wipe and verify (pressing
the reset button when the window asks), check, commission, update, close and hand over, and
the wipe certificate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commissioner.virtualhome.homefile import HomeFile
from ui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]
Wait = Callable[[Callable[[], bool], float], None]
Shot = Callable[[Any, str], None]


def cli_runner(data: Path, bus_address: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env.update({"COMMISSIONER_DATA_DIR": str(data), "DBUS_SESSION_BUS_ADDRESS": bus_address,
                "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "QT_QPA_PLATFORM": "offscreen"})

    def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                              capture_output=True, text=True, timeout=timeout, cwd=REPO,
                              env=env)

    return cli


def hand_over_for_owner_a(cli: Callable[..., subprocess.CompletedProcess[str]],
                          home: HomeFile, reports: Path) -> str:
    """The home commissioned, updated and handed over for owner A, who then lives there;
    returns the sealed job's id."""
    vh = ["--virtual-home", str(home.directory), "--read-box-labels"]
    r = cli("job", "new", "--job-number", "A-1", "--site-name", "さくら邸", "--site-address",
            "東京都世田谷区桜1-2-3", "--level", "3", "--personal-data", "yes",
            "--life-or-property", "yes", "--operator", "佐藤 健", "--json")
    assert r.returncode == 0, r.stderr
    job = str(json.loads(r.stdout)["id"])
    for args in (("certify", "--scan-timeout", "6"), ("commission",),
                 ("update", "--reboot-timeout", "20"),
                 ("handover", "--report", str(reports / "a.json"))):
        r = cli(args[0], "--job", job, *args[1:], *vh)
        assert r.returncode == 0, r.stderr + r.stdout
    ctl = ["virtual-home", "ctl", str(home.directory)]
    assert cli(*ctl, "occupy").returncode == 0
    # A reset one unit by hand and used it again: its wipe needs the reset button.
    assert cli(*ctl, "reset", home.devices[0].device_id).returncode == 0
    assert cli(*ctl, "occupy", home.devices[0].device_id).returncode == 0
    return job


@dataclass
class Finished:
    outcomes: dict[str, list[object]] = field(default_factory=dict)

    def note(self, operation: str, outcome: object) -> None:
        self.outcomes.setdefault(operation, []).append(outcome)

    def count(self, operation: str) -> int:
        return len(self.outcomes.get(operation, []))

    def last(self, operation: str) -> object:
        return self.outcomes[operation][-1]


def gui_resale(window: MainWindow, home: HomeFile, old_job: str,
               cli: Callable[..., subprocess.CompletedProcess[str]], wait: Wait,
               shot: Shot) -> Finished:
    """The technician's resale in the window; returns every operation's outcome."""
    ids = {d.device_id for d in home.devices} | {home.gateway.device_id}
    reset_device = home.devices[0].device_id
    done = Finished()
    window.operations.operation_finished.connect(done.note)
    resale = window.resale
    dialog = resale.show_resale_dialog()
    assert dialog is not None
    wait(lambda: dialog.table.rowCount() == 1, 20)
    assert dialog.select_job(old_job)
    dialog.job_number_edit.setText("B-1")
    dialog.operator_edit.setText("田中 誠")
    shot(dialog, "resale-new-job")
    dialog.try_submit()
    wait(lambda: dialog.error.isVisible() or (window.job is not None
                                              and window.job.job_number == "B-1"), 20)
    assert not dialog.error.isVisible(), dialog.error.text()

    window.start_scan()
    wait(lambda: ids <= set(window.model.device_ids()), 30)
    resale.reset_timeout = 90.0
    assert resale.wipe()
    wait(lambda: resale.prompt.waiting == [reset_device], 60)
    wait(lambda: done.count("wipe") == 0 and all(
        (s := window.model.operation(i)) is not None and s.fraction is not None
        and s.fraction >= 0.3 for i in ids), 30)
    shot(window, "resale-wiping")
    shot(resale.prompt, "resale-reset-prompt")
    r = cli("virtual-home", "ctl", str(home.directory), "reset", reset_device)
    assert r.returncode == 0, r.stderr
    wait(lambda: done.count("wipe") == 1, 120)
    assert not resale.prompt.isVisible()
    shot(window, "resale-wiped")
    box = window.operations.summary_box
    if box is not None:
        shot(box, "resale-wipe-summary")
        box.close()

    gate = window.gate
    gate.certify_action.trigger()
    wait(lambda: gate.last_certify is not None, 60)
    assert window.commissioning.commission()
    wait(lambda: done.count("commission") == 1, 120)
    assert window.firmware.update_firmware(reboot_timeout=30.0)
    wait(lambda: done.count("firmware") == 1, 120)
    shot(window, "resale-recommissioned")
    if window.operations.summary_box is not None:
        window.operations.summary_box.close()

    window.handover.action.trigger()
    wait(lambda: window.handover.dialog is not None and window.handover.dialog.isVisible(), 60)
    handover = window.handover.dialog
    assert handover is not None
    done.note("handover", handover.outcome)
    shot(handover, "resale-handed-over")
    handover.close()

    assert resale.show_certificate()
    wait(lambda: resale.certificate_dialog is not None
         and resale.certificate_dialog.isVisible(), 30)
    cert = resale.certificate_dialog
    assert cert is not None
    done.note("certificate", cert)
    shot(cert, "resale-certificate")
    return done
