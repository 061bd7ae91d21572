"""The app's own version, as installed: from the package metadata (a frozen build carries the
``commissioner`` distribution's metadata, so the same call works there)."""

from __future__ import annotations

from functools import cache
from importlib import metadata
from typing import Final

DISTRIBUTION: Final = "commissioner"
UNKNOWN: Final = "0+unknown"


@cache
def app_version() -> str:
    """``0.1.0`` and the like; ``0+unknown`` when the metadata is missing (a bare source tree
    run without installing)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN
