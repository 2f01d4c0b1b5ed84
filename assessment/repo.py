"""The one place that turns rows into core values: a stored rubric back into a :class:`Rubric`."""

from __future__ import annotations

from functools import lru_cache

from assessment.criteria.files import load_rubric_bytes
from assessment.criteria.fingerprint import fingerprint
from assessment.criteria.model import Rubric
from assessment.models import RubricFormat, StoredRubric


@lru_cache(maxsize=32)
def _parse(fingerprint_value: str, source: bytes, filename: str) -> Rubric:
    rubric = load_rubric_bytes(source, filename)
    if fingerprint(rubric) != fingerprint_value:
        # The parser changed in a way that changes the meaning of a stored rubric: never score under it silently.
        raise RuntimeError(f"stored rubric {fingerprint_value[:12]} no longer parses to the same fingerprint")
    return rubric


def rubric_of(stored: StoredRubric) -> Rubric:
    """The core rubric of a stored one, parsed from its original source and checked against its fingerprint."""
    if stored.source_format is RubricFormat.xlsx:
        source = stored.source_bytes or b""
        filename = "rubrik.xlsx"
    else:
        source = (stored.source_text or "").encode("utf-8")
        filename = "rubrik.yaml"
    return _parse(stored.fingerprint, source, filename)
