"""Build and (re-)sign the catalog's TUF repository.

This is the *platform* side: the production platform runs it with offline keys; the virtual
training home runs it with throw-away keys at start-up. The installer app only ever verifies.

Catalog data file (input, ``"format": 1``)::

    {
      "format": 1,
      "certified_models": [ {certified-model entry, see catalog_data} ... ],
      "model_policy":     [ {model-policy entry} ... ],
      "manufacturer_roots": [ {"manufacturer": ..., "certificate_pem": ...} ... ]   # optional
    }

Manufacturer root CA certificates are normally *not* in the data file: they are supplied at
publish time (``publish(..., manufacturer_roots={"Sakura Denki": pem, ...})`` or the CLI's
``--manufacturer-root "Sakura Denki=ca.pem"``), because the party that owns the CAs (e.g. the
virtual home, which generates fresh CAs) is not the party that writes the model list.

Repository layout (``consistent_snapshot`` = true)::

    repo_dir/metadata/1.root.json, root.json          root, versioned + convenience copy
    repo_dir/metadata/N.targets.json, N.snapshot.json  versioned (what clients fetch)
    repo_dir/metadata/timestamp.json                   what clients fetch (+ N.timestamp.json
                                                       archive copies, used by rollback drills)
    repo_dir/targets/<sha256>.certified-models.json    hash-prefixed target files (+ two more)

Keys: one ECDSA P-256 key per top-level role in ``keys_dir/<role>.pem`` (PKCS#8, mode 0600),
generated on first run. The methods below the ``Attack drills`` line re-sign or damage a
repository on purpose; tests and training scenarios use them to show that the app refuses.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import shutil
import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner  # type: ignore[attr-defined]
from tuf.api.metadata import (  # type: ignore[attr-defined]  # public re-exports without __all__
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from commissioner.atomic_file import write_atomic
from commissioner.errors import UserError
from commissioner.protocol.catalog_format import (
    FORMAT_VERSION,
    MAX_TARGET_BYTES,
    CatalogContent,
    CatalogDataError,
    ManufacturerRoot,
    content_to_files,
    parse_content,
    parse_model,
    parse_policy,
    parse_root,
)
from commissioner.protocol.equipment_codes import EquipmentCodesError, parse_equipment_codes_json
from commissioner.protocol.firmware_index import FirmwareIndex
from commissioner.resources import resources_dir

ROLES: Final = ("root", "targets", "snapshot", "timestamp")
DEFAULT_EXPIRES_DAYS: Final = 30
DEFAULT_TIMESTAMP_EXPIRES_DAYS: Final = 1.0
DEFAULT_ROOT_EXPIRES_DAYS: Final = 365
MAX_DATA_FILE_BYTES: Final = 4 * 1024 * 1024

_SERIALIZER: Final = JSONSerializer(compact=False)
_VERSIONED: Final = re.compile(r"(\d+)\.(root|targets|snapshot|timestamp)\.json")


class PublishError(UserError):
    """The catalog could not be published (bad data file, missing or mismatched keys)."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- data file


