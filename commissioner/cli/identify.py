"""``commissioner identify ADDRESS:PORT``: who is this device, really (attested over TLS)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from commissioner.app.identify import identify_endpoint, parse_endpoint
from commissioner.backends import Identification
from commissioner.cli.common import context_from_args


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "identify", parents=[common], help="verify one device's attestation over TLS"
    )
    p.add_argument("endpoint", metavar="ADDRESS:PORT", help="e.g. 127.0.0.1:50123 or [::1]:50123")
    p.add_argument("--model", metavar="MODEL", help="the model number the device advertised")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_identify)


def identify_to_json(ident: Identification) -> dict[str, Any]:
    return {
        "address": ident.host,
        "port": ident.port,
        "verified": ident.attested,
        "device_id": ident.device_id,
        "manufacturer": ident.manufacturer,
        "model": ident.model,
        "serial": ident.serial,
        "kind": ident.kind,
        "role": ident.role or None,
        "firmware": ident.firmware_version,
        "state": ident.commissioning_state,
        "default_credential_enabled": ident.default_login_enabled,
        "certificate": {
            "fingerprint_sha256": ident.fingerprint,
            "not_before": ident.valid_from.isoformat() if ident.valid_from else None,
            "not_after": ident.valid_until.isoformat() if ident.valid_until else None,
            "key_type": ident.key_type,
            "chain": list(ident.chain_subjects),
            "root_fingerprint_sha256": ident.root_fingerprint,
        },
    }


def _identify(args: argparse.Namespace) -> int:
    host, port = parse_endpoint(args.endpoint)
    ctx = context_from_args(args)
    result = asyncio.run(identify_endpoint(ctx, host, port, model=args.model,
                                           timeout=args.timeout))
    out = identify_to_json(result)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(
            f"verified {out['device_id']}: {out['manufacturer']} {out['model']} "
            f"serial {out['serial']}, firmware {out['firmware']}, state {out['state']}"
        )
        for subject in out["certificate"]["chain"]:
            print(f"  {subject}")
    return 0
