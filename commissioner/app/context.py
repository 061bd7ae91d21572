"""What every use case needs: where the data lives, the settings, the site and its interfaces.

Faces build one :class:`AppContext` (the CLI from its options, the GUI at start-up) and pass it
to the use cases. Nothing here parses command lines or touches widgets.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from commissioner import paths
from commissioner.app.signin import release_of, require, session_from_token, trainee
from commissioner.app.site import Site, make_site
from commissioner.errors import UserError
from commissioner.jobs import schema
from commissioner.jobs.models import Job
from commissioner.jobs.store import (
    JobNotFoundError,
    JobStore,
    JobStoreError,
    StoreCorruptError,
    StoreLockedError,
    StoreLostError,
)
from commissioner.jobs.store_errors import sealed_job_hint
from commissioner.operators.sessions import SessionError
from commissioner.operators.signed_in import SignedIn
from commissioner.protocol.catalog_format import Catalog
from commissioner.secrets.keyring_guard import KeyringRefusedError
from commissioner.secrets.store_anchor import open_anchored_store
from commissioner.settings import Settings, load_settings, settings_path
from commissioner.trust.catalog import CatalogConfig, get_catalog, status


class NoStoreError(UserError):
    """There is no job store yet (and the keyring knows of none that should be there)."""


class JobNotOpenError(UserError):
    """The job exists but is closed: new work needs a new job."""


class UnknownJobError(UserError):
    """No job with that id or job number."""


LIST_HINT: Final = "list the jobs with `commissioner job list`"
MAX_ROOT_FILE_BYTES: Final = 512_000


@dataclass(frozen=True)
class AppContext:
    data_dir: Path
    settings: Settings
    site: Site
    mdns_interfaces: tuple[str, ...]
    # The GUI still shows jobs when the OS keyring is refused (it says so and disables every
    # action that needs secrets); the CLI refuses to open the store without its anchor.
    allow_unanchored: bool = False
    # The operator the face signed in (the GUI's sign-in window). None: the CLI session token,
    # else the training site's trainee, else nobody (see commissioner.app.signin).
    operator: SignedIn | None = None
    # Where the installation's operator accounts and the CLI session token live: the per-user
    # data folder, whatever --data-dir says (accounts belong to the laptop, not a job store).
    accounts_dir: Path = field(default_factory=lambda: default_accounts_dir())
    _cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    # -- who is signed in (the one seam every use case asks) ---------------------------------
    def signed_in(self) -> SignedIn | None:
        """The signed-in operator (SessionError: a session token that is no longer valid)."""
        if self.operator is not None:
            return self.operator
        if "who" not in self._cache:
            who = session_from_token(self.accounts_dir)
            self._cache["who"] = trainee() if who is None and self.site.training else who
        found: SignedIn | None = self._cache["who"]
        return found

    def require(self, workflow: str) -> SignedIn:
        """The signed-in operator if their roles start ``workflow`` (one check per use case,
        so the CLI and the GUI refuse alike)."""
        return require(self.signed_in(), workflow)

    def _acting(self) -> SignedIn | None:
        try:
            return self.signed_in()
        except (SessionError, UserError):
            return None

    @property
    def store_path(self) -> Path:
        return paths.default_store_path(self.data_dir)

    @property
    def firmware_cache_dir(self) -> Path:
        return self.data_dir / "firmware-cache"

    # -- the job store ---------------------------------------------------------------------
    def open_store(self, *, create: bool = False) -> JobStore:
        """The job store, opened with errors a person can act on (close it when done)."""
        store = self._open_store(create=create)
        who = self._acting()
        store.acting_operator = None if who is None else who.audit_name
        store.release_source = lambda: release_of(who)
        return store

    def _open_store(self, *, create: bool) -> JobStore:
        path = self.store_path
        try:
            try:
                return open_anchored_store(path, create=create)
            except KeyringRefusedError:
                if not self.allow_unanchored:
                    raise
                return JobStore.open(path, create=create)
        except FileNotFoundError:
            raise NoStoreError(code="store.missing", params={"path": path}) from None
        except (StoreLostError, UserError):
            raise  # already says what to do (full or read-only disk, a lost store, a busy job)
        except schema.SchemaTooNewError as err:
            raise UserError(code="store.too-new", params={"detail": err}) from None
        except StoreLockedError as err:
            raise UserError(code="store.locked", params={"detail": err}) from None
        except (StoreCorruptError, schema.SchemaError) as err:
            raise UserError(code="store.corrupt", params={"detail": err}) from None
        except JobStoreError as err:
            raise UserError(code="store.unusable", params={"detail": err}) from None
        except OSError as err:
            raise UserError(
                code="store.cannot-open", params={"path": path, "reason": err}) from None

    @contextlib.contextmanager
    def store(self, *, create: bool = False) -> Iterator[JobStore]:
        store = self.open_store(create=create)
        try:
            yield store
        finally:
            store.close()

    # -- the signed catalog ----------------------------------------------------------------
    def catalog_config(self, *, url: str | None = None, root: Path | None = None,
                       need_root: bool = True) -> CatalogConfig:
        """Where the site's catalog comes from (``url``/``root`` override, for tests and the
        platform's own checks)."""
        source = self.site.catalog_source(self.data_dir, self.settings)
        grace = int(self.settings.catalog_grace_days)
        chosen = url or source.url
        if chosen is None:
            chosen = status(CatalogConfig(None, source.cache_dir, b"", grace)).url
        return CatalogConfig(
            url=chosen,
            cache_dir=source.cache_dir,
            trusted_root=_read_root(root or source.root_file) if need_root else b"",
            grace_days=grace,
        )

    def catalog(self, *, online: bool = True, url: str | None = None,
                root: Path | None = None) -> Catalog:
        """The verified catalog: synced when online, else the verified cache within grace
        (blocking: run it in a worker thread from async code)."""
        return get_catalog(self.catalog_config(url=url, root=root), online=online)


