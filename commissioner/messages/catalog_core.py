"""Messages of the core area (see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

CORE_MESSAGES: Final[dict[str, Message]] = {
}
