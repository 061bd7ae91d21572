"""The one way the commissioner replaces a file: all of the new content or none of it.

A temporary file in the same folder is written, flushed and fsynced, given its mode and renamed
over the target; then the folder is fsynced so that the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

SECRET_MODE = 0o600
PUBLIC_MODE = 0o644


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where folders cannot be opened)."""
    if os.name != "posix":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(
    path: Path, *, mode: int = PUBLIC_MODE, make_parents: bool = True
) -> Iterator[IO[bytes]]:
    """Yield a binary file whose content replaces ``path`` when the block ends without error.

    On an exception the temporary file is removed and ``path`` is left as it was. Without
    ``make_parents`` a missing folder is an error (a person named the file)."""
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes, *, mode: int = PUBLIC_MODE) -> None:
    """Replace ``path`` with ``data`` (all or nothing)."""
    with atomic_writer(path, mode=mode) as handle:
        handle.write(data)
