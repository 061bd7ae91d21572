"""What the main window shows about the job that is open (a plain value, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

MIN_SERVICE_LEVEL = 2
MAX_SERVICE_LEVEL = 3


@dataclass(frozen=True, slots=True)
class JobSummary:
    job_number: str
    site: str
    service_level: int  # 2 (★★) or 3 (★★★)
    operator: str

    def __post_init__(self) -> None:
        if not MIN_SERVICE_LEVEL <= self.service_level <= MAX_SERVICE_LEVEL:
            raise ValueError(f"service level must be 2 or 3, not {self.service_level!r}")

    @property
    def stars(self) -> str:
        return "★" * self.service_level
