"""``commissioner onboard --job ID``: give factory BLE devices the home network configuration.

    commissioner onboard --job ID [--device DEVICE_ID ...] [--concurrency N]
                         [--network-file FILE] [--labels-stdin] [--json]

Devices: the given ``--device`` ids, or every factory device seen over BLE that is not on the
network yet. Labels (setup codes) are read from stdin (``--labels-stdin``, one SHC1 text per
line) or, in training mode (``--virtual-home DIR``), from the virtual home's printed labels.
The network configuration comes from ``--network-file`` (JSON ``{"ssid", "passphrase",
"home_id"}``) or the virtual home's LAN. Each device is recorded in the job: ``ble.onboarded``
or ``ble.onboard-failed`` (with the reason), then ``ble.joined-lan`` once it appears over mDNS.
Exit status 1 if any device failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from commissioner.cli.legacy_context import AppContext, resolve
from commissioner.errors import UserError
from commissioner.protocol.label import Label

DEFAULT_SCAN_TIMEOUT = 5.0
DEFAULT_JOIN_WAIT = 15.0


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
    p.add_argument("--ble-transport", metavar="SPEC", help=argparse.SUPPRESS)
    p.set_defaults(handler=_onboard)


def _network(ctx: AppContext, args: argparse.Namespace) -> Any:
    from commissioner.virtualhome.ble_home import read_network

    path: Path | None = args.network_file
    if path is None and ctx.home is not None and ctx.home.ble is not None:
        path = ctx.home.directory / ctx.home.ble.network
    if path is None:
        raise UserError("onboarding needs the home network", hint="pass --network-file FILE")
    try:
        return read_network(path)
    except ValueError as exc:
        raise UserError(f"bad network file: {exc}") from None


def _labels(ctx: AppContext, args: argparse.Namespace) -> dict[str, Label]:
    from commissioner.protocol.errors import MalformedLabelError
    from commissioner.protocol.label import decode_label

    labels: dict[str, Label] = {}
    if args.labels_stdin:
        for n, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                label = decode_label(line)
            except MalformedLabelError as exc:
                raise UserError(f"label on line {n}: {exc}") from None
            labels[label.device_id] = label
    elif ctx.home is not None:
        from commissioner.virtualhome.labels import read_label_file

        for path in sorted(ctx.home.labels_path.glob("*.json")):
            if path.name == "index.json":
                continue
            try:
                label = read_label_file(path)
            except Exception:  # noqa: BLE001, S112 - a damaged label file is skipped
                continue
            labels[label.device_id] = label
    if not labels:
        raise UserError("no device labels", hint="pass --labels-stdin, or use --virtual-home DIR")
    return labels


def _onboard(args: argparse.Namespace) -> int:
    if not 1 <= args.concurrency <= 32:
        raise UserError("--concurrency must be 1..32")
    for name in ("scan_timeout", "connect_timeout", "join_wait"):
        if not 0 < getattr(args, name) <= 600:
            raise UserError(f"--{name.replace('_', '-')} must be between 0 and 600 seconds")
    ctx = resolve(args)
    from commissioner.ble.config import make_adapter, resolve_ble_transport
    from commissioner.jobs.store import JobStore

    adapter = make_adapter(resolve_ble_transport(ctx.home, args.ble_transport))
    network = _network(ctx, args)
    labels = _labels(ctx, args)
    with JobStore.open(ctx.store_path) as store:
        job = store.find_job(args.job)
        if job.is_closed:
            raise UserError(f"job {job.id} is closed", hint="open a new job for new work")
        results, joined, records = asyncio.run(_run(ctx, args, adapter, network, labels))
        _record(store, job.id, results, joined, records)
    if args.json:
        out = [{**r.to_json(), "on_lan": r.device_id in joined} for r in results]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        ok = sum(r.ok for r in results)
        print(f"{ok} of {len(results)} device(s) onboarded; {len(joined)} seen on the LAN")
        for r in results:
            mark = "OK    " if r.ok else "FAILED"
            lan = " (on LAN)" if r.device_id in joined else ""
            print(f"  {mark} {r.device_id:<24} {r.elapsed:5.2f} s  {r.message}{lan}")
    return 0 if results and all(r.ok for r in results) else 1


async def _run(
    ctx: AppContext, args: argparse.Namespace, adapter: Any, network: Any,
    labels: dict[str, Label],
) -> tuple[list[Any], list[str], list[Any]]:
    from bleak.exc import BleakError

    from commissioner.ble.discovery_transport import BleTransport
    from commissioner.ble.onboarding import OnboardingProgress
    from commissioner.ble.workflow import onboard_seen, wait_for_ble_devices, wait_for_lan
    from commissioner.discovery.manager import DiscoveryManager
    from commissioner.discovery.mdns import MdnsTransport

    def progress(p: OnboardingProgress) -> None:
        if not args.json:
            extra = f": {p.message}" if p.message else ""
            print(f"  {p.device_id}: {p.step.value}{extra}", file=sys.stderr, flush=True)

    try:
        await adapter.open()
    except (BleakError, OSError) as exc:
        raise UserError(f"Bluetooth is not available: {exc}") from None
    ble = BleTransport(adapter)
    manager = DiscoveryManager([MdnsTransport(ctx.mdns_interfaces), ble])
    try:
        await manager.async_start()
        wanted = args.device
        if wanted is None:
            await wait_for_ble_devices(manager, ble, None, min(args.scan_timeout, 2.0))
            wanted = [i for i in ble.factory_devices() if i in labels]
            if not wanted:
                raise UserError("no factory BLE device with a known label was found")
        else:
            await wait_for_ble_devices(manager, ble, wanted, args.scan_timeout)
        results = await onboard_seen(
            ble, labels, network, wanted, concurrency=args.concurrency,
            connect_timeout=args.connect_timeout, progress=progress,
        )
        ok_ids = [r.device_id for r in results if r.ok]
        joined = await wait_for_lan(manager, ok_ids, args.join_wait) if ok_ids else []
        records = [manager.devices[i] for i in wanted if i in manager.devices]
        return results, joined, records
    finally:
        await manager.async_stop()
        await adapter.close()


def _record(store: Any, job_id: str, results: list[Any], joined: list[str],
            records: list[Any]) -> None:
    from commissioner.discovery.recording import record_devices

    record_devices(store, job_id, records)
    for r in results:
        if r.ok:
            store.append_step(job_id, "ble.onboarded", {"elapsed_s": round(r.elapsed, 3)},
                              device_id=r.device_id)
        else:
            store.append_step(
                job_id, "ble.onboard-failed",
                {"reason": r.reason, "message": r.message, "config_sent": r.config_sent},
                device_id=r.device_id,
            )
    for device_id in joined:
        store.append_step(job_id, "ble.joined-lan", {"transports": ["ble", "mdns"]},
                          device_id=device_id)
