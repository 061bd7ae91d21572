"""The GUI's adapter to the resale use cases: the sealed jobs a resale can start from, importing
a job bundle, the resale job itself, the wipe and its certificate.

Each function runs one use case of :mod:`commissioner.app` (``resale``, ``bundles``, ``wipe``,
``wipe_certificate``) on the bridge's asyncio loop and only turns its outcome into what the
window needs: events go to a callback (which emits a Qt signal, queued to the GUI thread) and
expected problems come back as :class:`ui.job_service.Failure` values of kind "resale". The CLI
runs the very same use cases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from commissioner.app import jobs as app_jobs
from commissioner.app.bundles import ImportOutcome, import_bundle
from commissioner.app.context import AppContext
from commissioner.app.events import Event
from commissioner.app.resale import ResaleLink, create_resale_job
from commissioner.app.wipe import DEFAULT_RESET_TIMEOUT, WipeOutcome, wipe_job
from commissioner.app.wipe_certificate import WipeCertificate, wipe_certificate
from commissioner.bundles.bundle import BundleError
from commissioner.errors import UserError
from commissioner.jobs.models import Job
from commissioner.jobs.store import JobStoreError
from ui.field_ops import context_for
from ui.job_service import Failure, JobService

__all__ = [
    "DEFAULT_RESET_TIMEOUT",
    "ImportOutcome",
    "ResaleStarted",
    "WipeCertificate",
    "WipeOutcome",
    "certificate",
    "import_job_bundle",
    "sealed_jobs",
    "start_resale",
    "wipe",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ResaleStarted:
    job: Job
    link: ResaleLink


async def _guarded(service: JobService, work: Callable[[AppContext], Awaitable[T]]
                   ) -> T | Failure:
    try:
        ctx = await asyncio.to_thread(context_for, service)
        return await work(ctx)
    except BundleError as err:
        return Failure.of("resale", err, err.problem)
    except UserError as err:
        return Failure.of("resale", err)
    except (JobStoreError, OSError, ValueError) as err:
        return Failure("resale", f"{type(err).__name__}: {err}")


def _blocking(fn: Callable[[AppContext], T]) -> Callable[[AppContext], Awaitable[T]]:
    async def run(ctx: AppContext) -> T:
        return await asyncio.to_thread(fn, ctx)

    return run


async def sealed_jobs(service: JobService) -> list[Job] | Failure:
    """The handed-over (sealed) jobs of this laptop, newest first: where a resale starts."""
    return await _guarded(service, _blocking(lambda ctx: app_jobs.list_jobs(ctx, "closed")))


async def import_job_bundle(service: JobService, bundle: Path, sender: Path,
                            operator: str) -> ImportOutcome | Failure:
    """Check a job bundle against the sending laptop's card and store its sealed job."""
    return await _guarded(service, _blocking(
        lambda ctx: import_bundle(ctx, bundle, sender=sender, operator=operator or "support")))


async def start_resale(
    service: JobService, *, job_number: str, operator: str, from_job: str | None,
    site_name: str | None = None, site_address: str | None = None,
    service_level: int | None = None,
) -> ResaleStarted | Failure:
    """The resale job, linked to the previous sealed job (or to discovery alone)."""

    def create(ctx: AppContext) -> ResaleStarted:
        job, link = create_resale_job(
            ctx, job_number=job_number, operator=operator, from_job=from_job,
            site_name=site_name, site_address=site_address, service_level=service_level)
        return ResaleStarted(job, link)

    return await _guarded(service, _blocking(create))


async def wipe(service: JobService, job_id: str, on_event: Callable[[Event], None], *,
               reset_timeout: float = DEFAULT_RESET_TIMEOUT,
               timeout: float = 5.0,  # noqa: ASYNC109 - per network step
               ) -> WipeOutcome | Failure:
    """Wipe and verify every device of the resale job; each event goes to ``on_event``."""
    return await _guarded(service, lambda ctx: wipe_job(
        ctx, job_id, sink=on_event, reset_timeout=reset_timeout, timeout=timeout))


async def certificate(service: JobService, job_id: str) -> WipeCertificate | Failure:
    """The job's wipe certificate (content and JSON; the face draws the PDF)."""
    return await _guarded(service, _blocking(lambda ctx: wipe_certificate(ctx, job_id)))
