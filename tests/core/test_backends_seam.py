"""The device-protocol seam: the registry picks the backend, this project's protocol answers
through it against real virtual devices (real TLS), and an identify-only family fits the same
callers without being certified."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import ClassVar

import pytest
from firmware_helpers import fw_home

from commissioner.backends import (
    DeviceAddress,
    DeviceBackend,
    Identification,
    backend_for,
    family_for_transport,
)
from commissioner.backends.errors import (
    NoCredentialError,
    NotSupportedByFamilyError,
    UnknownFamilyError,
)
from commissioner.backends.shc import ShcBackend
from commissioner.firmware.access import SetupCodeAccess
from commissioner.firmware.plan import PlanAction, plan_device
from commissioner.trust.gate import GateTarget, Verdict, certify_device


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


class _IdentifyOnlyBackend(DeviceBackend):
    """Stands in for an identify-only family (ECHONET Lite has no part that runs here yet):
    it reports a model, but cannot prove the identity."""

    family: ClassVar[str] = "identify-only-test"
    attests_identity: ClassVar[bool] = False

    async def identify(
        self, address: DeviceAddress, *, advertised_model: str | None = None,
        timeout: float,  # noqa: ASYNC109
    ) -> Identification:
        return Identification(
            device_id=address.device_id, family=self.family, attested=False,
            manufacturer="Sakura Devices", model=advertised_model or "SD-X",
            serial="0001", kind="sensor", role="device", firmware_version="1.0.0",
            host=address.host, port=address.port,
        )


def test_registry_picks_by_family_and_transport(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path) as h:
            assert isinstance(backend_for(h.trust), ShcBackend)
            assert isinstance(backend_for(h.trust, transport="mdns"), ShcBackend)
            assert family_for_transport("ble") == "shc"
            with pytest.raises(UnknownFamilyError, match="no device backend is registered"):
                backend_for(h.trust, family="zigbee")
            with pytest.raises(UnknownFamilyError, match="found over 'thread'"):
                backend_for(h.trust, transport="thread")
            mine = ShcBackend(h.trust)
            assert backend_for(h.trust, override=mine) is mine
            with pytest.raises(UnknownFamilyError, match="cannot serve a shc device"):
                backend_for(h.trust, override=_IdentifyOnlyBackend())

    run(body())


def test_shc_backend_identifies_with_attestation(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path) as h:
            dev = h.device_ids[0]
            ident = await ShcBackend(h.trust).identify(h.endpoint(dev), timeout=3.0)
            state = h.device(dev).state
            assert ident.attested and ident.family == "shc"
            assert (ident.device_id, ident.model, ident.firmware_version) == (
                dev, state.model, state.firmware)
            assert ident.fingerprint is not None and len(ident.fingerprint) == 64
            assert len(ident.chain_subjects) == 3 and ident.root_fingerprint is not None
            assert ident.commissioning_state == "factory" and ident.boot_count is not None

    run(body())


def test_shc_session_reads_the_inventory_and_wipes(tmp_path: Path) -> None:
    """Issue 11 filled in the resale places of the seam for this protocol."""

    async def body() -> None:
        async with fw_home(tmp_path) as h:
            dev = h.device_ids[0]
            backend = ShcBackend(h.trust)
            session = await backend.open_session(h.endpoint(dev), h.access(), timeout=3.0)
            async with session:
                assert session.state_at_open == "factory" and session.device_id == dev
                inventory = await session.personal_data_inventory()
                assert inventory.counts and inventory.empty  # every kind listed, all zero
                report = await session.wipe()
                assert report.factory_state and "personal-data" in report.erased
                assert report.inventory is not None and report.inventory.empty
            assert session.closed
            evidence = await backend.read_factory_evidence(h.endpoint(dev), timeout=3.0)
            assert evidence.factory and evidence.admin_credential_set is False

    run(body())


def test_session_without_a_label_names_the_missing_credential(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path) as h:
            dev = h.device_ids[0]
            with pytest.raises(NoCredentialError, match="no label") as caught:
                await ShcBackend(h.trust).open_session(
                    h.endpoint(dev), SetupCodeAccess({}), timeout=3.0)
            assert caught.value.needed == "setup-code"

    run(body())


def test_an_identify_only_family_is_never_certified_nor_planned(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path) as h:
            backend = _IdentifyOnlyBackend()
            target = GateTarget("eoj-1", "127.0.0.1", 3610,
                                advertised_manufacturer="Sakura Devices",
                                advertised_model="SD-X", family=backend.family)
            verdict = await certify_device(
                target, h.catalog, 2, now=dt.datetime.now(dt.UTC), backend=backend)
            assert verdict.verdict is Verdict.NOT_CERTIFIED and verdict.blocked
            assert verdict.reason_code == "not-attested" and not verdict.attested
            assert "not attested" in verdict.reason
            address = DeviceAddress("eoj-1", "127.0.0.1", 3610, backend.family)
            item = await plan_device(address, h.catalog.firmware, h.trust, backend=backend)
            assert item.action is PlanAction.NO_FIRMWARE and "not attested" in item.reason
            with pytest.raises(NotSupportedByFamilyError, match="identify-only"):
                await backend.open_session(address, h.access(), timeout=1.0)

    run(body())

