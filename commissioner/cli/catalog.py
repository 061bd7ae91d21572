"""``commissioner catalog sync|status``.

The platform-side ``publish`` is the simulator's ``commissioner virtual-home publish-catalog``.

Exit codes: 0 success; 3 the catalog failed a security check (including a catalog cache
lost or edited since its keyring record); 4 the platform is unreachable (refused, cut, HTTP
error, or too slow for the sync deadline); 5 no usable catalog (none cached, or past the
offline grace period); 1 other errors (including this computer's clock behind a time it has
already seen).

Ways out, each recorded in the cache state and the OS keyring:

* ``sync --clock-corrected``: after setting the clock right following a "clock is behind"
  error;
* ``sync --reset-trust``: after a "catalog cache lost or edited" error whose cause is known
  (e.g. a restored backup); starts again from the trust root, still refusing metadata older
  than the versions the keyring recorded.

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
import json
from dataclasses import replace
from pathlib import Path

from commissioner.cli.common import context_from_args
from commissioner.trust.catalog import CatalogConfig, status, sync


def config_from_args(args: argparse.Namespace, *, need_root: bool = True) -> CatalogConfig:
    """The catalog configuration the shared options and ``--url``/``--root`` select."""
    return context_from_args(args).catalog_config(
        url=getattr(args, "url", None), root=getattr(args, "root", None), need_root=need_root
    )


def _cmd_sync(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.deadline is not None:
        config = replace(config, deadline_seconds=args.deadline)
    catalog = sync(config, reset_trust=args.reset_trust, clock_corrected=args.clock_corrected)
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
    if st.problem is not None and not args.json:
        raise st.problem
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
    if st.problem is not None:
        return st.problem.exit_code
    return 0 if st.usable_offline else 5


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


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
    p_sync.add_argument("--deadline", type=_positive_seconds, metavar="SECONDS",
                        help="give up on a platform that has not delivered the whole sync "
                        "within SECONDS (default 60; exit 4, the last good catalog is kept "
                        "and used by other commands within its grace period)")
    p_sync.add_argument("--reset-trust", action="store_true",
                        help="after a 'catalog cache lost or edited' error with a known cause: "
                        "start again from the trust root (recorded; older metadata than this "
                        "computer has seen is still refused)")
    p_sync.add_argument("--clock-corrected", action="store_true",
                        help="after a 'clock is behind' error, once the clock is set "
                        "correctly: judge expiry by the clock and record the correction")
    p_sync.set_defaults(handler=_cmd_sync)

    p_status = sub.add_parser("status", parents=[common], help="show the cached catalog")
    p_status.add_argument("--json", action="store_true", help="machine-readable output")
    p_status.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    p_status.set_defaults(handler=_cmd_status)

    def _catalog_help(_args: argparse.Namespace) -> int:
        catalog.print_help()
        return 2

    catalog.set_defaults(handler=_catalog_help)
