"""The scan toggle of the main window: starts and stops discovery (mDNS, and Bluetooth LE when
asked) on the bridge's loop, and keeps the discovery manager of the running or last scan, where
device addresses are read from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStyle, QWidget

from commissioner.discovery.manager import DiscoveryManager
from ui.bridge import AsyncBridge, BridgeNotRunningError
from ui.scan_session import ScanSession

__all__ = ["ScanController", "ScanState"]


class ScanState(Enum):
    IDLE = "idle"
    STARTING = "starting"
    SCANNING = "scanning"
    STOPPING = "stopping"


class ScanController(QObject):
    """Owns ``scan_action`` and the scan's state; ``state_changed`` carries each new state."""

    state_changed = Signal(object)  # ScanState

    def __init__(
        self,
        window: QWidget,
        bridge: AsyncBridge,
        *,
        interfaces: Sequence[str],
        service_type: str,
        virtual_home: Path | None,
        before_start: Callable[[], object],
        on_failed: Callable[[str, str], object],
    ) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._interfaces = tuple(interfaces)
        self._service_type = service_type
        self._virtual_home = virtual_home
        self._before_start = before_start
        self._on_failed = on_failed
        self._state = ScanState.IDLE
        self._session: ScanSession | None = None
        self._discovery: DiscoveryManager | None = None  # the running or last scan's manager
        self._remove_cleanup: Callable[[], None] | None = None
        self._restart_scan = False
        self._ble_scan = False
        style = window.style()
        self._play_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._stop_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaStop)
        self.scan_action = QAction(window)
        self.scan_action.setObjectName("scanAction")
        self.scan_action.triggered.connect(self.toggle_scan)

    @property
    def state(self) -> ScanState:
        return self._state

    @property
    def session(self) -> ScanSession | None:
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

    def toggle_scan(self) -> None:
        if self._state is ScanState.IDLE:
            self.start_scan()
        elif self._state is ScanState.SCANNING:
            self.stop_scan()

    def start_scan(self) -> None:
        """Start discovery on the bridge's loop; returns at once (never waits on the network)."""
        if self._state is not ScanState.IDLE:
            return
        self._before_start()
        self._discovery = None
        session = ScanSession(
            self._interfaces,
            self._service_type,
            self._bridge.discovery_event.emit,
            ble=self._ble_scan,
            virtual_home=self._virtual_home,
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
            self._on_failed("start-scan", str(err))

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
        self.update_action()
        self.state_changed.emit(state)

    def update_action(self) -> None:
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
