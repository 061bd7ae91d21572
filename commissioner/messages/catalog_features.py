"""Messages of the features area (see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

FEATURE_MESSAGES: Final[dict[str, Message]] = {
}
