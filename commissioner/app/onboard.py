"""Onboarding: give factory BLE devices the home network over authenticated, encrypted GATT.

Two ways in, one procedure:

* :func:`onboard` - the devices of a discovery session the face already runs (the GUI's scan
  with BLE on): give each its network configuration, wait until it appears over mDNS, record
  every outcome in the job.
* :func:`onboard_job` - the whole run for a face without a session (the CLI): open the BLE
  transport and mDNS on the site's interfaces, wait for the devices, then :func:`onboard`.

Where things come from is the site's business (:mod:`commissioner.app.site`): the BLE
transport (training: the virtual home's emulated controller; field: the platform's Bluetooth),
the home network (given by the operator, else the training home's) and the box labels with
their setup codes (given by the operator, else the training home's printed labels, else the
labels scanned into the job's encrypted vault).

Each device is recorded in the job: ``ble.onboarded`` or ``ble.onboard-failed`` (with the
reason), then ``ble.joined-lan`` once it is seen over mDNS. Progress is reported as
:class:`~commissioner.app.events.Event` values with the feature's record in ``detail``
(:class:`~commissioner.ble.onboarding.OnboardingProgress` for ``progress``,
:class:`~commissioner.ble.onboarding.OnboardingResult` for ``result``). Nothing secret (setup
codes, the passphrase) is put in an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from commissioner.app.context import AppContext, open_job
from commissioner.app.errors import NoDevicesError
from commissioner.app.events import Event, EventSink, ignore
from commissioner.app.site import Site
from commissioner.ble.adapter import BleAdapter
from commissioner.ble.discovery_transport import DEFAULT_LOST_AFTER, BleTransport
from commissioner.ble.onboarding import OnboardingProgress, OnboardingResult, OnboardingStep
from commissioner.discovery.events import DeviceRecord
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.recording import record_devices
from commissioner.errors import UserError
from commissioner.jobs.models import JSON
from commissioner.jobs.store import JobStore
from commissioner.protocol.ble_pake import NetworkConfig
from commissioner.protocol.label import Label

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_JOIN_WAIT",
    "DEFAULT_SCAN_TIMEOUT",
    "OnboardRun",
    "ble_transport_spec",
    "close_ble",
    "network_for",
    "onboard",
    "onboard_job",
    "open_ble",
    "read_network_file",
]

DEFAULT_SCAN_TIMEOUT: Final = 5.0
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_JOIN_WAIT: Final = 15.0
DEFAULT_CONCURRENCY: Final = 4
MAX_NETWORK_FILE: Final = 64 * 1024
SESSION_LOST_AFTER: Final = 30.0  # a device being onboarded stops advertising while connected


@dataclass(frozen=True, slots=True)
class OnboardRun:
    job_id: str | None
    results: tuple[OnboardingResult, ...]
    joined: tuple[str, ...]  # onboarded devices then seen over mDNS

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)


# --------------------------------------------------------------------------- BLE transport


def ble_transport_spec(site: Site, explicit: str | None = None) -> str | None:
    """Which BLE backend to open: ``explicit`` > the site's (training: the emulated
    controller) > None (bleak's platform backend)."""
    return explicit or site.ble_transport()


def _adapter(site: Site, explicit: str | None) -> BleAdapter:
    try:
        return BleAdapter(ble_transport_spec(site, explicit))
    except ValueError as exc:
        raise UserError(code="ble.transport-invalid", params={"detail": exc}) from None


async def open_ble(
    site: Site, *, transport: str | None = None, lost_after: float = SESSION_LOST_AFTER
) -> BleTransport:
    """The BLE discovery transport with its adapter opened (close it with :func:`close_ble`)."""
    from bleak.exc import BleakError

    adapter = _adapter(site, transport)
    try:
        await adapter.open()
    except (BleakError, OSError) as err:
        raise UserError(code="ble.unavailable", params={"detail": err}) from None
    return BleTransport(adapter, lost_after=lost_after)


async def close_ble(ble: BleTransport) -> None:
    with contextlib.suppress(Exception):
        await ble.adapter.close()


# --------------------------------------------------------------------------- inputs


def read_network_file(path: Path) -> NetworkConfig:
    """A network file: JSON ``{"ssid", "passphrase", "home_id"}`` (UserError if unusable)."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_NETWORK_FILE + 1)
    except OSError as exc:
        raise UserError(
            code="file.cannot-read",
            params={"path": path, "reason": exc.strerror or exc}) from None
    if len(data) > MAX_NETWORK_FILE:
        raise UserError(code="file.too-large", params={"path": path})
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError):
        raise UserError(code="file.not-json", params={"path": path}) from None
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(k), str) for k in ("ssid", "passphrase", "home_id")
    ):
        raise UserError(code="network-file.members", params={"path": path})
    config = NetworkConfig(raw["ssid"], raw["passphrase"], raw["home_id"])
    try:
        config.validate()
    except ValueError as exc:
        raise UserError(
            code="network-file.invalid", params={"path": path, "detail": exc}) from None
    return config


def network_for(ctx: AppContext, given: NetworkConfig | None = None) -> NetworkConfig:
    """The home network: the operator's, else the site's (training home)."""
    if given is not None:
        return given
    found = ctx.site.network_config()
    if found is None:
        raise UserError(code="network.unknown")
    return found


def _labels(
    ctx: AppContext, store: JobStore | None, job_id: str | None, device_ids: Sequence[str],
    given: Mapping[str, Label] | None,
) -> dict[str, Label]:
    """Box labels (blocking): the operator's, else the site's, else the job's vault."""
    if given:
        return dict(given)
    found = ctx.site.box_labels(device_ids)
    if found:
        return found
    if store is None or job_id is None:
        return {}
    from commissioner.app.keyring import open_job_vault
    from commissioner.provisioning.setup_codes import job_label

    vault = open_job_vault(store)
    out: dict[str, Label] = {}
    for device_id in device_ids:
        label = job_label(store, vault, job_id, device_id)
        if label is not None:
            out[device_id] = label
    return out


# --------------------------------------------------------------------------- the run


def _record(
    store: JobStore, job_id: str, results: Sequence[OnboardingResult], joined: Sequence[str],
    records: Sequence[DeviceRecord],
) -> None:
    record_devices(store, job_id, records)
    for r in results:
        if r.ok:
            store.append_step(job_id, "ble.onboarded", {"elapsed_s": round(r.elapsed, 3)},
                              device_id=r.device_id)
        else:
            data: dict[str, JSON] = {
                "reason": r.reason, "message": r.message, "config_sent": r.config_sent}
            if r.claimants:  # duplicate-device: every address that claimed the id
                data["claimants"] = list(r.claimants)
            store.append_step(job_id, "ble.onboard-failed", data, device_id=r.device_id)
    for device_id in joined:
        store.append_step(job_id, "ble.joined-lan", {"transports": ["ble", "mdns"]},
                          device_id=device_id)


def _progress_event(p: OnboardingProgress) -> Event:
    return Event("onboard", "progress", p.device_id, code=p.step.value,
                 params={"message": p.message}, detail=p)


def _result_event(r: OnboardingResult, joined: bool) -> Event:
    code = ("joined" if joined else "onboarded") if r.ok else (r.reason or "failed")
    return Event("onboard", "result", r.device_id, code=code,
                 params={"message": r.message, "on_lan": joined}, fraction=1.0, detail=r)


async def onboard(
    ctx: AppContext,
    job_key: str | None,
    manager: DiscoveryManager,
    ble: BleTransport,
    device_ids: Sequence[str],
    *,
    sink: EventSink = ignore,
    network: NetworkConfig | None = None,
    labels: Mapping[str, Label] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    join_wait: float = DEFAULT_JOIN_WAIT,
    addresses: Mapping[str, str] | None = None,
) -> OnboardRun:
    """Onboard ``device_ids`` seen by ``ble`` (a running ``manager`` with mDNS and ``ble``),
    wait ``join_wait`` s for them over mDNS, record the outcomes in the job (when one is
    given; it must be open).

    A device id that two BLE addresses advertise is refused (``duplicate-device``) and nothing
    is sent to either, until the installer resolves it: the impostor is switched off, or
    ``addresses`` names the BLE address of the unit that carries the label."""
    from commissioner.ble.workflow import onboard_seen, wait_for_lan

    if not device_ids:
        raise NoDevicesError(code="onboard.no-ble-device")
    net = await asyncio.to_thread(network_for, ctx, network)
    store: JobStore | None = None
    try:
        job_id: str | None = None
        if job_key is not None:
            store = await asyncio.to_thread(ctx.open_store)
            job_id = (await asyncio.to_thread(open_job, store, job_key)).id
        wanted = list(device_ids)
        known = await asyncio.to_thread(_labels, ctx, store, job_id, wanted, labels)
        if not known:
            raise UserError(code="onboard.no-labels")

        def progress(p: OnboardingProgress) -> None:
            if p.step is not OnboardingStep.FAILED:  # the result says why
                sink(_progress_event(p))

        results = await onboard_seen(ble, known, net, wanted, concurrency=concurrency,
                                     connect_timeout=connect_timeout, progress=progress,
                                     addresses=addresses)
        ok_ids = [r.device_id for r in results if r.ok]
        joined = await wait_for_lan(manager, ok_ids, join_wait) if ok_ids else []
        if store is not None and job_id is not None:
            records = [manager.devices[i] for i in wanted if i in manager.devices]
            await asyncio.to_thread(_record, store, job_id, results, joined, records)
    finally:
        if store is not None:
            await asyncio.to_thread(store.close)
    for r in results:
        sink(_result_event(r, r.device_id in joined))
    return OnboardRun(job_id, tuple(results), tuple(joined))


async def onboard_job(
    ctx: AppContext,
    job_key: str,
    *,
    sink: EventSink = ignore,
    device_ids: Sequence[str] | None = None,
    network: NetworkConfig | None = None,
    labels: Mapping[str, Label] | None = None,
    transport: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    scan_timeout: float = DEFAULT_SCAN_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    join_wait: float = DEFAULT_JOIN_WAIT,
    addresses: Mapping[str, str] | None = None,
) -> OnboardRun:
    """The whole run for the job ``job_key``: BLE + mDNS on the site's interfaces; the given
    devices, or every factory device seen over BLE whose label is known."""
    ctx.require("onboard")
    from commissioner.ble.workflow import wait_for_ble_devices
    from commissioner.discovery.mdns import MdnsTransport

    if not 1 <= concurrency <= 32:
        raise UserError(
            code="value.out-of-range", params={"option": "--concurrency", "low": 1, "high": 32})
    for name, value in (("scan-timeout", scan_timeout), ("connect-timeout", connect_timeout),
                        ("join-wait", join_wait)):
        if not 0 < value <= 600:
            raise UserError(
                code="value.out-of-range", params={"option": f"--{name}", "low": 0, "high": 600})

    def check() -> tuple[str, NetworkConfig]:
        with ctx.store() as store:
            job = open_job(store, job_key)
        return job.id, network_for(ctx, network)

    job_id, net = await asyncio.to_thread(check)
    ble = await open_ble(ctx.site, transport=transport, lost_after=DEFAULT_LOST_AFTER)
    manager = DiscoveryManager([MdnsTransport(ctx.mdns_interfaces), ble])
    try:
        await manager.async_start()
        if device_ids is None:
            await wait_for_ble_devices(manager, ble, None, min(scan_timeout, 2.0))
            seen = ble.factory_devices()
            known: Mapping[str, Label] = (
                labels if labels else await asyncio.to_thread(_job_labels, ctx, job_id, seen))
            wanted = [i for i in seen if i in known]
            if not wanted:
                raise NoDevicesError(code="onboard.no-labelled-ble-device")
            labels = known
        else:
            wanted = list(device_ids)
            await wait_for_ble_devices(manager, ble, wanted, scan_timeout)
        return await onboard(ctx, job_id, manager, ble, wanted, sink=sink, network=net,
                             labels=labels, concurrency=concurrency,
                             connect_timeout=connect_timeout, join_wait=join_wait,
                             addresses=addresses)
    finally:
        await manager.async_stop()
        await close_ble(ble)


def _job_labels(ctx: AppContext, job_id: str, device_ids: Sequence[str]) -> dict[str, Label]:
    with ctx.store() as store:
        return _labels(ctx, store, job_id, device_ids, None)
