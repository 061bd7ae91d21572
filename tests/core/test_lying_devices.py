"""Devices that lie (commissioner/virtualhome/lies.py): a read-back that differs in each field, a
device that confirms a step it did not apply, a unit swapped after certification, and broken
attestation chains (expired intermediate, expired root, a root of another organisation, an
intermediate not yet valid). Every defence of the app runs against a real lying device over real
TLS, and the test asserts what the app reports."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import keyring_fixtures
import provisioning_helpers as ph
import pytest
from cryptography import x509
from gate_helpers import sync_catalog, targets
from operator_fixtures import as_signed_in
from vh_fixtures import running_virtual_home

from commissioner.app.site import read_label_folder
from commissioner.jobs.store import JobStore
from commissioner.protocol.client import TrustStore, identify
from commissioner.protocol.errors import DeviceProtocolError, UntrustedDeviceError
from commissioner.provisioning.run import RunOptions, commission_home, open_vault
from commissioner.provisioning.setup_codes import remember_labels
from commissioner.trust.gate import Verdict, certify_home
from commissioner.virtualhome.control import ControlError, control
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.lies import LIE_ROOT_FILE

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeFile]:
    with running_virtual_home(tmp_path_factory.mktemp("lies") / "home",
                              scenario="standard") as h:
        yield h


def _lie(home: HomeFile, device_id: str, name: str, variant: str | None = None
         ) -> dict[str, object]:
    return asyncio.run(control(home.directory, "fault", device_id, fault=name, variant=variant))


def _status(home: HomeFile, device_id: str) -> dict[str, object]:
    reply = asyncio.run(control(home.directory, "status"))
    return next(d for d in reply["devices"] if d["device_id"] == device_id)


LIES = [
    ("readback-differs", "operational-certificate", "readback-mismatch",
     "the operational certificate is not the one the job issued"),
    ("readback-differs", "acl", "readback-mismatch", "the ACL entries differ"),
    ("readback-differs", "default-credential", "readback-mismatch",
     "the factory default credential is still enabled"),
    ("readback-differs", "completion", "readback-mismatch", "not commissioned"),
    ("not-applied", "default-credential", "readback-mismatch",
     "the factory default login still works"),
    # The next session asks the device's state first: still in factory state after it said
    # "complete" is caught there, before the read-back.
    ("not-applied", "complete", "not-commissioned", None),
    ("not-applied", "acl", None, None),
    ("not-applied", "admin-credential", "admin-credential-rejected", None),
    ("swapped-unit", "same-id", "identity-changed",
     "its attestation certificate is not the one the gate certified"),
    ("swapped-unit", "other-id", "identity-changed", "-swapped, not "),
]


def test_every_lie_during_provisioning_fails_its_device_and_only_that_device(
    home: HomeFile, tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "data"
    job = ph.certified_job(home, data, "L-1")  # certified while every device is honest
    devs = [d.device_id for d in home.devices]
    liars = dict(zip(devs, LIES, strict=False))
    assert len(liars) == len(LIES) and len(devs) > len(LIES)
    for device_id, (name, variant, _, _) in liars.items():
        reply = _lie(home, device_id, name, variant)
        assert reply["faults"] == {name: {"remaining": None, "variant": variant}}
    with JobStore.open(ph.store_path(data), create=False) as store:
        vault = open_vault(as_signed_in(store), backend=secret_service.backend)
        remember_labels(store, vault, job, read_label_folder(home.labels_path))
        opts = RunOptions(addresses=ph.addresses(home), max_attempts=2, backoff_initial_s=0.05)
        summary = asyncio.run(commission_home(store, vault, job, ph.trust(home), opts))
    out = {o.device_id: o for o in summary.outcomes}
    assert not summary.ok
    for device_id, (name, variant, code, words) in liars.items():
        o = out[device_id]
        assert o.status == "failed", (name, variant, o)
        if code is not None:
            assert o.reason_code == code, (name, variant, o)
        if words is not None:
            assert words in str(o.reason), (name, variant, o)
    honest = [d for d in devs if d not in liars]
    assert honest and all(out[d].status == "provisioned" for d in honest)
    assert out[home.gateway.device_id].status == "provisioned"


def test_the_acl_that_was_not_applied_is_caught_before_the_job_trusts_the_device(
    home: HomeFile,
) -> None:
    """The device that skipped its ACL says commissioned; without the ACL it cannot know the
    commissioner's role, so the read-back is refused (see the previous test's outcome)."""
    device_id = [d.device_id for d in home.devices][LIES.index(("not-applied", "acl", None, None))]
    status = _status(home, device_id)
    assert status["state"] == "commissioned"
    assert status["injected_faults"] == {"not-applied": {"remaining": None, "variant": "acl"}}


def test_unknown_lie_variants_are_refused_by_the_control_channel(home: HomeFile) -> None:
    device_id = home.devices[-1].device_id
    with pytest.raises(ControlError, match="variant must be one of"):
        _lie(home, device_id, "readback-differs", "firmware")
    assert _status(home, device_id)["injected_faults"] == {}


# --------------------------------------------------------------------------- attestation


@pytest.fixture(scope="module")
def chain_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeFile]:
    with running_virtual_home(tmp_path_factory.mktemp("chainlies") / "home",
                              scenario="standard") as h:
        yield h


CHAIN_LIES = {  # variant: (reason code, words of the reason the installer reads)
    "expired-intermediate": ("untrusted-chain", "certificate has expired"),
    "expired-root": ("untrusted-chain", "does not lead to a trusted manufacturer root"),
    "foreign-root": ("manufacturer-mismatch", "its chain leads to the root of"),
    "not-yet-valid-intermediate": ("untrusted-chain", "certificate is not yet valid"),
}


def test_broken_attestation_chains_are_refused_by_the_gate(
    chain_home: HomeFile, tmp_path: Path
) -> None:
    devs = [d.device_id for d in chain_home.devices]
    liars = dict(zip(devs, CHAIN_LIES, strict=False))
    for device_id, variant in liars.items():
        _lie(chain_home, device_id, "attestation", variant)
    catalog = sync_catalog(chain_home, tmp_path / "catalog")
    verdicts = {v.device_id: v for v in asyncio.run(certify_home(targets(chain_home), catalog, 2))}
    for device_id, variant in liars.items():
        v = verdicts[device_id]
        assert v.verdict is not Verdict.CERTIFIED and v.blocked, (variant, v)
        assert not v.attested, (variant, v)
        assert v.verdict is Verdict.COUNTERFEIT, (variant, v)
        code, words = CHAIN_LIES[variant]
        assert v.reason_code == code and words in v.reason, (variant, v)
    honest = [d for d in devs if d not in liars]
    assert any(verdicts[d].verdict is Verdict.CERTIFIED for d in honest)


def test_an_expired_root_is_refused_even_when_the_app_trusts_it(chain_home: HomeFile) -> None:
    device = chain_home.devices[1]
    _lie(chain_home, device.device_id, "attestation", "expired-root")
    lie_root = (chain_home.directory / "devices" / device.device_id / LIE_ROOT_FILE).read_bytes()
    root = x509.load_pem_x509_certificate(lie_root)
    assert root.not_valid_after_utc < dt.datetime.now(dt.UTC)
    trust = TrustStore([*TrustStore.from_pem(chain_home.trust_roots_path.read_bytes()).roots, root])
    with pytest.raises(UntrustedDeviceError) as err:
        asyncio.run(identify(device.host, device.port, trust))
    assert "expired" in err.value.message


def test_clearing_the_lie_restores_the_genuine_chain(chain_home: HomeFile) -> None:
    device = chain_home.devices[0]
    _lie(chain_home, device.device_id, "attestation", "expired-intermediate")
    trust = TrustStore.from_pem(chain_home.trust_roots_path.read_bytes())
    with pytest.raises(DeviceProtocolError):
        asyncio.run(identify(device.host, device.port, trust))
    _lie(chain_home, device.device_id, "clear")
    result = asyncio.run(identify(device.host, device.port, trust))
    assert result.identity.device_id == device.device_id
