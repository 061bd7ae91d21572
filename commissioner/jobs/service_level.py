"""The service level a home calls for, and the basis of the one a job records (R2-1, R3-2).

The guideline asks two questions of the service: does it handle personal data, and can it
affect life or property? Either answered yes calls for ★★★. The kinds of device found in the
home inform the suggestion too: an electric lock or a security camera suggests ★★★. A job
whose level is below the suggestion needs a recorded reason before it is handed over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from commissioner.jobs.models import Job

BASE_LEVEL: Final = 2
HIGH_LEVEL: Final = 3
# Device kinds whose presence suggests ★★★ (they guard the home or watch the people in it).
HIGH_LEVEL_KINDS: Final = frozenset({"electric-lock", "camera"})


def answers_level(personal_data: bool | None, life_or_property: bool | None) -> int:
    """The level the two answers imply: either yes → ★★★ (unanswered counts as no)."""
    return HIGH_LEVEL if personal_data or life_or_property else BASE_LEVEL


def kinds_suggesting_high(kinds: Iterable[str]) -> tuple[str, ...]:
    """The kinds among ``kinds`` that suggest ★★★, sorted, once each."""
    return tuple(sorted({k for k in kinds if k in HIGH_LEVEL_KINDS}))


@dataclass(frozen=True, slots=True)
class LevelBasis:
    """What the job's level rests on and whether it still needs a reason."""

    level: int
    personal_data: bool | None
    life_or_property: bool | None
    answers_level: int
    suggested_level: int
    suggested_by: tuple[str, ...]  # device kinds that raised the suggestion
    reason: str | None

    @property
    def below_suggestion(self) -> bool:
        return self.level < self.suggested_level

    @property
    def needs_reason(self) -> bool:
        """Below the suggestion with no reason recorded: handover is blocked."""
        return self.below_suggestion and not self.reason

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level, "personal_data": self.personal_data,
            "life_or_property": self.life_or_property, "answers_level": self.answers_level,
            "suggested_level": self.suggested_level, "suggested_by": list(self.suggested_by),
            "reason": self.reason,
        }


def level_basis(job: Job, kinds: Iterable[str] = ()) -> LevelBasis:
    """The basis of ``job``'s level, given the kinds of device found in the home."""
    answers = answers_level(job.personal_data, job.life_or_property)
    raising = kinds_suggesting_high(kinds)
    suggested = max(answers, HIGH_LEVEL if raising else BASE_LEVEL)
    return LevelBasis(job.service_level, job.personal_data, job.life_or_property, answers,
                      suggested, raising, job.level_reason)
