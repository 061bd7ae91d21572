"""Work-arounds for defects of the Qt binding this app ships with.

PySide6 6.12.0 on CPython 3.11 drops a reference to ``None`` on every call of a wrapped method
that returns nothing (``QLabel.setText``, ``QCoreApplication.processEvents`` ...) and a
reference to ``True`` on every ``Signal.emit``. It looks written for CPython 3.12+, where these
singletons are immortal (PEP 683) and reference counting on them is a no-op. On 3.11 their
counts reach zero after a few hundred emits or a few thousand calls and the interpreter aborts
("Fatal Python error: bool_dealloc" / "none_dealloc"). Reproduce with
``tests/ui/test_qt_compat.py``.

The singletons are never freed anyway, so the work-around gives them a reference count so
large (2**60) that no session can use it up, which is what 3.12 does by design.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Final

RESERVE: Final = 1 << 60
_SINGLETONS: Final = (None, True, False, Ellipsis, NotImplemented)
_applied = False


def needs_refcount_workaround() -> bool:
    return sys.implementation.name == "cpython" and sys.version_info < (3, 12)


def apply_refcount_workaround() -> bool:
    """Make the interpreter's singletons effectively immortal; True if anything was changed.

    Idempotent. A no-op on CPython 3.12+ (already immortal) and other interpreters.
    """
    global _applied
    if _applied or not needs_refcount_workaround():
        return False
    for obj in _SINGLETONS:
        # ob_refcnt is the first field of every PyObject (Py_ssize_t) in non-debug builds.
        refcnt = ctypes.c_ssize_t.from_address(id(obj))
        refcnt.value += RESERVE
    _applied = True
    return True
