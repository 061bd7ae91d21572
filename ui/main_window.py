"""The commissioner's main window: current job, live device table, scan control, language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Final

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from commissioner.discovery.events import DiscoveryEvent, Unsubscribe
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.mdns import MdnsTransport
from commissioner.protocol.spec import SERVICE_TYPE
from ui import i18n
from ui.bridge import AsyncBridge, BridgeNotRunningError
from ui.device_table import DeviceTableModel
from ui.job_summary import JobSummary

# Also here (not only in ui/__init__) in case `ui` was imported as a namespace package.


DEFAULT_MDNS_INTERFACES: Final = ("127.0.0.1",)


class ScanState(Enum):
    IDLE = "idle"
    STARTING = "starting"
    SCANNING = "scanning"
    STOPPING = "stopping"


class _ScanSession:
    """One scan's discovery objects. Touched only on the bridge's loop thread."""

    def __init__(
        self,
        interfaces: Sequence[str],
        service_type: str,
        emit: Callable[[DiscoveryEvent], None],
    ) -> None:
        self._interfaces = list(interfaces)
        self._service_type = service_type
        self._emit = emit
        self._manager: DiscoveryManager | None = None
        self._unsubscribe: Unsubscribe | None = None
        self._stopped = False

    async def async_start(self) -> None:
        transport = MdnsTransport(self._interfaces, service_type=self._service_type)
        manager = DiscoveryManager([transport])
        self._manager = manager
        # The listener runs on the loop thread; emitting a Qt signal from here is thread-safe
        # and the GUI receives it through a queued connection.
        self._unsubscribe = manager.async_subscribe(self._emit)
        try:
            await manager.async_start()
        except BaseException:
            await self.async_stop()
            raise

    async def async_stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()
        manager, self._manager = self._manager, None
        if manager is not None:
            await manager.async_stop()


class MainWindow(QMainWindow):
    """Shows the open job and the devices found on the network; scans through the bridge."""

    scan_state_changed = Signal(object)  # ScanState

    def __init__(
        self,
        bridge: AsyncBridge,
        *,
        mdns_interfaces: Sequence[str] = DEFAULT_MDNS_INTERFACES,
        mdns_service_type: str = SERVICE_TYPE,
        job: JobSummary | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service_type = mdns_service_type
        self._bridge = bridge
        self._mdns_interfaces = tuple(mdns_interfaces)
        self._job = job
        self._state = ScanState.IDLE
        self._session: _ScanSession | None = None
        self._remove_cleanup: Callable[[], None] | None = None
        self._last_error: str | None = None
        self._error_box: QMessageBox | None = None

        self.model = DeviceTableModel(self)
        self._build()
        bridge.discovery_event.connect(self._on_discovery_event)
        bridge.task_failed.connect(self._on_task_failed)
        for sig in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            sig.connect(self._update_counts)
        self.retranslateUi()
        self.resize(1100, 560)

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        style = self.style()
        self._play_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._stop_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaStop)

        # Menus
        self.file_menu = QMenu(self)
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
        for value in (self.job_number_value, self.site_value, self.operator_value):
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.level_value.setStyleSheet("color: #b8860b; font-size: 14pt;")
        left_form.addRow(self.job_number_caption, self.job_number_value)
        left_form.addRow(self.site_caption, self.site_value)
        right_form.addRow(self.level_caption, self.level_value)
        right_form.addRow(self.operator_caption, self.operator_value)
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
        counts_row.addStretch(1)
        counts_row.addWidget(self.interfaces_label)
        layout.addLayout(counts_row)

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
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)

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
        self._job = job
        self._show_job()

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
        self.job_stack.setCurrentIndex(1)

    # -- scanning ------------------------------------------------------------------------------
    @property
    def scan_state(self) -> ScanState:
        return self._state

    @property
    def mdns_interfaces(self) -> tuple[str, ...]:
        return self._mdns_interfaces

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
        session = _ScanSession(
            self._mdns_interfaces, self._service_type, self._bridge.discovery_event.emit
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

    def _on_scan_started(self, session: _ScanSession) -> None:
        if session is self._session and self._state is ScanState.STARTING:
            self._set_state(ScanState.SCANNING)

    def _on_scan_start_failed(self, session: _ScanSession) -> None:
        if session is self._session:
            self._forget_session()
            self._set_state(ScanState.IDLE)

    def _on_scan_stopped(self, session: _ScanSession) -> None:
        if session is self._session:
            self._forget_session()
            self._set_state(ScanState.IDLE)

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
