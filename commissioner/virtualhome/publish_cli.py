"""``commissioner virtual-home publish-catalog``: build or re-sign a catalog TUF repository.

This is the platform side of the catalog (what the certification platform runs to publish the
signed list of certified models, manufacturer roots and model policies); the app only syncs and
verifies it (``commissioner catalog sync|status``). It lives with the simulator, which publishes
the training home's catalog the same way, and joins the command line through the simulator's
plugin (entry point ``commissioner.cli_plugins: virtual-home``).

    commissioner virtual-home publish-catalog --data FILE --repo DIR --keys DIR
        [--manufacturer-root NAME=FILE.pem ...] [--expires-days D] [--timestamp-expires-days D]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from commissioner.protocol.catalog_format import ManufacturerRoot
from commissioner.virtualhome.catalog_publisher import PublishError, publish

COMMAND = "publish-catalog"


def add_publish_catalog(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``publish-catalog`` to the ``virtual-home`` subcommands."""
    p_pub = sub.add_parser(
        COMMAND,
        help="build/re-sign a catalog TUF repository (platform side)",
        description=(
            "Platform-side tool: build a signed catalog repository (TUF, consistent snapshots) "
            "from a catalog data file, or re-sign an existing one with the same keys (every "
            "run publishes a new version). Clients trust DIR/metadata/1.root.json and fetch "
            "it with `commissioner catalog sync --url URL --root FILE`."
        ),
    )
    p_pub.add_argument("--data", type=Path, required=True, metavar="FILE",
                       help="catalog data file (certified_models, model_policy)")
    p_pub.add_argument("--repo", type=Path, required=True, metavar="DIR",
                       help="repository directory to create or update")
    p_pub.add_argument("--keys", type=Path, required=True, metavar="DIR",
                       help="signing keys directory (created on first run, files 0600)")
    p_pub.add_argument("--manufacturer-root", action="append", metavar="NAME=FILE",
                       help="a manufacturer's root CA certificate (PEM); repeatable")
    p_pub.add_argument("--expires-days", type=float, default=30.0,
                       help="targets and snapshot lifetime (default 30)")
    p_pub.add_argument("--timestamp-expires-days", type=float, default=1.0,
                       help="timestamp lifetime (default 1)")
    p_pub.set_defaults(handler=_cmd_publish)


def _cmd_publish(args: argparse.Namespace) -> int:
    roots: list[tuple[str, str]] = []
    for spec in args.manufacturer_root or []:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise PublishError(f"--manufacturer-root expects NAME=FILE.pem, got {spec!r}")
        try:
            roots.append((name, Path(file).read_text(encoding="ascii")))
        except (OSError, UnicodeDecodeError) as err:
            raise PublishError(f"cannot read {file}: {err}") from None
    version = publish(
        args.data, args.repo, args.keys,
        manufacturer_roots=[ManufacturerRoot(n, pem) for n, pem in roots],
        expires_days=args.expires_days,
        timestamp_expires_days=args.timestamp_expires_days,
    )
    print(f"Published catalog version {version} in {args.repo}; clients trust "
          f"{Path(args.repo) / 'metadata' / '1.root.json'}")
    return 0
