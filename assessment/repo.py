"""Rows to core values: the rubric a competition runs on, read from its stored source."""

from __future__ import annotations

from functools import lru_cache

from assessment.criteria.files import load_rubric_bytes
from assessment.criteria.model import Rubric
from assessment.models import Competition, StoredRubric


@lru_cache(maxsize=32)
def _parse_stored(fingerprint: str, source: bytes, name: str) -> Rubric:
    # Keyed by fingerprint too: a stored rubric never changes, so a parsed copy stays valid for the process.
    return load_rubric_bytes(source, name)


def rubric_of_stored(stored: StoredRubric) -> Rubric:
    """The parsed rubric of a stored rubric (from its original YAML text or Excel bytes)."""
    source = stored.source_bytes if stored.source_bytes is not None else (stored.source_text or "").encode("utf-8")
    return _parse_stored(stored.fingerprint, source, stored.original_name or "rubrik.yaml")


def rubric_of(competition: Competition) -> Rubric:
    """The rubric ``competition`` runs on."""
    return rubric_of_stored(competition.rubric)
