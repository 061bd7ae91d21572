"""Check that the running environment holds exactly the versions pinned in a lock file.

    .venv/bin/python packaging/lock_check.py requirements.lock

Every ``name==version`` line of the lock must be installed at that version (names compared as
pip normalises them); the project itself is not in the lock. Exit 0 when they agree, 1 with
the differences listed.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    out = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            out[normalise(match.group(1))] = match.group(2)
    return out


def main(argv: list[str]) -> int:
    lock = Path(argv[1] if len(argv) > 1 else "requirements.lock")
    wanted = pins(lock)
    installed = {normalise(d.metadata["Name"]): d.version for d in metadata.distributions()}
    problems = [f"{name}: locked {version}, installed {installed.get(name, 'nothing')}"
                for name, version in sorted(wanted.items()) if installed.get(name) != version]
    if problems:
        print(f"lock_check: the environment differs from {lock}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"lock_check: all {len(wanted)} pinned packages installed as locked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
