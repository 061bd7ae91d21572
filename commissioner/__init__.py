"""The commissioner core: Qt-free, asyncio-based smart home commissioning."""

__version__ = "0.1.0"