def load_data_file(
    data_file: Path,
    manufacturer_roots: Iterable[ManufacturerRoot] | Mapping[str, str] = (),
) -> CatalogContent:
    """Read a catalog data file, add the separately supplied roots, validate everything."""
    try:
        raw = data_file.read_bytes()
    except OSError as err:
        raise PublishError(f"cannot read catalog data file {data_file}: {err}") from None
    if len(raw) > MAX_DATA_FILE_BYTES:
        raise PublishError(f"{data_file}: larger than {MAX_DATA_FILE_BYTES} bytes")
    try:
        doc: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise PublishError(f"{data_file}: not valid UTF-8 JSON ({err})") from None
    where = data_file.name
    try:
        if not isinstance(doc, dict):
            raise CatalogDataError(f"{where}: expected a JSON object")
        allowed = {"format", "certified_models", "model_policy", "manufacturer_roots", "comment",
                   "equipment_codes"}
        unknown = set(doc) - allowed
        if unknown:
            raise CatalogDataError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if doc.get("format") != FORMAT_VERSION:
            raise CatalogDataError(f"{where}: format must be {FORMAT_VERSION}")
        models_raw = doc.get("certified_models", [])
        policies_raw = doc.get("model_policy", [])
        roots_raw = doc.get("manufacturer_roots", [])
        for key, value in (("certified_models", models_raw), ("model_policy", policies_raw),
                           ("manufacturer_roots", roots_raw)):
            if not isinstance(value, list):
                raise CatalogDataError(f"{where}: {key} must be an array")
        models = tuple(
            parse_model(v, f"{where}: certified_models[{i}]") for i, v in enumerate(models_raw)
        )
        policies = tuple(
            parse_policy(v, f"{where}: model_policy[{i}]") for i, v in enumerate(policies_raw)
        )
        roots = [
            parse_root(v, f"{where}: manufacturer_roots[{i}]") for i, v in enumerate(roots_raw)
        ]
        if isinstance(manufacturer_roots, Mapping):
            extra: Iterable[ManufacturerRoot] = (
                ManufacturerRoot(manufacturer=k, certificate_pem=v)
                for k, v in manufacturer_roots.items()
            )
        else:
            extra = manufacturer_roots
        for i, root in enumerate(extra):
            roots.append(
                parse_root(
                    {"manufacturer": root.manufacturer, "certificate_pem": root.certificate_pem},
                    f"manufacturer root #{i + 1} ({root.manufacturer})",
                )
            )
        codes = (None if "equipment_codes" not in doc
                 else parse_equipment_codes_json(doc["equipment_codes"]))
        content = CatalogContent(models=models, roots=tuple(roots), policies=policies,
                                 codes=codes)
        # Round-trip through the client's strict parser so nothing unreadable is ever signed.
        return parse_content(content_to_files(content))
    except (CatalogDataError, EquipmentCodesError) as err:
        raise PublishError(f"invalid catalog data: {err}") from None


# --------------------------------------------------------------------------- repository


