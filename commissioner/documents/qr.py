"""QR codes for printed documents, as PNG bytes (made here; Qt only draws them)."""

from __future__ import annotations

import io
from typing import Final

import qrcode
import qrcode.constants

__all__ = ["MAX_QR_PAYLOAD", "qr_png"]

MAX_QR_PAYLOAD: Final = 512  # characters; an owner invitation is about 120


def qr_png(payload: str, *, box_size: int = 8, border: int = 4) -> bytes:
    """A black-on-white QR code of ``payload`` (error correction M, quiet zone ``border``
    modules) as PNG bytes. Raises ValueError for an empty or oversized payload."""
    if not isinstance(payload, str) or not payload:
        raise ValueError("a QR payload must be non-empty text")
    if len(payload) > MAX_QR_PAYLOAD:
        raise ValueError(f"QR payload too long ({len(payload)} characters, at most "
                         f"{MAX_QR_PAYLOAD})")
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border
    )
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
