"""Inputs the hostile-input campaign (tests/campaigns/test_fuzz_parsers.py) found to escape a
parser with an undocumented exception; each now gets the parser's documented error or value."""

from __future__ import annotations

import pytest

from commissioner.protocol.takeover_code import TakeoverCodeError, parse_code, takeover_code


@pytest.mark.parametrize("space", ["\t", "\n", "\r\n", "\u3000", "\x0b"])
def test_takeover_code_with_surrounding_whitespace(space: str) -> None:
    code = takeover_code(b"\x01" * 32, "inv-1")
    assert parse_code(f"{space}{code}{space}") == parse_code(code)
    with pytest.raises(TakeoverCodeError):
        parse_code(f"{space}145-3236-90853")  # a mistyped code: its check digit differs