class CatalogRepository:
    """A TUF repository for the catalog in ``repo_dir``, signed with keys in ``keys_dir``."""

    def __init__(self, repo_dir: Path, keys_dir: Path) -> None:
        self.repo_dir = Path(repo_dir)
        self.keys_dir = Path(keys_dir)
        self.metadata_dir = self.repo_dir / "metadata"
        self.targets_dir = self.repo_dir / "targets"
        self._signers: dict[str, CryptoSigner] = {}

    # ---- keys

    def signer(self, role: str, *, create: bool = True) -> CryptoSigner:
        """The role's signer, loading ``keys_dir/<role>.pem`` or generating it (mode 0600)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if role in self._signers:
            return self._signers[role]
        path = self.keys_dir / f"{role}.pem"
        if path.exists():
            try:
                private = load_pem_private_key(path.read_bytes(), password=None)
                signer = CryptoSigner(private)
            except (OSError, ValueError, TypeError) as err:
                raise PublishError(f"cannot load {role} key {path}: {err}") from None
        elif create:
            signer = CryptoSigner.generate_ecdsa()
            self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(signer.private_bytes)
        else:
            raise PublishError(f"no {role} key in {self.keys_dir}")
        self._signers[role] = signer
        return signer

    # ---- reading current state

    def _read(self, name: str) -> Metadata[Any]:
        try:
            return Metadata.from_file(str(self.metadata_dir / name))
        except Exception as err:  # noqa: BLE001 - any failure means the repository is unusable
            raise PublishError(f"cannot read {self.metadata_dir / name}: {err}") from None

    def has_root(self) -> bool:
        return (self.metadata_dir / "root.json").exists()

    def root(self) -> Metadata[Root]:
        return self._read("root.json")

    def timestamp(self) -> Metadata[Timestamp]:
        return self._read("timestamp.json")

    def snapshot(self) -> Metadata[Snapshot]:
        version = self.timestamp().signed.snapshot_meta.version
        return self._read(f"{version}.snapshot.json")

    def targets(self) -> Metadata[Targets]:
        version = self.snapshot().signed.meta["targets.json"].version
        return self._read(f"{version}.targets.json")

    def _next_version(self, role: str) -> int:
        highest = 0
        if self.metadata_dir.is_dir():
            for p in self.metadata_dir.iterdir():
                m = _VERSIONED.fullmatch(p.name)
                if m and m.group(2) == role:
                    highest = max(highest, int(m.group(1)))
        return highest + 1

    # ---- writing

    def _write(self, role: str, md: Metadata[Any]) -> bytes:
        data: bytes = md.to_bytes(_SERIALIZER)
        version = md.signed.version
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.metadata_dir / f"{version}.{role}.json", data)
        write_atomic(self.metadata_dir / f"{role}.json", data)
        return data

    def _sign_write(self, role: str, md: Metadata[Any], signer: CryptoSigner | None = None) -> (
        bytes
    ):
        md.sign(signer or self.signer(role))
        return self._write(role, md)

    def init_root(self, *, now: dt.datetime | None = None,
                  expires_days: int = DEFAULT_ROOT_EXPIRES_DAYS) -> Metadata[Root]:
        """Create root v1 listing this repository's four role keys (generated if missing)."""
        now = now or _utcnow()
        root = Root(expires=now + dt.timedelta(days=expires_days), consistent_snapshot=True)
        for role in ROLES:
            root.add_key(self.signer(role).public_key, role)
        md: Metadata[Root] = Metadata(root)
        self._sign_write("root", md)
        return md

    def _ensure_root(self, now: dt.datetime, min_valid_until: dt.datetime,
                     root_expires_days: int) -> None:
        if not self.has_root():
            for role in ROLES:
                if (self.keys_dir / f"{role}.pem").exists():
                    continue
                if self.keys_dir.is_dir() and any(self.keys_dir.glob("*.pem")):
                    raise PublishError(f"key for {role} missing from {self.keys_dir}")
            self.init_root(now=now, expires_days=root_expires_days)
            return
        md = self.root()
        root: Root = md.signed
        for role in ROLES:
            keyid = self.signer(role, create=False).public_key.keyid
            if keyid not in root.roles[role].keyids:
                raise PublishError(
                    f"the {role} key in {self.keys_dir} is not the one {self.metadata_dir}"
                    "/root.json trusts; use the keys this repository was created with"
                )
        if root.expires < max(min_valid_until, now + dt.timedelta(days=30)):
            root.version += 1
            root.expires = now + dt.timedelta(days=root_expires_days)
            self._sign_write("root", md)

    def publish_content(
        self,
        content: CatalogContent,
        *,
        now: dt.datetime | None = None,
        expires_days: float = DEFAULT_EXPIRES_DAYS,
        timestamp_expires_days: float = DEFAULT_TIMESTAMP_EXPIRES_DAYS,
        root_expires_days: int = DEFAULT_ROOT_EXPIRES_DAYS,
        bump: bool = True,
    ) -> int:
        """Sign ``content`` as a new targets/snapshot/timestamp generation; return its
        targets version. ``bump=False`` re-signs at the current versions (drills only)."""
        return self.publish_files(
            content_to_files(content),
            now=now,
            expires_days=expires_days,
            timestamp_expires_days=timestamp_expires_days,
            root_expires_days=root_expires_days,
            bump=bump,
        )

    def publish_files(
        self,
        files: Mapping[str, bytes],
        *,
        now: dt.datetime | None = None,
        expires_days: float = DEFAULT_EXPIRES_DAYS,
        timestamp_expires_days: float = DEFAULT_TIMESTAMP_EXPIRES_DAYS,
        root_expires_days: int = DEFAULT_ROOT_EXPIRES_DAYS,
        bump: bool = True,
        signers: Mapping[str, CryptoSigner] | None = None,
        target_paths: Mapping[str, Path] | None = None,
    ) -> int:
        """Low level: sign arbitrary target files (no content validation). ``signers``
        overrides the signer of a role (used by drills to sign with an unknown key).
        ``target_paths`` adds large targets (firmware images) from files, hashed and copied
        (hard-linked where possible) without reading them into memory."""
        now = now or _utcnow()
        signers = signers or {}
        expires = now + dt.timedelta(days=expires_days)
        self._ensure_root(now, expires, root_expires_days)
        self.targets_dir.mkdir(parents=True, exist_ok=True)

        targets = Targets(expires=expires)
        for name, data in files.items():
            info = TargetFile.from_data(name, data, ["sha256"])
            digest = info.hashes["sha256"]
            write_atomic(self._hashed_path(name, digest), data)
            targets.targets[name] = info
        for name, source in (target_paths or {}).items():
            info = TargetFile.from_file(name, str(source), ["sha256"])
            dest = self._hashed_path(name, info.hashes["sha256"])
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(f".{dest.name}.tmp")
                tmp.unlink(missing_ok=True)
                try:
                    os.link(source, tmp)
                except OSError:
                    shutil.copyfile(source, tmp)
                os.replace(tmp, dest)
            targets.targets[name] = info
        targets.version = self._pick_version("targets", bump)
        targets_bytes = self._sign_write("targets", Metadata(targets), signers.get("targets"))
        self._cascade_snapshot(targets.version, targets_bytes, expires, bump, signers,
                               now + dt.timedelta(days=timestamp_expires_days))
        return int(targets.version)

    def _hashed_path(self, name: str, digest: str) -> Path:
        """Where target ``name`` is served under consistent snapshots: the hash prefixes the
        file's base name (``firmware/M/1.3.0.bin`` → ``targets/firmware/M/<sha256>.1.3.0.bin``),
        as TUF clients expect."""
        dirname, _, basename = name.rpartition("/")
        return self.targets_dir / dirname / f"{digest}.{basename}"

    def _pick_version(self, role: str, bump: bool) -> int:
        nxt = self._next_version(role)
        return nxt if bump or nxt == 1 else nxt - 1

    def _cascade_snapshot(self, targets_version: int, targets_bytes: bytes,
                          expires: dt.datetime, bump: bool,
                          signers: Mapping[str, CryptoSigner],
                          timestamp_expires: dt.datetime) -> None:
        snapshot = Snapshot(expires=expires)
        snapshot.meta["targets.json"] = MetaFile.from_data(targets_version, targets_bytes,
                                                           ["sha256"])
        snapshot.version = self._pick_version("snapshot", bump)
        snapshot_bytes = self._sign_write("snapshot", Metadata(snapshot), signers.get("snapshot"))
        self._cascade_timestamp(snapshot.version, snapshot_bytes, timestamp_expires, bump,
                                signers.get("timestamp"))

    def _cascade_timestamp(self, snapshot_version: int, snapshot_bytes: bytes,
                           expires: dt.datetime, bump: bool,
                           signer: CryptoSigner | None) -> None:
        timestamp = Timestamp(expires=expires)
        timestamp.snapshot_meta = MetaFile.from_data(snapshot_version, snapshot_bytes, ["sha256"])
        timestamp.version = self._pick_version("timestamp", bump)
        self._sign_write("timestamp", Metadata(timestamp), signer)

    # ---------------------------------------------------------------- Attack drills
    # Deliberately produce repositories a client must refuse. Never used by the app itself.

    def resign(
        self,
        role: str,
        *,
        expires: dt.datetime | None = None,
        signer: CryptoSigner | None = None,
        bump: bool = True,
    ) -> None:
        """Re-sign the current ``role`` metadata (new version unless ``bump=False``), optionally
        with another ``expires`` or a ``signer`` the root does not trust; newer snapshot and
        timestamp are produced with the proper keys so the change reaches clients."""
        now = _utcnow()
        if role == "timestamp":
            md: Metadata[Any] = self.timestamp()
        elif role == "snapshot":
            md = self.snapshot()
        elif role == "targets":
            md = self.targets()
        else:
            raise ValueError("resign supports targets, snapshot and timestamp")
        if expires is not None:
            md.signed.expires = expires
        md.signed.version = self._pick_version(role, bump)
        data = self._sign_write(role, md, signer)
        ts_expires = max(self.timestamp().signed.expires, now + dt.timedelta(hours=1))
        if role == "targets":
            self._cascade_snapshot(md.signed.version, data, self.snapshot().signed.expires,
                                   True, {}, ts_expires)
        elif role == "snapshot":
            self._cascade_timestamp(md.signed.version, data, ts_expires, True, None)

    def serve_old_version(self, role: str, version: int) -> None:
        """Rollback drill: serve an older, correctly signed ``role`` file as the current one
        (``timestamp.json``; for snapshot/targets, point a fresh timestamp/snapshot at it)."""
        if role == "timestamp":
            shutil.copyfile(self.metadata_dir / f"{version}.timestamp.json",
                            self.metadata_dir / "timestamp.json")
            return
        raise ValueError("serve_old_version supports the timestamp role")

    def target_path(self, name: str) -> Path:
        """The hash-prefixed file currently published for target ``name``."""
        info = self.targets().signed.targets[name]
        return self._hashed_path(name, info.hashes["sha256"])

    def tamper_target(self, name: str, data: bytes | None = None) -> Path:
        """Replace the published bytes of target ``name`` without re-signing anything."""
        path = self.target_path(name)
        original = path.read_bytes()
        if data is None:
            # Same length, different meaning: un-revoke a model (hash check must catch it).
            data = original.replace(b'"revoked": true', b'"revoked":false')
            if data == original:
                data = original[:-2] + b" \n"
        path.write_bytes(data)
        return path


