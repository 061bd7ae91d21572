"""Answer the OSV query API from a local advisory file, on loopback, so that ``pip-audit`` can
check the pinned dependency set without a network.

    python packaging/osv_offline.py --advisories FILE -- pip-audit ... --osv-url {osv_url}

starts a server on 127.0.0.1 (a free port), puts its URL where the command says
``{osv_url}``, runs the command and exits with its exit code. FILE holds OSV records (the
format of osv.dev and of the Python Packaging Advisory Database): one record, a list of them,
or ``{"vulns": [...]}``. A record matches a package and version when one of its ``affected``
entries names the package (PyPI ecosystem, names compared as pip normalises them) and lists
the version in ``versions`` or covers it with an ``ECOSYSTEM`` range (``introduced`` /
``fixed`` / ``last_affected`` events).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

MAX_QUERY_BYTES = 64 * 1024


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def load_advisories(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("vulns"), list):
        data = data["vulns"]
    records = data if isinstance(data, list) else [data]
    out = []
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise ValueError(f"{path}: every advisory needs an 'id'")
        out.append(record)
    return out


def _version(text: object) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _in_range(version: Version, events: Iterable[Mapping[str, Any]]) -> bool:
    """OSV range semantics: sorted events; affected from an ``introduced`` up to the next
    ``fixed`` (exclusive) or ``last_affected`` (inclusive)."""
    affected = False
    points: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, order in (("introduced", 0), ("fixed", 1), ("last_affected", 2)):
            if kind in event:
                at = Version("0") if event[kind] == "0" else _version(event[kind])
                if at is not None:
                    points.append((at, order, kind))
    for at, _order, kind in sorted(points):
        if kind == "introduced" and version >= at:
            affected = True
        elif (kind == "fixed" and version >= at) or (kind == "last_affected" and version > at):
            affected = False
    return affected


def affects(record: Mapping[str, Any], name: str, version_text: str) -> bool:
    version = _version(version_text)
    for entry in record.get("affected", []) or []:
        package = entry.get("package", {}) if isinstance(entry, dict) else {}
        if package.get("ecosystem", "PyPI") != "PyPI":
            continue
        if normalise(str(package.get("name", ""))) != normalise(name):
            continue
        if version_text in (entry.get("versions") or []):
            return True
        if version is None:
            continue
        for rng in entry.get("ranges", []) or []:
            if rng.get("type") in ("ECOSYSTEM", "SEMVER") and _in_range(version, rng["events"]):
                return True
    return False


def make_handler(records: Sequence[Mapping[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            if self.path.rstrip("/") != "/v1/query" or not 0 < length <= MAX_QUERY_BYTES:
                self.send_error(404 if length else 400)
                return
            try:
                query = json.loads(self.rfile.read(length))
                name = str(query["package"]["name"])
                version = str(query["version"])
            except (ValueError, KeyError, TypeError):
                self.send_error(400, "not an OSV query")
                return
            found = [r for r in records if affects(r, name, version)]
            body = json.dumps({"vulns": found} if found else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--advisories", type=Path, required=True, help="OSV-format JSON file")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="-- then the command; {osv_url} is replaced by the server's URL")
    args = parser.parse_args(argv)
    command = [c for c in args.command if c != "--"] if args.command[:1] == ["--"] \
        else list(args.command)
    if not command:
        parser.error("give the command to run after --")
    try:
        records = load_advisories(args.advisories)
    except (OSError, ValueError) as err:
        print(f"osv_offline: cannot read the advisories: {err}", file=sys.stderr)
        return 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(records))
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return subprocess.call([c.replace("{osv_url}", url) for c in command])
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
