"""The manufacturer roots a use case verifies device attestation with, from one place.

A training home brings its own (its manufacturers' roots); in the field they come from the
verified catalog: the one just loaded, or the offline cache.
"""

from __future__ import annotations

from pathlib import Path

from commissioner.app.context import AppContext
from commissioner.backends import TrustStore
from commissioner.errors import UserError
from commissioner.protocol.catalog_format import Catalog
from commissioner.trust.gate import trust_store_for


def manufacturer_trust(
    ctx: AppContext,
    *,
    catalog: Catalog | None = None,
    url: str | None = None,
    root: Path | None = None,
) -> TrustStore:
    """Manufacturer roots for attestation (blocking): the site's own (training home), else
    those of ``catalog`` or of the verified catalog's offline cache."""
    pem = ctx.site.trust_roots_pem()
    if pem is not None:
        return TrustStore.from_pem(pem)
    chosen = catalog if catalog is not None else ctx.catalog(online=False, url=url, root=root)
    trust = trust_store_for(chosen)
    if trust is None:
        raise UserError(code="catalog.no-roots")
    return trust
