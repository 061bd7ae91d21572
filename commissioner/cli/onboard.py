"""``commissioner onboard --job ID``: give factory BLE devices the home network configuration.

    commissioner onboard --job ID [--device DEVICE_ID ...] [--concurrency N]
                         [--network-file FILE] [--labels-stdin] [--json]
                         [--ble-address DEVICE_ID=ADDRESS ...]

Devices: the given ``--device`` ids, or every factory device seen over BLE that is not on the
network yet. Labels (setup codes) are read from stdin (``--labels-stdin``, one SHC1 text per
line) or, in training mode (``--virtual-home DIR``), from the virtual home's printed labels.
The network configuration comes from ``--network-file`` (JSON ``{"ssid", "passphrase",
"home_id"}``) or the virtual home's LAN. Each device is recorded in the job: ``ble.onboarded``
or ``ble.onboard-failed`` (with the reason), then ``ble.joined-lan`` once it appears over mDNS.
A device id that two Bluetooth devices advertise is refused (``duplicate-device``) and nothing
is sent to either, until the impostor is switched off or ``--ble-address`` names the address of
the unit that carries the label. Exit status 1 if any device failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path

from commissioner.app.events import Event
from commissioner.app.onboard import (
    DEFAULT_JOIN_WAIT,
    DEFAULT_SCAN_TIMEOUT,
    OnboardRun,
    onboard_job,
    read_network_file,
)
from commissioner.cli.common import context_from_args
from commissioner.errors import UserError
from commissioner.protocol.label import Label


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "onboard", parents=[common],
        help="give factory BLE devices the home network (authenticated, encrypted GATT)",
    )
    p.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    p.add_argument("--device", action="append", metavar="DEVICE_ID",
                   help="onboard this device (repeatable; default: every factory BLE device)")
    p.add_argument("--concurrency", type=int, default=4, metavar="N",
                   help="devices onboarded at the same time (default 4)")
    p.add_argument("--scan-timeout", type=float, default=DEFAULT_SCAN_TIMEOUT, metavar="S",
                   help="seconds to look for the devices over BLE")
    p.add_argument("--connect-timeout", type=float, default=5.0, metavar="S",
                   help="bound on each BLE connect (an absent device fails after this)")
    p.add_argument("--join-wait", type=float, default=DEFAULT_JOIN_WAIT, metavar="S",
                   help="seconds to wait for onboarded devices to appear on the LAN")
    p.add_argument("--network-file", type=Path, metavar="FILE",
                   help='JSON {"ssid", "passphrase", "home_id"} of the home network')
    p.add_argument("--labels-stdin", action="store_true",
                   help="read device labels (SHC1 text, one per line) from stdin")
    p.add_argument("--json", action="store_true", help="print a JSON array of results")
    p.add_argument("--ble-address", action="append", metavar="DEVICE_ID=ADDRESS",
                   type=_device_address, help="when two Bluetooth devices advertise one id "
                   "(duplicate-device): onboard the unit at ADDRESS, the one with the label")
    p.add_argument("--ble-transport", metavar="SPEC", help=argparse.SUPPRESS)
    p.set_defaults(handler=_onboard)


def _device_address(text: str) -> tuple[str, str]:
    device_id, sep, address = text.partition("=")
    if not sep or not device_id or not address:
        raise argparse.ArgumentTypeError("give DEVICE_ID=ADDRESS")
    return device_id, address.upper()


def _stdin_labels() -> dict[str, Label]:
    from commissioner.protocol.errors import MalformedLabelError
    from commissioner.protocol.label import decode_label

    labels: dict[str, Label] = {}
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            label = decode_label(line)
        except MalformedLabelError as exc:
            raise UserError(
                code="cli.stdin-label-invalid", params={"line": n, "detail": exc}) from None
        labels[label.device_id] = label
    if not labels:
        raise UserError(code="cli.no-stdin-labels")
    return labels


def _printer(enabled: bool) -> Callable[[Event], None]:
    def show(event: Event) -> None:
        if enabled and event.stage == "progress":
            message = event.params.get("message")
            extra = f": {message}" if message else ""
            print(f"  {event.device_id}: {event.code}{extra}", file=sys.stderr, flush=True)

    return show


def _onboard(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    network = read_network_file(args.network_file) if args.network_file is not None else None
    labels = _stdin_labels() if args.labels_stdin else None
    outcome = asyncio.run(onboard_job(
        ctx, args.job, sink=_printer(not args.json), device_ids=args.device, network=network,
        labels=labels, transport=args.ble_transport, concurrency=args.concurrency,
        scan_timeout=args.scan_timeout, connect_timeout=args.connect_timeout,
        join_wait=args.join_wait, addresses=dict(args.ble_address or ()),
    ))
    _print(outcome, as_json=args.json)
    return 0 if outcome.ok else 1


def _print(outcome: OnboardRun, *, as_json: bool) -> None:
    joined = set(outcome.joined)
    if as_json:
        out = [{**r.to_json(), "on_lan": r.device_id in joined} for r in outcome.results]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    ok = sum(r.ok for r in outcome.results)
    print(f"{ok} of {len(outcome.results)} device(s) onboarded; {len(joined)} seen on the LAN")
    for r in outcome.results:
        mark = "OK    " if r.ok else "FAILED"
        lan = " (on LAN)" if r.device_id in joined else ""
        print(f"  {mark} {r.device_id:<24} {r.elapsed:5.2f} s  {r.message}{lan}")
