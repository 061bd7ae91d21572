"""``commissioner catalog sync|status``.

The platform-side ``publish`` is the simulator's ``commissioner virtual-home publish-catalog``.

Exit codes: 0 success; 3 the catalog failed a security check; 4 the platform is unreachable;
5 no usable catalog (none cached, or past the offline grace period); 1 other errors.

Where things come from:

* cache: ``<data dir>/catalog`` (``--data-dir``, ``COMMISSIONER_DATA_DIR`` or the per-user data
  folder); with ``--virtual-home DIR`` a separate cache ``<data dir>/catalog-virtual-home/<id>``
  so training data never mixes with the production catalog;
* URL: ``--url``, else ``DIR/home.json`` ``catalog_url`` (virtual home), else ``catalog_url``
  in settings.toml, else the URL of the last successful sync;
* trust root: ``--root FILE``, else ``DIR/catalog/root.json`` (virtual home), else the
  production root shipped in ``resources/trust/root.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from commissioner.errors import UserError
from commissioner.resources import resources_dir
from commissioner.trust.catalog import (
    DEFAULT_GRACE_DAYS,
    CatalogConfig,
    CatalogError,
    status,
    sync,
)

PRODUCTION_ROOT = resources_dir() / "trust" / "root.json"
MAX_ROOT_FILE_BYTES = 512_000


def _data_dir(args: argparse.Namespace) -> Path:
    explicit: Path | None = getattr(args, "data_dir", None)
    if explicit is not None:
        return Path(explicit)
    try:
        from commissioner import paths

        return paths.data_dir()
    except ImportError:  # pragma: no cover - paths.py is part of the app
        env = os.environ.get("COMMISSIONER_DATA_DIR")
        return Path(env) if env else Path.home() / ".local" / "share" / "commissioner"


def _settings() -> tuple[str | None, int]:
    """(catalog_url, grace_days) from settings.toml; defaults if unavailable."""
    try:
        from commissioner import paths
        from commissioner.settings import load_settings, settings_path

        settings = load_settings(settings_path(paths.config_dir()))
        return settings.catalog_url, int(settings.catalog_grace_days)
    except ImportError:  # pragma: no cover
        return None, DEFAULT_GRACE_DAYS


def _read_root(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CatalogError(
            "bad-trust-root", f"cannot read the catalog trust root {path}: {err}",
            "Pass --root FILE with the platform's root.json.") from None
    if len(data) > MAX_ROOT_FILE_BYTES:
        raise CatalogError("bad-trust-root", f"{path} is too large to be a root.json")
    return data


def _virtual_home_url(home_dir: Path) -> str | None:
    path = home_dir / "home.json"
    try:
        doc: Any = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        raise UserError(
            f"cannot read the virtual home file {path}: {err}",
            hint="start the virtual home first; it writes home.json") from None
    url = doc.get("catalog_url") if isinstance(doc, dict) else None
    if url is not None and not isinstance(url, str):
        raise UserError(f"{path}: catalog_url must be a string")
    return url


def config_from_args(args: argparse.Namespace, *, need_root: bool = True) -> CatalogConfig:
    """The catalog configuration the shared options and ``--url``/``--root`` select."""
    data_dir = _data_dir(args)
    settings_url, grace_days = _settings()
    home_dir: Path | None = getattr(args, "virtual_home", None)
    url: str | None = getattr(args, "url", None)
    root_file: Path | None = getattr(args, "root", None)
    if home_dir is not None:
        home_dir = Path(home_dir)
        tag = hashlib.sha256(str(home_dir.resolve()).encode()).hexdigest()[:16]
        cache_dir = data_dir / "catalog-virtual-home" / tag
        url = url or _virtual_home_url(home_dir)
        root_file = root_file or home_dir / "catalog" / "root.json"
    else:
        cache_dir = data_dir / "catalog"
        url = url or settings_url
        root_file = root_file or PRODUCTION_ROOT
    if url is None:
        url = status(CatalogConfig(None, cache_dir, b"", grace_days)).url
    return CatalogConfig(
        url=url,
        cache_dir=cache_dir,
        trusted_root=_read_root(root_file) if need_root else b"",
        grace_days=grace_days,
    )


def _cmd_sync(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    catalog = sync(config)
    print(
        f"Catalog version {catalog.version} synced from {config.url}: "
        f"{len(catalog.models)} certified models, {len(catalog.roots)} manufacturer roots, "
        f"{len(catalog.policies)} model policies (signed metadata valid until "
        f"{catalog.expires:%Y-%m-%d})."
    )
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    config = config_from_args(args, need_root=False)
    st = status(config)
    if args.json:
        print(json.dumps(st.to_json(), indent=1, sort_keys=True))
    elif not st.has_catalog:
        print("No catalog cached. Connect to the internet and run `commissioner catalog sync`.")
    else:
        assert st.refreshed_at is not None and st.grace_remaining is not None
        print(f"Catalog version:   {st.version}")
        print(f"Last refreshed:    {st.refreshed_at:%Y-%m-%d %H:%M} UTC")
        print(f"Source:            {st.url}")
        if st.usable_offline:
            days = st.grace_remaining.days
            hours = st.grace_remaining.seconds // 3600
            print(f"Offline use:       {days} days {hours} hours left "
                  f"(limit {st.grace_days} days)")
        else:
            print(f"Offline use:       EXPIRED (limit {st.grace_days} days) - sync before use")
    return 0 if st.usable_offline else 5


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    catalog = subparsers.add_parser(
        "catalog", help="the signed catalog of certified models (TUF)",
        description="Sync and inspect the signed catalog of certified models (publishing is "
        "`commissioner virtual-home publish-catalog`, a platform-side tool).")
    sub = catalog.add_subparsers(dest="catalog_command", metavar="ACTION")

    p_sync = sub.add_parser("sync", parents=[common], help="download and verify the catalog")
    p_sync.add_argument("--url", help="catalog repository base URL (has metadata/, targets/)")
    p_sync.add_argument("--root", type=Path, metavar="FILE",
                        help="trusted root.json (default: the production root)")
    p_sync.set_defaults(handler=_cmd_sync)

    p_status = sub.add_parser("status", parents=[common], help="show the cached catalog")
    p_status.add_argument("--json", action="store_true", help="machine-readable output")
    p_status.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    p_status.set_defaults(handler=_cmd_status)

    def _catalog_help(_args: argparse.Namespace) -> int:
        catalog.print_help()
        return 2

    catalog.set_defaults(handler=_catalog_help)
