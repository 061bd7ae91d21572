"""The window's failure texts are Japanese through and through: the translated headline and
the core's details, rendered from the message code in the window's language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from japanese_text import english_words
from PySide6.QtWidgets import QApplication

from commissioner.app.errors import KeyringRefusedError, NoDevicesError
from commissioner.errors import UserError
from commissioner.messages import Text, verdict_reason
from commissioner.trust.labels import LabelInputError
from ui import i18n
from ui.failure_text import failure_text
from ui.job_service import Failure, FailureKind

REFUSALS: list[tuple[FailureKind, UserError]] = [
    ("not-found", UserError(code="job.not-found", params={"job": "J-2026-015"})),
    ("store", UserError(code="commission.certify-first",
                        params={"job_id": "JZT7SYAVH", "count": 13})),
    ("refused", UserError(code="device.is-gateway", params={"device_id": "mnt-gw-11fd4f"})),
    ("refused", UserError(code="replace.new-blocked", params={
        "new_id": "skr-cam-699193", "verdict": Text("verdict.counterfeit"),
        "detail": verdict_reason("counterfeit", device_id="skr-cam-699193",
                                 manufacturer="Sakura Denki", model="SD-CAM8",
                                 reason_code="untrusted-chain")})),
    ("keyring", KeyringRefusedError(code="keyring.locked", params={"detail": "LockedError"})),
    ("no-devices", NoDevicesError(code="firmware.no-certified-device")),
    ("label", LabelInputError(code="label.invalid", params={"detail": "SHC1"})),
    ("store", UserError(code="remediate.credential-refused",
                        params={"device_id": "fjm-ac-3f8e92", "detail": "401"})),
    ("closed", UserError(code="job.sealed", params={"job_id": "J1", "job_number": "A-1"})),
    ("store", UserError(code="store.full", params={"path": "/data/jobs.sqlite3"})),
]


@pytest.fixture
def japanese(qapp: QApplication) -> Iterator[None]:
    i18n.install_language(qapp, "ja")
    yield
    i18n.install_language(qapp, i18n.DEFAULT_LANGUAGE)


@pytest.mark.parametrize(("kind", "err"), REFUSALS, ids=[e.code or "" for _, e in REFUSALS])
def test_failure_texts_are_japanese(japanese: None, kind: FailureKind, err: UserError) -> None:
    text = failure_text(Failure.of(kind, err))
    assert not english_words(text, allowed=["Sakura Denki"]), text
    assert "\n" in text  # the cause, then the next step


def test_english_window_shows_the_english_details(qapp: QApplication) -> None:
    i18n.install_language(qapp, "en")
    try:
        text = failure_text(Failure.of("not-found", UserError(
            code="job.not-found", params={"job": "J-9"})))
    finally:
        i18n.install_language(qapp, i18n.DEFAULT_LANGUAGE)
    assert "There is no job with id or job number 'J-9'" in text
    assert "commissioner job list" in text
