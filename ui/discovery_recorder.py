"""Writes what the scan finds into the open job, in batches (devices and malformed
advertisements), through the job service on the bridge's loop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from PySide6.QtCore import QObject, QTimer

from commissioner.discovery.events import (
    DeviceAdded,
    DeviceRecord,
    DeviceUpdated,
    DiscoveryEvent,
    MalformedSeen,
)
from commissioner.discovery.scan import malformed_to_json
from commissioner.jobs.models import JSON
from ui.failure_text import failure_text
from ui.job_service import Failure
from ui.window_host import WindowHost

__all__ = ["RECORD_DELAY_MS", "DiscoveryRecorder"]

RECORD_DELAY_MS: Final = 400  # discovery events are written to the job in batches


class DiscoveryRecorder(QObject):
    """Records discovery events into the window's open job (a stored job only)."""

    def __init__(self, host: WindowHost) -> None:
        super().__init__(host.window())
        self._host = host
        self._pending_records: dict[str, DeviceRecord] = {}
        self._pending_malformed: dict[str, dict[str, JSON]] = {}
        self._recorded_malformed: set[str] = set()
        self._record_busy = False
        self._record_timer = QTimer(self)
        self._record_timer.setSingleShot(True)
        self._record_timer.setInterval(RECORD_DELAY_MS)
        self._record_timer.timeout.connect(self._flush_discovery)

    def _stored_job(self) -> bool:
        job = self._host.job
        return self._host.service is not None and job is not None and job.job_id is not None

    def forget(self) -> None:
        """Another job: nothing pending belongs to it."""
        self._pending_records.clear()
        self._pending_malformed.clear()
        self._recorded_malformed.clear()

    def add_records(self, records: Iterable[DeviceRecord]) -> None:
        """Record these devices too (those already listed when a job is opened)."""
        for record in records:
            self._pending_records[record.device_id] = record
        self._schedule_recording()

    def note(self, event: DiscoveryEvent) -> None:
        if not self._stored_job():
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
        service, job = self._host.service, self._host.job
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
            current = self._host.job
            if isinstance(result, Failure) and current is not None and current.job_id == job_id:
                self._host.statusBar().showMessage(failure_text(result), 15000)
            self._schedule_recording()

        self._host.submit(
            service.record_discovery(job_id, records, list(malformed.values())),
            "record-discovery",
            done,
            lambda _m: done(None),
        )

    @property
    def idle(self) -> bool:
        """True when every discovery event so far has been written to the job."""
        return (
            not self._record_busy
            and not self._pending_records
            and not self._pending_malformed
            and not self._record_timer.isActive()
        )
