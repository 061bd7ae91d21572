"""Device labels for the gate: read them (typed, scanned or from an image) and pair them with
the devices of a job.

Input: a USB QR scanner "types" the payload like a keyboard (one line, ending in Enter), the
installer may type it, or give a photo/scan of the label (``--image``; decoded with zxing-cpp,
loaded with Pillow).

Pairing is by device id. The label must then agree with the device's *attested* certificate
(serial, manufacturer, model, kind). Outcomes (``JobLabel.status``):

* ``paired``    the label belongs to the attested device;
* ``pending``   the device is in the job but not certified yet (checked at ``certify``);
* ``mismatch``  the label disagrees with the certificate: the device's verdict becomes
                identity-mismatch (blocked);
* ``unmatched`` no device of the job has this device id (flagged to the installer).

The setup code is a secret. It is **never** stored in the job store, logged or printed: the
job keeps only the label's public fields and :func:`label_fingerprint`, a SHA-256 over those
public fields. (A SHA-256 of the whole payload would not do: the payload's other fields are
known, so 10^8 candidate setup codes - and the CRC narrows them further - could be tried
against such a hash in seconds.) Provisioning needs the code again: until the OS keyring
integration lands, the installer scans the label again at provisioning time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from commissioner.errors import UserError
from commissioner.jobs.models import DeviceGateState, JobDevice
from commissioner.protocol.errors import MalformedLabelError
from commissioner.protocol.label import Label, decode_label
from commissioner.protocol.matter_payload import QR_PREFIX as MATTER_QR_PREFIX
from commissioner.protocol.matter_payload import is_matter_payload
from commissioner.protocol.spec import LABEL_PREFIX, MAX_LABEL_CHARS
from commissioner.trust.gate import LabelFacts
from commissioner.trust.matter_labels import matter_label

__all__ = [
    "LabelInputError",
    "PairResult",
    "facts",
    "label_fingerprint",
    "pair_label",
    "parse_payload",
    "read_label_image",
]

MAX_IMAGE_BYTES: Final = 25 * 1024 * 1024
MAX_IMAGE_PIXELS: Final = 50_000_000
MAX_QR_CODES: Final = 16


class LabelInputError(UserError):
    """A label could not be read (bad text, unreadable image, no QR code)."""


def parse_payload(text: str) -> Label:
    """Decode a typed or scanned label payload (surrounding whitespace/CR/LF ignored): this
    project's ``SHC1;`` label, or a Matter QR code / manual pairing code."""
    try:
        if is_matter_payload(text):
            return matter_label(text)
        return decode_label(text)
    except MalformedLabelError as err:
        raise LabelInputError(code="label.invalid", params={"detail": err.message}) from None


def read_label_image(path: Path) -> list[Label]:
    """Every device label QR code in the image file ``path`` (at least one, or an error)."""
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError as err:  # pragma: no cover - both are dependencies
        raise LabelInputError(
            code="label.image-unsupported", params={"module": err.name}) from None
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise LabelInputError(
            code="file.cannot-read",
            params={"path": path, "reason": err.strerror or err}) from None
    if size > MAX_IMAGE_BYTES:
        raise LabelInputError(
            code="label.image-too-large", params={"path": path, "size": f"{size} B"})
    try:
        with Image.open(path) as img:
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise LabelInputError(
                    code="label.image-too-large",
                    params={"path": path, "size": f"{width}x{height}"})
            img.load()
            gray = img.convert("L")
    except LabelInputError:
        raise
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as err:
        raise LabelInputError(
            code="label.image-unreadable", params={"path": path, "detail": err}) from None
    try:
        codes = zxingcpp.read_barcodes(
            gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    except Exception as err:  # noqa: BLE001 - a decoder failure must not crash the app
        raise LabelInputError(
            code="label.image-undecodable", params={"path": path, "detail": err}) from None
    labels: list[Label] = []
    problems: list[str] = []
    for code in list(codes)[:MAX_QR_CODES]:
        text = str(code.text)
        if len(text) > MAX_LABEL_CHARS + 64 or not text.strip().startswith(
                (LABEL_PREFIX, MATTER_QR_PREFIX)):
            continue
        try:
            labels.append(matter_label(text) if is_matter_payload(text) else decode_label(text))
        except MalformedLabelError as err:
            problems.append(err.message)
    if not labels:
        raise LabelInputError(
            code="label.no-qr", params={"path": path, "detail": problems[0] if problems else "-"})
    return labels


def facts(label: Label) -> LabelFacts:
    """The label without its setup code."""
    return LabelFacts(label.device_id, label.manufacturer, label.model, label.serial, label.kind)


def label_fingerprint(label: Label | LabelFacts) -> str:
    """SHA-256 (hex) over the label's public fields only (not the setup code, not the CRC)."""
    public = "\n".join(
        (LABEL_PREFIX, label.device_id, label.manufacturer, label.model, label.serial, label.kind)
    )
    return hashlib.sha256(public.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PairResult:
    status: str  # paired | pending | mismatch | unmatched
    reason: str


def pair_label(
    label: Label | LabelFacts,
    devices: Mapping[str, JobDevice],
    gate: Mapping[str, DeviceGateState],
) -> PairResult:
    """Pair ``label`` with the job's devices (by device id) and check it against the
    attested certificate fields the gate recorded."""
    device = devices.get(label.device_id)
    if device is None:
        return PairResult(
            "unmatched",
            f"The label for {label.device_id} ({label.model}, serial {label.serial}) matches no "
            "device found in this job.",
        )
    state = gate.get(label.device_id)
    if state is None or state.attested_model is None or state.serial is None:
        if label.kind != device.kind:
            return PairResult(
                "mismatch",
                f"The label is for a {label.kind} but device {label.device_id} is a "
                f"{device.kind}.",
            )
        return PairResult(
            "pending",
            f"Label recorded for {label.device_id}; it is checked against the certificate at "
            "certify.",
        )
    for what, on_label, attested in (
        ("serial", label.serial, state.serial),
        ("manufacturer", label.manufacturer, state.attested_manufacturer),
        ("model", label.model, state.attested_model),
        ("kind", label.kind, device.kind),
    ):
        if on_label != attested:
            return PairResult(
                "mismatch",
                f"The label says {what} {on_label} but the device's certificate says "
                f"{attested}.",
            )
    return PairResult(
        "paired", f"The label matches the certificate of {label.device_id} (serial "
        f"{label.serial})."
    )
