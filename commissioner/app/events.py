"""The one event type through which every use case reports progress to a face.

A use case calls ``sink(Event(...))`` on the asyncio loop it runs on; the CLI prints, the GUI
emits a Qt signal (queued to the GUI thread). ``code`` and ``params`` are what a face
translates; ``detail`` carries the feature's own typed record (a provisioning step, a firmware
transfer's bytes, a plan item) for a face that shows more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Operation = Literal["scan", "certify", "onboard", "commission", "firmware", "handover", "wipe",
                    "verify", "remediate"]
Stage = Literal["plan", "progress", "result", "note"]


@dataclass(frozen=True, slots=True)
class Event:
    operation: Operation
    stage: Stage
    device_id: str | None = None
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict)
    fraction: float | None = None  # of the whole operation, when known
    detail: object | None = None


EventSink = Callable[[Event], None]


def ignore(_event: Event) -> None:
    """A sink that drops every event."""
