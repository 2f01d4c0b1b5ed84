"""A stored rubric back into a :class:`~assessment.criteria.model.Rubric` (parsed once per fingerprint)."""

from __future__ import annotations

from functools import lru_cache

from assessment.criteria.fingerprint import fingerprint, rubric_from_canonical
from assessment.criteria.model import Rubric
from assessment.models import (
    StoredRubric,
)


@lru_cache(maxsize=32)
def _parse(fingerprint_value: str, canonical: str) -> Rubric:
    rubric = rubric_from_canonical(canonical)
    if fingerprint(rubric) != fingerprint_value:
        # The parser changed in a way that changes the meaning of a stored rubric: never score under it silently.
        raise RuntimeError(f"stored rubric {fingerprint_value[:12]} no longer parses to the same fingerprint")
    return rubric


def rubric_of(stored: StoredRubric) -> Rubric:
    """The core rubric of a stored one, read from its canonical form (``rubric_json``, the bytes its fingerprint
    is computed over) and checked against that fingerprint. The original upload (YAML text or Excel bytes) is kept
    beside it for people, not read here: one place, one format."""
    return _parse(stored.fingerprint, stored.rubric_json)
