"""The virtual home's own service platform: it publishes the signed catalog (TUF) of its
certified models with its manufacturer roots - and its manufacturers' firmware (index, signed
images; see :mod:`.firmware_catalog`) - and serves it over HTTP on 127.0.0.1, so training
and tests go through the same catalog code path as a real site.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from cryptography.x509.oid import NameOID

from commissioner.protocol.attestation import cert_pem, load_pem_bundle
from commissioner.virtualhome.catalog_publisher import CatalogServer, publish_virtual_home_catalog
from commissioner.virtualhome.firmware_catalog import prepare_firmware


def manufacturer_roots(roots_pem_file: Path) -> dict[str, str]:
    """Map manufacturer name (the root's O attribute) to its root certificate PEM."""
    out: dict[str, str] = {}
    for cert in load_pem_bundle(roots_pem_file.read_bytes()):
        names = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        if names:
            out[str(names[0].value)] = cert_pem(cert).decode("ascii")
    return out


class CatalogHost:
    def __init__(self, home_dir: Path, roots_pem_file: Path) -> None:
        self._home_dir = home_dir
        self._roots_file = roots_pem_file
        self._server: CatalogServer | None = None

    @property
    def url(self) -> str | None:
        return self._server.url if self._server is not None else None

    async def start(self) -> None:
        roots = await asyncio.to_thread(manufacturer_roots, self._roots_file)
        firmware = await asyncio.to_thread(prepare_firmware, self._home_dir)
        repo = await asyncio.to_thread(
            lambda: publish_virtual_home_catalog(
                self._home_dir, roots, firmware=firmware.index, firmware_images=firmware.images
            )
        )
        server = CatalogServer(repo)
        server.start()
        self._server = server

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await asyncio.to_thread(server.stop)
