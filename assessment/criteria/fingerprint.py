"""The fingerprint of a rubric: SHA-256 over a canonical form, naming the exact rubric a score was given under.

The canonical form is UTF-8 JSON with sorted mapping keys and no spaces, so the key order of the source file, its
comments, its layout and its format (YAML or Excel) do not matter. Numbers are written as plain decimals without
trailing zeros (7, 7.0 and 7.00 are one weight). Sequences keep their order: the order of aspects, indicators,
bands, evidence and tie-break rules is part of the rubric. Everything else is included: id, title, version, scale,
level names, bands, aggregation, disagreement threshold, tie-break, eligible region kinds, and every aspect and
indicator with its code, name, weight, level texts, evidence, verification and allow_na. The aspect weight is the
sum of its indicators and so already covered; levels and level names are sorted by level. ``format`` names this
layout; change it if the layout ever changes.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from assessment.criteria.errors import Problem, RubricError
from assessment.criteria.model import Rubric
from assessment.criteria.parse import parse_rubric

CANONICAL_FORMAT = "desa-digital-rubric/1"


def _number(value: Decimal) -> str:
    # Strings, not JSON numbers: a float round trip could change a decimal weight.
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def canonical_form(rubric: Rubric) -> bytes:
    """The bytes the fingerprint is computed over (stable across Python versions and platforms)."""
    document = {
        "format": CANONICAL_FORMAT,
        "id": rubric.id,
        "title": rubric.title,
        "version": rubric.version,
        "scale": {"min": rubric.scale.min, "max": rubric.scale.max},
        "level_names": [[value, name] for value, name in sorted(rubric.level_names)],
        "bands": [{"min": _number(band.min), "label": band.label} for band in rubric.bands],
        "aggregation": rubric.aggregation.value,
        "disagreement_threshold": rubric.disagreement_threshold,
        "tie_break": list(rubric.tie_break),
        "eligible": list(rubric.eligible),
        "aspects": [
            {
                "code": aspect.code,
                "name": aspect.name,
                "indicators": [
                    {
                        "code": indicator.code,
                        "name": indicator.name,
                        "weight": _number(indicator.weight),
                        "levels": sorted([level.value, level.description] for level in indicator.levels),
                        "evidence": list(indicator.evidence),
                        "verification": indicator.verification,
                        "allow_na": indicator.allow_na,
                    }
                    for indicator in aspect.indicators
                ],
            }
            for aspect in rubric.aspects
        ],
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def fingerprint(rubric: Rubric) -> str:
    """The hex SHA-256 of :func:`canonical_form`: equal for equal rubrics, different after any change."""
    return hashlib.sha256(canonical_form(rubric)).hexdigest()


def rubric_from_canonical(data: bytes | str) -> Rubric:
    """The rubric whose :func:`canonical_form` is ``data``: anyone holding those bytes (a final snapshot carries
    them) can rebuild the rubric, score with it, and check it against the fingerprint they were given.

    The document goes through the same parser and checks as an uploaded rubric; ``RubricError`` when it is not a
    canonical form of this ``format`` or breaks a rubric rule.
    """
    try:
        document: Any = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RubricError([Problem("", f"Bentuk kanonik rubrik bukan JSON yang sah: {error}")]) from None
    if not isinstance(document, dict) or document.get("format") != CANONICAL_FORMAT:
        raise RubricError([Problem("format", f"Bukan bentuk kanonik rubrik {CANONICAL_FORMAT}.")])
    plain = {key: value for key, value in document.items() if key != "format"}
    if isinstance(plain.get("level_names"), list):
        plain["level_names"] = {str(value): name for value, name in plain["level_names"]}
    for aspect in plain.get("aspects") or ():
        for indicator in aspect.get("indicators") or () if isinstance(aspect, dict) else ():
            if isinstance(indicator, dict) and isinstance(indicator.get("levels"), list):
                indicator["levels"] = {str(value): text for value, text in indicator["levels"]}
            # The canonical form writes every field; a rubric file leaves the optional empty ones out.
            for optional in ("verification", "evidence"):
                if isinstance(indicator, dict) and indicator.get(optional) in ("", []):
                    indicator.pop(optional)
    if not plain.get("level_names"):
        plain.pop("level_names", None)
    return parse_rubric(plain)
