"""Bluetooth LE in the main window: the BLE scan toggle, "Home network…" (the settings given to
devices, memory only) and onboarding factory devices onto the home network. The work is
:func:`ui.field_ops.onboard` on the bridge's loop (the one call site).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QPushButton, QSizePolicy, QStyle, QTableView

from commissioner.ble.onboarding import OnboardingProgress, OnboardingResult, OnboardingStep
from ui import field_ops
from ui.job_service import Failure
from ui.network_dialog import NetworkDialog
from ui.operation_controller import OperationController
from ui.operation_runner import OperationRunner
from ui.operation_states import (
    ONBOARD_ORDER,
    ONBOARD_REASONS,
    ONBOARD_STEPS,
    failed_text,
    translated,
)

if TYPE_CHECKING:
    from commissioner.protocol.ble_pake import NetworkConfig

__all__ = ["OnboardController"]


class OnboardController(OperationController):
    """BLE scanning, "Home network…" and "Onboard to network" for one window."""

    def __init__(self, runner: OperationRunner) -> None:
        super().__init__(runner)
        # The home network typed in "Home network…": memory only, for this window's session.
        self._network: NetworkConfig | None = None
        self.network_dialog: NetworkDialog | None = None
        top = self._top

        self.ble_action = self._action("bleScanAction")
        self.ble_action.setCheckable(True)
        self.ble_action.toggled.connect(self._on_ble_toggled)
        self.onboard_all_action = self._action(
            "onboardAllAction", QStyle.StandardPixmap.SP_DriveNetIcon
        )
        self.onboard_all_action.triggered.connect(lambda: self.onboard(None))
        self.onboard_action = self._action("onboardAction")
        self.onboard_action.triggered.connect(self.onboard_selected)
        self.network_action = self._action("homeNetworkAction")
        self.context_actions: list[QAction] = []  # other views' actions for the menu
        self.network_action.triggered.connect(lambda: self.show_network_dialog())
        # Shown under the selected device's details (the window places it).
        self.onboard_button = QPushButton(top)
        self.onboard_button.setObjectName("onboardButton")
        self.onboard_button.clicked.connect(self.onboard_selected)
        self.onboard_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

        self._window.scan_state_changed.connect(lambda _s: self.update_actions())
        self._window.job_changed.connect(self._on_job_changed)
        self._ready()

    # -- translation ---------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.ble_action.setText(QCoreApplication.translate("Operations", "Bluetooth LE"))
        self.ble_action.setToolTip(
            QCoreApplication.translate(
                "Operations",
                "Also look for devices over Bluetooth LE (factory devices not on the network yet)",
            )
        )
        self.onboard_all_action.setText(
            QCoreApplication.translate("Operations", "Onboard all BLE devices")
        )
        self.onboard_all_action.setToolTip(
            QCoreApplication.translate(
                "Operations",
                "Give every factory device found over Bluetooth LE the home network settings",
            )
        )
        self.onboard_action.setText(QCoreApplication.translate("Operations", "Onboard to network"))
        self.network_action.setText(QCoreApplication.translate("Operations", "Home network…"))
        self.network_action.setToolTip(
            QCoreApplication.translate(
                "Operations",
                "Enter the home's Wi-Fi settings given to devices onboarded over Bluetooth LE "
                "(kept in memory only)",
            )
        )
        self.onboard_button.setText(QCoreApplication.translate("Operations", "Onboard to network"))
        self.onboard_button.setToolTip(
            QCoreApplication.translate(
                "Operations",
                "Give this device the home network settings over an encrypted Bluetooth session",
            )
        )

    # -- state ---------------------------------------------------------------------------------
    def update_actions(self) -> None:
        runner = self._runner
        free = runner.free
        session = self._window.scan_session
        ble_on = session is not None and session.ble_enabled
        self.onboard_all_action.setEnabled(free and ble_on)
        self.network_action.setEnabled(runner.busy != "onboard")
        self.onboard_action.setEnabled(free and ble_on and self._selected_ble_device() is not None)
        self.update_button()

    def update_button(self) -> None:
        device = self._selected_ble_device()
        self.onboard_button.setVisible(device is not None)
        self.onboard_button.setEnabled(device is not None and self.onboard_action.isEnabled())

    def _selected_ble_device(self) -> str | None:
        """The selected device if it is seen over BLE and not yet on the network."""
        selected = self._window.selected_key()
        if selected is None or selected[0] != "device":
            return None
        record = self._window.model.record(selected[1])
        if record is None or "ble" not in record.transports or record.network is not None:
            return None
        return record.device_id

    def _on_job_changed(self, _job: object) -> None:
        if self._network is not None and self._network.home_id != self._runner.stored_job_id():
            self._network = None  # another home: its network must be entered again

    @property
    def ble_enabled(self) -> bool:
        return self.ble_action.isChecked()

    def _on_ble_toggled(self, checked: bool) -> None:
        self._window.set_ble_scan(checked)
        self.update_actions()

    def show_context_menu(self, table: QTableView, pos: QPoint) -> None:
        """The device table's context menu: onboard this device, all, the home network."""
        index = table.indexAt(pos)
        if not index.isValid():
            return
        table.selectRow(index.row())
        menu = QMenu(table)
        menu.addAction(self.onboard_action)
        menu.addSeparator()
        menu.addAction(self.onboard_all_action)
        menu.addAction(self.network_action)
        if self.context_actions:
            menu.addSeparator()
            menu.addActions(self.context_actions)
        menu.popup(table.viewport().mapToGlobal(pos))

    # -- the home network ----------------------------------------------------------------------
    @property
    def network_config(self) -> NetworkConfig | None:
        """The home network entered in "Home network…" (None: not entered this session)."""
        return self._network

    def _network_known(self) -> bool:
        """Onboarding can start: settings were entered, or the virtual home provides them."""
        service = self._runner.service
        return self._network is not None or (
            service is not None and service.virtual_home is not None
        )

    def show_network_dialog(
        self, then: Callable[[], object] | None = None
    ) -> NetworkDialog | None:
        """Open "Home network…" (window-modal); ``then`` runs once it is accepted."""
        if self._runner.busy == "onboard":
            return None
        if self.network_dialog is not None:
            self.network_dialog.raise_()
            return self.network_dialog
        dialog = NetworkDialog(
            self._top, home_id=self._runner.stored_job_id(), current=self._network
        )
        self.network_dialog = dialog

        def finished(result: int) -> None:
            self.network_dialog = None
            if result == QDialog.DialogCode.Accepted.value and dialog.config is not None:
                self._network = dialog.config
                self._runner.show_status(
                    QCoreApplication.translate(
                        "Operations", "Home network set: %1 (kept until this window closes)"
                    ).replace("%1", dialog.config.ssid),
                    10000,
                )
                if then is not None:
                    then()
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    # -- onboarding ----------------------------------------------------------------------------
    def onboard_selected(self) -> None:
        device = self._selected_ble_device()
        if device is not None:
            self.onboard([device])

    def onboard(self, device_ids: Sequence[str] | None) -> bool:
        """Onboard these devices (None: every factory device seen over BLE)."""
        runner = self._runner
        session = self._window.scan_session
        service = runner.service
        if runner.busy is not None or service is None or runner.keyring_refused:
            return False
        if session is None or not session.ble_enabled:
            self._window.show_error(
                QCoreApplication.translate(
                    "Operations",
                    "Turn on the Bluetooth LE scan first, then wait for the devices to appear.",
                )
            )
            return False
        job_id = runner.stored_job_id()
        ids = list(device_ids) if device_ids is not None else None
        if not self._network_known():
            # In the field the home network must be entered first; onboarding starts after.
            self.show_network_dialog(lambda: self.onboard(ids))
            return False
        network = self._network
        runner.start(
            "onboard",
            QCoreApplication.translate("Operations", "Onboarding devices over Bluetooth LE…"),
        )
        for device_id in ids or ():
            self._state(
                device_id, "running", 0.0, QCoreApplication.translate("Operations", "Waiting…")
            )
        emit = self._progress.emit

        async def run() -> object:
            manager, ble = session.manager, session.ble
            if manager is None or ble is None:
                return Failure("ble", "the Bluetooth LE scan is not running")
            wanted = ids if ids is not None else ble.factory_devices()
            return await field_ops.onboard(
                service, job_id, manager, ble, wanted, emit, network=network
            )

        return runner.submit(run(), "onboard", self._done)

    def _state(
        self, device_id: str, status: str, fraction: float | None, text: str, detail: str = ""
    ) -> None:
        self._runner.set_state("onboard", device_id, status, fraction, text, detail)

    def _on_progress(self, p: object) -> None:
        assert isinstance(p, OnboardingProgress)
        if p.step is OnboardingStep.FAILED:
            return  # the result says why, with what to do
        step = p.step.value
        fraction = (ONBOARD_ORDER.index(step) + 1) / (len(ONBOARD_ORDER) + 1)
        self._state(p.device_id, "running", fraction, translated(ONBOARD_STEPS.get(step, step)))

    def onboard_reason(self, result: OnboardingResult) -> str:
        reason = ONBOARD_REASONS.get(result.reason or "")
        return translated(reason) if reason is not None else result.message

    def _done(self, result: object) -> None:
        runner = self._runner
        if isinstance(result, Failure):
            for device_id, fraction in list(runner.fractions.items()):
                if fraction < 1.0:
                    self._window.model.set_operation(device_id, None)
            headline = QCoreApplication.translate("Operations", "Onboarding failed.")
            runner.fail_to_start("onboard", result, headline)
            return
        assert isinstance(result, field_ops.OnboardRun)
        joined = set(result.joined)
        failed = 0
        for r in result.results:
            if r.ok and r.device_id in joined:
                text = QCoreApplication.translate("Operations", "On the network")
                self._state(r.device_id, "done", 1.0, text)
            elif r.ok:
                self._state(
                    r.device_id,
                    "done",
                    1.0,
                    QCoreApplication.translate(
                        "Operations", "Onboarded; not seen on the network yet"
                    ),
                    QCoreApplication.translate(
                        "Operations",
                        "It should appear over mDNS shortly; scan again if it does not.",
                    ),
                )
            else:
                failed += 1
                headline = failed_text(self.onboard_reason(r))
                self._state(r.device_id, "failed", 1.0, headline, r.message)
        runner.set_job_fraction(1.0)
        text = (
            QCoreApplication.translate(
                "Operations", "Onboarding finished: %1 on the network, %2 failed."
            )
            .replace("%1", str(len(joined)))
            .replace("%2", str(failed))
        )
        runner.finish("onboard", result, text, failed == 0)
        runner.show_status(text, 15000)
