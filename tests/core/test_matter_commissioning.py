"""Commissioning real matter.js devices (each in its own network namespace) through the Matter
backend: the Matter SDK's controller in its worker process, the PAA trust store delivered as a
signed catalog target (matter.js's "Matter Test PAA", read from its own sources), the
certified-model gate from the catalog, the ACL written and read back, the window closed."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from catalog_helpers import data_file_with, manufacturer_roots, running_site
from matter_home import (
    DeviceSpec,
    MatterHome,
    RunningDevice,
    device_host,
    matter_home,
    matter_test_paa_der,
    unavailable_reason,
)

from commissioner.backends.base import DeviceAddress
from commissioner.backends.errors import (
    ProvisioningStepError,
    SetupCodeRejectedError,
    UntrustedDeviceError,
)
from commissioner.backends.matter.attestation import materialise_paa_store
from commissioner.backends.matter.backend import FabricConfig, MatterBackend, MatterSession
from commissioner.backends.matter.certification import (
    catalog_admission,
    matter_model_number,
    matter_verdict,
)
from commissioner.protocol.catalog_format import Catalog, content_to_files
from commissioner.protocol.label import Label
from commissioner.protocol.matter_paa_store import (
    MAX_BYTES,
    PAA_STORE_TARGET,
    PaaRoot,
    encode_paa_store,
)
from commissioner.protocol.matter_payload import decode_qr, encode_qr
from commissioner.trust.catalog import download_target, sync
from commissioner.trust.matter_labels import matter_label
from commissioner.virtualhome.catalog_publisher import load_data_file

pytestmark = pytest.mark.slow  # three devices, three engine starts: one to two minutes

pytest.importorskip("chip", reason="the Matter SDK controller is not installed "
                    "(pip install -e '.[matter]')")

LIGHT = DeviceSpec("light", 0xF01, product_id=0x8000)
PLUG = DeviceSpec("plug", 0xE02, product_id=0x8001, passcode=34567890)
SENSOR = DeviceSpec("contact", 0xD03, product_id=0x8002)  # not on the certified list
FABRIC_ID = 0x0000_0000_C0FF_EE01


class Labels:
    """The job's scanned labels, as the backend asks for them."""

    def __init__(self, labels: dict[str, Label]) -> None:
        self.labels = labels

    def setup_label(self, device_id: str) -> Label | None:
        return self.labels.get(device_id)

    def admin_credential(self, device_id: str) -> bytes | None:
        return None

    def client_credentials(self) -> None:
        return None


CERTIFIED = {0x8000: "Test light", 0x8001: "Test plug"}


@contextlib.contextmanager
def matter_catalog(tmp: Path, certified: dict[int, str]) -> Iterator[tuple[Catalog, Path]]:
    """The platform publishes the certified list (VID FFF1 and the product ids in
    ``certified``) and the PAA store as signed targets; the laptop syncs the catalog, fetches
    the store through TUF and lays it out for the engine (test PAAs: training mode)."""

    def add(doc: dict[str, Any]) -> None:
        for pid, name in certified.items():
            doc["certified_models"].append({
                "manufacturer": "Test Vendor", "product_name": name,
                "model_number": matter_model_number(0xFFF1, pid), "scheme": "CCDS",
                "level": 2, "valid_from": "2025-04-01", "valid_until": "2029-03-31",
                "revoked": False, "revoked_reason": None})

    with running_site(tmp / "site", publish_first=False) as site:
        content = load_data_file(data_file_with(tmp, add), manufacturer_roots())
        paa = PaaRoot("Matter Test PAA (matter.js)", True, matter_test_paa_der())
        site.repo.publish_files({**content_to_files(content),
                                 PAA_STORE_TARGET: encode_paa_store([paa])})
        config = site.config()
        catalog = sync(config)
        target = tmp / "laptop" / "paa-store.json"
        download_target(config, PAA_STORE_TARGET, target, MAX_BYTES)
        folder = materialise_paa_store(target.read_bytes(), tmp / "laptop" / "paa",
                                       allow_test=True)
        assert [r.name for r in folder.roots] == [paa.name]
        yield catalog, folder.path


