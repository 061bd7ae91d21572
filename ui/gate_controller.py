"""The certified-model gate in the main window: "Check devices", the gate summary and banner,
scanned labels paired with devices, and marking a blocked device to be replaced
(translation context "MainWindow")."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QStyle

from commissioner.app.labels import LabelSource
from commissioner.backends.echonet import TRANSPORT_ECHONET
from commissioner.discovery.events import DeviceAdded, DeviceRecord, Sighting
from commissioner.discovery.manager import DiscoveryManager
from commissioner.jobs.models import DeviceGateState, JobDevice
from commissioner.protocol.spec import CommissioningState, Role
from commissioner.trust.gate import DeviceVerdict
from ui.certify_view import LabelEntry, label_result_ok, label_result_text
from ui.device_table import DeviceTableModel
from ui.device_texts import gate_text
from ui.failure_text import failure_text
from ui.job_dialogs import ReplaceDialog
from ui.job_service import CertifyResult, Failure, LabelResult
from ui.job_summary import JobSummary
from ui.scan_session import heard_records
from ui.window_host import WindowHost

__all__ = ["GateController", "GateHost"]


def equipment_rows(equipment: Iterable[JobDevice], model: DeviceTableModel,
                   verdicts: Iterable[DeviceVerdict] = ()) -> list[DeviceAdded]:
    """Rows for equipment the check found that no scan lists (ECHONET Lite): the maker's
    name as the check resolved it (the equipment itself reports only a code), no firmware
    version (it reports none)."""
    listed = set(model.device_ids())
    names = {v.device_id: v.manufacturer for v in verdicts}
    now = time.monotonic()
    return [DeviceAdded(DeviceRecord(d.device_id, {TRANSPORT_ECHONET: Sighting(
        TRANSPORT_ECHONET, d.device_id, Role(d.role) if d.role in set(Role) else Role.DEVICE,
        d.kind, names.get(d.device_id) or d.manufacturer, d.model,
        "" if d.firmware == "0.0.0" else d.firmware,
        CommissioningState(d.state) if d.state in set(CommissioningState)
        else CommissioningState.FACTORY, "", d.address, d.port, seen_at=now)}))
        for d in equipment if d.device_id not in listed]


class GateHost(WindowHost, Protocol):
    """What the gate needs from the window besides :class:`ui.window_host.WindowHost`."""

    @property
    def model(self) -> DeviceTableModel: ...

    @property
    def discovery(self) -> DiscoveryManager | None:
        """The discovery manager of the running or last scan (None: no scan yet)."""
        ...

    def show_job_summary(self, job: JobSummary) -> None:
        """The open job changed in the store (e.g. its catalog version): show it again."""
        ...

    def update_details(self) -> None: ...

    def select_device(self, device_id: str) -> bool: ...


class GateController(QObject):
    """Owns ``certify_action``, ``gate_summary_label``, ``gate_banner`` and ``label_entry``
    (the window lays them out)."""

    def __init__(self, host: GateHost) -> None:
        top = host.window()
        super().__init__(top)
        self._host = host
        self._certifying = False
        self._gate_message: str | None = None
        self._last_certify: CertifyResult | None = None
        self.replace_dialog: ReplaceDialog | None = None
        self.certify_action = QAction(top)
        self.certify_action.setObjectName("certifyAction")
        self.certify_action.setIcon(
            top.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
        )
        self.certify_action.triggered.connect(self.check_devices)
        self.gate_summary_label = QLabel(top)
        self.gate_summary_label.setObjectName("gateSummaryLabel")
        # Problems that stop the gate (no usable catalog...): stays until the next check.
        self.gate_banner = QLabel(top)
        self.gate_banner.setObjectName("gateBanner")
        self.gate_banner.setWordWrap(True)
        self.gate_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.gate_banner.setStyleSheet(
            "background: #fbd5d2; color: #7a0d06; border: 1px solid #e0a09a; padding: 6px;"
        )
        self.gate_banner.setVisible(False)
        self.label_entry = LabelEntry(top)
        self.label_entry.submitted.connect(self.submit_label)
        self.label_entry.image_chosen.connect(self.submit_label_image)

    def retranslate(self) -> None:
        self.certify_action.setText(QCoreApplication.translate("MainWindow", "Check devices"))
        self.certify_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow",
                "Check every device found against the signed catalog of certified models",
            )
        )
        self.update_summary()

    def update_actions(self) -> None:
        job = self._host.job
        stored_job = self._host.service is not None and job is not None and job.job_id is not None
        self.certify_action.setEnabled(stored_job and not self._certifying)
        self.label_entry.setEnabled(stored_job)

    def forget(self) -> None:
        """Another job is open: the last check and its messages belong to the previous one."""
        self._last_certify = None
        self._set_gate_message(None)
        self.label_entry.show_result("", ok=None)

    @property
    def certifying(self) -> bool:
        return self._certifying

    @property
    def gate_message(self) -> str | None:
        return self._gate_message

    def _set_gate_message(self, text: str | None) -> None:
        self._gate_message = text
        self.gate_banner.setText(text or "")
        self.gate_banner.setVisible(bool(text))

    def check_devices(self) -> None:
        """Certify every listed device for the open job ("Check devices"), via the bridge."""
        service, job = self._host.service, self._host.job
        if service is None or job is None or job.job_id is None or self._certifying:
            return
        discovery = self._host.discovery
        # What discovery heard comes from the core's discovery manager (read on the loop
        # thread); only a job reopened without a scan falls back to the devices it lists.
        listed = self._host.model.records() if discovery is None else []
        count = len(listed) if discovery is None else len(discovery.devices)
        self._certifying = True
        self.update_actions()
        self._set_gate_message(None)
        self.gate_summary_label.setText(
            QCoreApplication.translate("MainWindow", "Checking %1 devices…").replace(
                "%1", str(count)
            )
        )

        def done(result: object) -> None:
            self._certifying = False
            self.update_actions()
            if isinstance(result, Failure):
                text = failure_text(result)
                self._set_gate_message(text)
                self.update_summary()
                self._host.show_error(text)
                return
            assert isinstance(result, CertifyResult)
            self._last_certify = result
            for event in equipment_rows(result.equipment, self._host.model, result.verdicts):
                self._host.model.apply(event)
            self._host.model.set_gate_states(result.gate)
            current = self._host.job
            if current is not None and current.job_id == result.job.id:
                self._host.show_job_summary(JobSummary.from_job(result.job))
            self.update_summary()
            self._host.update_details()
            if result.spoofing:  # the genuine device was judged; the look-alike is named here
                self._set_gate_message("\n".join(
                    QCoreApplication.translate(
                        "MainWindow", "Spoofing attempt: %1 at %2 claims device id %3 but "
                        "cannot prove it. The genuine device was checked; take the equipment "
                        "at %2 off the network.")
                    .replace("%1", a.source).replace("%2", a.endpoint).replace("%3", a.device_id)
                    for a in result.spoofing))
            blocked = sum(1 for v in result.verdicts if v.blocked)
            self._host.statusBar().showMessage(
                QCoreApplication.translate("MainWindow", "Checked %1 devices: %2 blocked.")
                .replace("%1", str(len(result.verdicts)))
                .replace("%2", str(blocked)),
                15000,
            )

        def failed(_message: str) -> None:
            self._certifying = False
            self.update_actions()
            self.update_summary()

        job_id = job.job_id

        async def certify() -> object:
            heard = heard_records(discovery)
            contested = discovery.contested("mdns") if discovery is not None else None
            return await service.certify(job_id, listed if heard is None else heard,
                                         contested)

        self._host.submit(certify(), "certify", done, failed)

    @property
    def last_certify(self) -> CertifyResult | None:
        return self._last_certify

    def update_summary(self) -> None:
        if self._certifying:
            return
        states = [
            s
            for s in (self._host.model.gate_state(d) for d in self._host.model.device_ids())
            if s is not None and s.verdict is not None
        ]
        if not states:
            self.gate_summary_label.setText("")
            self.gate_summary_label.setStyleSheet("")
            return
        blocked = sum(1 for s in states if s.blocked)
        certified = len(states) - blocked
        self.gate_summary_label.setText(
            QCoreApplication.translate("MainWindow", "Certified: %1  Blocked: %2")
            .replace("%1", str(certified))
            .replace("%2", str(blocked))
        )
        self.gate_summary_label.setStyleSheet(
            "color: #a1140a; font-weight: bold;" if blocked else "color: #17692f;"
        )

    def show_replace_dialog(self, device_id: str) -> ReplaceDialog | None:
        state = self._host.model.gate_state(device_id)
        host = self._host
        if host.service is None or host.job is None or state is None or not state.blocked:
            return None
        dialog = ReplaceDialog(device_id, gate_text(state), self._host.window())
        dialog.submitted.connect(lambda reason: self._mark_to_replace(dialog, device_id, reason))
        dialog.finished.connect(lambda _r: self._forget_replace_dialog(dialog))
        self.replace_dialog = dialog
        dialog.open()
        return dialog

    def _mark_to_replace(self, dialog: ReplaceDialog, device_id: str, reason: str) -> None:
        service, job = self._host.service, self._host.job
        if service is None or job is None or job.job_id is None:
            return

        def done(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_failure(failure_text(result))
                return
            assert isinstance(result, tuple)
            states: tuple[DeviceGateState, ...] = result
            self._host.model.set_gate_states(states)
            self._host.update_details()
            dialog.finish()
            self._host.statusBar().showMessage(
                QCoreApplication.translate(
                    "MainWindow", "Device %1 is marked to be replaced."
                ).replace("%1", device_id),
                10000,
            )

        self._host.submit(
            service.mark_to_replace(job.job_id, device_id, reason),
            "mark-to-replace",
            done,
            dialog.show_failure,
        )

    def submit_label_image(self, path: str) -> None:
        """Read every label QR code in a photo or scan and pair each like a scanned one."""
        service = self._host.service
        if service is None or self._host.job is None:
            self.submit_label("")  # says to open a job first
            return

        def done(result: object) -> None:
            if isinstance(result, Failure):
                self.label_entry.show_result(failure_text(result), ok=False)
                return
            assert isinstance(result, list)
            for payload in result:
                self.submit_label(payload, source="image")

        self._host.submit(service.label_image_payloads(Path(path)), "label-image", done)

    def submit_label(self, payload: str, *, source: LabelSource = "scanned") -> None:
        """Pair a scanned or typed label payload (or one read from a photo: ``source``
        "image") with the open job's devices."""
        service, job = self._host.service, self._host.job
        if service is None or job is None or job.job_id is None:
            self.label_entry.show_result(
                QCoreApplication.translate("MainWindow", "Open or create a job first."), ok=False
            )
            return
        self.label_entry.show_result(
            QCoreApplication.translate("MainWindow", "Checking the label…"), ok=None
        )

        def done(result: object) -> None:
            if isinstance(result, Failure):
                self.label_entry.show_result(failure_text(result), ok=False)
                return
            assert isinstance(result, LabelResult)
            self._host.model.set_gate_states(result.gate)
            self.update_summary()
            self.label_entry.show_result(label_result_text(result), ok=label_result_ok(result))
            if result.status != "unmatched":
                self._host.select_device(result.device_id)
            self._host.update_details()

        self._host.submit(service.add_label(job.job_id, payload, source=source), "add-label",
                          done)

    def _forget_replace_dialog(self, dialog: ReplaceDialog) -> None:
        if self.replace_dialog is dialog:
            self.replace_dialog = None
        dialog.deleteLater()
