"""The PySide6 desktop GUI (everything that touches Qt lives in this package)."""

from ui.qt_compat import apply_refcount_workaround

apply_refcount_workaround()
