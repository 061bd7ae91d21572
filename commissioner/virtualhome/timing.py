"""How long a virtual device takes to act on a management request.

Real devices are small embedded computers: generating a key pair, verifying a certificate or
committing credentials to flash takes them tens to hundreds of milliseconds. By default the
virtual devices answer at once (fast tests); ``COMMISSIONER_VH_PROCESSING_MS`` gives every
management request that much device-side processing time, so benchmarks can show how a
whole-home run behaves against devices that are slower than the laptop.
"""

from __future__ import annotations

import os
from typing import Final

PROCESSING_ENV: Final = "COMMISSIONER_VH_PROCESSING_MS"
MAX_PROCESSING_MS: Final = 5000.0


def management_processing_s() -> float:
    text = os.environ.get(PROCESSING_ENV, "")
    try:
        value = float(text) if text else 0.0
    except ValueError:
        value = 0.0
    return min(max(value, 0.0), MAX_PROCESSING_MS) / 1000.0