def publish(
    data_file: Path,
    repo_dir: Path,
    keys_dir: Path,
    *,
    manufacturer_roots: Iterable[ManufacturerRoot] | Mapping[str, str] = (),
    expires_days: float = DEFAULT_EXPIRES_DAYS,
    timestamp_expires_days: float = DEFAULT_TIMESTAMP_EXPIRES_DAYS,
    root_expires_days: int = DEFAULT_ROOT_EXPIRES_DAYS,
    bump: bool = True,
    now: dt.datetime | None = None,
    firmware: FirmwareIndex | None = None,
    firmware_images: Mapping[str, Path] | None = None,
) -> int:
    """Publish ``data_file`` (plus ``manufacturer_roots``) into the TUF repository in
    ``repo_dir``; generate keys into ``keys_dir`` on first run. Returns the targets version.
    The trust anchor clients need is ``repo_dir/metadata/1.root.json``.

    ``firmware`` adds the firmware index target and ``firmware_images`` (target name → file)
    the images it names; every image the index names must be supplied."""
    content = load_data_file(Path(data_file), manufacturer_roots)
    if firmware is not None:
        images = dict(firmware_images or {})
        for model in firmware.models:
            for release in model.releases:
                if release.image is not None and release.image.target not in images:
                    raise PublishError(f"no image file for {release.image.target}")
        content = replace(content, firmware=firmware)
    files = content_to_files(content)
    for name, data in files.items():
        if len(data) > MAX_TARGET_BYTES:
            raise PublishError(f"{name} would be {len(data)} bytes, limit {MAX_TARGET_BYTES}")
    repo = CatalogRepository(Path(repo_dir), Path(keys_dir))
    return repo.publish_files(
        files,
        now=now,
        expires_days=expires_days,
        timestamp_expires_days=timestamp_expires_days,
        root_expires_days=root_expires_days,
        bump=bump,
        target_paths=firmware_images if firmware is not None else None,
    )


