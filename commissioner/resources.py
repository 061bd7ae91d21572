"""Where the app's data files live: scenarios, the catalog trust anchor, the virtual home's
catalog data, translations and fonts."""

from __future__ import annotations

import os
from pathlib import Path


def resources_dir() -> Path:
    """``$COMMISSIONER_RESOURCES`` (a frozen build sets it) or the source tree's ``resources/``."""
    override = os.environ.get("COMMISSIONER_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / "resources"