def _read_root(path: Path) -> bytes:
    from commissioner.trust.catalog import CatalogError

    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_ROOT_FILE_BYTES + 1)
    except OSError as err:
        raise CatalogError(
            "bad-trust-root",
            code="catalog.root-unreadable",
            params={"path": path, "reason": err}) from None
    if len(data) > MAX_ROOT_FILE_BYTES:
        raise CatalogError("bad-trust-root", code="catalog.root-too-large", params={"path": path})
    return data


def make_context(
    *,
    data_dir: Path | None = None,
    virtual_home: Path | None = None,
    mdns_interfaces: Sequence[str] | None = None,
    site: Site | None = None,
    allow_unanchored: bool = False,
    read_box_labels: bool = False,
    accounts_dir: Path | None = None,
) -> AppContext:
    """The context for a run: data folder (default: per-user), settings, site, interfaces.

    mDNS interfaces: explicit ones > the training home's (always loopback) > settings.toml >
    loopback."""
    settings = load_settings(settings_path(paths.config_dir()))
    chosen_site = site if site is not None else make_site(virtual_home,
                                                          read_box_labels=read_box_labels)
    return AppContext(
        data_dir=Path(data_dir) if data_dir is not None else paths.data_dir(),
        settings=settings,
        site=chosen_site,
        mdns_interfaces=chosen_site.mdns_interfaces(settings, mdns_interfaces),
        allow_unanchored=allow_unanchored,
        accounts_dir=Path(accounts_dir) if accounts_dir is not None else default_accounts_dir(),
    )


ACCOUNTS_ENV: Final = "COMMISSIONER_ACCOUNTS_DIR"


def default_accounts_dir() -> Path:
    """The installation's accounts folder: $COMMISSIONER_ACCOUNTS_DIR, else the per-user data
    folder. (Pointing it elsewhere gains nothing: a store the keyring does not know is
    refused.)"""
    chosen = os.environ.get(ACCOUNTS_ENV, "").strip()
    return Path(chosen) if chosen else paths.data_dir()


def find_job(store: JobStore, key: str) -> Job:
    """The job with this id or job number."""
    try:
        return store.find_job(key)
    except JobNotFoundError:
        raise UnknownJobError(code="job.not-found", params={"job": key}) from None


def open_job(store: JobStore, key: str) -> Job:
    """The job with this id or job number, which must still be open for work."""
    job = find_job(store, key)
    if job.is_closed:
        raise closed_job_error(job)
    return job


def closed_job_error(job: Job) -> JobNotOpenError:
    """The error for a command that would change a handed-over job, with what to do instead."""
    return JobNotOpenError(
        f"job {job.id} ({job.job_number}) was handed over and is sealed; it cannot change",
        hint=sealed_job_hint(job.id))
