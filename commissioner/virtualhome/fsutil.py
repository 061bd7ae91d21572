"""Small file helpers for the virtual home: atomic writes and strict JSON reading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from commissioner.atomic_file import PUBLIC_MODE, SECRET_MODE, write_atomic

__all__ = ["PUBLIC_MODE", "SECRET_MODE", "read_json", "write_atomic", "write_json_atomic"]



def write_json_atomic(path: Path, value: Any, *, mode: int = PUBLIC_MODE) -> None:
    text = json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"), mode=mode)


def read_json(path: Path, what: str) -> Any:
    """Read a JSON file, raising :class:`ValueError` with ``what`` and the path on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise ValueError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{what} {path} is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
