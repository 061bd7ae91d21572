"""Shared parts of the ECHONET Lite tests: the virtual home's catalog and nodes on loopback."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from commissioner.protocol.catalog_format import Catalog, ManufacturerRoot
from commissioner.protocol.echonet import ECHONET_PORT
from commissioner.virtualhome.catalog_publisher import VIRTUAL_HOME_CATALOG_DATA, load_data_file
from commissioner.virtualhome.pki import cert_pem, create_ca


def home_catalog() -> Catalog:
    ca = create_ca("fujimi", "Fujimi Electric")
    root = ManufacturerRoot("Fujimi Electric", cert_pem(ca.root_cert).decode())
    content = load_data_file(VIRTUAL_HOME_CATALOG_DATA, [root])
    now = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    return content.to_catalog(version=7, expires=now + dt.timedelta(days=30), refreshed_at=now)


def require_private_loopback() -> None:
    """UDP 3610 on 127.0.0.1 must be ours: the tests run in a private network namespace."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind(("127.0.0.1", ECHONET_PORT))
    except OSError as err:
        pytest.fail(f"UDP 3610 on loopback is taken ({err}); run the tests inside "
                    "`unshare -rn` as PLAN.md says")
    finally:
        probe.close()
