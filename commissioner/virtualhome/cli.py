"""``commissioner virtual-home``: run the training home, and ``virtual-home ctl`` to control it.

    commissioner virtual-home --state-dir DIR [--scenario NAME] [--devices N]
    commissioner virtual-home ctl DIR status
    commissioner virtual-home ctl DIR power-cycle DEVICE_ID [--downtime S]
    commissioner virtual-home ctl DIR fault DEVICE_ID NAME [--count N] [--variant V]
    commissioner virtual-home ctl DIR occupy [DEVICE_ID]      (the owner lives there)
    commissioner virtual-home ctl DIR reset DEVICE_ID         (press the reset button)
    commissioner virtual-home ctl DIR wipe-fault DEVICE_ID retain-recording|clear
    commissioner virtual-home publish-catalog --data FILE --repo DIR --keys DIR [...]

This module joins the command line as a plugin (pyproject entry point ``virtual-home`` in the
group ``commissioner.cli_plugins``): no product module imports the simulator.

The home runs in the foreground until SIGINT/SIGTERM. When every device is serving and
registered in mDNS it prints one line: ``virtual home ready: N devices, home file DIR/home.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from pathlib import Path

from commissioner.errors import UserError
from commissioner.virtualhome.control import DEFAULT_DOWNTIME_S, control
from commissioner.virtualhome.drift import DRIFT_KINDS
from commissioner.virtualhome.echonet_home import describe_echonet
from commissioner.virtualhome.home import run_virtual_home
from commissioner.virtualhome.homefile import HOME_FILE, HomeFile
from commissioner.virtualhome.lies import LIES
from commissioner.virtualhome.lossy_link import LossyLink
from commissioner.virtualhome.lossy_link import run_view as run_lossy_view
from commissioner.virtualhome.publish_cli import add_publish_catalog
from commissioner.virtualhome.scenario import MAX_DEVICES, available_scenarios


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
) -> None:
    scenarios = ", ".join(available_scenarios()) or "none found"
    parser = subparsers.add_parser(
        "virtual-home",
        parents=[common],
        help="run the virtual training home (software devices on loopback)",
        description=(
            "Run a home gateway and virtual devices on 127.0.0.1 until interrupted. "
            "A new --state-dir is seeded from the scenario; an existing one is restarted "
            "as persisted (--scenario/--devices, if given, must then match it)."
        ),
    )
    parser.add_argument("--state-dir", type=Path, metavar="DIR", help="home state directory")
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        help=f"scenario to seed a new home (default standard; {scenarios})",
    )
    parser.add_argument(
        "--devices",
        type=int,
        metavar="N",
        help="number of devices for a new home (templates of the scenario, in order, cycling)",
    )
    parser.add_argument(
        "--echonet", action="store_true",
        help="give the home ECHONET Lite equipment (UDP 3610 on 127.0.0.20-23, multicast on "
        "loopback; kept across restarts)",
    )
    parser.set_defaults(handler=_run)
    sub = parser.add_subparsers(dest="virtual_home_command", metavar="{ctl,publish-catalog}")
    ctl = sub.add_parser("ctl", help="control a running virtual home")
    ctl.add_argument("ctl_dir", type=Path, metavar="DIR", help="the home's state directory")
    ctl_sub = ctl.add_subparsers(dest="ctl_command", metavar="COMMAND", required=True)
    status = ctl_sub.add_parser("status", help="print the devices and their power state as JSON")
    status.set_defaults(handler=_ctl)
    cycle = ctl_sub.add_parser("power-cycle", help="cut a device's power, restore it later")
    cycle.add_argument("device_id", metavar="DEVICE_ID")
    cycle.add_argument(
        "--downtime",
        type=float,
        default=DEFAULT_DOWNTIME_S,
        metavar="S",
        help=f"seconds without power (default {DEFAULT_DOWNTIME_S:g})",
    )
    cycle.set_defaults(handler=_ctl)
    fault = ctl_sub.add_parser(
        "fault",
        help="set a provisioning fault hook on a device (or 'clear' them)",
        description=(
            "Fault hooks for testing the app: drop-during-provisioning (close the connection "
            "on the next N commissioning requests), malformed-csr, foreign-csr, weak-csr "
            "(RSA-2048 or P-384), clear. Persisted until cleared."
        ),
    )
    fault.add_argument("device_id", metavar="DEVICE_ID")
    fault.add_argument(
        "fault_name",
        metavar="NAME",
        choices=["drop-during-provisioning", "malformed-csr", "foreign-csr", "weak-csr",
                 *sorted(LIES), "clear"],
    )
    fault.add_argument("--count", type=int, metavar="N", help="drop-during-provisioning: N")
    fault.add_argument(
        "--variant",
        metavar="V",
        help="drop: before|after; weak-csr: rsa-2048|p-384; foreign-csr: the CN to use; "
        "lies: see docs/device-protocol.md section 17",
    )
    fault.set_defaults(handler=_ctl)
    drift = ctl_sub.add_parser("drift", help="change the home as life after handover would")
    drift.add_argument("kind", metavar="KIND", choices=DRIFT_KINDS, help=", ".join(DRIFT_KINDS))
    drift.add_argument("device_id", metavar="DEVICE_ID", nargs="?")
    drift.set_defaults(handler=_ctl)
    occupy = ctl_sub.add_parser(
        "occupy", help="play the owner living in the home: personal data appears, settings "
        "change (every device, or one)")
    occupy.add_argument("device_id", metavar="DEVICE_ID", nargs="?")
    occupy.set_defaults(handler=_ctl)
    reset = ctl_sub.add_parser("reset", help="press a device's factory-reset button")
    reset.add_argument("device_id", metavar="DEVICE_ID")
    reset.set_defaults(handler=_ctl)
    swap = ctl_sub.add_parser(
        "swap", help="put a new genuine unit in a device's place (same model, or --model)")
    swap.add_argument("device_id", metavar="DEVICE_ID")
    swap.add_argument("--model", metavar="MODEL",
                      help="another model of this home for the new unit (default: the same)")
    swap.set_defaults(handler=_ctl)
    remove = ctl_sub.add_parser("remove", help="take a device out: it leaves the network")
    remove.add_argument("device_id", metavar="DEVICE_ID")
    remove.set_defaults(handler=_ctl)
    wipe_fault = ctl_sub.add_parser(
        "wipe-fault", help="make a device's wipe keep one item of personal data (or clear)")
    wipe_fault.add_argument("device_id", metavar="DEVICE_ID")
    wipe_fault.add_argument("fault_name", metavar="NAME", choices=["retain-recording", "clear"])
    wipe_fault.set_defaults(handler=_ctl)
    lossy = ctl_sub.add_parser(
        "lossy-link", help="serve a view of the home (OUT_DIR) reached over a lossy, slow link")
    lossy.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    lossy.add_argument("--loss", type=float, default=0.1, metavar="P",
                       help="share of chunks stalled for a retransmission (default 0.1)")
    lossy.add_argument("--delay", type=float, default=0.2, metavar="S",
                       help="delay of every chunk, each way (default 0.2 s)")
    lossy.add_argument("--reset", type=float, default=0.0, metavar="P",
                       help="share of connections reset midway (default 0)")
    lossy.add_argument("--seed", type=int, metavar="N", help="replay one pattern of faults")
    lossy.set_defaults(handler=_lossy_link)
    add_publish_catalog(sub)


def _run(args: argparse.Namespace) -> int:
    state_dir: Path | None = args.state_dir
    if state_dir is None:
        raise UserError("virtual-home needs --state-dir DIR", hint="e.g. --state-dir ./home")
    if args.devices is not None and not 1 <= args.devices <= MAX_DEVICES:
        raise UserError(f"--devices must be 1..{MAX_DEVICES}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    directory = state_dir.resolve()

    def ready(home: HomeFile) -> None:
        if home.echonet is not None:
            print(describe_echonet(home.echonet), flush=True)
        print(
            f"virtual home ready: {len(home.devices)} devices, home file {directory / HOME_FILE}",
            flush=True,
        )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await run_virtual_home(
            directory, scenario=args.scenario, devices=args.devices, stop=stop, on_ready=ready,
            echonet=args.echonet,
        )

    asyncio.run(main())
    return 0


def _lossy_link(args: argparse.Namespace) -> int:
    try:
        link = LossyLink(loss=args.loss, delay=args.delay, reset=args.reset, seed=args.seed)
    except ValueError as err:
        raise UserError(str(err)) from None
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_signal(args.ctl_dir, args.out_dir, link))
    return 0


async def _serve_until_signal(home_dir: Path, out_dir: Path, link: LossyLink) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run_lossy_view(home_dir, out_dir, link, stop)


def _ctl(args: argparse.Namespace) -> int:
    if args.ctl_command == "status":
        reply = asyncio.run(control(args.ctl_dir, "status"))
    elif args.ctl_command == "swap":
        reply = asyncio.run(control(args.ctl_dir, "swap", args.device_id, model=args.model))
    elif args.ctl_command in ("occupy", "reset", "remove"):
        reply = asyncio.run(control(args.ctl_dir, args.ctl_command, args.device_id))
    elif args.ctl_command == "wipe-fault":
        reply = asyncio.run(
            control(args.ctl_dir, "wipe-fault", args.device_id, fault=args.fault_name))
    elif args.ctl_command == "fault":
        reply = asyncio.run(
            control(
                args.ctl_dir,
                "fault",
                args.device_id,
                fault=args.fault_name,
                count=args.count,
                variant=args.variant,
            )
        )
    elif args.ctl_command == "drift":
        reply = asyncio.run(control(args.ctl_dir, "drift", args.device_id, drift=args.kind))
    else:
        reply = asyncio.run(
            control(args.ctl_dir, "power-cycle", args.device_id, downtime=args.downtime)
        )
    reply.pop("ok", None)
    json.dump(reply, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
