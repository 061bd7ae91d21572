"""The requests the app sends to the Matter SDK worker, typed (one dataclass per ``op``).

Each request travels as ``{"id": n, "op": OP, **fields}`` (see :mod:`.channel`); the worker
(:mod:`.worker`) answers with the result object named in each class's docstring.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = ["Abandon", "CloseWindow", "Commission", "Export", "Identify", "Pase", "ReadBack",
           "Request", "Shutdown", "Start", "WriteAcl"]


@dataclass(frozen=True, slots=True)
class Request:
    op: ClassVar[str] = ""

    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True, slots=True)
class Start(Request):
    """Load the SDK, open the fabric (restored from ``state``), create the controller.
    Result: ``{"fabric_id", "controller_node_id", "root_public_key" (base64)}``."""

    op: ClassVar[str] = "start"
    paa_store: str
    fabric_id: int
    vendor_id: int
    controller_node_id: int
    work_dir: str  # used only where the worker has no private /data
    state: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Pase(Request):
    """A PASE session with the setup code: at ``ip``/``port`` with ``passcode`` when given,
    else found by the payload ``code``'s discriminator. Result: ``{}``."""

    op: ClassVar[str] = "pase"
    node_id: int
    code: str
    ip: str | None = None
    port: int | None = None
    passcode: int | None = None


@dataclass(frozen=True, slots=True)
class Identify(Request):
    """Arm the fail-safe, read BasicInformation ids and the DAC and PAI over the current
    session. Result: ``{"vendor_id", "product_id", "serial", "software_version", "dac",
    "pai"}`` (certificates in base64 DER)."""

    op: ClassVar[str] = "identify"
    node_id: int


@dataclass(frozen=True, slots=True)
class Abandon(Request):
    """Expire the fail-safe (the device drops the PASE session) and forget the node."""

    op: ClassVar[str] = "abandon"
    node_id: int


@dataclass(frozen=True, slots=True)
class Commission(Request):
    """Commission over the PASE session. Result: ``{"node_id"}``."""

    op: ClassVar[str] = "commission"
    node_id: int


@dataclass(frozen=True, slots=True)
class WriteAcl(Request):
    """Replace this fabric's ACL with one Administer/CASE entry for ``admin_subjects``."""

    op: ClassVar[str] = "write_acl"
    node_id: int
    admin_subjects: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CloseWindow(Request):
    """Revoke an open commissioning window. Result: ``{"window_status"}`` (0: closed)."""

    op: ClassVar[str] = "close_window"
    node_id: int


@dataclass(frozen=True, slots=True)
class ReadBack(Request):
    """Everything :class:`~.readback.MatterReadback` parses, read from the device."""

    op: ClassVar[str] = "read_back"
    node_id: int


@dataclass(frozen=True, slots=True)
class Export(Request):
    """Result: ``{"state"}``: the engine's storage, the fabric root key included."""

    op: ClassVar[str] = "export"


@dataclass(frozen=True, slots=True)
class Shutdown(Request):
    """Shut the SDK stack down; the worker exits after the reply."""

    op: ClassVar[str] = "shutdown"
