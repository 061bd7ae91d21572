"""Qt-free coroutines for the GUI's field operations: keyring check, BLE scanning and onboarding,
whole-home provisioning ("Commission home") and firmware updates ("Update firmware").

Everything here runs on the bridge's asyncio loop (``bridge.submit(...)``); blocking work
(SQLite, the OS keyring, reading files) goes through ``asyncio.to_thread``. Progress callbacks
are called on the loop thread: the GUI passes a function that emits a Qt signal, which Qt
queues to the GUI thread. Expected problems come back as :class:`ui.job_service.Failure`
values (kinds "keyring", "ble", "provisioning", "firmware", "catalog", ...), never as
exceptions, and nothing secret (setup codes, passphrases, credentials) is ever put in one.

Training mode (``--virtual-home DIR``): the BLE controller, the network configuration, the
device labels (setup codes), the trust roots and the current device addresses come from the
virtual home's files. In the field: bleak's platform backend, labels scanned into the job's
encrypted vault, the verified catalog's manufacturer roots and the addresses seen by the scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from commissioner.errors import UserError
from commissioner.jobs.store import JobNotFoundError, JobStore, JobStoreError
from commissioner.protocol.label import Label
from commissioner.secrets.keyring_guard import MasterKey, check_keyring_backend
from ui.job_service import Failure, FailureKind, JobService

if TYPE_CHECKING:
    from commissioner.ble.discovery_transport import BleTransport
    from commissioner.ble.onboarding import OnboardingProgress, OnboardingResult
    from commissioner.discovery.manager import DiscoveryManager
    from commissioner.firmware.plan import PlanItem
    from commissioner.firmware.push import (
        UpdateProgress,
        UpdateResult,
    )
    from commissioner.protocol.ble_pake import NetworkConfig
    from commissioner.protocol.client import TrustStore
    from commissioner.provisioning.run import ProgressEvent, RunSummary
    from commissioner.virtualhome.homefile import HomeFile

__all__ = [
    "FirmwareRun",
    "KeyringStatus",
    "OnboardRun",
    "check_keyring",
    "close_ble",
    "commission",
    "onboard",
    "open_ble",
    "update_firmware",
]

FIRMWARE_PROGRESS_INTERVAL: Final = 0.05  # seconds between two progress reports per device
DEFAULT_JOIN_WAIT: Final = 15.0
DEFAULT_REBOOT_TIMEOUT: Final = 180.0
NO_ACCESS: Final = "no-credential"  # the job holds no credential for the device


# --------------------------------------------------------------------------- keyring


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    ok: bool
    backend: str = ""  # the backend's description when ok
    message: str = ""  # the core's (English) reason when refused
    hint: str | None = None


async def check_keyring(*, create_key: bool = True) -> KeyringStatus:
    """Refuse plaintext, "fail"/"null" and locked keyrings (the core's keyring guard).

    With ``create_key`` the master key is also read (made on first use), so a locked keyring
    is found at start-up rather than in the middle of a run."""

    def run() -> KeyringStatus:
        try:
            backend = check_keyring_backend()
            if create_key:
                MasterKey.load_or_create()
        except UserError as err:
            return KeyringStatus(False, message=str(err), hint=err.hint)
        except Exception as err:  # noqa: BLE001 - a configured backend that cannot start
            return KeyringStatus(
                False, message=f"the OS keyring is locked or unavailable ({type(err).__name__})"
            )
        return KeyringStatus(True, backend=backend)

    return await asyncio.to_thread(run)


# --------------------------------------------------------------------------- helpers


async def _home(service: JobService) -> HomeFile | None:
    if service.virtual_home is None:
        return None
    from commissioner.virtualhome.homefile import read_home_file

    return await asyncio.to_thread(read_home_file, service.virtual_home)


def _home_addresses(home: HomeFile) -> dict[str, tuple[str, int]]:
    out = {d.device_id: (d.host, d.port) for d in home.devices}
    out[home.gateway.device_id] = (home.gateway.host, home.gateway.port)
    return out


async def _open_store(service: JobService) -> JobStore:
    """A connection of its own (long runs must not hold the service's lock)."""
    return await asyncio.to_thread(JobStore.open, service.store_path)


async def _close_store(store: JobStore) -> None:
    await asyncio.to_thread(store.close)


def _failure(kind: FailureKind, err: BaseException) -> Failure:
    if isinstance(err, UserError):
        return Failure(kind, str(err), err.hint)
    return Failure(kind, f"{type(err).__name__}: {err}")


async def _trust(service: JobService, home: HomeFile | None) -> TrustStore:
    """Manufacturer roots: the virtual home's, or the verified catalog's (offline cache)."""
    from commissioner.protocol.client import TrustStore

    if home is not None:
        pem = await asyncio.to_thread(home.trust_roots_path.read_bytes)
        return TrustStore.from_pem(pem)
    from commissioner.cli.catalog import config_from_args
    from commissioner.trust.catalog import get_catalog
    from commissioner.trust.gate import trust_store_for

    config = await asyncio.to_thread(config_from_args, service.catalog_config_args())
    catalog = await asyncio.to_thread(get_catalog, config, online=False)
    trust = trust_store_for(catalog)
    if trust is None:
        raise UserError("the catalog lists no usable manufacturer root",
                        hint="check devices again while online (the catalog is refreshed)")
    return trust


def _home_labels(home: HomeFile, device_ids: Sequence[str]) -> dict[str, Label]:
    from commissioner.provisioning.setup_codes import read_label_files

    return {lab.device_id: lab for lab in read_label_files(home.labels_path, list(device_ids))}


def _vault_labels(store: JobStore, job_id: str, device_ids: Sequence[str]) -> dict[str, Label]:
    """Labels scanned into the job (their setup codes are in the encrypted vault)."""
    from commissioner.provisioning.setup_codes import job_label
    from commissioner.secrets.job_vault import open_vault

    vault = open_vault(store)
    out: dict[str, Label] = {}
    for device_id in device_ids:
        label = job_label(store, vault, job_id, device_id)
        if label is not None:
            out[device_id] = label
    return out


# --------------------------------------------------------------------------- BLE


async def open_ble(virtual_home: Path | None) -> BleTransport:
    """The BLE discovery transport, its adapter opened: the virtual home's emulated controller
    (home.json ``ble.transport``) in training mode, bleak's platform backend in the field."""
    from bleak.exc import BleakError

    from commissioner.ble.adapter import BleAdapter
    from commissioner.ble.config import resolve_ble_transport
    from commissioner.ble.discovery_transport import BleTransport

    home = None
    if virtual_home is not None:
        from commissioner.virtualhome.homefile import read_home_file

        home = await asyncio.to_thread(read_home_file, virtual_home)
    adapter = BleAdapter(resolve_ble_transport(home))
    try:
        await adapter.open()
    except (BleakError, OSError) as err:
        raise UserError(
            f"Bluetooth is not available: {err}",
            hint="turn Bluetooth on (or plug in a Bluetooth adapter) and start the scan again",
        ) from None
    # A device being onboarded stops advertising while connected: keep it listed meanwhile.
    return BleTransport(adapter, lost_after=30.0)


async def close_ble(ble: BleTransport) -> None:
    with contextlib.suppress(Exception):
        await ble.adapter.close()


@dataclass(frozen=True, slots=True)
class OnboardRun:
    results: tuple[OnboardingResult, ...]
    joined: tuple[str, ...]  # onboarded devices then seen over mDNS

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)


def _network(home: HomeFile | None) -> NetworkConfig:
    from commissioner.virtualhome.ble_home import read_network

    if home is None or home.ble is None:
        raise UserError(
            "the home network configuration is not known on this computer",
            hint="enter the home's network settings first (training: use --virtual-home DIR)",
        )
    try:
        return read_network(home.directory / home.ble.network)
    except ValueError as err:
        raise UserError(f"bad network file: {err}") from None


async def onboard(
    service: JobService,
    job_id: str | None,
    manager: DiscoveryManager,
    ble: BleTransport,
    device_ids: Sequence[str],
    progress: Callable[[OnboardingProgress], None],
    *,
    network: NetworkConfig | None = None,
    concurrency: int = 4,
    join_wait: float = DEFAULT_JOIN_WAIT,
) -> OnboardRun | Failure:
    """Give the devices the home network over authenticated, encrypted GATT; wait until they
    appear over mDNS; record each outcome in the job (``ble.onboarded`` / ``ble.onboard-failed``
    / ``ble.joined-lan``) when one is open."""
    from commissioner.ble.workflow import onboard_seen, wait_for_lan

    if not device_ids:
        return Failure("no-devices", "no factory device was found over Bluetooth LE",
                       "start a scan with Bluetooth on and wait for the devices")
    store: JobStore | None = None
    try:
        home = await _home(service)
        net = network if network is not None else _network(home)
        if home is not None:
            labels = await asyncio.to_thread(_home_labels, home, device_ids)
        elif job_id is not None:
            store = await _open_store(service)
            labels = await asyncio.to_thread(_vault_labels, store, job_id, device_ids)
        else:
            raise UserError("no device labels", hint="open a job and scan the devices' labels")
    except (UserError, JobStoreError, OSError) as err:
        if store is not None:
            await _close_store(store)
        return _failure("ble", err)
    try:
        results = await onboard_seen(ble, labels, net, list(device_ids),
                                     concurrency=concurrency, progress=progress)
        ok_ids = [r.device_id for r in results if r.ok]
        joined = await wait_for_lan(manager, ok_ids, join_wait) if ok_ids else []
        if job_id is not None:
            if store is None:
                store = await _open_store(service)
            records = [manager.devices[i] for i in device_ids if i in manager.devices]
            await asyncio.to_thread(_record_onboarding, store, job_id, results, joined, records)
    except (UserError, JobStoreError, OSError) as err:
        return _failure("ble", err)
    finally:
        if store is not None:
            await _close_store(store)
    return OnboardRun(tuple(results), tuple(joined))


def _record_onboarding(
    store: JobStore, job_id: str, results: Sequence[OnboardingResult], joined: Sequence[str],
    records: Sequence[object],
) -> None:
    from commissioner.discovery.recording import record_devices

    record_devices(store, job_id, records)  # type: ignore[arg-type]
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


# --------------------------------------------------------------------------- provisioning


async def commission(
    service: JobService,
    job_id: str,
    progress: Callable[[ProgressEvent], None],
    *,
    addresses: Mapping[str, tuple[str, int]] | None = None,
    concurrency: int | None = None,
    timeout: float = 5.0,  # noqa: ASYNC109 - per network step
) -> RunSummary | Failure:
    """"Commission home": provision every certified device of the job and its gateway.

    Refuses unsafe or locked keyrings (Failure "keyring"). In training mode the virtual home's
    labels are remembered in the job's vault first (as ``commissioner commission`` does)."""
    from commissioner.provisioning.run import RunOptions, commission_home
    from commissioner.provisioning.setup_codes import read_label_files, remember_labels
    from commissioner.secrets.job_vault import open_vault
    from commissioner.settings import load_settings, settings_path

    try:
        store = await _open_store(service)
    except (JobStoreError, OSError) as err:
        return _failure("store", err)
    try:
        try:
            vault = await asyncio.to_thread(open_vault, store)
        except UserError as err:
            return _failure("keyring", err)
        home = await _home(service)
        trust = await _trust(service, home)
        where = dict(addresses or {})
        if home is not None:
            where.update(_home_addresses(home))
            ids = [d.device_id for d in await asyncio.to_thread(store.devices, job_id)]
            labels = await asyncio.to_thread(read_label_files, home.labels_path, ids)
            await asyncio.to_thread(remember_labels, store, vault, job_id, labels)
        if concurrency is None:
            from commissioner import paths

            settings = await asyncio.to_thread(load_settings, settings_path(paths.config_dir()))
            concurrency = settings.provisioning_concurrency
        options = RunOptions(concurrency=concurrency, timeout=timeout, progress=progress,
                             addresses=where)
        return await commission_home(store, vault, job_id, trust, options)
    except JobNotFoundError as err:
        return Failure("not-found", str(err))
    except (UserError, JobStoreError, OSError, ValueError) as err:
        return _failure("provisioning", err)
    finally:
        await _close_store(store)


# --------------------------------------------------------------------------- firmware


@dataclass(frozen=True, slots=True)
class FirmwareRun:
    catalog_version: int
    plan: tuple[PlanItem, ...]
    results: tuple[UpdateResult, ...]
    blockers: tuple[tuple[str, str], ...]  # (device id, why it is not on the latest firmware)
    failures: tuple[tuple[str, str], ...] = field(default=())  # devices not even planned

    @property
    def ok(self) -> bool:
        return not self.blockers


def _throttled(
    on_progress: Callable[[UpdateProgress], None], interval: float
) -> Callable[[UpdateProgress], None]:
    """Pass on a device's report when its phase changes, at the end of the transfer, or at
    most every ``interval`` seconds (chunks arrive far faster than a bar can be painted)."""
    last: dict[str, tuple[object, float]] = {}

    def report(p: UpdateProgress) -> None:
        now = time.monotonic()
        before = last.get(p.device_id)
        if (before is not None and before[0] == p.phase and now - before[1] < interval
                and p.bytes_done < p.bytes_total):
            return
        last[p.device_id] = (p.phase, now)
        on_progress(p)

    return report


async def update_firmware(
    service: JobService,
    job_id: str,
    *,
    on_plan: Callable[[PlanItem], None],
    on_progress: Callable[[UpdateProgress], None],
    on_result: Callable[[UpdateResult], None],
    addresses: Mapping[str, tuple[str, int]] | None = None,
    concurrency: int = 8,
    timeout: float = 5.0,  # noqa: ASYNC109 - per network step
    reboot_timeout: float = DEFAULT_REBOOT_TIMEOUT,
    progress_interval: float = FIRMWARE_PROGRESS_INTERVAL,
) -> FirmwareRun | Failure:
    """"Update firmware": plan every certified device of the job (running version read over
    its attested connection), push the catalog's latest signed image to the ones behind it,
    record the history, and say which devices still block closing the job and why."""
    from commissioner.cli.catalog import config_from_args
    from commissioner.firmware.cache import FirmwareCache, ImageProvider
    from commissioner.firmware.history import (
        firmware_blockers,
        reconcile,
        record_plan,
        record_result,
    )
    from commissioner.firmware.plan import DeviceEndpoint, plan_home
    from commissioner.firmware.push import UpdateOptions, update_home
    from commissioner.provisioning.management import JobAccess
    from commissioner.secrets.job_vault import open_vault
    from commissioner.trust.catalog import CatalogError, async_get_catalog
    from commissioner.trust.gate import trust_store_for

    try:
        config = await asyncio.to_thread(config_from_args, service.catalog_config_args())
        catalog = await async_get_catalog(config)
    except CatalogError as err:
        return Failure("catalog", err.message, err.hint, err.reason_code)
    except UserError as err:
        return Failure("catalog", str(err), err.hint)
    index = catalog.firmware
    if index is None:
        return Failure("firmware", f"catalog version {catalog.version} carries no firmware index",
                       "check devices again while online (the catalog is refreshed)")
    trust = trust_store_for(catalog)
    if trust is None:
        return Failure("firmware", "the catalog lists no usable manufacturer root")
    try:
        store = await _open_store(service)
    except (JobStoreError, OSError) as err:
        return _failure("store", err)
    try:
        home = await _home(service)
        where = dict(addresses or {})
        if home is not None:
            where.update(_home_addresses(home))

        def targets() -> list[tuple[str, str | None, int | None]]:
            gate = {g.device_id: g for g in store.gate_states(job_id)}
            out = []
            for d in store.devices(job_id):
                g = gate.get(d.device_id)
                if g is None or g.verdict != "certified" or g.replace_flag:
                    continue
                host, port = where.get(d.device_id, (d.address, d.port))
                out.append((d.device_id, host, port))
            return out

        devices = await asyncio.to_thread(targets)
        if not devices:
            return Failure("no-devices", "no certified device to update in this job",
                           "check the devices first")
        failures = tuple((i, "the device has no network address in this job")
                         for i, h, p in devices if h is None or p is None)
        endpoints = [DeviceEndpoint(i, h, p) for i, h, p in devices
                     if h is not None and p is not None]
        ids = [e.device_id for e in endpoints]
        training = await asyncio.to_thread(_home_labels, home, ids) if home is not None else {}
        vault = await asyncio.to_thread(open_vault, store)
        # The job's own credentials: admin proof + commissioner certificate once a device is
        # commissioned, its scanned label before (training: the virtual home's box labels).
        access = JobAccess(store, vault, job_id, fallback_labels=training)
        provider = ImageProvider(FirmwareCache(service.data_dir / "firmware-cache"), index,
                                 config)
        options = UpdateOptions(timeout=timeout, reboot_timeout=reboot_timeout)
        directory = service.virtual_home

        async def resolver(device_id: str) -> DeviceEndpoint | None:
            """Where the device is after its reboot (the virtual home may move it)."""
            if directory is None:
                return None
            fresh = await _home(service)
            if fresh is None:
                return None
            found = _home_addresses(fresh).get(device_id)
            return DeviceEndpoint(device_id, *found) if found is not None else None

        def record(result: UpdateResult) -> None:
            record_result(store, job_id, result, catalog.version)
            on_result(result)

        with store.job_lock(job_id, "firmware-update"):
            items = await plan_home(endpoints, index, trust, timeout=timeout, on_item=on_plan)
            await asyncio.to_thread(record_plan, store, job_id, items)
            await asyncio.to_thread(reconcile, store, job_id, items, catalog.version)
            results = await update_home(
                items, provider, trust, access, concurrency=concurrency, options=options,
                on_progress=_throttled(on_progress, progress_interval), on_result=record,
                resolver=resolver,
            )
        blockers = await asyncio.to_thread(firmware_blockers, store, job_id, index)
        return FirmwareRun(catalog.version, tuple(items), tuple(results), tuple(blockers),
                           failures)
    except JobNotFoundError as err:
        return Failure("not-found", str(err))
    except (UserError, JobStoreError, OSError, ValueError) as err:
        return _failure("firmware", err)
    finally:
        await _close_store(store)
