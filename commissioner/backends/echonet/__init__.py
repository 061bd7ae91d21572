"""ECHONET Lite (identify only): controller endpoint, identity reading and the backend."""

from commissioner.backends.echonet.backend import (
    FAMILY_ECHONET,
    TRANSPORT_ECHONET,
    EchonetBackend,
    identification_of,
)

__all__ = ["FAMILY_ECHONET", "TRANSPORT_ECHONET", "EchonetBackend", "identification_of"]
