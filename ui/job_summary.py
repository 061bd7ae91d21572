"""What the main window shows about the job that is open (a plain value, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

from commissioner.jobs.models import Job

MIN_SERVICE_LEVEL = 2
MAX_SERVICE_LEVEL = 3


@dataclass(frozen=True, slots=True)
class JobSummary:
    job_number: str
    site: str
    service_level: int  # 2 (★★) or 3 (★★★)
    operator: str
    job_id: str | None = None  # None for a job that is only shown, not in the store
    site_address: str = ""
    catalog_version: str | None = None

    def __post_init__(self) -> None:
        if not MIN_SERVICE_LEVEL <= self.service_level <= MAX_SERVICE_LEVEL:
            raise ValueError(f"service level must be 2 or 3, not {self.service_level!r}")

    @property
    def stars(self) -> str:
        return "★" * self.service_level

    @classmethod
    def from_job(cls, job: Job) -> JobSummary:
        return cls(
            job_number=job.job_number,
            site=job.site_name,
            service_level=job.service_level,
            operator=job.operator,
            job_id=job.id,
            site_address=job.site_address,
            catalog_version=job.catalog_version,
        )