def trusted_root_bytes(repo_dir: Path) -> bytes:
    """The version-1 root of ``repo_dir`` - what a client embeds as its trust anchor."""
    return (Path(repo_dir) / "metadata" / "1.root.json").read_bytes()


# --------------------------------------------------------------------------- virtual home

VIRTUAL_HOME_CATALOG_DATA: Final = (
    resources_dir() / "catalog" / "virtual-home-catalog.json"
)


def publish_virtual_home_catalog(
    home_dir: Path,
    manufacturer_roots: Iterable[ManufacturerRoot] | Mapping[str, str],
    *,
    data_file: Path = VIRTUAL_HOME_CATALOG_DATA,
    firmware: FirmwareIndex | None = None,
    firmware_images: Mapping[str, Path] | None = None,
) -> Path:
    """What the virtual home does at start: publish ``data_file`` with its manufacturer roots
    into ``home_dir/catalog/repo`` (keys kept in ``home_dir/catalog/keys``, 0600, reused on the
    next start) and copy the trust anchor to ``home_dir/catalog/root.json``. Returns the repo
    dir, to be served over HTTP on 127.0.0.1 (see :class:`CatalogServer`); the served base URL
    goes into ``home.json`` as ``catalog_url``."""
    catalog_dir = Path(home_dir) / "catalog"
    repo_dir = catalog_dir / "repo"
    publish(data_file, repo_dir, catalog_dir / "keys", manufacturer_roots=manufacturer_roots,
            firmware=firmware, firmware_images=firmware_images)
    write_atomic(catalog_dir / "root.json", trusted_root_bytes(repo_dir))
    return repo_dir


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class CatalogServer:
    """Serve a catalog repository directory read-only over HTTP on 127.0.0.1 (a thread).

    ``url`` is the base URL clients use (``<url>/metadata/``, ``<url>/targets/``)."""

    def __init__(self, repo_dir: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = functools.partial(_QuietHandler, directory=str(repo_dir))
        self._server = ThreadingHTTPServer((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="catalog-server", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> CatalogServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
