"""The PySide6 desktop GUI (everything that touches Qt lives in this package)."""
