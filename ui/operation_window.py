"""The narrow window interface the operation controllers depend on (not the main window class).

:class:`ui.main_window.MainWindow` satisfies :class:`OperationWindow`; the controllers
(``ui/onboard_controller.py``, ``ui/commission_controller.py``, ``ui/firmware_controller.py``,
``ui/keyring_controller.py``), their shared :class:`ui.operation_runner.OperationRunner` and
:class:`ui.recorded_view.RecordedStateView` only ever see these few members. None of them imports
``ui.main_window``, so the ui modules have no import cycle (an import-linter contract in
``pyproject.toml`` keeps it so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QStatusBar, QWidget

    from commissioner.discovery.events import DeviceRecord
    from commissioner.discovery.manager import DiscoveryManager
    from ui.device_table import FirmwareMark, OperationState
    from ui.job_service import Failure, JobService
    from ui.job_summary import JobSummary
    from ui.scan_session import ScanSession

__all__ = ["OperationTable", "OperationWindow"]


class OperationTable(Protocol):
    """The table updates an operation makes: the progress and firmware columns (display only)."""

    def set_operation(self, device_id: str, state: OperationState | None) -> None: ...
    def operation(self, device_id: str) -> OperationState | None: ...
    def clear_operations(self) -> None: ...
    def set_firmware_mark(self, device_id: str, mark: FirmwareMark | None) -> None: ...
    def firmware_mark(self, device_id: str) -> FirmwareMark | None: ...
    def clear_firmware_marks(self) -> None: ...
    def record(self, device_id: str) -> DeviceRecord | None: ...


class OperationWindow(Protocol):
    """What an operation controller needs from the window it works in."""

    @property
    def model(self) -> OperationTable:
        """The device table's model: per-device progress and firmware marks."""
        ...

    @property
    def job(self) -> JobSummary | None:
        """The open job (its ``job_id`` is None when it is only shown, not stored)."""
        ...

    @property
    def service(self) -> JobService | None: ...

    @property
    def scan_session(self) -> ScanSession | None:
        """The running scan (BLE onboarding needs its manager and BLE transport)."""
        ...

    @property
    def discovery(self) -> DiscoveryManager | None:
        """The discovery manager of the running or last scan: where device addresses come
        from (read on the bridge's loop thread only)."""
        ...

    @property
    def job_changed(self) -> SignalInstance:
        """Emitted with the new job summary (or None) when another job is shown."""
        ...

    @property
    def scan_state_changed(self) -> SignalInstance: ...

    def window(self) -> QWidget:
        """The top-level widget: parent of the controllers' dialogs, source of LanguageChange."""
        ...

    def statusBar(self) -> QStatusBar:
        """The status line."""
        ...

    def show_error(self, text: str) -> None:
        """The (non-modal) error box."""
        ...

    def failure_text(self, failure: Failure) -> str:
        """A translated headline for an expected problem, then the core's details."""
        ...

    def selected_key(self) -> tuple[str, str] | None:
        """("device" or "malformed", key) of the selected table row, if any."""
        ...

    def set_ble_scan(self, enabled: bool) -> None:
        """Scan over Bluetooth LE too (from the next scan; a running scan is restarted)."""
        ...
