"""The installer's field operations in the main window: Bluetooth LE scanning and onboarding,
"Commission home" (provisioning) and "Update firmware", plus the start-up keyring check.

:class:`OperationsController` owns the actions, the job-level progress panel and the table's
progress column (painted by :class:`ui.progress_delegate.ProgressBarDelegate`). The work runs
on the bridge's loop (:mod:`ui.field_ops`); progress comes back through the controller's
``_progress`` signal, which the loop thread emits and Qt queues to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QWidget,
)

from commissioner.ble.onboarding import OnboardingProgress, OnboardingResult, OnboardingStep
from commissioner.firmware.plan import PlanAction, PlanItem
from commissioner.firmware.push import Outcome, Phase, UpdateProgress, UpdateResult
from commissioner.provisioning.run import DEVICE_STEPS, ProgressEvent, RunSummary
from ui import field_ops
from ui.bridge import AsyncBridge, BridgeNotRunningError
from ui.device_table import (
    QT_TRANSLATE_NOOP,
    Column,
    FirmwareMark,
    OperationState,
)
from ui.job_service import DeviceProgress, Failure, JobProgress, JobService
from ui.network_dialog import NetworkDialog
from ui.progress_delegate import ProgressBarDelegate

if TYPE_CHECKING:
    from commissioner.protocol.ble_pake import NetworkConfig
    from ui.main_window import MainWindow

__all__ = ["OperationsController"]

_CTX: Final = "Operations"
BAR_MAXIMUM: Final = 1000
MIB: Final = 1024 * 1024


def _t(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


ONBOARD_STEPS: Final[dict[str, str]] = {
    OnboardingStep.CONNECTING.value: QT_TRANSLATE_NOOP("Operations", "Connecting over BLE…"),
    OnboardingStep.READING_INFO.value: QT_TRANSLATE_NOOP("Operations", "Checking the label…"),
    OnboardingStep.PAKE.value: QT_TRANSLATE_NOOP("Operations", "Authenticating (setup code)…"),
    OnboardingStep.SENDING_CONFIG.value: QT_TRANSLATE_NOOP(
        "Operations", "Sending the network settings…"
    ),
    OnboardingStep.JOINING.value: QT_TRANSLATE_NOOP("Operations", "Joining the network…"),
    OnboardingStep.JOINED.value: QT_TRANSLATE_NOOP("Operations", "Joined the network"),
}
_ONBOARD_ORDER: Final = [s.value for s in OnboardingStep if s is not OnboardingStep.FAILED]

ONBOARD_REASONS: Final[dict[str, str]] = {
    "connect-timeout": QT_TRANSLATE_NOOP(
        "Operations",
        "The device did not answer over Bluetooth. Check that it is powered and nearby, then "
        "try again.",
    ),
    "device-lost": QT_TRANSLATE_NOOP(
        "Operations", "The Bluetooth connection was lost. Move closer to the device and retry."
    ),
    "op-timeout": QT_TRANSLATE_NOOP(
        "Operations", "The device stopped answering. Move closer to the device and retry."
    ),
    "gatt-error": QT_TRANSLATE_NOOP(
        "Operations", "The device reported an error. Power-cycle the device and retry."
    ),
    "not-onboardable": QT_TRANSLATE_NOOP(
        "Operations", "This device cannot be onboarded over Bluetooth (no onboarding service)."
    ),
    "label-mismatch": QT_TRANSLATE_NOOP(
        "Operations",
        "The device is not the one on the label; nothing was sent. Scan this device's own label.",
    ),
    "bad-setup-code": QT_TRANSLATE_NOOP(
        "Operations",
        "The setup code was not accepted; nothing secret was sent. Scan the label again.",
    ),
    "rate-limited": QT_TRANSLATE_NOOP(
        "Operations", "Too many failed attempts: wait a minute, then try again."
    ),
    "busy": QT_TRANSLATE_NOOP(
        "Operations", "Another app is onboarding this device. Wait and try again."
    ),
    "config-rejected": QT_TRANSLATE_NOOP(
        "Operations", "The device refused the network settings. Check the home network settings."
    ),
    "join-failed": QT_TRANSLATE_NOOP(
        "Operations",
        "The device could not join the home network. Check the network and the device's "
        "distance to the access point.",
    ),
    "malformed-reply": QT_TRANSLATE_NOOP(
        "Operations", "The device answered something invalid. Power-cycle it and retry."
    ),
    "backend": QT_TRANSLATE_NOOP(
        "Operations", "The Bluetooth adapter failed. Turn Bluetooth off and on, then retry."
    ),
    "no-label": QT_TRANSLATE_NOOP(
        "Operations", "No label is known for this device. Scan its label first."
    ),
    "not-seen": QT_TRANSLATE_NOOP(
        "Operations", "The device is not seen over Bluetooth any more. Check its power."
    ),
}

COMMISSION_STEPS: Final[dict[str, str]] = {
    "auth": QT_TRANSLATE_NOOP("Operations", "Authenticating"),
    "admin-credential": QT_TRANSLATE_NOOP("Operations", "Setting a unique admin credential"),
    "csr": QT_TRANSLATE_NOOP("Operations", "Requesting a key pair"),
    "certificate": QT_TRANSLATE_NOOP("Operations", "Installing the certificate"),
    "acl": QT_TRANSLATE_NOOP("Operations", "Writing the access control list"),
    "default-credential": QT_TRANSLATE_NOOP("Operations", "Disabling the default password"),
    "complete": QT_TRANSLATE_NOOP("Operations", "Completing"),
    "readback": QT_TRANSLATE_NOOP("Operations", "Reading back"),
    "issuing-ca": QT_TRANSLATE_NOOP("Operations", "Setting the owner CA"),
    "allow-list": QT_TRANSLATE_NOOP("Operations", "Writing the allow-list"),
    "gateway-auth": QT_TRANSLATE_NOOP("Operations", "Gateway authentication"),
    "connection": QT_TRANSLATE_NOOP("Operations", "Connecting"),
}
_COMMISSION_ORDER: Final = ["auth", *DEVICE_STEPS, "gateway-auth"]

COMMISSION_ACTIONS: Final[dict[str, str]] = {
    "setup-code-rejected": QT_TRANSLATE_NOOP(
        "Operations", "Scan the label on this device again, then run Commission home again."
    ),
    "label-mismatch": QT_TRANSLATE_NOOP(
        "Operations", "Scan the label of this very device, then run Commission home again."
    ),
    "rate-limited": QT_TRANSLATE_NOOP(
        "Operations",
        "Wait a minute, check the label, then run Commission home again.",
    ),
    "unreachable": QT_TRANSLATE_NOOP(
        "Operations",
        "Check the device's power and network connection, then run Commission home again "
        "(it resumes where it stopped).",
    ),
    "no-endpoint": QT_TRANSLATE_NOOP(
        "Operations", "Scan and check the devices again, then run Commission home again."
    ),
    "no-label": QT_TRANSLATE_NOOP(
        "Operations", "Scan the device's label, then run Commission home again."
    ),
}

FIRMWARE_PHASES: Final[dict[str, str]] = {
    Phase.DOWNLOAD.value: QT_TRANSLATE_NOOP("Operations", "Download"),
    Phase.TRANSFER.value: QT_TRANSLATE_NOOP("Operations", "Transfer"),
    Phase.VERIFY.value: QT_TRANSLATE_NOOP("Operations", "Verify"),
    Phase.REBOOT.value: QT_TRANSLATE_NOOP("Operations", "Reboot"),
    Phase.CONFIRM.value: QT_TRANSLATE_NOOP("Operations", "Confirm"),
    Phase.DONE.value: QT_TRANSLATE_NOOP("Operations", "Done"),
}
FIRMWARE_CANNOT: Final[dict[str, str]] = {
    PlanAction.NO_FIRMWARE.value: QT_TRANSLATE_NOOP(
        "Operations", "Cannot update: the catalog has no firmware for this model"
    ),
    PlanAction.AHEAD.value: QT_TRANSLATE_NOOP(
        "Operations", "Cannot update: the device runs a newer version than the catalog"
    ),
    PlanAction.UNREACHABLE.value: QT_TRANSLATE_NOOP(
        "Operations", "Cannot update: the device could not be identified"
    ),
}
FIRMWARE_OUTCOMES: Final[dict[str, str]] = {
    Outcome.FELL_BACK.value: QT_TRANSLATE_NOOP(
        "Operations", "The new firmware did not start; the device runs the old one"
    ),
    Outcome.TIMEOUT.value: QT_TRANSLATE_NOOP(
        "Operations", "The device did not come back after rebooting; run the update again"
    ),
    Outcome.REFUSED.value: QT_TRANSLATE_NOOP("Operations", "Update refused"),
    Outcome.FAILED.value: QT_TRANSLATE_NOOP("Operations", "Update failed; run it again"),
    Outcome.SKIPPED.value: QT_TRANSLATE_NOOP("Operations", "Cannot update"),
}

NO_ACCESS_HEADLINE: Final = QT_TRANSLATE_NOOP(
    "Operations",
    "Cannot update: the device is already commissioned and no longer accepts its setup code",
)


def _percent(fraction: float) -> str:
    return f"{round(max(0.0, min(1.0, fraction)) * 100)} %"


def _mib(n: int) -> str:
    return f"{n / MIB:.1f}"


class OperationsController(QObject):
    """Bluetooth LE, "Commission home" and "Update firmware" for one main window."""

    operation_finished = Signal(str, object)
    """(operation, outcome): "onboard" (OnboardRun | Failure), "commission" (RunSummary |
    Failure), "firmware" (FirmwareRun | Failure), "keyring" (KeyringStatus)."""
    _progress = Signal(object)  # emitted on the loop thread, delivered on the GUI thread

    def __init__(self, window: MainWindow, bridge: AsyncBridge, service: JobService | None):
        super().__init__(window)
        self._window = window
        self._bridge = bridge
        self._service = service
        self._busy: str | None = None
        self._keyring: field_ops.KeyringStatus | None = None
        self.keyring_box: QMessageBox | None = None
        self.summary_box: QMessageBox | None = None
        self.last_summary: str | None = None
        self._fractions: dict[str, float] = {}
        self._vulnerable_seen: set[str] = set()
        self._recorded: JobProgress | None = None
        # The home network typed in "Home network…": memory only, for this window's session.
        self._network: NetworkConfig | None = None
        self.network_dialog: NetworkDialog | None = None
        self._progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        style = window.style()

        self.ble_action = QAction(self)
        self.ble_action.setObjectName("bleScanAction")
        self.ble_action.setCheckable(True)
        self.ble_action.toggled.connect(self._on_ble_toggled)
        self.onboard_all_action = QAction(self)
        self.onboard_all_action.setObjectName("onboardAllAction")
        self.onboard_all_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon))
        self.onboard_all_action.triggered.connect(lambda: self.onboard(None))
        self.onboard_action = QAction(self)
        self.onboard_action.setObjectName("onboardAction")
        self.onboard_action.triggered.connect(self.onboard_selected)
        self.network_action = QAction(self)
        self.network_action.setObjectName("homeNetworkAction")
        self.network_action.triggered.connect(lambda: self.show_network_dialog())
        self.commission_action = QAction(self)
        self.commission_action.setObjectName("commissionAction")
        self.commission_action.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton)
        )
        self.commission_action.triggered.connect(self.commission)
        self.firmware_action = QAction(self)
        self.firmware_action.setObjectName("firmwareAction")
        self.firmware_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp))
        self.firmware_action.triggered.connect(self.update_firmware)

        # Job-level progress: a caption and one bar, above the device table.
        self.panel = QWidget(window)
        self.panel.setObjectName("operationPanel")
        row = QHBoxLayout(self.panel)
        row.setContentsMargins(0, 0, 0, 0)
        self.job_label = QLabel(self.panel)
        self.job_label.setObjectName("jobProgressLabel")
        self.job_bar = QProgressBar(self.panel)
        self.job_bar.setObjectName("jobProgressBar")
        self.job_bar.setRange(0, BAR_MAXIMUM)
        self.job_bar.setMinimumWidth(320)
        self.job_bar.setFormat("%p %")
        row.addWidget(self.job_label, 1)
        row.addWidget(self.job_bar)
        self.panel.setVisible(False)

        self.onboard_button = QPushButton(window.details)
        self.onboard_button.setObjectName("onboardButton")
        self.onboard_button.clicked.connect(self.onboard_selected)
        self.onboard_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        window.details.action_row.addWidget(self.onboard_button, 0, Qt.AlignmentFlag.AlignRight)

        table = window.table
        table.setItemDelegateForColumn(Column.PROGRESS, ProgressBarDelegate(table))
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        table.selectionModel().selectionChanged.connect(lambda *_a: self.update_actions())
        window.model.dataChanged.connect(lambda *_a: self._update_onboard_button())
        window.scan_state_changed.connect(lambda _s: self.update_actions())
        window.job_changed.connect(self._on_job_changed)
        window.installEventFilter(self)
        self.retranslate()
        self.update_actions()

    # -- translation ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        self._retranslate_recorded()
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
        self.commission_action.setText(QCoreApplication.translate("Operations", "Commission home"))
        self.commission_action.setToolTip(
            QCoreApplication.translate(
                "Operations",
                "Give every certified device a unique credential, its own certificate and "
                "access control, and set up the gateway",
            )
        )
        self.firmware_action.setText(QCoreApplication.translate("Operations", "Update firmware"))
        self.firmware_action.setToolTip(
            QCoreApplication.translate(
                "Operations", "Install the latest signed firmware on every certified device"
            )
        )

    # -- state ---------------------------------------------------------------------------------
    @property
    def busy(self) -> str | None:
        """The operation running ("onboard", "commission", "firmware") or None."""
        return self._busy

    @property
    def keyring_status(self) -> field_ops.KeyringStatus | None:
        return self._keyring

    @property
    def keyring_refused(self) -> bool:
        return self._keyring is not None and not self._keyring.ok

    @property
    def vulnerable_seen(self) -> set[str]:
        """Devices the last firmware plan found running a known-vulnerable version."""
        return set(self._vulnerable_seen)

    def _stored_job_id(self) -> str | None:
        job = self._window.job
        return job.job_id if job is not None else None

    def update_actions(self) -> None:
        free = self._busy is None and self._service is not None and not self.keyring_refused
        has_job = self._stored_job_id() is not None
        session = self._window.scan_session
        ble_on = session is not None and session.ble_enabled
        self.onboard_all_action.setEnabled(free and ble_on)
        self.network_action.setEnabled(self._busy != "onboard")
        self.onboard_action.setEnabled(free and ble_on and self._selected_ble_device() is not None)
        self.commission_action.setEnabled(free and has_job)
        self.firmware_action.setEnabled(free and has_job)
        self._update_onboard_button()

    def _update_onboard_button(self) -> None:
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
        if self._network is not None and self._network.home_id != self._stored_job_id():
            self._network = None  # another home: its network must be entered again
        self._recorded = None
        self._window.model.clear_operations()
        self._window.model.clear_firmware_marks()
        self._vulnerable_seen.clear()
        self.panel.setVisible(False)
        self.update_actions()

    # -- what the job already records ----------------------------------------------------------
    @property
    def recorded(self) -> JobProgress | None:
        """The provisioning and firmware state read from the job when it was opened."""
        return self._recorded

    def show_recorded(self, progress: JobProgress) -> None:
        """Show each device's recorded provisioning and firmware state as a finished state in
        the progress column (and its verified firmware in the firmware column); nothing runs.
        Ignored while an operation runs or if another job is open."""
        if self._busy is not None or self._stored_job_id() != progress.job_id:
            return
        self._recorded = progress
        model = self._window.model
        for device in progress.devices:
            status = device.firmware
            if status is not None:
                model.set_firmware_mark(
                    device.device_id, FirmwareMark(status.version, status.latest, status.vulnerable)
                )
                if status.vulnerable:
                    self._vulnerable_seen.add(device.device_id)
            state = self.recorded_state(device)
            if state is not None:
                model.set_operation(device.device_id, state)

    def _retranslate_recorded(self) -> None:
        recorded = self._recorded
        if recorded is None or self._busy is not None:
            return
        model = self._window.model
        for device in recorded.devices:
            current = model.operation(device.device_id)
            if current is not None and current.operation == "recorded":
                model.set_operation(device.device_id, self.recorded_state(device))

    def recorded_state(self, device: DeviceProgress) -> OperationState | None:
        """The progress cell for what the job records about one device (None: nothing)."""
        parts: list[tuple[str, str, bool]] = []  # (text, detail, failed)
        provisioning = self._provisioning_part(device)
        if provisioning is not None:
            parts.append(provisioning)
        firmware = self._firmware_part(device)
        if firmware is not None:
            parts.append(firmware)
        if not parts:
            return None
        failed = any(p[2] for p in parts)
        return OperationState(
            "recorded",
            "failed" if failed else "done",
            1.0,
            " · ".join(p[0] for p in parts),
            "\n".join(p[1] for p in parts if p[1]),
        )

    def _provisioning_part(self, device: DeviceProgress) -> tuple[str, str, bool] | None:
        p = device.provisioning
        if p is None or p.status == "pending":
            return None
        if p.status == "provisioned":
            auth = {
                True: QCoreApplication.translate("Operations", "gateway authenticated it"),
                False: QCoreApplication.translate("Operations", "the gateway refused it"),
                None: "",
            }[p.gateway_auth]
            return QCoreApplication.translate("Operations", "Provisioned"), auth, False
        if p.status == "in-progress":
            return (
                QCoreApplication.translate("Operations", "Commissioning interrupted"),
                QCoreApplication.translate(
                    "Operations",
                    "Run Commission home again (it resumes where it stopped).",
                ),
                True,
            )
        reason = p.reason or p.reason_code or ""
        action = self.commission_action_text(p.reason_code, p.action)
        detail = "\n".join(
            x
            for x in (
                reason,
                QCoreApplication.translate("Operations", "What to do: %1").replace("%1", action)
                if action
                else "",
            )
            if x
        )
        text = QCoreApplication.translate("Operations", "Failed: %1").replace("%1", reason)
        return text, detail, True

    def _firmware_part(self, device: DeviceProgress) -> tuple[str, str, bool] | None:
        status, last = device.firmware, device.last_update
        detail = ""
        if last is not None and last.result != "updated":
            headline = FIRMWARE_OUTCOMES.get(last.result)
            detail = "\n".join(
                x for x in (_t(headline) if headline else last.result, last.reason or "") if x
            )
        if status is None:
            if last is None:
                return None
            if last.result == "updated":
                return self._updated_text(last.from_version, last.to_version), "", False
            return detail.splitlines()[0], detail, True
        state = device.firmware_state
        latest = status.latest or "?"
        if state == "vulnerable":
            text = QCoreApplication.translate("Operations", "Vulnerable firmware %1 (latest %2)")
            return text.replace("%1", status.version).replace("%2", latest), detail, True
        if state == "outdated":
            text = QCoreApplication.translate("Operations", "Outdated firmware %1 (latest %2)")
            return text.replace("%1", status.version).replace("%2", latest), detail, True
        if state == "ahead":
            text = QCoreApplication.translate(
                "Operations", "Firmware %1 (newer than the catalog)"
            )
            return text.replace("%1", status.version), detail, False
        if state == "unknown":
            text = QCoreApplication.translate("Operations", "Firmware %1 (latest not known)")
            return text.replace("%1", status.version), detail, False
        if last is not None and last.result == "updated" and last.to_version == status.version:
            return self._updated_text(last.from_version, last.to_version), "", False
        text = QCoreApplication.translate("Operations", "Latest (%1)")
        return text.replace("%1", status.version), detail, False

    @staticmethod
    def _updated_text(from_version: str, to_version: str) -> str:
        return (
            QCoreApplication.translate("Operations", "Updated: %1 → %2")
            .replace("%1", from_version or "?")
            .replace("%2", to_version or "?")
        )

    # -- plumbing ------------------------------------------------------------------------------
    def _submit(
        self,
        coro: Coroutine[Any, Any, object],
        name: str,
        on_result: Callable[[object], object],
    ) -> bool:
        def failed(message: str) -> None:
            on_result(Failure("store", message))

        try:
            self._bridge.submit(coro, name=name, on_result=on_result, on_error=failed)
        except BridgeNotRunningError as err:
            failed(str(err))
            return False
        return True

    def _start(self, operation: str, title: str) -> None:
        self._busy = operation
        self._fractions.clear()
        self.job_label.setText(title)
        self.job_label.setStyleSheet("")
        self.job_bar.setValue(0)
        self.panel.setVisible(True)
        self.update_actions()

    def _finish(self, operation: str, outcome: object, text: str, ok: bool) -> None:
        self._busy = None
        self.job_label.setText(text)
        self.job_label.setStyleSheet("" if ok else "color: #a1140a; font-weight: bold;")
        self.update_actions()
        self.operation_finished.emit(operation, outcome)

    def _set_job_fraction(self, fraction: float) -> None:
        self.job_bar.setValue(round(max(0.0, min(1.0, fraction)) * BAR_MAXIMUM))

    @property
    def job_fraction(self) -> float:
        return self.job_bar.value() / BAR_MAXIMUM

    def _show_summary(self, title: str, text: str, details: str, ok: bool) -> None:
        self.last_summary = "\n".join(p for p in (text, details) if p)
        box = self.summary_box
        if box is None:
            box = QMessageBox(self._window)
            box.setObjectName("operationSummary")
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.setModal(False)
            box.setStyleSheet("QLabel { min-width: 460px; }")
            self.summary_box = box
        box.setIcon(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        box.setInformativeText(details)
        box.show()
        box.raise_()

    def _failure_message(self, failure: Failure) -> str:
        if failure.kind == "keyring":
            return "\n".join(
                (
                    QCoreApplication.translate(
                        "Operations",
                        "The OS keyring cannot keep this job's secrets safely, so nothing was "
                        "changed on the devices.",
                    ),
                    self._details(failure),
                )
            )
        if failure.kind == "ble":
            return "\n".join(
                (
                    QCoreApplication.translate(
                        "Operations", "Bluetooth onboarding could not start."
                    ),
                    self._details(failure),
                )
            )
        return self._window.failure_text(failure)

    @staticmethod
    def _details(failure: Failure) -> str:
        return QCoreApplication.translate("Operations", "Details: %1").replace(
            "%1", failure.describe()
        )

    def _on_progress(self, event: object) -> None:
        if isinstance(event, OnboardingProgress):
            self._onboard_progress(event)
        elif isinstance(event, ProgressEvent):
            self._commission_progress(event)
        elif isinstance(event, UpdateProgress):
            self._firmware_progress(event)
        elif isinstance(event, PlanItem):
            self._firmware_plan(event)
        elif isinstance(event, UpdateResult):
            self._firmware_result(event)

    # -- keyring -------------------------------------------------------------------------------
    def check_keyring(self) -> None:
        """Refuse plaintext and "fail" keyrings at start-up (modal message; the commissioning
        actions stay disabled)."""

        def done(result: object) -> None:
            if isinstance(result, Failure):
                result = field_ops.KeyringStatus(False, message=result.message)
            assert isinstance(result, field_ops.KeyringStatus)
            self._keyring = result
            self.update_actions()
            if not result.ok:
                self._show_keyring_refusal(result)
            self.operation_finished.emit("keyring", result)

        self._submit(field_ops.check_keyring(), "check-keyring", done)

    def keyring_refusal_text(self) -> str:
        status = self._keyring
        if status is None or status.ok:
            return ""
        details = QCoreApplication.translate("Operations", "Details: %1").replace(
            "%1", "\n".join(p for p in (status.message, status.hint) if p)
        )
        return "\n\n".join(
            (
                QCoreApplication.translate(
                    "Operations",
                    "This computer's keyring cannot keep the job secrets safely (it would store "
                    "them in plain text, or it does not work). Commissioning is disabled.",
                ),
                QCoreApplication.translate(
                    "Operations",
                    "Use the operating system's keyring: on Windows the Credential Manager. "
                    "Then restart the app.",
                ),
                details,
            )
        )

    def _show_keyring_refusal(self, status: field_ops.KeyringStatus) -> None:
        del status
        box = QMessageBox(self._window)
        box.setObjectName("keyringRefusal")
        box.setStyleSheet("QLabel { min-width: 520px; }")
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(QCoreApplication.translate("Operations", "Keyring refused"))
        box.setText(self.keyring_refusal_text())
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.keyring_box = box
        self._window.statusBar().showMessage(
            QCoreApplication.translate("Operations", "Keyring refused: commissioning is disabled."),
            0,
        )
        box.open()

    # -- Bluetooth LE --------------------------------------------------------------------------
    @property
    def ble_enabled(self) -> bool:
        return self.ble_action.isChecked()

    def _on_ble_toggled(self, checked: bool) -> None:
        self._window.set_ble_scan(checked)
        self.update_actions()

    def _context_menu(self, pos: QPoint) -> None:
        index = self._window.table.indexAt(pos)
        if not index.isValid():
            return
        self._window.table.selectRow(index.row())
        menu = QMenu(self._window.table)
        menu.addAction(self.onboard_action)
        menu.addSeparator()
        menu.addAction(self.onboard_all_action)
        menu.addAction(self.network_action)
        menu.popup(self._window.table.viewport().mapToGlobal(pos))

    @property
    def network_config(self) -> NetworkConfig | None:
        """The home network entered in "Home network…" (None: not entered this session)."""
        return self._network

    def _network_known(self) -> bool:
        """Onboarding can start: settings were entered, or the virtual home provides them."""
        service = self._service
        return self._network is not None or (
            service is not None and service.virtual_home is not None
        )

    def show_network_dialog(
        self, then: Callable[[], object] | None = None
    ) -> NetworkDialog | None:
        """Open "Home network…" (window-modal); ``then`` runs once it is accepted."""
        if self._busy == "onboard":
            return None
        if self.network_dialog is not None:
            self.network_dialog.raise_()
            return self.network_dialog
        dialog = NetworkDialog(self._window, home_id=self._stored_job_id(), current=self._network)
        self.network_dialog = dialog

        def finished(result: int) -> None:
            self.network_dialog = None
            if result == QDialog.DialogCode.Accepted.value and dialog.config is not None:
                self._network = dialog.config
                self._window.statusBar().showMessage(
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

    def onboard_selected(self) -> None:
        device = self._selected_ble_device()
        if device is not None:
            self.onboard([device])

    def onboard(self, device_ids: Sequence[str] | None) -> bool:
        """Onboard these devices (None: every factory device seen over BLE)."""
        session = self._window.scan_session
        service = self._service
        if self._busy is not None or service is None or self.keyring_refused:
            return False
        if session is None or not session.ble_enabled:
            self._window.show_error(
                QCoreApplication.translate(
                    "Operations",
                    "Turn on the Bluetooth LE scan first, then wait for the devices to appear.",
                )
            )
            return False
        job_id = self._stored_job_id()
        ids = list(device_ids) if device_ids is not None else None
        if not self._network_known():
            # In the field the home network must be entered first; onboarding starts after.
            self.show_network_dialog(lambda: self.onboard(ids))
            return False
        network = self._network
        self._start(
            "onboard",
            QCoreApplication.translate("Operations", "Onboarding devices over Bluetooth LE…"),
        )
        for device_id in ids or ():
            self._set_onboard_state(
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

        return self._submit(run(), "onboard", self._onboard_done)

    def _set_state(
        self,
        kind: str,
        device_id: str,
        status: str,
        fraction: float | None,
        text: str,
        detail: str = "",
    ) -> None:
        """One device's row in an operation, and the job bar as the mean of the devices."""
        self._window.model.set_operation(
            device_id, OperationState(kind, status, fraction, text, detail)
        )
        if fraction is not None:
            self._fractions[device_id] = fraction
        if self._fractions:
            self._set_job_fraction(sum(self._fractions.values()) / len(self._fractions))

    def _set_onboard_state(
        self, device_id: str, status: str, fraction: float | None, text: str, detail: str = ""
    ) -> None:
        self._set_state("onboard", device_id, status, fraction, text, detail)

    def _onboard_progress(self, p: OnboardingProgress) -> None:
        if p.step is OnboardingStep.FAILED:
            return  # the result says why, with what to do
        step = p.step.value
        fraction = (_ONBOARD_ORDER.index(step) + 1) / (len(_ONBOARD_ORDER) + 1)
        text = _t(ONBOARD_STEPS.get(step, step))
        self._set_onboard_state(p.device_id, "running", fraction, text)

    def onboard_reason(self, result: OnboardingResult) -> str:
        reason = ONBOARD_REASONS.get(result.reason or "")
        return _t(reason) if reason is not None else result.message

    def _onboard_done(self, result: object) -> None:
        if isinstance(result, Failure):
            text = self._failure_message(result)
            for device_id, fraction in list(self._fractions.items()):
                if fraction < 1.0:
                    self._window.model.set_operation(device_id, None)
            self._finish(
                "onboard",
                result,
                QCoreApplication.translate("Operations", "Onboarding failed."),
                False,
            )
            self._window.show_error(text)
            return
        assert isinstance(result, field_ops.OnboardRun)
        joined = set(result.joined)
        failed = 0
        for r in result.results:
            if r.ok and r.device_id in joined:
                self._set_onboard_state(
                    r.device_id,
                    "done",
                    1.0,
                    QCoreApplication.translate("Operations", "On the network"),
                )
            elif r.ok:
                self._set_onboard_state(
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
                headline = self.onboard_reason(r)
                self._set_onboard_state(
                    r.device_id,
                    "failed",
                    1.0,
                    QCoreApplication.translate("Operations", "Failed: %1").replace("%1", headline),
                    r.message,
                )
        self._set_job_fraction(1.0)
        text = (
            QCoreApplication.translate(
                "Operations", "Onboarding finished: %1 on the network, %2 failed."
            )
            .replace("%1", str(len(joined)))
            .replace("%2", str(failed))
        )
        self._finish("onboard", result, text, failed == 0)
        self._window.statusBar().showMessage(text, 15000)

    # -- Commission home -----------------------------------------------------------------------
    def commission(self) -> bool:
        service, job_id = self._service, self._stored_job_id()
        if self._busy is not None or service is None or job_id is None or self.keyring_refused:
            return False
        addresses = {
            r.device_id: (r.network.address, r.network.port)
            for r in self._window.model.records()
            if r.network is not None and r.network.address and r.network.port
        }
        self._window.model.clear_operations()
        self._start(
            "commission", QCoreApplication.translate("Operations", "Commissioning the home…")
        )
        coro = field_ops.commission(
            service,
            job_id,
            self._progress.emit,
            addresses={k: (str(a), int(p)) for k, (a, p) in addresses.items()},
        )
        return self._submit(coro, "commission", self._commission_done)

    def _commission_progress(self, e: ProgressEvent) -> None:
        if e.total:
            self.job_label.setText(
                QCoreApplication.translate(
                    "Operations", "Commissioning the home: %1 of %2 devices finished"
                )
                .replace("%1", str(e.finished))
                .replace("%2", str(e.total))
            )
            self._set_job_fraction(e.finished / e.total)
        if e.device_id in ("", "-"):
            return
        step = e.step
        name = COMMISSION_STEPS.get(step)
        step_text = _t(name) if name is not None else step
        model = self._window.model
        current = model.operation(e.device_id)
        fraction = current.fraction if current is not None else 0.0
        if step in _COMMISSION_ORDER:
            position = _COMMISSION_ORDER.index(step) + (1 if e.status == "done" else 0.5)
            fraction = position / (len(_COMMISSION_ORDER) + 1)
        if e.status == "provisioned":
            model.set_operation(
                e.device_id,
                OperationState(
                    "commission",
                    "running",
                    0.95,
                    QCoreApplication.translate("Operations", "Provisioned"),
                ),
            )
        elif e.status == "failed":
            model.set_operation(
                e.device_id,
                OperationState(
                    "commission",
                    "failed",
                    1.0,
                    QCoreApplication.translate("Operations", "Failed: %1").replace("%1", step_text),
                    e.message,
                ),
            )
        elif e.status == "skipped":
            if current is None or current.status != "done":
                model.set_operation(
                    e.device_id,
                    OperationState(
                        "commission",
                        "skipped",
                        0.0,
                        QCoreApplication.translate("Operations", "Skipped"),
                        e.message,
                    ),
                )
        elif e.status == "retry":
            model.set_operation(
                e.device_id,
                OperationState(
                    "commission",
                    "running",
                    fraction,
                    QCoreApplication.translate("Operations", "%1: retrying…").replace(
                        "%1", step_text
                    ),
                    e.message,
                ),
            )
        elif e.status in ("started", "done"):
            if current is not None and current.status in ("failed", "done"):
                return
            model.set_operation(
                e.device_id, OperationState("commission", "running", fraction, step_text + "…")
            )

    def commission_action_text(self, reason_code: str | None, core_action: str | None) -> str:
        action = COMMISSION_ACTIONS.get(reason_code or "")
        if action is not None:
            return _t(action)
        return core_action or ""

    def _commission_done(self, result: object) -> None:
        if isinstance(result, Failure):
            text = self._failure_message(result)
            self._finish(
                "commission",
                result,
                QCoreApplication.translate("Operations", "Commissioning could not start."),
                False,
            )
            self._window.show_error(text)
            return
        assert isinstance(result, RunSummary)
        model = self._window.model
        lines: list[str] = []
        for o in result.outcomes:
            if o.status == "provisioned":
                auth = {
                    True: QCoreApplication.translate("Operations", "gateway authenticated it"),
                    False: QCoreApplication.translate("Operations", "the gateway refused it"),
                    None: "",
                }[o.gateway_authenticated]
                text = QCoreApplication.translate("Operations", "Provisioned")
                model.set_operation(
                    o.device_id,
                    OperationState("commission", "done", 1.0, text, auth),
                )
            elif o.status == "blocked":
                model.set_operation(
                    o.device_id,
                    OperationState(
                        "commission",
                        "skipped",
                        0.0,
                        QCoreApplication.translate("Operations", "Not provisioned (not certified)"),
                        o.reason or "",
                    ),
                )
            else:
                action = self.commission_action_text(o.reason_code, o.action)
                reason = o.reason or o.reason_code or ""
                model.set_operation(
                    o.device_id,
                    OperationState(
                        "commission",
                        "failed",
                        1.0,
                        QCoreApplication.translate("Operations", "Failed: %1").replace(
                            "%1", reason
                        ),
                        "\n".join(
                            p
                            for p in (
                                reason,
                                QCoreApplication.translate("Operations", "What to do: %1").replace(
                                    "%1", action
                                )
                                if action
                                else "",
                            )
                            if p
                        ),
                    ),
                )
                lines.append(f"{o.device_id}: {reason}" + (f"\n  → {action}" if action else ""))
        self._set_job_fraction(1.0)
        provisioned = result.count("provisioned")
        failed = result.count("failed")
        blocked = result.count("blocked")
        text = (
            QCoreApplication.translate(
                "Operations",
                "Commissioning finished: %1 provisioned, %2 failed, %3 not certified (%4 s).",
            )
            .replace("%1", str(provisioned))
            .replace("%2", str(failed))
            .replace("%3", str(blocked))
            .replace("%4", f"{result.elapsed_s:.1f}")
        )
        if result.ok and result.owner_invitation_id:
            text += "\n" + QCoreApplication.translate(
                "Operations", "The owner invitation is ready for the guidance sheet."
            )
        self._finish("commission", result, text.splitlines()[0], result.ok)
        self._show_summary(
            QCoreApplication.translate("Operations", "Commission home"),
            text,
            "\n".join(lines),
            result.ok,
        )

    # -- Update firmware -----------------------------------------------------------------------
    def update_firmware(self, *, reboot_timeout: float = field_ops.DEFAULT_REBOOT_TIMEOUT) -> bool:
        service, job_id = self._service, self._stored_job_id()
        if self._busy is not None or service is None or job_id is None or self.keyring_refused:
            return False
        addresses = {
            r.device_id: (str(r.network.address), int(r.network.port))
            for r in self._window.model.records()
            if r.network is not None and r.network.address and r.network.port
        }
        self._window.model.clear_operations()
        self._vulnerable_seen.clear()
        self._start(
            "firmware", QCoreApplication.translate("Operations", "Checking firmware versions…")
        )
        emit = self._progress.emit
        coro = field_ops.update_firmware(
            service,
            job_id,
            on_plan=emit,
            on_progress=emit,
            on_result=emit,
            addresses=addresses,
            reboot_timeout=reboot_timeout,
        )
        return self._submit(coro, "update-firmware", self._firmware_done)

    def _firmware_state(
        self, device_id: str, status: str, fraction: float | None, text: str, detail: str = ""
    ) -> None:
        self._set_state("firmware", device_id, status, fraction, text, detail)

    def _firmware_plan(self, item: PlanItem) -> None:
        model = self._window.model
        if item.current is not None:
            model.set_firmware_mark(
                item.device_id, FirmwareMark(item.current, item.latest, item.vulnerable)
            )
        if item.vulnerable:
            self._vulnerable_seen.add(item.device_id)
        self.job_label.setText(QCoreApplication.translate("Operations", "Updating firmware…"))
        if item.action is PlanAction.UPDATE:
            self._firmware_state(
                item.device_id,
                "running",
                0.0,
                QCoreApplication.translate("Operations", "Waiting: %1 → %2")
                .replace("%1", item.current or "?")
                .replace("%2", item.latest or "?"),
                item.reason,
            )
        elif item.action is PlanAction.CURRENT:
            self._firmware_state(
                item.device_id,
                "done",
                1.0,
                QCoreApplication.translate("Operations", "Latest (%1)").replace(
                    "%1", item.current or ""
                ),
            )
        else:
            cannot = FIRMWARE_CANNOT.get(item.action.value)
            self._firmware_state(
                item.device_id, "failed", 1.0, _t(cannot) if cannot else item.reason, item.reason
            )

    def _firmware_progress(self, p: UpdateProgress) -> None:
        phase = _t(FIRMWARE_PHASES.get(p.phase.value, p.phase.value))
        if p.phase in (Phase.DOWNLOAD, Phase.TRANSFER) and p.bytes_total:
            text = (
                QCoreApplication.translate("Operations", "%1 %2 (%3 / %4 MiB)")
                .replace("%1", phase)
                .replace("%2", _percent(p.bytes_done / p.bytes_total))
                .replace("%3", _mib(p.bytes_done))
                .replace("%4", _mib(p.bytes_total))
            )
        else:
            text = phase + ("" if p.phase is Phase.DONE else "…")
        self._firmware_state(p.device_id, "running", p.fraction, text, p.message)

    def _firmware_result(self, r: UpdateResult) -> None:
        model = self._window.model
        if r.outcome is Outcome.UPDATED:
            self._firmware_state(
                r.device_id,
                "done",
                1.0,
                QCoreApplication.translate("Operations", "Updated: %1 → %2")
                .replace("%1", r.from_version or "?")
                .replace("%2", r.running_version or "?"),
            )
        elif r.outcome is Outcome.CURRENT:
            self._firmware_state(
                r.device_id,
                "done",
                1.0,
                QCoreApplication.translate("Operations", "Latest (%1)").replace(
                    "%1", r.running_version or ""
                ),
            )
        else:
            if r.outcome is Outcome.SKIPPED and r.device_id in self._fractions:
                return  # the plan already said why
            headline = FIRMWARE_OUTCOMES.get(r.outcome.value)
            if r.reason_code == field_ops.NO_ACCESS:
                headline = NO_ACCESS_HEADLINE
            self._firmware_state(
                r.device_id, "failed", 1.0, _t(headline) if headline else r.reason, r.reason
            )
        if r.running_version is not None:
            previous = model.firmware_mark(r.device_id)
            latest = previous.latest if previous is not None else r.to_version
            vulnerable = bool(
                previous is not None and previous.vulnerable and r.outcome is not Outcome.UPDATED
            )
            mark = FirmwareMark(r.running_version, latest, vulnerable)
            model.set_firmware_mark(r.device_id, mark)

    def _firmware_done(self, result: object) -> None:
        if isinstance(result, Failure):
            text = self._failure_message(result)
            self._finish(
                "firmware",
                result,
                QCoreApplication.translate("Operations", "The firmware update could not start."),
                False,
            )
            self._window.show_error(text)
            return
        assert isinstance(result, field_ops.FirmwareRun)
        for device_id, why in result.failures:
            self._firmware_state(
                device_id,
                "failed",
                1.0,
                QCoreApplication.translate("Operations", "Cannot update"),
                why,
            )
        self._set_job_fraction(1.0)
        updated = sum(1 for r in result.results if r.outcome is Outcome.UPDATED)
        latest = sum(1 for r in result.results if r.ok)
        text = (
            QCoreApplication.translate(
                "Operations", "Firmware: %1 updated; %2 of %3 devices run the latest firmware."
            )
            .replace("%1", str(updated))
            .replace("%2", str(latest))
            .replace("%3", str(len(result.results) + len(result.failures)))
        )
        lines = []
        for device_id, why in result.blockers:
            state = self._window.model.operation(device_id)
            lines.append(f"{device_id}: {state.text if state is not None else why}")
        details = "\n".join(lines)
        if result.blockers:
            text += "\n" + QCoreApplication.translate(
                "Operations", "These devices keep the job from being closed:"
            )
        self._finish("firmware", result, text.splitlines()[0], result.ok)
        self._show_summary(
            QCoreApplication.translate("Operations", "Update firmware"), text, details, result.ok
        )
