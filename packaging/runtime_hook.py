"""Runs first in the frozen app: the data files ship in ``resources/`` inside the bundle."""

import os
import sys

_bundle = getattr(sys, "_MEIPASS", None)
if _bundle:
    os.environ.setdefault("COMMISSIONER_RESOURCES", os.path.join(_bundle, "resources"))
