"""The main window's words for an expected problem (a :class:`ui.job_service.Failure`): a
translated headline (context "MainWindow"), then the core's details."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ui.certify_view import catalog_failure_text
from ui.job_service import Failure

__all__ = ["failure_text"]


def failure_text(failure: Failure) -> str:
    """A translated headline for an expected problem, then the core's details."""
    if failure.kind == "catalog":
        return catalog_failure_text(failure)
    headlines = {
        "store": QCoreApplication.translate("MainWindow", "The job store could not be used."),
        "not-found": QCoreApplication.translate("MainWindow", "No such job."),
        "closed": QCoreApplication.translate(
            "MainWindow", "The job is closed; create a new job for new work."
        ),
        "no-devices": QCoreApplication.translate(
            "MainWindow", "No devices found yet: start a scan and wait for the devices."
        ),
        "not-blocked": QCoreApplication.translate(
            "MainWindow", "Only a blocked device can be marked to be replaced."
        ),
        "not-in-job": QCoreApplication.translate(
            "MainWindow", "The device is not part of this job yet; scan again."
        ),
        "invalid": QCoreApplication.translate("MainWindow", "The value was not accepted."),
        "label": QCoreApplication.translate(
            "MainWindow", "This is not a valid device label. Scan the QR code again."
        ),
    }
    headline = headlines.get(failure.kind, "")
    details = QCoreApplication.translate("MainWindow", "Details: %1").replace(
        "%1", failure.describe()
    )
    return f"{headline}\n{details}" if headline else details
