"""Helpers for the signed-catalog tests: a real TUF repository in a temp dir, served by a
ThreadingHTTPServer bound to 127.0.0.1, and throw-away manufacturer root CAs."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import keyring
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commissioner.protocol.catalog_format import ManufacturerRoot
from commissioner.trust.catalog import CatalogConfig
from commissioner.trust.catalog_anchor import anchor_name
from commissioner.virtualhome.catalog_publisher import (
    CatalogRepository,
    publish,
    trusted_root_bytes,
)

ROOT_DIR = Path(__file__).resolve().parents[2]
VIRTUAL_HOME_DATA = ROOT_DIR / "tests" / "core" / "data" / "catalog-sample.json"
MANUFACTURERS = ("Sakura Denki", "Fujimi Home Systems", "Kaede Electric", "Tsubame Energy")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Faults:
    """What the test server does wrong, per request path suffix (e.g. ``"snapshot.json"``).

    ``cut``: send the headers (full Content-Length) and half the body, then close the
    connection (``reset=True``: with an RST, else a normal FIN). ``drip``: send the body one
    byte per ``drip_interval`` seconds. ``status``: answer with this HTTP status instead."""

    cut: str | None = None
    reset: bool = True
    drip: str | None = None
    drip_interval: float = 1.0
    status: dict[str, int] | None = None
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)
    requests: list[str] = dataclasses.field(default_factory=list)


class _FaultyHandler(_QuietHandler):
    faults: Faults

    def do_GET(self) -> None:
        f = self.faults
        f.requests.append(self.path)
        for suffix, code in (f.status or {}).items():
            if self.path.endswith(suffix):
                self.send_error(code)
                return
        cut = f.cut is not None and self.path.endswith(f.cut)
        drip = f.drip is not None and self.path.endswith(f.drip)
        if not (cut or drip):
            super().do_GET()
            return
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if f.reset:  # SO_LINGER 0: close() sends an RST instead of a FIN
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
            self.close_connection = True
            return
        try:
            for i in range(len(body)):
                if f.stop.wait(f.drip_interval):
                    break
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
        except OSError:
            pass  # the client gave up
        self.close_connection = True

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the connection was cut on purpose
            super().finish()


@contextmanager
def serve_directory(directory: Path, faults: Faults | None = None) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (ephemeral port); yields the base URL.
    With ``faults``, the server cuts, drips or fails requests as they say (changeable live)."""
    if faults is None:
        handler: Any = functools.partial(_QuietHandler, directory=str(directory))
    else:
        faulty = type("_Handler", (_FaultyHandler,), {"faults": faults})
        handler = functools.partial(faulty, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        yield f"http://127.0.0.1:{port}"
    finally:
        if faults is not None:
            faults.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the HTTP server thread did not stop"


def closed_port_url() -> str:
    """A loopback URL nothing listens on (bind, read the port, close)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _QuietHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}"


def make_ca_pem(name: str, *, ca: bool = True) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} Root CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@functools.cache
def manufacturer_roots() -> tuple[ManufacturerRoot, ...]:
    return tuple(ManufacturerRoot(m, make_ca_pem(m)) for m in MANUFACTURERS)


def data_file_with(tmp: Path, mutate: Any = None, name: str = "data.json") -> Path:
    """A copy of the virtual-home data file, optionally changed by ``mutate(doc)``."""
    doc = json.loads(VIRTUAL_HOME_DATA.read_text(encoding="utf-8"))
    if mutate is not None:
        mutate(doc)
    path = tmp / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@dataclass
class Site:
    """A platform (repository + keys) and one installer laptop's cache."""

    tmp: Path
    url: str
    faults: Faults = dataclasses.field(default_factory=Faults)

    @property
    def repo_dir(self) -> Path:
        return self.tmp / "platform" / "repo"

    @property
    def keys_dir(self) -> Path:
        return self.tmp / "platform" / "keys"

    @property
    def cache_dir(self) -> Path:
        return self.tmp / "laptop" / "catalog"

    @property
    def repo(self) -> CatalogRepository:
        return CatalogRepository(self.repo_dir, self.keys_dir)

    def publish(self, mutate: Any = None, **kwargs: Any) -> int:
        data = data_file_with(self.tmp, mutate, name=f"data-{id(mutate)}.json")
        return publish(data, self.repo_dir, self.keys_dir,
                       manufacturer_roots=manufacturer_roots(), **kwargs)

    def config(self, *, url: str | None = None, grace_days: int = 14,
               **kwargs: Any) -> CatalogConfig:
        return CatalogConfig(
            url=url if url is not None else self.url,
            cache_dir=self.cache_dir,
            trusted_root=trusted_root_bytes(self.repo_dir),
            grace_days=grace_days,
            **kwargs,
        )

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.cache_dir / "state.json").read_text())
        return result


@contextmanager
def running_site(tmp: Path, *, publish_first: bool = True) -> Iterator[Site]:
    repo_dir = tmp / "platform" / "repo"
    repo_dir.mkdir(parents=True)
    faults = Faults()
    with serve_directory(repo_dir, faults) as url:
        site = Site(tmp=tmp, url=url, faults=faults)
        if publish_first:
            site.publish()
        yield site


def add_model(model_number: str) -> Any:
    """A data-file mutation adding one certified model (so the certified-models file changes)."""

    def mutate(doc: dict[str, Any]) -> None:
        doc["certified_models"].append({
            "manufacturer": "Sakura Denki", "product_name": "Test model",
            "model_number": model_number, "scheme": "CCDS", "level": 2,
            "valid_from": "2025-04-01", "valid_until": "2029-03-31",
            "revoked": False, "revoked_reason": None,
        })

    return mutate


def backdate_refresh(cache_dir: Path, days: float) -> None:
    """Make the cached catalog's last refresh ``days`` old, as if that time had passed: the
    refresh time moves in ``state.json`` and in its OS keyring record together (editing only
    the file is what the keyring anchor exists to catch)."""
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat()
    state_file = cache_dir / "state.json"
    state = json.loads(state_file.read_text())
    state["refreshed_at"] = when
    state_file.write_text(json.dumps(state))
    name = anchor_name(cache_dir)
    record = json.loads(keyring.get_password("commissioner", name) or "null")
    assert record is not None, "the catalog cache has no keyring record"
    record["refreshed_at"] = when
    keyring.set_password("commissioner", name, json.dumps(record))
