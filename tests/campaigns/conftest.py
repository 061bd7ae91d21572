"""Fault campaigns, run on demand (the default run ignores tests/campaigns/, see pyproject):

    unshare -rn bash -c 'ip link set lo up; bash scripts/in-test-session.sh \\
        .venv/bin/python -m pytest -q -p no:randomly tests/campaigns/test_X.py --trials 100'

``--trials N`` (or CAMPAIGN_TRIALS) sets the number of trials of the crash and power
campaigns; ``--fuzz-cases N`` (or FUZZ_CASES) the cases per parser of the fuzz campaign. Each
campaign adds one summary line, printed at the end of the run."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_LINES: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("campaigns")
    group.addoption("--trials", type=int, default=None,
                    help="trials per operation of a crash or power campaign (default 100)")
    group.addoption("--fuzz-cases", type=int, default=None,
                    help="hostile inputs per parser of the fuzz campaign (default 10000)")


@pytest.fixture
def trials(request: pytest.FixtureRequest) -> int:
    value = request.config.getoption("--trials")
    return int(value if value is not None else os.environ.get("CAMPAIGN_TRIALS", "100"))


@pytest.fixture
def fuzz_cases(request: pytest.FixtureRequest) -> int:
    value = request.config.getoption("--fuzz-cases")
    return int(value if value is not None else os.environ.get("FUZZ_CASES", "10000"))


@pytest.fixture
def summary() -> Callable[[str], None]:
    """Record a campaign's one-line summary (printed at the end, and now with -s)."""

    def add(line: str) -> None:
        _LINES.append(line)
        print(line, flush=True)

    return add


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _LINES:
        terminalreporter.section("campaign summary")
        for line in _LINES:
            terminalreporter.write_line(line)


_CORE = str(Path(__file__).resolve().parents[1] / "core")
if _CORE not in sys.path:
    sys.path.append(_CORE)  # the provisioning and catalog helpers of the core tests


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A campaign runs for as long as its trials need (bounded at 6 h), not the default run's
    per-test timeout."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.timeout(6 * 3600))
