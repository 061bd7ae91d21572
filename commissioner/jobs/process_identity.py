"""Who a process is, well enough to prove later that it is gone.

A process is named by its pid, its start time (so a reused pid is a different process), its
host and the boot it runs in (so a reboot ends every holder). Only a holder on this host, in
this boot, can be proved gone; a holder on another host is presumed alive.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["ProcessIdentity", "current_process", "is_gone"]

_UNKNOWN: Final = "unknown"
_LINUX: Final = sys.platform.startswith("linux")


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    pid: int
    started: str
    host: str
    boot_id: str


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text("ascii").strip() or _UNKNOWN
    except OSError:
        return _UNKNOWN


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot on Linux); None if it does not exist,
    ``unknown`` where the platform cannot tell."""
    if _LINUX:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text("ascii", errors="replace")
        except (FileNotFoundError, ProcessLookupError):
            return None
        except OSError:
            return _UNKNOWN
        # Field 2 (the command) may hold spaces and parentheses: split after its last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        return fields[19] if len(fields) > 19 else _UNKNOWN
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        return _posix_alive(pid)
    try:
        return f"{psutil.Process(pid).create_time():.3f}"
    except psutil.NoSuchProcess:
        return None
    except psutil.Error:
        return _UNKNOWN


def _posix_alive(pid: int) -> str | None:
    if os.name != "posix":
        return _UNKNOWN  # cannot probe safely: presume alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except OSError:
        return _UNKNOWN
    return _UNKNOWN


def current_process() -> ProcessIdentity:
    pid = os.getpid()
    return ProcessIdentity(
        pid=pid, started=_start_time(pid) or _UNKNOWN, host=socket.gethostname(),
        boot_id=_boot_id(),
    )


def is_gone(holder: ProcessIdentity) -> bool:
    """True only when ``holder`` provably no longer runs (same host; rebooted since, no such
    pid, or the pid now belongs to a process started at another time)."""
    if holder.host != socket.gethostname():
        return False
    boot = _boot_id()
    if boot != _UNKNOWN and holder.boot_id != _UNKNOWN and boot != holder.boot_id:
        return True
    started = _start_time(holder.pid)
    if started is None:
        return True
    if started == _UNKNOWN or holder.started == _UNKNOWN:
        return False
    return started != holder.started
