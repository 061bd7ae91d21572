"""The commissioner core: Qt-free, asyncio-based smart home commissioning.

The app's version: :func:`commissioner.version.app_version` (the installed metadata)."""
