"""The exit codes of every ``commissioner`` command: one table, the only source.

The CLI's ``--help`` epilog (:func:`help_epilog`) and the README's exit-code section
(:func:`markdown_table`, between the markers :data:`README_BEGIN` and :data:`README_END`) are
both rendered from :data:`EXIT_CODES`; a test keeps the README equal to the rendering, and the
command modules' own constants equal to the table. ``python -m commissioner.cli.exit_codes``
prints the README section.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Final

__all__ = [
    "BLOCKED",
    "CATALOG_SECURITY",
    "ERROR",
    "EXIT_CODES",
    "FAILED",
    "INTERRUPTED",
    "NOT_READY",
    "NO_CATALOG",
    "OK",
    "PLATFORM_UNREACHABLE",
    "README_BEGIN",
    "README_END",
    "UNVERIFIED",
    "USAGE",
    "ExitCode",
    "help_epilog",
    "markdown_table",
]

OK: Final = 0
ERROR: Final = 1
USAGE: Final = 2
CATALOG_SECURITY: Final = 3
PLATFORM_UNREACHABLE: Final = 4
NO_CATALOG: Final = 5
BLOCKED: Final = 6
FAILED: Final = 7
NOT_READY: Final = 8
UNVERIFIED: Final = 9
INTERRUPTED: Final = 130


@dataclass(frozen=True, slots=True)
class ExitCode:
    code: int
    name: str
    meaning: str  # one sentence: which commands, and when


EXIT_CODES: Final[tuple[ExitCode, ...]] = (
    ExitCode(OK, "ok", "Done: every device the command covers passed (for `commission` with "
             "`--skip-blocked`: every device that is not blocked)."),
    ExitCode(ERROR, "error", "The command could not do its work: bad input, a missing job, the "
             "keyring refused, a storage fault, the clock behind the catalog; `label add` "
             "flagged a label; `audit verify` found the log broken; `onboard` left a device "
             "not onboarded."),
    ExitCode(USAGE, "usage", "The command line is wrong (unknown option, missing argument, no "
             "command)."),
    ExitCode(CATALOG_SECURITY, "catalog-security", "The certified-model catalog failed a "
             "security check, or its local cache was lost or edited (`catalog`, `certify`, "
             "`update`, `commission`, `handover`); `verify`: the home does not match the "
             "handed-over record."),
    ExitCode(PLATFORM_UNREACHABLE, "platform-unreachable", "The catalog platform cannot be "
             "reached and no offline catalog may be used."),
    ExitCode(NO_CATALOG, "no-catalog", "No usable catalog: none was ever synced here, or the "
             "offline one is past its grace period."),
    ExitCode(BLOCKED, "blocked", "`certify`: at least one device is blocked; `commission`: "
             "blocked devices were left out (not commissioned) and `--skip-blocked` was not "
             "given."),
    ExitCode(FAILED, "failed", "`commission`: at least one device failed (run again to "
             "resume); `update`: at least one device does not run the latest firmware."),
    ExitCode(NOT_READY, "not-ready", "`handover`: the job cannot be closed yet (the blockers "
             "are listed)."),
    ExitCode(UNVERIFIED, "unverified", "`wipe`: at least one device is not verified wiped."),
    ExitCode(INTERRUPTED, "interrupted", "Interrupted (Ctrl+C); run the command again to "
             "resume."),
)

README_BEGIN: Final = "<!-- exit-codes: generated from commissioner/cli/exit_codes.py -->"
README_END: Final = "<!-- /exit-codes -->"


def help_epilog() -> str:
    """The exit-code table for ``commissioner --help`` (plain text, one code a line)."""
    lines = ["exit codes (every command):"]
    for e in EXIT_CODES:
        lines.append(textwrap.fill(
            e.meaning.replace("`", ""), width=92, initial_indent=f"  {e.code:>3}  {e.name:<21} ",
            subsequent_indent=" " * 29))
    return "\n".join(lines)


def markdown_table() -> str:
    """The README section's body (between the markers)."""
    rows = ["| Code | Name | Meaning |", "| ---: | --- | --- |"]
    rows += [f"| {e.code} | `{e.name}` | {e.meaning} |" for e in EXIT_CODES]
    return "\n".join([README_BEGIN, *rows, README_END])


if __name__ == "__main__":
    print(markdown_table())
