"""The commissioner's main window: current job, live device table, scan control, language."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from commissioner.protocol.spec import SERVICE_TYPE
from ui import i18n
from ui.about import HelpMenu
from ui.bridge import AsyncBridge, BridgeNotRunningError
from ui.certify_view import DetailsPane
from ui.commission_controller import CommissionController
from ui.device_change_controller import DeviceChangeController
from ui.device_label_controller import place_device_label
from ui.device_table import ROW_KEY_ROLE, ROW_KIND_ROLE, Column, DeviceTableModel
from ui.discovery_recorder import DiscoveryRecorder
from ui.error_box import show_error_box, task_failure_text
from ui.failure_text import failure_text
from ui.firmware_controller import FirmwareController
from ui.gate_controller import GateController
from ui.handover import HandoverController
from ui.job_files import JobFilesController
from ui.job_panel import JobPanel
from ui.job_service import Failure, JobOpened, JobService
from ui.job_steps_controller import place_job_steps
from ui.job_summary import JobSummary
from ui.keyring_controller import KeyringController
from ui.onboard_controller import OnboardController
from ui.operation_runner import OperationRunner
from ui.progress_delegate import ProgressBarDelegate
from ui.recorded_view import RecordedStateView
from ui.resale_controller import ResaleController
from ui.scan_controller import ScanController, ScanState
from ui.scan_session import ScanSession
from ui.table_layout import (
    DETAILS_INTERVAL_MS,
    FIT_INTERVAL_MS,
    coalescing_timer,
    fit_columns,
    fit_to_screen,
    nothing,
)

if TYPE_CHECKING:  # only for annotations: the discovery stack loads with the first scan
    from commissioner.discovery.events import DiscoveryEvent
    from commissioner.discovery.manager import DiscoveryManager


DEFAULT_MDNS_INTERFACES: Final = ("127.0.0.1",)
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
        self._opening_job = False
        self._bridge = bridge
        self._mdns_interfaces = tuple(mdns_interfaces)
        self._job = job
        self._last_error: str | None = None
        self._error_box: QMessageBox | None = None

        self.model = DeviceTableModel(self)
        self.recorder = DiscoveryRecorder(self)
        self.job_files = JobFilesController(self, self._job_loaded)
        self.gate = GateController(self)
        self.scan = ScanController(
            self,
            bridge,
            interfaces=self._mdns_interfaces,
            service_type=mdns_service_type,
            virtual_home=service.virtual_home if service is not None else None,
            before_start=self._before_scan,
            on_failed=self._on_task_failed,
        )
        self.scan.state_changed.connect(self._on_scan_state)
        self._build()
        bridge.discovery_event.connect(self._on_discovery_event)
        bridge.task_failed.connect(self._on_task_failed)
        if service is not None:
            bridge.add_cleanup(service.close)
        # The gate summary counts every row: once per event-loop pass, not once per row.
        self._summary_timer = coalescing_timer(self, 0, self.gate.update_summary)
        for sig in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            sig.connect(self._update_counts)
            sig.connect(self._summary_timer.start)
        self.model.dataChanged.connect(self._on_model_data_changed)
        self.retranslateUi()
        self._update_job_actions()
        # "Close and hand over" (issue 6) lives in ui/handover.py; it only adds its action here.
        self.handover = HandoverController(self, bridge)
        self.file_menu.insertAction(self.quit_action, self.handover.action)
        self.toolbar.addAction(self.handover.action)
        # BLE, "Commission home", "Update firmware" and the keyring check: one controller each,
        # sharing one runner; they see this window only as a ui.operation_window.OperationWindow.
        self.operations = OperationRunner(self, bridge)
        self.onboarding = OnboardController(self.operations)
        self.commissioning = CommissionController(self.operations)
        self.firmware = FirmwareController(self.operations)
        self.keyring = KeyringController(self.operations)
        self.resale = ResaleController(self.operations, self.open_job)
        self.recorded = RecordedStateView(self.operations, self.firmware.note_vulnerable)
        self._place_operations()
        fit_to_screen(self)

    def _place_operations(self) -> None:
        onboarding = self.onboarding
        self.file_menu.insertAction(self.handover.action, onboarding.network_action)
        # Toolbar in the order of the handover flow: scan, BLE, onboard, check, commission,
        # firmware, close and hand over.
        self.toolbar.insertActions(
            self.gate.certify_action, [onboarding.ble_action, onboarding.onboard_all_action]
        )
        self.toolbar.insertActions(
            self.handover.action,
            [self.commissioning.commission_action, self.firmware.firmware_action],
        )
        resale = self.resale  # resale: its job from the File menu, wipe before certify
        self.file_menu.insertActions(self.open_job_action, [resale.new_resale_action])
        self.file_menu.insertActions(self.quit_action, [resale.certificate_action])
        self.toolbar.insertAction(self.gate.certify_action, resale.wipe_action)
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
        # A blocked device: removed or replaced (ui/device_change_controller.py).
        change = self.device_change = DeviceChangeController(self)
        self.details.action_row.addWidget(change.button, 0, Qt.AlignmentFlag.AlignRight)
        onboarding.context_actions.append(change.action)
        self.addAction(change.action)
        self.job_steps = place_job_steps(self)
        # The per-device buttons follow the selected row: refreshed with the details pane.
        labels = self.device_label = place_device_label(self)
        self._selected_row_changed: Callable[[], object] = lambda: (
            onboarding.update_button(), change.update(), labels.update())

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        # Menus
        self.file_menu = QMenu(self)
        self.new_job_action = QAction(self)
        self.new_job_action.setObjectName("newJobAction")
        self.new_job_action.triggered.connect(self.job_files.show_new_job_dialog)
        self.open_job_action = QAction(self)
        self.open_job_action.setObjectName("openJobAction")
        self.open_job_action.triggered.connect(self.job_files.show_open_job_dialog)
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
        self.help_menu = HelpMenu(self)
        self.menuBar().addMenu(self.help_menu)

        # Toolbar with the scan toggle
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.addAction(self.scan.scan_action)
        self.toolbar.addAction(self.gate.certify_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        central = QWidget(self)
        layout = QVBoxLayout(central)

        # Job area
        self.job_box = JobPanel(central)
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
        counts_row.addSpacing(16)
        counts_row.addWidget(self.gate.gate_summary_label)
        counts_row.addStretch(1)
        counts_row.addWidget(self.interfaces_label)
        layout.addLayout(counts_row)

        layout.addWidget(self.gate.gate_banner)
        layout.addWidget(self.gate.label_entry)

        # Device table
        self.table = QTableView(central)
        self.table.setObjectName("deviceTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        # Long ids (ECHONET Lite's are 34 characters) keep their start and their end.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setMinimumSectionSize(48)
        # Column widths follow the texts, measured on a bounded number of rows (never every
        # cell) and at most a few times a second; progress updates never re-measure (the
        # progress column has a fixed width).
        self._resize_timer = coalescing_timer(self, FIT_INTERVAL_MS, self._fit_columns)
        for signal in (
            self.model.rowsInserted,
            self.model.modelReset,
            self.model.headerDataChanged,
        ):
            signal.connect(self._resize_timer.start)
        self._details_timer = coalescing_timer(self, DETAILS_INTERVAL_MS, self.update_details)
        self._selected_row_changed = nothing
        self._details_shown: tuple[object, ...] | None = None
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.update_details())
        self.details = DetailsPane(central)
        self.details.replace_requested.connect(self.gate.show_replace_dialog)
        self.splitter = QSplitter(Qt.Orientation.Vertical, central)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 5)  # the table gets most of a laptop's height
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)


        # Status bar
        self.scan_status_label = QLabel(self)
        self.scan_status_label.setObjectName("scanStatusLabel")
        self.counts_status_label = QLabel(self)
        self.counts_status_label.setObjectName("countsStatusLabel")
        self.statusBar().addWidget(self.scan_status_label, 1)
        self.statusBar().addPermanentWidget(self.counts_status_label)

    def _fit_columns(self) -> None:
        fit_columns(self.table, self.model)

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
        self.language_menu.setTitle(QCoreApplication.translate("MainWindow", "&Language"))
        self.toolbar.setWindowTitle(QCoreApplication.translate("MainWindow", "Scan"))
        self.devices_title.setText(QCoreApplication.translate("MainWindow", "Devices"))
        self.interfaces_label.setText(
            QCoreApplication.translate("MainWindow", "mDNS interfaces: %1").replace(
                "%1", ", ".join(self._mdns_interfaces)
            )
        )
        self.job_box.show_job(self._job)
        self.scan.update_action()
        self._update_scan_status()
        self._update_counts()
        self.model.retranslate()
        self._sync_language_menu()
        self.gate.retranslate()
        self.update_details()

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
            self.recorder.forget()
            self.gate.forget()
        self.job_box.show_job(self._job)
        self._update_job_actions()
        self.gate.update_summary()
        self.update_details()
        self.job_changed.emit(job)
        if job is not None and job.job_id is not None:
            # Devices already listed belong to the newly opened job too.
            self.recorder.add_records(self.model.records())

    def show_job_summary(self, job: JobSummary) -> None:
        """The open job changed in the store (its catalog version): show it again."""
        self._job = job
        self.job_box.show_job(job)

    @property
    def service(self) -> JobService | None:
        return self._service

    def _update_job_actions(self) -> None:
        has_store = self._service is not None
        self.new_job_action.setEnabled(has_store)
        self.open_job_action.setEnabled(has_store)
        self.gate.update_actions()

    # -- failures ------------------------------------------------------------------------------
    def failure_text(self, failure: Failure) -> str:
        """A translated headline for an expected problem, then the core's details."""
        return failure_text(failure)

    def submit(
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

    def open_job(self, ref: str) -> None:
        """Open the job with this id or job number (through the bridge)."""
        self.job_files.open_job(ref)

    def _job_loaded(self, opened: JobOpened) -> None:
        self.set_job(JobSummary.from_job(opened.job))
        self.model.set_gate_states(opened.gate, replace=True)
        # What earlier visits recorded (provisioning, firmware), shown as finished states.
        if opened.progress is not None:
            self.recorded.show(opened.progress)
        self.gate.update_summary()
        self.update_details()

    @property
    def recording_idle(self) -> bool:
        """True when every discovery event so far has been written to the job."""
        return self.recorder.idle

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

    def update_details(self) -> None:
        """Show the selected row in the details pane (its HTML is only rebuilt when what it
        shows changed)."""
        if not hasattr(self, "details"):
            return
        self._details_timer.stop()
        selected = self.selected_key()
        catalog = self._job.catalog_version if self._job is not None else None
        language = QCoreApplication.translate("MainWindow", "&File")  # changes with the language
        shown: tuple[object, ...]
        reason = ""
        if selected is None:
            shown = (language, catalog, None)
        elif selected[0] == "malformed":
            rows = self.table.selectionModel().selectedRows()
            reason = str(self.model.data(rows[0].siblingAtColumn(Column.DETAILS)) or "")
            shown = (language, catalog, "malformed", reason)
        else:
            key = selected[1]
            shown = (language, catalog, key, self.model.record(key), self.model.gate_state(key))
        if shown == self._details_shown:
            return
        self._details_shown = shown
        if selected is None:
            self.details.show_device(None, None, None, catalog_version=catalog)
        elif selected[0] == "malformed":
            self.details.show_device(
                None, None, None, catalog_version=catalog, malformed_reason=reason
            )
        else:
            key = selected[1]
            self.details.show_device(
                key, self.model.record(key), self.model.gate_state(key), catalog_version=catalog
            )
        self._selected_row_changed()

    def _on_model_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        if top_left.row() == 0 and bottom_right.row() == self.model.rowCount() - 1 > 0 and (
            bottom_right.column() != Column.PROGRESS
        ):
            # Every row changed (verdicts shown, language switched): fit the columns again.
            # One row's change never re-measures: that cost grows with the table.
            self._resize_timer.start()
        rows = self.table.selectionModel().selectedRows()
        if not rows or not top_left.row() <= rows[0].row() <= bottom_right.row():
            return
        self._selected_row_changed()
        if not self.gate.certifying and top_left.column() != Column.PROGRESS:
            self._details_timer.start()  # the pane shows no progress; others: coalesced

    # -- scanning (ui/scan_controller.py) ------------------------------------------------------
    @property
    def scan_state(self) -> ScanState:
        return self.scan.state

    @property
    def mdns_interfaces(self) -> tuple[str, ...]:
        return self._mdns_interfaces

    @property
    def scan_session(self) -> ScanSession | None:
        return self.scan.session

    @property
    def discovery(self) -> DiscoveryManager | None:
        """The discovery manager of the running or last scan (see ScanController.discovery)."""
        return self.scan.discovery

    def set_ble_scan(self, enabled: bool) -> None:
        """Scan over Bluetooth LE too (from the next scan; a running scan is restarted)."""
        self.scan.set_ble_scan(enabled)

    def start_scan(self) -> None:
        self.scan.start_scan()

    def stop_scan(self) -> None:
        self.scan.stop_scan()

    def check_keyring(self) -> None:
        """Start-up check of the OS keyring (plaintext and "fail" backends are refused)."""
        self.keyring.check_keyring()

    def _before_scan(self) -> None:
        self._last_error = None
        self.model.clear()

    def _on_scan_state(self, state: ScanState) -> None:
        self._update_scan_status()
        self.scan_state_changed.emit(state)

    def _update_scan_status(self) -> None:
        texts = {
            ScanState.IDLE: QCoreApplication.translate("MainWindow", "Scan stopped"),
            ScanState.STARTING: QCoreApplication.translate("MainWindow", "Starting scan…"),
            ScanState.SCANNING: QCoreApplication.translate("MainWindow", "Scanning…"),
            ScanState.STOPPING: QCoreApplication.translate("MainWindow", "Stopping scan…"),
        }
        text = texts[self.scan.state]
        if self.scan.state is ScanState.IDLE and self._last_error:
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
        if self.scan.state in (ScanState.STARTING, ScanState.SCANNING):
            self.model.apply(event)
            self.recorder.note(event)

    def _on_task_failed(self, name: str, message: str) -> None:
        text = task_failure_text(name, message)
        self._last_error = text
        self.statusBar().showMessage(text, 15000)
        self._update_scan_status()
        self._show_error(text)

    def show_error(self, text: str) -> None:
        """Show a (non-modal) error message box."""
        self._show_error(text)

    def _show_error(self, text: str) -> None:
        self._error_box = show_error_box(self, self._error_box, text)

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
        for timer in (self._resize_timer, self._details_timer, self._summary_timer):
            timer.stop()
        super().closeEvent(event)


__all__ = ["DEFAULT_MDNS_INTERFACES", "JobSummary", "MainWindow", "ScanState"]
