"""``commissioner identify ADDRESS:PORT``: who is this device, really (attested over TLS)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from commissioner.app.identify import identify_endpoint, parse_endpoint
from commissioner.cli.common import context_from_args
from commissioner.protocol.client import IdentifyResult


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "identify", parents=[common], help="verify one device's attestation over TLS"
    )
    p.add_argument("endpoint", metavar="ADDRESS:PORT", help="e.g. 127.0.0.1:50123 or [::1]:50123")
    p.add_argument("--model", metavar="MODEL", help="the model number the device advertised")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_identify)


def identify_to_json(result: IdentifyResult) -> dict[str, Any]:
    ident = result.identity
    return {
        "address": result.address,
        "port": result.port,
        "verified": True,
        "device_id": ident.device_id,
        "manufacturer": ident.manufacturer,
        "model": ident.model,
        "serial": ident.serial,
        "kind": ident.kind,
        "role": result.info.get("role"),
        "firmware": result.firmware.get("version"),
        "state": result.state.get("state"),
        "default_credential_enabled": result.state.get("default_credential_enabled"),
        "certificate": {
            "fingerprint_sha256": ident.fingerprint_sha256,
            "not_before": ident.not_before.isoformat(),
            "not_after": ident.not_after.isoformat(),
            "key_type": ident.public_key_type,
            "chain": result.chain.subjects,
            "root_fingerprint_sha256": result.chain.root_fingerprint,
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
