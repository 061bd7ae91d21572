"""The signed catalog's errors: one :class:`CatalogError` with a stable reason code, the
hints shown with them, and which reasons allow the offline cache."""

from __future__ import annotations

import http.client
from collections.abc import Mapping
from typing import Final

import urllib3
from tuf.api import exceptions as tuf_exceptions

from commissioner.errors import UserError
from commissioner.protocol.catalog_format import CatalogDataError
from commissioner.trust.catalog_fetch import DeadlineExceededError

HINT_SYNC: Final = (
    "Connect to the internet and run `commissioner catalog sync`, or preload the catalog in "
    "the office"
)
HINT_SECURITY: Final = (
    "Do not continue with this catalog. The catalog server may be compromised or the "
    "connection tampered with: report it to the platform operator. The last good catalog "
    "was kept."
)
HINT_NETWORK: Final = (
    "Check the internet connection and try again. The last good catalog was kept; until a "
    "sync succeeds, the last verified catalog is used while it is within its offline grace "
    "period."
)
HINT_CLOCK: Final = (
    "Set the laptop's clock correctly, then sync again with "
    "`commissioner catalog sync --clock-corrected` (this records that the clock was "
    "corrected)."
)
HINT_RESET_TRUST: Final = (
    "If you know why (for example the data folder was restored from a backup), re-trust the "
    "platform from the built-in trust root with `commissioner catalog sync --reset-trust` "
    "while online; the reset is recorded. Otherwise report it: someone may have edited this "
    "computer's catalog cache."
)

# Only NETWORK_REASONS allow get_catalog() to fall back to the offline cache.
NETWORK_REASONS: Final = frozenset({"unreachable"})
SECURITY_REASONS: Final = frozenset({
    "bad-signature", "rollback", "expired", "tampered", "oversized", "invalid-metadata",
    "invalid-catalog", "missing-target", "bad-trust-root", "cache-lost", "cache-edited",
})
OFFLINE_REASONS: Final = frozenset({"no-catalog", "grace-expired", "cache-corrupt"})

_EXIT_CODES: Final = {"unreachable": 4, "no-catalog": 5, "grace-expired": 5}


class CatalogError(UserError):
    """The catalog cannot be used. ``reason_code`` is stable for programs and tests:
    unreachable (also a cut connection or a platform too slow for the deadline),
    bad-signature, rollback, expired (a server-side freeze), clock-behind (this computer's
    clock is behind the highest time it has seen), tampered, oversized, invalid-metadata,
    invalid-catalog, missing-target, bad-trust-root, cache-lost / cache-edited (the local
    TUF state disagrees with its keyring anchor), no-url, io-error, no-catalog,
    grace-expired, cache-corrupt.

    CLI exit codes: 3 security failure (including a lost or edited cache), 4 platform
    unreachable, 5 no usable offline catalog, 1 other (including clock-behind)."""

    def __init__(self, reason_code: str, message: str | None = None, hint: str | None = None,
                 *, code: str | None = None, params: Mapping[str, object] | None = None) -> None:
        exit_code = 3 if reason_code in SECURITY_REASONS else _EXIT_CODES.get(reason_code, 1)
        super().__init__(message, hint=hint, exit_code=exit_code, code=code, params=params)
        self.reason_code = reason_code
        self.message = str(self)

    @property
    def is_network(self) -> bool:
        return self.reason_code in NETWORK_REASONS

    @property
    def is_security(self) -> bool:
        return self.reason_code in SECURITY_REASONS


def _cause(err: BaseException) -> str:
    """The innermost useful text of a wrapped download error."""
    parts = [str(err) or type(err).__name__]
    cause = err.__cause__
    while cause is not None and len(parts) < 3:
        parts.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__
    return "; ".join(parts)


def classify(err: BaseException, url: str) -> CatalogError:
    """Map a python-tuf / network / OS failure to a CatalogError with a reason code.

    Anything the network did (refused, cut, reset, HTTP error, too slow) is "unreachable";
    only a verified mismatch is a security failure."""
    e = tuf_exceptions
    if isinstance(err, CatalogError):
        return err
    if isinstance(err, DeadlineExceededError):
        return CatalogError(
            "unreachable",
            code="catalog.sync-too-slow",
            params={"url": url, "seconds": f"{err.deadline_seconds:g}"})
    if isinstance(err, e.SlowRetrievalError):
        return CatalogError("unreachable", code="catalog.sync-slow", params={"url": url})
    if isinstance(err, e.DownloadLengthMismatchError):
        return CatalogError("oversized", code="catalog.sync-too-much", params={"detail": err})
    if isinstance(err, e.DownloadHTTPError):
        return CatalogError(
            "unreachable",
            code="catalog.sync-http",
            params={"url": url, "status": err.status_code})
    if isinstance(err, e.DownloadError | urllib3.exceptions.HTTPError
                  | http.client.HTTPException | ConnectionError | TimeoutError):
        return CatalogError(
            "unreachable",
            code="catalog.sync-unreachable",
            params={"url": url, "detail": _cause(err)})
    if isinstance(err, e.UnsignedMetadataError):
        return CatalogError("bad-signature", code="catalog.sync-unsigned", params={"detail": err})
    if isinstance(err, e.BadVersionNumberError):
        return CatalogError("rollback", code="catalog.metadata-rollback", params={"detail": err})
    if isinstance(err, e.ExpiredMetadataError):
        return CatalogError("expired", code="catalog.sync-expired", params={"detail": err})
    if isinstance(err, e.LengthOrHashMismatchError):
        return CatalogError("tampered", code="catalog.sync-tampered", params={"detail": err})
    if isinstance(err, e.RepositoryError):
        return CatalogError(
            "invalid-metadata", code="catalog.sync-invalid", params={"detail": err})
    if isinstance(err, CatalogDataError):
        return CatalogError(
            "invalid-catalog", code="catalog.sync-malformed", params={"detail": err})
    if isinstance(err, OSError):
        return CatalogError("io-error", code="catalog.state-unwritable", params={"detail": err})
    return CatalogError(
        "invalid-metadata", code="catalog.sync-failed", params={"detail": repr(err)})
