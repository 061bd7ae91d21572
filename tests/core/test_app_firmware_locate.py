"""The application layer finds a rebooted device again over mDNS on a field site (no training
home to ask): the one code path both faces use for "Update firmware"."""

from __future__ import annotations

import asyncio
from pathlib import Path

from firmware_helpers import FAST, fw_home
from test_firmware_update import back_on_another_port

from commissioner.app.context import make_context
from commissioner.app.firmware import device_locator
from commissioner.firmware.push import Outcome, update_device

SMALL = 256 * 1024


def test_field_site_finds_a_device_back_on_another_port_over_mdns(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            ctx = make_context(data_dir=tmp_path / "data", mdns_interfaces=["127.0.0.1"])
            assert not ctx.site.training and ctx.mdns_interfaces == ("127.0.0.1",)
            dev = h.device_ids[0]
            device = h.device(dev)
            with back_on_another_port(device) as old_port:
                item = await h.plan(dev)
                async with device_locator(ctx) as locate:
                    result = await update_device(item, h.provider(), h.trust, h.access(),
                                                 options=FAST, resolver=locate)
                assert result.outcome is Outcome.UPDATED, result.reason
                assert result.running_version == "1.3.0"
                assert device.port != old_port

    asyncio.run(body())
