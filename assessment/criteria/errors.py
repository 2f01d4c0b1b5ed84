"""Problems found in a rubric, each with the place it was found, and the error that carries all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rubric: where (e.g. ``12:aspects[0].weight`` or ``Indikator!D7``) and what."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class RubricError(Exception):
    """A rubric that cannot be used; ``problems`` lists every problem found, never only the first."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


FILE_LOCATION = "(berkas)"
"""The location of a problem with the file as a whole (unreadable, not a rubric, too large)."""


def file_problem(message: str) -> RubricError:
    """A RubricError with one problem about the whole file."""
    return RubricError([Problem(FILE_LOCATION, message)])
