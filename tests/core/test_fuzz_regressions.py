"""Inputs the hostile-input campaign (tests/campaigns/test_fuzz_parsers.py) found to escape a
parser with an undocumented exception (a takeover code with a tab around it, a bundle file of
deeply nested JSON); each now gets the parser's documented error or value."""

from __future__ import annotations

import pytest

from commissioner.bundles.bundle import BundleError, check_bundle
from commissioner.protocol.takeover_code import TakeoverCodeError, parse_code, takeover_code


@pytest.mark.parametrize("space", ["\t", "\n", "\r\n", "\u3000", "\x0b"])
def test_takeover_code_with_surrounding_whitespace(space: str) -> None:
    code = takeover_code(b"\x01" * 32, "inv-1")
    assert parse_code(f"{space}{code}{space}") == parse_code(code)
    with pytest.raises(TakeoverCodeError):
        parse_code(f"{space}145-3236-90853")  # a mistyped code: its check digit differs


@pytest.mark.parametrize("data", [
    b"[" * 100_000,
    b'{"format": "commissioner-job-bundle", "version": ' + b"[" * 100_000,
])
def test_deeply_nested_bundle_is_unreadable_not_a_crash(data: bytes) -> None:
    with pytest.raises(BundleError) as caught:
        check_bundle(data, trusted_signer=None)
    assert caught.value.hint is not None or "bundle" in str(caught.value)
