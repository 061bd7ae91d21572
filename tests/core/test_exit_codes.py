"""One table of exit codes for every command: the README section and ``--help`` are rendered
from it, and every code a command returns is in it."""

from __future__ import annotations

import ast
from pathlib import Path

from commissioner.cli import build_parser, exit_codes
from commissioner.cli import certify as certify_cli
from commissioner.cli import commission as commission_cli
from commissioner.cli import documents as documents_cli
from commissioner.cli import firmware as firmware_cli
from commissioner.cli import wipe as wipe_cli
from commissioner.provisioning.outcomes import DeviceOutcome, RunSummary
from commissioner.trust.catalog_errors import CatalogError

ROOT = Path(__file__).resolve().parents[2]
CODES = {e.code for e in exit_codes.EXIT_CODES}


def test_the_readme_section_is_the_rendered_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(exit_codes.README_BEGIN) == 1
    start = readme.index(exit_codes.README_BEGIN)
    end = readme.index(exit_codes.README_END) + len(exit_codes.README_END)
    assert readme[start:end] == exit_codes.markdown_table(), (
        "regenerate the README section: python -m commissioner.cli.exit_codes")


def test_help_lists_every_code() -> None:
    text = build_parser().format_help()
    assert exit_codes.help_epilog() in text
    for e in exit_codes.EXIT_CODES:
        assert f" {e.code:>3}  {e.name}" in text


def test_the_commands_use_the_codes_of_the_table() -> None:
    assert certify_cli.EXIT_BLOCKED == exit_codes.BLOCKED
    assert commission_cli.EXIT_BLOCKED == exit_codes.BLOCKED
    assert commission_cli.EXIT_FAILED == exit_codes.FAILED
    assert firmware_cli.EXIT_NOT_LATEST == exit_codes.FAILED
    assert documents_cli.EXIT_NOT_READY == exit_codes.NOT_READY
    assert wipe_cli.EXIT_UNVERIFIED == exit_codes.UNVERIFIED
    assert CatalogError("bad-signature", "x").exit_code == exit_codes.CATALOG_SECURITY
    assert CatalogError("unreachable", "x").exit_code == exit_codes.PLATFORM_UNREACHABLE
    assert CatalogError("grace-expired", "x").exit_code == exit_codes.NO_CATALOG
    assert CatalogError("clock-behind", "x").exit_code == exit_codes.ERROR


def test_every_literal_code_a_command_returns_is_in_the_table() -> None:
    found: dict[int, str] = {}
    for path in sorted((ROOT / "commissioner" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Return) and node.value is not None:
                for sub in ast.walk(node.value):
                    if isinstance(sub, ast.Constant) and type(sub.value) is int:
                        found.setdefault(sub.value, path.name)
    assert found, "no return codes found"
    assert {c: f for c, f in found.items() if c not in CODES} == {}


def _summary(*statuses: str) -> RunSummary:
    outcomes = tuple(DeviceOutcome(f"dev-{i}", "device", s) for i, s in enumerate(statuses))
    return RunSummary("job", outcomes, 1.0, 4, "ab" * 32, None, 1)


def test_commission_exit_code_and_note_for_blocked_devices() -> None:
    code_of, note_of = commission_cli.exit_code_of, commission_cli.blocked_note
    done = _summary("provisioned", "provisioned")
    assert code_of(done, skip_blocked=False) == 0 and note_of(done, skip_blocked=False) is None
    blocked = _summary("provisioned", "blocked")
    assert code_of(blocked, skip_blocked=False) == exit_codes.BLOCKED
    assert code_of(blocked, skip_blocked=True) == exit_codes.OK
    assert "--skip-blocked" in (note_of(blocked, skip_blocked=False) or "")
    assert "as asked" in (note_of(blocked, skip_blocked=True) or "")
    failed = _summary("provisioned", "failed", "blocked")
    assert code_of(failed, skip_blocked=True) == exit_codes.FAILED
    nothing = _summary("blocked")  # nothing could be provisioned at all
    assert code_of(nothing, skip_blocked=True) == exit_codes.FAILED
