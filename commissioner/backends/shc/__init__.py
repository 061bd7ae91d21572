"""This project's own device protocol as a backend (the first implementation of the seam)."""

from __future__ import annotations

from commissioner.backends.shc.backend import ShcBackend, ShcSession, identification_from

__all__ = ["ShcBackend", "ShcSession", "identification_from"]
