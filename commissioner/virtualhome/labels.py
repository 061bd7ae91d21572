"""Device labels as the installer finds them on the boxes: ``DIR/labels/``.

* ``<device_id>.json``  {"device_id", "manufacturer", "model", "serial", "setup_code", "kind",
                          "qr_payload"}; ``qr_payload`` is ``encode_label(...)`` (spec §3)
* ``<device_id>.png``   the QR code of ``qr_payload``
* ``index.json``        {"format": 1, "labels": [{"device_id", "kind", "role", "json", "png"}]}

The model printed on the label is the model in the device's attestation certificate (what
the factory built); a model-mismatch device advertises a different model over mDNS and in
``/v1/identity``. Label files hold the setup code,
so they are written with mode 0600.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode

from commissioner.protocol.label import Label, decode_label, encode_label
from commissioner.virtualhome.fsutil import SECRET_MODE, read_json, write_atomic, write_json_atomic

LABELS_DIR = "labels"


@dataclass(frozen=True, slots=True)
class LabelEntry:
    device_id: str
    kind: str
    role: str


def label_json(label: Label) -> dict[str, Any]:
    return {
        "device_id": label.device_id,
        "manufacturer": label.manufacturer,
        "model": label.model,
        "serial": label.serial,
        "setup_code": label.setup_code,
        "kind": label.kind,
        "qr_payload": encode_label(label),
    }


def qr_png(payload: str) -> bytes:
    """A PNG of the QR code for ``payload`` (error correction M, 4-module border)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    image = qr.make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_label(home_dir: Path, label: Label) -> None:
    directory = home_dir / LABELS_DIR
    data = label_json(label)
    write_json_atomic(directory / f"{label.device_id}.json", data, mode=SECRET_MODE)
    write_atomic(directory / f"{label.device_id}.png", qr_png(data["qr_payload"]), mode=SECRET_MODE)


def write_index(home_dir: Path, entries: list[LabelEntry]) -> None:
    write_json_atomic(
        home_dir / LABELS_DIR / "index.json",
        {
            "format": 1,
            "labels": [
                {
                    "device_id": e.device_id,
                    "kind": e.kind,
                    "role": e.role,
                    "json": f"{e.device_id}.json",
                    "png": f"{e.device_id}.png",
                }
                for e in entries
            ],
        },
    )


def read_label_file(path: Path) -> Label:
    """Read a label JSON file; the QR payload is authoritative and must match the fields."""
    raw = read_json(path, "label file")
    if not isinstance(raw, dict) or not isinstance(raw.get("qr_payload"), str):
        raise ValueError(f"label file {path} has no qr_payload")
    label = decode_label(raw["qr_payload"])
    for key in ("device_id", "manufacturer", "model", "serial", "setup_code", "kind"):
        if raw.get(key) != getattr(label, key):
            raise ValueError(f"label file {path}: {key} disagrees with the QR payload")
    return label
