"""HTTP for the catalog client: python-tuf's urllib3 fetcher with an overall deadline and with
every broken connection reported as a download error.

Two gaps in the stock fetcher are closed here:

* ngclient's ``Urllib3Fetcher`` streams the body from a generator, outside the ``fetch()``
  wrapper that turns network failures into ``tuf.api.exceptions.DownloadError``. A connection
  cut or reset mid-body (urllib3 ``ProtocolError`` / ``IncompleteRead``, ``ConnectionResetError``)
  therefore escaped unwrapped and looked like a verification failure. :class:`DeadlineFetcher`
  wraps them in ``DownloadError``, which the catalog classes as "unreachable".
* The stock socket timeout bounds each read, not the download: a server that sends one byte
  per second holds a sync for ever. One :class:`DeadlineFetcher` serves one operation (a
  sync, a target download) and gives all its requests one deadline: each request's socket
  timeout is capped by the time left, and a watchdog shuts the socket down when the deadline
  passes mid-body, so a blocked read returns at once.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import threading
import time
from collections.abc import Generator, Iterator
from typing import Final

import urllib3
from tuf.api import exceptions as tuf_exceptions
from tuf.ngclient.urllib3_fetcher import Urllib3Fetcher

__all__ = ["DEFAULT_DEADLINE_SECONDS", "DeadlineExceededError", "DeadlineFetcher"]

DEFAULT_DEADLINE_SECONDS: Final = 60.0
READ_TIMEOUT_SECONDS: Final = 30


class DeadlineExceededError(tuf_exceptions.SlowRetrievalError):
    """The operation's overall deadline passed before the download finished."""

    def __init__(self, deadline_seconds: float) -> None:
        super().__init__(f"nothing complete within the {deadline_seconds:g} s deadline")
        self.deadline_seconds = deadline_seconds


class DeadlineFetcher(Urllib3Fetcher):
    """A fetcher whose requests all end by ``deadline_seconds`` after it was made."""

    def __init__(self, deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
                 *, read_timeout: int = READ_TIMEOUT_SECONDS) -> None:
        if not deadline_seconds > 0:
            raise ValueError("the download deadline must be positive")
        super().__init__(socket_timeout=read_timeout)
        self.deadline_seconds = float(deadline_seconds)
        self._read_timeout = read_timeout
        self._ends_at = time.monotonic() + self.deadline_seconds

    def _remaining(self) -> float:
        return self._ends_at - time.monotonic()

    def _fetch(self, url: str) -> Iterator[bytes]:
        remaining = self._remaining()
        if remaining <= 0:
            raise DeadlineExceededError(self.deadline_seconds)
        # Connecting and waiting for the headers: each socket wait is capped by the time left.
        self.socket_timeout = max(1, min(self._read_timeout, math.ceil(remaining)))
        return super()._fetch(url)

    def _chunks(self, response: urllib3.response.BaseHTTPResponse) -> Iterator[bytes]:
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            with contextlib.suppress(ValueError, OSError):
                response.shutdown()  # unblocks a read waiting in the downloading thread

        watchdog = threading.Timer(max(0.0, self._remaining()), expire)
        watchdog.daemon = True
        watchdog.start()
        inner = super()._chunks(response)
        assert isinstance(inner, Generator)
        try:
            for chunk in inner:
                if expired.is_set() or self._remaining() <= 0:
                    raise DeadlineExceededError(self.deadline_seconds)
                yield chunk
            if expired.is_set():  # a shut-down socket can look like a short, clean end
                raise DeadlineExceededError(self.deadline_seconds)
        except tuf_exceptions.DownloadError:
            raise
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as err:
            if expired.is_set():
                raise DeadlineExceededError(self.deadline_seconds) from err
            raise tuf_exceptions.DownloadError(
                f"the connection broke during the download ({type(err).__name__}: {err})"
            ) from err
        finally:
            watchdog.cancel()
            inner.close()
