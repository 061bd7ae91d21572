"""The commissioner's main window: current job, live device table, scan control, language."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from commissioner.discovery.events import (
    DeviceAdded,
    DeviceRecord,
    DeviceUpdated,
    DiscoveryEvent,
    MalformedSeen,
)
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.scan import malformed_to_json
from commissioner.jobs.models import JSON, DeviceGateState, Job
from commissioner.protocol.spec import SERVICE_TYPE
from ui import i18n
from ui.bridge import AsyncBridge, BridgeNotRunningError
from ui.certify_view import DetailsPane, LabelEntry, catalog_failure_text
from ui.commission_controller import CommissionController
from ui.device_table import ROW_KEY_ROLE, ROW_KIND_ROLE, Column, DeviceTableModel, gate_text
from ui.firmware_controller import FirmwareController
from ui.handover import HandoverController
from ui.job_dialogs import NewJobDialog, OpenJobDialog, ReplaceDialog
from ui.job_service import CertifyResult, Failure, JobOpened, JobService, LabelResult
from ui.job_summary import JobSummary
from ui.keyring_controller import KeyringController
from ui.onboard_controller import OnboardController
from ui.operation_runner import OperationRunner
from ui.progress_delegate import ProgressBarDelegate
from ui.recorded_view import RecordedStateView
from ui.scan_session import ScanSession

# Also here (not only in ui/__init__) in case `ui` was imported as a namespace package.


DEFAULT_MDNS_INTERFACES: Final = ("127.0.0.1",)
RECORD_DELAY_MS: Final = 400  # discovery events are written to the job in batches


class ScanState(Enum):
    IDLE = "idle"
    STARTING = "starting"
    SCANNING = "scanning"
    STOPPING = "stopping"


class MainWindow(QMainWindow):
    """Shows the open job and the devices found on the network; scans through the bridge."""

    scan_state_changed = Signal(object)  # ScanState
    job_changed = Signal(object)  # JobSummary | None

    def __init__(
        self,
        bridge: AsyncBridge,
        *,
        mdns_interfaces: Sequence[str] = DEFAULT_MDNS_INTERFACES,
        mdns_service_type: str = SERVICE_TYPE,
        job: JobSummary | None = None,
        service: JobService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._pending_records: dict[str, DeviceRecord] = {}
        self._pending_malformed: dict[str, dict[str, JSON]] = {}
        self._recorded_malformed: set[str] = set()
        self._record_busy = False
        self._certifying = False
        self._opening_job = False
        self.new_job_dialog: NewJobDialog | None = None
        self.open_job_dialog: OpenJobDialog | None = None
        self.replace_dialog: ReplaceDialog | None = None
        self._gate_message: str | None = None
        self._last_certify: CertifyResult | None = None
        self._service_type = mdns_service_type
        self._bridge = bridge
        self._mdns_interfaces = tuple(mdns_interfaces)
        self._job = job
        self._state = ScanState.IDLE
        self._session: ScanSession | None = None
        self._discovery: DiscoveryManager | None = None  # the running or last scan's manager
        self._remove_cleanup: Callable[[], None] | None = None
        self._last_error: str | None = None
        self._error_box: QMessageBox | None = None
        self._restart_scan = False

        self.model = DeviceTableModel(self)
        self._build()
        bridge.discovery_event.connect(self._on_discovery_event)
        bridge.task_failed.connect(self._on_task_failed)
        if service is not None:
            bridge.add_cleanup(service.close)
        for sig in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            sig.connect(self._update_counts)
            sig.connect(self._update_gate_summary)
        self.model.dataChanged.connect(self._on_model_data_changed)
        self.retranslateUi()
        self._update_job_actions()
        # "Close and hand over" (issue 6) lives in ui/handover.py; it only adds its action here.
        self.handover = HandoverController(self, bridge)
        self.file_menu.insertAction(self.quit_action, self.handover.action)
        self.toolbar.addAction(self.handover.action)
        # BLE, "Commission home", "Update firmware" and the keyring check: one controller each,
        # sharing one runner; they see this window only as a ui.operation_window.OperationWindow.
        self._ble_scan = False
        self.operations = OperationRunner(self, bridge)
        self.onboarding = OnboardController(self.operations)
        self.commissioning = CommissionController(self.operations)
        self.firmware = FirmwareController(self.operations)
        self.keyring = KeyringController(self.operations)
        self.recorded = RecordedStateView(self.operations, self.firmware.note_vulnerable)
        self._place_operations()
        self.resize(1180, 760)

    def _place_operations(self) -> None:
        onboarding = self.onboarding
        self.file_menu.insertAction(self.handover.action, onboarding.network_action)
        # Toolbar in the order of the handover flow: scan, BLE, onboard, check, commission,
        # firmware, close and hand over.
        self.toolbar.insertActions(
            self.certify_action, [onboarding.ble_action, onboarding.onboard_all_action]
        )
        self.toolbar.insertActions(
            self.handover.action,
            [self.commissioning.commission_action, self.firmware.firmware_action],
        )
        central = self.centralWidget()
        central_layout = central.layout() if central is not None else None
        assert isinstance(central_layout, QVBoxLayout)
        central_layout.insertWidget(central_layout.indexOf(self.splitter), self.operations.panel)
        self.details.action_row.addWidget(
            onboarding.onboard_button, 0, Qt.AlignmentFlag.AlignRight
        )
        table = self.table
        table.setItemDelegateForColumn(Column.PROGRESS, ProgressBarDelegate(table))
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(
            lambda pos: onboarding.show_context_menu(table, pos)
        )
        table.selectionModel().selectionChanged.connect(lambda *_a: onboarding.update_actions())
        self.model.dataChanged.connect(lambda *_a: onboarding.update_button())

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        style = self.style()
        self._play_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._stop_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaStop)

        # Menus
        self.file_menu = QMenu(self)
        self.new_job_action = QAction(self)
        self.new_job_action.setObjectName("newJobAction")
        self.new_job_action.triggered.connect(self.show_new_job_dialog)
        self.open_job_action = QAction(self)
        self.open_job_action.setObjectName("openJobAction")
        self.open_job_action.triggered.connect(self.show_open_job_dialog)
        self.file_menu.addAction(self.new_job_action)
        self.file_menu.addAction(self.open_job_action)
        self.file_menu.addSeparator()
        self.quit_action = QAction(self)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        self.menuBar().addMenu(self.file_menu)

        self.language_menu = QMenu(self)
        self.language_group = QActionGroup(self)
        self.language_group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        for code in i18n.SUPPORTED_LANGUAGES:
            action = QAction(i18n.LANGUAGE_NAMES[code], self)
            action.setCheckable(True)
            action.setData(code)
            action.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            self.language_group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action
        self.menuBar().addMenu(self.language_menu)
        self._sync_language_menu()

        # Toolbar with the scan toggle
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.scan_action = QAction(self)
        self.scan_action.setObjectName("scanAction")
        self.scan_action.triggered.connect(self.toggle_scan)
        self.toolbar.addAction(self.scan_action)
        self.certify_action = QAction(self)
        self.certify_action.setObjectName("certifyAction")
        self.certify_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
        self.certify_action.triggered.connect(self.check_devices)
        self.toolbar.addAction(self.certify_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        central = QWidget(self)
        layout = QVBoxLayout(central)

        # Job area
        self.job_box = QGroupBox(central)
        job_layout = QVBoxLayout(self.job_box)
        self.job_stack = QStackedWidget(self.job_box)
        self.no_job_label = QLabel(self.job_stack)
        self.no_job_label.setObjectName("noJobLabel")
        job_page = QWidget(self.job_stack)
        job_row = QHBoxLayout(job_page)
        job_row.setContentsMargins(0, 0, 0, 0)
        left_form = QFormLayout()
        right_form = QFormLayout()
        self.job_number_caption = QLabel(job_page)
        self.job_number_value = QLabel(job_page)
        self.site_caption = QLabel(job_page)
        self.site_value = QLabel(job_page)
        self.level_caption = QLabel(job_page)
        self.level_value = QLabel(job_page)
        self.operator_caption = QLabel(job_page)
        self.operator_value = QLabel(job_page)
        self.address_caption = QLabel(job_page)
        self.address_value = QLabel(job_page)
        self.catalog_caption = QLabel(job_page)
        self.catalog_value = QLabel(job_page)
        self.catalog_value.setObjectName("catalogValue")
        for value in (
            self.job_number_value,
            self.site_value,
            self.operator_value,
            self.address_value,
            self.catalog_value,
        ):
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.level_value.setStyleSheet("color: #b8860b; font-size: 14pt;")
        left_form.addRow(self.job_number_caption, self.job_number_value)
        left_form.addRow(self.site_caption, self.site_value)
        left_form.addRow(self.address_caption, self.address_value)
        right_form.addRow(self.level_caption, self.level_value)
        right_form.addRow(self.operator_caption, self.operator_value)
        right_form.addRow(self.catalog_caption, self.catalog_value)
        job_row.addLayout(left_form, 1)
        job_row.addLayout(right_form, 1)
        self.job_stack.addWidget(self.no_job_label)
        self.job_stack.addWidget(job_page)
        job_layout.addWidget(self.job_stack)
        layout.addWidget(self.job_box)

        # Device list header line
        counts_row = QHBoxLayout()
        self.devices_title = QLabel(central)
        title_font = self.devices_title.font()
        title_font.setBold(True)
        self.devices_title.setFont(title_font)
        self.device_count_label = QLabel(central)
        self.device_count_label.setObjectName("deviceCountLabel")
        self.interfaces_label = QLabel(central)
        self.interfaces_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        counts_row.addWidget(self.devices_title)
        counts_row.addWidget(self.device_count_label)
        self.gate_summary_label = QLabel(central)
        self.gate_summary_label.setObjectName("gateSummaryLabel")
        counts_row.addSpacing(16)
        counts_row.addWidget(self.gate_summary_label)
        counts_row.addStretch(1)
        counts_row.addWidget(self.interfaces_label)
        layout.addLayout(counts_row)

        # Problems that stop the gate (no usable catalog...): stays until the next check.
        self.gate_banner = QLabel(central)
        self.gate_banner.setObjectName("gateBanner")
        self.gate_banner.setWordWrap(True)
        self.gate_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.gate_banner.setStyleSheet(
            "background: #fbd5d2; color: #7a0d06; border: 1px solid #e0a09a; padding: 6px;"
        )
        self.gate_banner.setVisible(False)
        layout.addWidget(self.gate_banner)

        self.label_entry = LabelEntry(central)
        self.label_entry.submitted.connect(self.submit_label)
        self.label_entry.image_chosen.connect(self.submit_label_image)
        layout.addWidget(self.label_entry)

        # Device table
        self.table = QTableView(central)
        self.table.setObjectName("deviceTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setMinimumSectionSize(48)
        # Fit the columns to their contents after changes, at most once per event-loop pass.
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(0)
        self._resize_timer.timeout.connect(self._fit_columns)
        for signal in (
            self.model.rowsInserted,
            self.model.dataChanged,
            self.model.modelReset,
            self.model.headerDataChanged,
        ):
            signal.connect(self._resize_timer.start)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_details())
        self.details = DetailsPane(central)
        self.details.replace_requested.connect(self.show_replace_dialog)
        self.splitter = QSplitter(Qt.Orientation.Vertical, central)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self._record_timer = QTimer(self)
        self._record_timer.setSingleShot(True)
        self._record_timer.setInterval(RECORD_DELAY_MS)
        self._record_timer.timeout.connect(self._flush_discovery)

        # Status bar
        self.scan_status_label = QLabel(self)
        self.scan_status_label.setObjectName("scanStatusLabel")
        self.counts_status_label = QLabel(self)
        self.counts_status_label.setObjectName("countsStatusLabel")
        self.statusBar().addWidget(self.scan_status_label, 1)
        self.statusBar().addPermanentWidget(self.counts_status_label)

    def _fit_columns(self) -> None:
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        self.table.resizeColumnsToContents()
        # Give the free space to the last (details) column again.
        header.setStretchLastSection(True)

    # -- translation ---------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(
            QCoreApplication.translate("MainWindow", "Commissioner — smart home commissioning")
        )
        self.file_menu.setTitle(QCoreApplication.translate("MainWindow", "&File"))
        self.quit_action.setText(QCoreApplication.translate("MainWindow", "&Quit"))
        self.new_job_action.setText(QCoreApplication.translate("MainWindow", "&New job…"))
        self.open_job_action.setText(QCoreApplication.translate("MainWindow", "&Open job…"))
        self.certify_action.setText(QCoreApplication.translate("MainWindow", "Check devices"))
        self.certify_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow",
                "Check every device found against the signed catalog of certified models",
            )
        )
        self.address_caption.setText(QCoreApplication.translate("MainWindow", "Address:"))
        self.catalog_caption.setText(QCoreApplication.translate("MainWindow", "Catalog:"))
        self.language_menu.setTitle(QCoreApplication.translate("MainWindow", "&Language"))
        self.toolbar.setWindowTitle(QCoreApplication.translate("MainWindow", "Scan"))
        self.job_box.setTitle(QCoreApplication.translate("MainWindow", "Current job"))
        self.no_job_label.setText(QCoreApplication.translate("MainWindow", "No job open"))
        self.job_number_caption.setText(QCoreApplication.translate("MainWindow", "Job number:"))
        self.site_caption.setText(QCoreApplication.translate("MainWindow", "Site:"))
        self.level_caption.setText(QCoreApplication.translate("MainWindow", "Service level:"))
        self.operator_caption.setText(QCoreApplication.translate("MainWindow", "Operator:"))
        self.devices_title.setText(QCoreApplication.translate("MainWindow", "Devices"))
        self.interfaces_label.setText(
            QCoreApplication.translate("MainWindow", "mDNS interfaces: %1").replace(
                "%1", ", ".join(self._mdns_interfaces)
            )
        )
        self._show_job()
        self._update_scan_action()
        self._update_scan_status()
        self._update_counts()
        self.model.retranslate()
        self._sync_language_menu()
        self._update_gate_summary()
        self._update_details()

    def set_language(self, language: str) -> None:
        """Switch the whole application's language ("ja" or "en") at runtime."""
        app = QApplication.instance()
        if app is None:
            return
        i18n.install_language(app, language)
        self._sync_language_menu()

    def _sync_language_menu(self) -> None:
        app = QApplication.instance()
        language = i18n.current_language(app) if app is not None else "en"
        action = self.language_actions.get(language)
        if action is not None and not action.isChecked():
            action.setChecked(True)

    # -- job -----------------------------------------------------------------------------------
    @property
    def job(self) -> JobSummary | None:
        return self._job

    def set_job(self, job: JobSummary | None) -> None:
        previous = self._job.job_id if self._job is not None else None
        self._job = job
        if (job.job_id if job is not None else None) != previous:
            self.model.clear_gate_states()
            self._pending_records.clear()
            self._pending_malformed.clear()
            self._recorded_malformed.clear()
            self._last_certify = None
            self._set_gate_message(None)
            self.label_entry.show_result("", ok=None)
        self._show_job()
        self._update_job_actions()
        self._update_gate_summary()
        self._update_details()
        self.job_changed.emit(job)
        if job is not None and job.job_id is not None:
            # Devices already listed belong to the newly opened job too.
            for record in self.model.records():
                self._pending_records[record.device_id] = record
            self._schedule_recording()

    @property
    def service(self) -> JobService | None:
        return self._service

    def _update_job_actions(self) -> None:
        has_store = self._service is not None
        self.new_job_action.setEnabled(has_store)
        self.open_job_action.setEnabled(has_store)
        stored_job = has_store and self._job is not None and self._job.job_id is not None
        self.certify_action.setEnabled(stored_job and not self._certifying)
        self.label_entry.setEnabled(stored_job)

    # -- failures ------------------------------------------------------------------------------
    def _failure_text(self, failure: Failure) -> str:
        if failure.kind == "catalog":
            return catalog_failure_text(failure)
        headlines = {
            "store": QCoreApplication.translate("MainWindow", "The job store could not be used."),
            "not-found": QCoreApplication.translate("MainWindow", "No such job."),
            "closed": QCoreApplication.translate(
                "MainWindow", "The job is closed; create a new job for new work."
            ),
            "no-devices": QCoreApplication.translate(
                "MainWindow", "No devices found yet: start a scan and wait for the devices."
            ),
            "not-blocked": QCoreApplication.translate(
                "MainWindow", "Only a blocked device can be marked to be replaced."
            ),
            "not-in-job": QCoreApplication.translate(
                "MainWindow", "The device is not part of this job yet; scan again."
            ),
            "invalid": QCoreApplication.translate("MainWindow", "The value was not accepted."),
            "label": QCoreApplication.translate(
                "MainWindow", "This is not a valid device label. Scan the QR code again."
            ),
        }
        headline = headlines.get(failure.kind, "")
        details = QCoreApplication.translate("MainWindow", "Details: %1").replace(
            "%1", failure.describe()
        )
        return f"{headline}\n{details}" if headline else details

    def failure_text(self, failure: Failure) -> str:
        """A translated headline for an expected problem, then the core's details."""
        return self._failure_text(failure)

    def _submit(
        self,
        coro: Coroutine[Any, Any, object],
        name: str,
        on_result: Callable[[object], object],
        on_error: Callable[[str], object] | None = None,
    ) -> bool:
        try:
            self._bridge.submit(coro, name=name, on_result=on_result, on_error=on_error)
        except BridgeNotRunningError as err:
            self._on_task_failed(name, str(err))
            if on_error is not None:
                on_error(str(err))
            return False
        return True

    # -- new / open job ------------------------------------------------------------------------
    def show_new_job_dialog(self) -> NewJobDialog | None:
        if self._service is None:
            return None
        operator = self._job.operator if self._job is not None else ""
        dialog = NewJobDialog(self, operator=operator)
        dialog.submitted.connect(lambda values: self._create_job(dialog, values))
        dialog.finished.connect(lambda _r: self._forget_dialog("new_job_dialog", dialog))
        self.new_job_dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self, attribute: str, dialog: QDialog) -> None:
        if getattr(self, attribute) is dialog:
            setattr(self, attribute, None)
        dialog.deleteLater()

    def _create_job(self, dialog: NewJobDialog, values: dict[str, str | int]) -> None:
        service = self._service
        assert service is not None

        def done(result: object) -> None:
            if isinstance(result, Failure):
                if result.kind == "invalid":
                    dialog.show_failure(result.message)
                else:
                    dialog.show_failure(self._failure_text(result))
                return
            assert isinstance(result, Job)
            dialog.finish()
            self._job_loaded(JobOpened(result, ()))
            self.statusBar().showMessage(
                QCoreApplication.translate("MainWindow", "Job %1 created.").replace(
                    "%1", result.job_number
                ),
                10000,
            )

        self._submit(
            service.create_job(
                job_number=str(values["job_number"]),
                site_name=str(values["site_name"]),
                site_address=str(values["site_address"]),
                service_level=int(values["service_level"]),
                operator=str(values["operator"]),
            ),
            "create-job",
            done,
            lambda message: dialog.show_failure(message),
        )

    def show_open_job_dialog(self) -> OpenJobDialog | None:
        service = self._service
        if service is None:
            return None
        dialog = OpenJobDialog(self)
        dialog.accepted.connect(lambda: self._open_chosen(dialog))
        dialog.finished.connect(lambda _r: self._forget_dialog("open_job_dialog", dialog))
        self.open_job_dialog = dialog

        def listed(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_failure(result.describe())
            else:
                assert isinstance(result, list)
                dialog.set_jobs(result)

        self._submit(service.list_open_jobs(), "list-jobs", listed, dialog.show_failure)
        dialog.open()
        return dialog

    def _open_chosen(self, dialog: OpenJobDialog) -> None:
        job = dialog.selected_job()
        if job is not None:
            self.open_job(job.id)

    def open_job(self, ref: str) -> None:
        """Open the job with this id or job number (through the bridge)."""
        service = self._service
        if service is None:
            return

        def done(result: object) -> None:
            if isinstance(result, Failure):
                self._show_error(self._failure_text(result))
                return
            assert isinstance(result, JobOpened)
            self._job_loaded(result)

        self._submit(service.open_job(ref), "open-job", done)

    def _job_loaded(self, opened: JobOpened) -> None:
        self.set_job(JobSummary.from_job(opened.job))
        self.model.set_gate_states(opened.gate, replace=True)
        # What earlier visits recorded (provisioning, firmware), shown as finished states.
        if opened.progress is not None:
            self.recorded.show(opened.progress)
        self._update_gate_summary()
        self._update_details()

    # -- recording discovery into the job ------------------------------------------------------
    def _note_discovery(self, event: DiscoveryEvent) -> None:
        if self._service is None or self._job is None or self._job.job_id is None:
            return
        match event:
            case DeviceAdded(record=record) | DeviceUpdated(record=record):
                self._pending_records[record.device_id] = record
            case MalformedSeen(entry=entry):
                key = f"{entry.transport}/{entry.source}"
                if key not in self._recorded_malformed:
                    self._pending_malformed[key] = malformed_to_json(entry)
            case _:
                return
        self._schedule_recording()

    def _schedule_recording(self) -> None:
        if (self._pending_records or self._pending_malformed) and not self._record_busy:
            self._record_timer.start()

    def _flush_discovery(self) -> None:
        service, job = self._service, self._job
        if service is None or job is None or job.job_id is None or self._record_busy:
            return
        records = list(self._pending_records.values())
        malformed = dict(self._pending_malformed)
        if not records and not malformed:
            return
        self._pending_records.clear()
        self._pending_malformed.clear()
        self._recorded_malformed.update(malformed)
        self._record_busy = True
        job_id = job.job_id

        def done(result: object) -> None:
            self._record_busy = False
            if (
                isinstance(result, Failure)
                and self._job is not None
                and (self._job.job_id == job_id)
            ):
                self.statusBar().showMessage(self._failure_text(result), 15000)
            self._schedule_recording()

        self._submit(
            service.record_discovery(job_id, records, list(malformed.values())),
            "record-discovery",
            done,
            lambda _m: done(None),
        )

    @property
    def recording_idle(self) -> bool:
        """True when every discovery event so far has been written to the job."""
        return (
            not self._record_busy
            and not self._pending_records
            and not self._pending_malformed
            and not self._record_timer.isActive()
        )

    # -- the certified-model gate --------------------------------------------------------------
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
        service, job = self._service, self._job
        if service is None or job is None or job.job_id is None or self._certifying:
            return
        records = self.model.records()
        self._certifying = True
        self._update_job_actions()
        self._set_gate_message(None)
        self.gate_summary_label.setText(
            QCoreApplication.translate("MainWindow", "Checking %1 devices…").replace(
                "%1", str(len(records))
            )
        )

        def done(result: object) -> None:
            self._certifying = False
            self._update_job_actions()
            if isinstance(result, Failure):
                text = self._failure_text(result)
                self._set_gate_message(text)
                self._update_gate_summary()
                self._show_error(text)
                return
            assert isinstance(result, CertifyResult)
            self._last_certify = result
            self.model.set_gate_states(result.gate)
            if self._job is not None and self._job.job_id == result.job.id:
                self._job = JobSummary.from_job(result.job)
                self._show_job()
            self._update_gate_summary()
            self._update_details()
            blocked = sum(1 for v in result.verdicts if v.blocked)
            self.statusBar().showMessage(
                QCoreApplication.translate("MainWindow", "Checked %1 devices: %2 blocked.")
                .replace("%1", str(len(result.verdicts)))
                .replace("%2", str(blocked)),
                15000,
            )

        def failed(_message: str) -> None:
            self._certifying = False
            self._update_job_actions()
            self._update_gate_summary()

        self._submit(service.certify(job.job_id, records), "certify", done, failed)

    @property
    def last_certify(self) -> CertifyResult | None:
        return self._last_certify

    def _update_gate_summary(self) -> None:
        if self._certifying:
            return
        states = [
            s
            for s in (self.model.gate_state(d) for d in self.model.device_ids())
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

    def selected_key(self) -> tuple[str, str] | None:
        """("device" or "malformed", key) of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        index = rows[0]
        kind = self.model.data(index, ROW_KIND_ROLE)
        key = self.model.data(index, ROW_KEY_ROLE)
        return str(kind), str(key)

    def select_device(self, device_id: str) -> bool:
        row = self.model.row_of(device_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _update_details(self) -> None:
        if not hasattr(self, "details"):
            return
        selected = self.selected_key()
        catalog = self._job.catalog_version if self._job is not None else None
        if selected is None:
            self.details.show_device(None, None, None, catalog_version=catalog)
            return
        kind, key = selected
        if kind == "malformed":
            rows = self.table.selectionModel().selectedRows()
            reason = self.model.data(rows[0].siblingAtColumn(Column.DETAILS))
            self.details.show_device(
                None, None, None, catalog_version=catalog, malformed_reason=str(reason or "")
            )
            return
        self.details.show_device(
            key, self.model.record(key), self.model.gate_state(key), catalog_version=catalog
        )

    def _on_model_data_changed(self, top_left: object, bottom_right: object) -> None:
        del top_left, bottom_right
        if not self._certifying:
            self._update_details()

    def show_replace_dialog(self, device_id: str) -> ReplaceDialog | None:
        state = self.model.gate_state(device_id)
        if self._service is None or self._job is None or state is None or not state.blocked:
            return None
        dialog = ReplaceDialog(device_id, gate_text(state), self)
        dialog.submitted.connect(lambda reason: self._mark_to_replace(dialog, device_id, reason))
        dialog.finished.connect(lambda _r: self._forget_dialog("replace_dialog", dialog))
        self.replace_dialog = dialog
        dialog.open()
        return dialog

    def _mark_to_replace(self, dialog: ReplaceDialog, device_id: str, reason: str) -> None:
        service, job = self._service, self._job
        if service is None or job is None or job.job_id is None:
            return

        def done(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_failure(self._failure_text(result))
                return
            assert isinstance(result, tuple)
            states: tuple[DeviceGateState, ...] = result
            self.model.set_gate_states(states)
            self._update_details()
            dialog.finish()
            self.statusBar().showMessage(
                QCoreApplication.translate(
                    "MainWindow", "Device %1 is marked to be replaced."
                ).replace("%1", device_id),
                10000,
            )

        self._submit(
            service.mark_to_replace(job.job_id, device_id, reason),
            "mark-to-replace",
            done,
            dialog.show_failure,
        )

    def submit_label_image(self, path: str) -> None:
        """Read every label QR code in a photo or scan and pair each like a scanned one."""
        service = self._service
        if service is None or self._job is None:
            self.submit_label("")  # says to open a job first
            return

        def done(result: object) -> None:
            if isinstance(result, Failure):
                self.label_entry.show_result(self._failure_text(result), ok=False)
                return
            assert isinstance(result, list)
            for payload in result:
                self.submit_label(payload)

        self._submit(service.label_image_payloads(Path(path)), "label-image", done)

    def submit_label(self, payload: str) -> None:
        """Pair a scanned or typed label payload with the open job's devices."""
        service, job = self._service, self._job
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
                self.label_entry.show_result(self._failure_text(result), ok=False)
                return
            assert isinstance(result, LabelResult)
            self.model.set_gate_states(result.gate)
            self._update_gate_summary()
            self.label_entry.show_result(self._label_text(result), ok=self._label_ok(result))
            if result.status != "unmatched":
                self.select_device(result.device_id)
            self._update_details()

        self._submit(service.add_label(job.job_id, payload), "add-label", done)

    @staticmethod
    def _label_ok(result: LabelResult) -> bool | None:
        if result.status == "paired":
            return True
        if result.status == "pending":
            return None
        return False

    @staticmethod
    def _label_text(result: LabelResult) -> str:
        if result.status == "paired":
            text = QCoreApplication.translate(
                "MainWindow", "Label paired with %1 (serial %2): it matches the certificate."
            )
        elif result.status == "pending":
            text = QCoreApplication.translate(
                "MainWindow",
                "Label recorded for %1 (serial %2); it is checked against the certificate at "
                "the next Check devices.",
            )
        elif result.status == "mismatch":
            text = QCoreApplication.translate(
                "MainWindow",
                "The label does not match device %1 (label serial %2): the device is blocked.",
            )
        else:
            text = QCoreApplication.translate(
                "MainWindow",
                "This label (%1, serial %2) matches no device found in this job.",
            )
        text = text.replace("%1", result.device_id).replace("%2", result.serial)
        details = QCoreApplication.translate("MainWindow", "Details: %1").replace(
            "%1", result.reason
        )
        return f"{text}\n{details}" if result.status in ("mismatch", "unmatched") else text

    def _show_job(self) -> None:
        job = self._job
        if job is None:
            self.job_stack.setCurrentIndex(0)
            return
        self.job_number_value.setText(job.job_number)
        self.site_value.setText(job.site)
        self.level_value.setText(job.stars)
        self.level_value.setToolTip(
            QCoreApplication.translate("MainWindow", "Service level %1 of 3").replace(
                "%1", str(job.service_level)
            )
        )
        self.operator_value.setText(job.operator)
        self.address_value.setText(job.site_address)
        self.catalog_value.setText(
            QCoreApplication.translate("MainWindow", "version %1").replace(
                "%1", job.catalog_version
            )
            if job.catalog_version
            else QCoreApplication.translate("MainWindow", "not checked yet")
        )
        self.job_stack.setCurrentIndex(1)

    # -- scanning ------------------------------------------------------------------------------
    @property
    def scan_state(self) -> ScanState:
        return self._state

    @property
    def mdns_interfaces(self) -> tuple[str, ...]:
        return self._mdns_interfaces

    @property
    def scan_session(self) -> ScanSession | None:
        return self._session

    @property
    def discovery(self) -> DiscoveryManager | None:
        """The discovery manager of the running or last scan; its devices stay readable after
        the scan stops (read it on the bridge's loop thread only)."""
        return self._discovery

    def set_ble_scan(self, enabled: bool) -> None:
        """Scan over Bluetooth LE too (from the next scan; a running scan is restarted)."""
        if enabled == self._ble_scan:
            return
        self._ble_scan = enabled
        if self._state is ScanState.SCANNING:
            self.stop_scan()
            self._restart_scan = True

    def check_keyring(self) -> None:
        """Start-up check of the OS keyring (plaintext and "fail" backends are refused)."""
        self.keyring.check_keyring()

    def toggle_scan(self) -> None:
        if self._state is ScanState.IDLE:
            self.start_scan()
        elif self._state is ScanState.SCANNING:
            self.stop_scan()

    def start_scan(self) -> None:
        """Start discovery on the bridge's loop; returns at once (never waits on the network)."""
        if self._state is not ScanState.IDLE:
            return
        self._last_error = None
        self.model.clear()
        self._discovery = None
        session = ScanSession(
            self._mdns_interfaces,
            self._service_type,
            self._bridge.discovery_event.emit,
            ble=self._ble_scan,
            virtual_home=self._service.virtual_home if self._service is not None else None,
        )
        self._session = session
        self._remove_cleanup = self._bridge.add_cleanup(session.async_stop)
        self._set_state(ScanState.STARTING)
        try:
            self._bridge.submit(
                session.async_start(),
                name="start-scan",
                on_result=lambda _r: self._on_scan_started(session),
                on_error=lambda _m: self._on_scan_start_failed(session),
            )
        except BridgeNotRunningError as err:
            self._on_scan_start_failed(session)
            self._on_task_failed("start-scan", str(err))

    def stop_scan(self) -> None:
        """Stop discovery; the rows found so far stay listed."""
        if self._state is not ScanState.SCANNING or self._session is None:
            return
        session = self._session
        self._set_state(ScanState.STOPPING)
        try:
            self._bridge.submit(
                session.async_stop(),
                name="stop-scan",
                on_result=lambda _r: self._on_scan_stopped(session),
                on_error=lambda _m: self._on_scan_stopped(session),
            )
        except BridgeNotRunningError:
            self._on_scan_stopped(session)

    def _on_scan_started(self, session: ScanSession) -> None:
        if session is self._session and self._state is ScanState.STARTING:
            self._discovery = session.manager
            self._set_state(ScanState.SCANNING)

    def _on_scan_start_failed(self, session: ScanSession) -> None:
        if session is self._session:
            self._forget_session()
            self._set_state(ScanState.IDLE)

    def _on_scan_stopped(self, session: ScanSession) -> None:
        if session is self._session:
            self._forget_session()
            self._set_state(ScanState.IDLE)
            if self._restart_scan:
                self._restart_scan = False
                self.start_scan()

    def _forget_session(self) -> None:
        self._session = None
        if self._remove_cleanup is not None:
            self._remove_cleanup()
            self._remove_cleanup = None

    def _set_state(self, state: ScanState) -> None:
        self._state = state
        self._update_scan_action()
        self._update_scan_status()
        self.scan_state_changed.emit(state)

    def _update_scan_action(self) -> None:
        scanning = self._state in (ScanState.SCANNING, ScanState.STOPPING)
        if scanning:
            self.scan_action.setText(QCoreApplication.translate("MainWindow", "Stop scan"))
            self.scan_action.setToolTip(
                QCoreApplication.translate("MainWindow", "Stop looking for devices")
            )
            self.scan_action.setIcon(self._stop_icon)
        else:
            self.scan_action.setText(QCoreApplication.translate("MainWindow", "Start scan"))
            self.scan_action.setToolTip(
                QCoreApplication.translate(
                    "MainWindow", "Look for devices on the installation network"
                )
            )
            self.scan_action.setIcon(self._play_icon)
        self.scan_action.setEnabled(self._state in (ScanState.IDLE, ScanState.SCANNING))

    def _update_scan_status(self) -> None:
        texts = {
            ScanState.IDLE: QCoreApplication.translate("MainWindow", "Scan stopped"),
            ScanState.STARTING: QCoreApplication.translate("MainWindow", "Starting scan…"),
            ScanState.SCANNING: QCoreApplication.translate("MainWindow", "Scanning…"),
            ScanState.STOPPING: QCoreApplication.translate("MainWindow", "Stopping scan…"),
        }
        text = texts[self._state]
        if self._state is ScanState.IDLE and self._last_error:
            text = QCoreApplication.translate("MainWindow", "Scan stopped (error)")
        self.scan_status_label.setText(text)

    def _update_counts(self) -> None:
        devices = self.model.device_count
        malformed = self.model.malformed_count
        self.device_count_label.setText(
            QCoreApplication.translate("MainWindow", "(%1 found)").replace("%1", str(devices))
        )
        devices_text = (
            QCoreApplication.translate("MainWindow", "1 device")
            if devices == 1
            else QCoreApplication.translate("MainWindow", "%1 devices").replace("%1", str(devices))
        )
        malformed_text = QCoreApplication.translate("MainWindow", "%1 malformed").replace(
            "%1", str(malformed)
        )
        self.counts_status_label.setText(
            QCoreApplication.translate("MainWindow", "%1, %2")
            .replace("%1", devices_text)
            .replace("%2", malformed_text)
        )

    def status_text(self) -> str:
        """The status bar's text as shown: scan state and counts."""
        return f"{self.scan_status_label.text()} — {self.counts_status_label.text()}"

    # -- events from the bridge ----------------------------------------------------------------
    def _on_discovery_event(self, event: DiscoveryEvent) -> None:
        if self._state in (ScanState.STARTING, ScanState.SCANNING):
            self.model.apply(event)
            self._note_discovery(event)

    def _on_task_failed(self, name: str, message: str) -> None:
        if name == "start-scan":
            text = QCoreApplication.translate("MainWindow", "Could not start the scan: %1").replace(
                "%1", message
            )
        elif name == "stop-scan":
            text = QCoreApplication.translate(
                "MainWindow", "Could not stop the scan cleanly: %1"
            ).replace("%1", message)
        else:
            text = (
                QCoreApplication.translate("MainWindow", "A background task failed (%1): %2")
                .replace("%1", name)
                .replace("%2", message)
            )
        self._last_error = text
        self.statusBar().showMessage(text, 15000)
        self._update_scan_status()
        self._show_error(text)

    def show_error(self, text: str) -> None:
        """Show a (non-modal) error message box."""
        self._show_error(text)

    def _show_error(self, text: str) -> None:
        box = self._error_box
        if box is None:
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.setModal(False)
            self._error_box = box
        box.setWindowTitle(QCoreApplication.translate("MainWindow", "Commissioner: error"))
        box.setText(text)
        box.show()
        box.raise_()

    @property
    def last_error(self) -> str | None:
        return self._last_error

    @property
    def error_box(self) -> QMessageBox | None:
        return self._error_box

    # -- closing -------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        # Stopping discovery is asynchronous: the bridge runs the scan's cleanup when it stops.
        if self._error_box is not None:
            self._error_box.close()
        super().closeEvent(event)


__all__ = ["DEFAULT_MDNS_INTERFACES", "JobSummary", "MainWindow", "ScanState"]