def device_id_of(spec: DeviceSpec) -> str:
    return f"matter-fff1-{spec.product_id:04x}-{spec.discriminator:03x}"


@dataclasses.dataclass
class World:
    home: MatterHome
    loop: asyncio.AbstractEventLoop
    catalog: Catalog
    paa_folder: Path
    tmp: Path
    backend: MatterBackend
    sessions: dict[int, MatterSession] = dataclasses.field(default_factory=dict)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def device(self, spec: DeviceSpec) -> RunningDevice:
        return next(d for d in self.home.devices if d.spec is spec)

    def address(self, spec: DeviceSpec, *, by_ip: bool = True) -> DeviceAddress:
        dev = self.device(spec)
        return DeviceAddress(device_id_of(spec), device_host(self.home, dev) if by_ip else "", 5540,
                             "matter")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("matter-commission")
    loop = asyncio.new_event_loop()
    with matter_catalog(tmp, CERTIFIED) as (catalog, paa_folder), \
            matter_home(tmp / "home", [LIGHT, PLUG, SENSOR]) as home:
        backend = MatterBackend(paa_folder, tmp / "job", FabricConfig(FABRIC_ID),
                                admit=catalog_admission(catalog, required_level=2))
        w = World(home, loop, catalog, paa_folder, tmp, backend)
        try:
            yield w
        finally:
            loop.run_until_complete(backend.aclose())
            loop.close()


def test_commission_by_qr_code_end_to_end(world: World) -> None:
    dev = world.device(LIGHT)
    address = world.address(LIGHT)
    labels = Labels({address.device_id: matter_label(dev.qr)})
    started = time.monotonic()
    world.run(world.backend.worker())
    worker_start = time.monotonic() - started

    started = time.monotonic()
    session = world.run(world.backend.open_session(address, labels, timeout=20))
    commission_s = time.monotonic() - started
    world.sessions[LIGHT.discriminator] = session
    ident = session.identification
    assert ident.attested and ident.family == "matter"
    assert (ident.manufacturer, ident.model, ident.serial) == ("VID FFF1", "PID 8000", "SN-3841")
    assert ident.firmware_version == "1"
    assert ident.root_fingerprint == hashlib.sha256(matter_test_paa_der()).hexdigest()
    assert ident.chain_subjects[2] == "CN=Matter Test PAA"
    assert matter_verdict(session.chain, world.catalog, required_level=2).verdict == "certified"

    world.run(session.set_acl())
    world.run(session.complete())
    readback = world.run(session.read_back())
    assert readback.state == "commissioned"
    assert readback.acl_grants == (("commissioner", None),)
    assert readback.operational_fingerprint and readback.home_ca_fingerprint
    rb = world.run(session.read_matter())
    me = world.backend.fabric.controller_node_id
    assert [e.to_json() for e in rb.acl] == [{"privilege": 5, "auth_mode": 2, "subjects": [me],
                                             "targets": None,
                                             "fabric_index": rb.current_fabric_index}]
    assert rb.window_status == 0
    fabric = rb.current_fabric()
    assert fabric is not None and fabric.fabric_id == FABRIC_ID
    assert fabric.root_public_key == world.backend.fabric_root_public_key
    assert len(rb.nocs) == 1 and len(rb.trusted_roots) == 1
    assert (rb.vendor_id, rb.product_id, rb.software_version) == (0xFFF1, 0x8000, 1)
    # The fabric's root key leaves the worker only for the job vault.
    state = world.run(world.backend.export_fabric())
    assert state["sdk-config"] and "caList" in state["repl-config"]
    print(f"worker start {worker_start:.1f} s, commission+read {commission_s:.1f} s")


def test_a_wrong_passcode_is_refused_cleanly(world: World) -> None:
    dev = world.device(PLUG)
    wrong = encode_qr(dataclasses.replace(decode_qr(dev.qr), passcode=34567891))
    address = world.address(PLUG)
    with pytest.raises(SetupCodeRejectedError) as caught:
        world.run(world.backend.open_session(address, Labels(
            {address.device_id: matter_label(wrong)}), timeout=20))
    assert caught.value.reason == "setup-code-rejected"
    assert "refused the setup code" in str(caught.value)


def test_an_empty_paa_store_means_not_attested(world: World) -> None:
    empty = materialise_paa_store(encode_paa_store([]), world.tmp / "empty-paa",
                                  allow_test=True)
    backend = MatterBackend(empty.path, world.tmp / "job-empty", FabricConfig(FABRIC_ID + 1))
    dev = world.device(PLUG)
    address = world.address(PLUG)
    try:
        with pytest.raises(UntrustedDeviceError) as caught:
            world.run(backend.open_session(address, Labels(
                {address.device_id: matter_label(dev.qr)}), timeout=20))
    finally:
        world.run(backend.aclose())
    assert caught.value.reason == "not-attested"
    assert "not attested" in str(caught.value)


def test_the_manual_code_commissions_a_device_left_commissionable(world: World) -> None:
    """After the refused passcode and the refused attestation, the plug is still
    commissionable: its 11-digit manual code commissions it (found by the engine from the
    code's discriminator, no address given)."""
    dev = world.device(PLUG)
    address = world.address(PLUG, by_ip=False)
    session = world.run(world.backend.open_session(
        address, Labels({address.device_id: matter_label(dev.manual)}), timeout=20))
    assert session.identification.model == "PID 8001"
    world.run(session.set_acl())
    world.run(session.complete())
    assert world.run(session.read_back()).acl_grants == (("commissioner", None),)
    light = world.sessions.get(LIGHT.discriminator)
    assert light is None or session.fingerprint != light.fingerprint  # a DAC per device


def test_an_uncertified_model_gets_no_operational_certificate(world: World) -> None:
    """The attested ids map to no certified model: refused after attestation, before any
    certificate is issued. The device is left as it was: commissionable, on no fabric."""
    dev = world.device(SENSOR)
    address = world.address(SENSOR)
    labels = Labels({address.device_id: matter_label(dev.qr)})
    with pytest.raises(UntrustedDeviceError) as caught:
        world.run(world.backend.open_session(address, labels, timeout=20))
    assert caught.value.reason == "not-certified"
    assert "MATTER-FFF1-8002" in str(caught.value)
    # Proof from the device: it is still commissionable and holds no other fabric.
    admit, world.backend.admit = world.backend.admit, None
    try:
        session = world.run(world.backend.open_session(address, labels, timeout=20))
    finally:
        world.backend.admit = admit
    rb = world.run(session.read_matter())
    assert [f.fabric_id for f in rb.fabrics] == [FABRIC_ID]



def test_an_engine_crash_fails_one_request_and_the_fabric_survives(world: World) -> None:
    """The worker dies: the request in flight fails as a device error, the app goes on; the
    next request brings up a new engine on the same fabric, restored from the state the
    backend took from the engine (what the job vault keeps across runs), which reaches the
    light commissioned in the first test over a new operational session."""
    session = world.sessions.get(LIGHT.discriminator)
    if session is None:
        pytest.skip("the light was not commissioned (see the first test)")
    worker = world.run(world.backend.worker())
    root = world.backend.fabric_root_public_key
    os.kill(worker.hello.pid, signal.SIGKILL)
    with pytest.raises(ProvisioningStepError) as caught:
        world.run(session.read_matter())
    assert caught.value.reason == "internal-error"
    rb = world.run(session.read_matter())  # a new engine, over CASE
    assert world.backend.fabric_root_public_key == root
    fabric = rb.current_fabric()
    assert fabric is not None and fabric.fabric_id == FABRIC_ID
    assert session.check(rb) == []
