"""The fingerprint: key order and number spelling do not change it; any change of content does."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.criteria.errors import RubricError
from assessment.criteria.files import load_rubric
from assessment.criteria.fingerprint import canonical_form, fingerprint, rubric_from_canonical
from assessment.criteria.parse import parse_rubric
from tests.core.rubric_data import changed, rubric_documents, valid_document

DEFAULT_RUBRIC = Path(__file__).resolve().parents[2] / "data" / "rubrics" / "desa-digital-kaltim-2026.yaml"

# Timing is not what these tests check, and the CI machine is shared: no deadline, no too-slow health check.
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same document with every mapping's keys in a random order (lists keep their order)."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: shuffled(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


@PROPERTY_SETTINGS
@given(document=rubric_documents(), seed=st.integers())
def test_reordering_keys_keeps_the_fingerprint(document: dict[str, Any], seed: int) -> None:
    reordered = shuffled(document, random.Random(seed))
    assert fingerprint(parse_rubric(reordered)) == fingerprint(parse_rubric(document))


@PROPERTY_SETTINGS
@given(document=rubric_documents(), data=st.data())
def test_moving_weight_between_indicators_changes_the_fingerprint(
    document: dict[str, Any], data: st.DataObject
) -> None:
    indicators = [indicator for aspect in document["aspects"] for indicator in aspect["indicators"]]
    if len(indicators) < 2:
        document["aspects"][0]["indicators"].append({**indicators[0], "code": "extra", "weight": Decimal("0.01")})
        indicators[0]["weight"] -= Decimal("0.01")
        indicators = [indicator for aspect in document["aspects"] for indicator in aspect["indicators"]]
    before = fingerprint(parse_rubric(document))
    step = data.draw(st.sampled_from([Decimal("0.01"), Decimal("0.001")]))
    giver = data.draw(st.sampled_from([indicator for indicator in indicators if indicator["weight"] > step]))
    taker = data.draw(st.sampled_from([indicator for indicator in indicators if indicator is not giver]))
    giver["weight"] -= step
    taker["weight"] += step
    assert fingerprint(parse_rubric(document)) != before


@PROPERTY_SETTINGS
@given(document=rubric_documents(), data=st.data(), extra=st.sampled_from(["x", ".", "1", "é"]))
def test_changing_a_level_text_changes_the_fingerprint(
    document: dict[str, Any], data: st.DataObject, extra: str
) -> None:
    before = fingerprint(parse_rubric(document))
    aspect = data.draw(st.sampled_from(document["aspects"]))
    indicator = data.draw(st.sampled_from(aspect["indicators"]))
    level = data.draw(st.sampled_from(sorted(indicator["levels"])))
    indicator["levels"][level] += extra
    assert fingerprint(parse_rubric(document)) != before


@PROPERTY_SETTINGS
@given(document=rubric_documents(), data=st.data())
def test_changing_a_band_changes_the_fingerprint(document: dict[str, Any], data: st.DataObject) -> None:
    before = fingerprint(parse_rubric(document))
    bands = document["bands"]
    if data.draw(st.booleans()) or len(bands) == 1:
        band = data.draw(st.sampled_from(bands))
        band["label"] += "+"
    else:
        index = data.draw(st.integers(1, len(bands) - 1))
        upper = bands[index + 1]["min"] if index + 1 < len(bands) else 101
        lower = bands[index - 1]["min"]
        candidates = [
            value
            for value in (lower + Decimal("0.5"), upper - Decimal("0.5"))
            if value != bands[index]["min"] and lower < value < upper and value <= 100
        ]
        bands[index]["min"] = candidates[0]
    assert fingerprint(parse_rubric(document)) != before


def test_seven_and_seven_point_zero_are_one_weight() -> None:
    prints = set()
    for spelling in (35, 35.0, "35.00", Decimal("35.000"), Decimal("3.5E+1")):
        prints.add(
            fingerprint(parse_rubric(changed(valid_document(), (("aspects", 0, "indicators", 0, "weight"), spelling))))
        )
    assert len(prints) == 1


EDITS = {
    "id": (("id",), "lain"),
    "title": (("title",), "Judul lain"),
    "version": (("version",), "2"),
    "level_names": (("level_names", 2), "Jalan"),
    "aggregation": (("aggregation",), "median"),
    "disagreement_threshold": (("disagreement_threshold",), 3),
    "tie_break": (("tie_break",), ["top_levels", "aspects_by_weight", "zero_levels"]),
    "eligible": (("eligible",), ["desa"]),
    "aspect_code": (("aspects", 1, "code"), "C"),
    "aspect_name": (("aspects", 1, "name"), "Ekonomi Digital"),
    "indicator_code": (("aspects", 0, "indicators", 0, "code"), "A9"),
    "indicator_name": (("aspects", 0, "indicators", 0, "name"), "Surat"),
    "evidence": (("aspects", 0, "indicators", 0, "evidence"), ["URL layanan", "log"]),
    "verification": (("aspects", 0, "indicators", 0, "verification"), "kunjungan"),
    "allow_na": (("aspects", 0, "indicators", 0, "allow_na"), True),
}


@pytest.mark.parametrize("edit", list(EDITS.values()), ids=list(EDITS))
def test_any_field_change_changes_the_fingerprint(edit: tuple[tuple[str | int, ...], Any]) -> None:
    document = valid_document()
    assert fingerprint(parse_rubric(changed(document, edit))) != fingerprint(parse_rubric(document))


def test_shifting_the_scale_changes_the_fingerprint() -> None:
    document = valid_document()
    shifted = changed(
        document,
        (("scale",), {"min": 1, "max": 5}),
        (("level_names",), {level + 1: name for level, name in document["level_names"].items()}),
    )
    for aspect in shifted["aspects"]:
        for indicator in aspect["indicators"]:
            indicator["levels"] = {level + 1: text for level, text in indicator["levels"].items()}
    assert fingerprint(parse_rubric(shifted)) != fingerprint(parse_rubric(document))


def test_canonical_form_is_sorted_compact_utf8_json() -> None:
    form = canonical_form(parse_rubric(valid_document()))
    decoded = json.loads(form.decode("utf-8"))
    assert form == json.dumps(decoded, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert decoded["aspects"][0]["indicators"][0]["weight"] == "35"
    assert decoded["format"] == "desa-digital-rubric/1"


def test_fingerprint_is_hex_sha256() -> None:
    value = fingerprint(parse_rubric(valid_document()))
    assert len(value) == 64
    assert int(value, 16) >= 0


@PROPERTY_SETTINGS
@given(rubric_documents())
def test_the_canonical_form_alone_rebuilds_the_rubric(document: dict[str, Any]) -> None:
    """Whoever holds the canonical bytes (a final snapshot carries them) rebuilds the same rubric, fingerprint
    included."""
    rubric = parse_rubric(document)
    rebuilt = rubric_from_canonical(canonical_form(rubric))
    assert rebuilt == rubric
    assert fingerprint(rebuilt) == fingerprint(rubric)


def test_a_rubric_without_its_optional_fields_rebuilds_from_its_canonical_form() -> None:
    document = valid_document()
    for aspect in document["aspects"]:
        for indicator in aspect["indicators"]:
            indicator.pop("verification", None)
            indicator.pop("evidence", None)
    document.pop("level_names", None)
    rubric = parse_rubric(document)
    assert rubric_from_canonical(canonical_form(rubric)) == rubric


def test_the_default_rubric_rebuilds_from_its_canonical_form() -> None:
    rubric = load_rubric(DEFAULT_RUBRIC)
    assert rubric_from_canonical(canonical_form(rubric).decode("utf-8")) == rubric


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "bukan JSON yang sah"),
        (b'{"format": "lain/9"}', "Bukan bentuk kanonik"),
        (b"[1, 2]", "Bukan bentuk kanonik"),
    ],
)
def test_what_is_not_a_canonical_form_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(RubricError) as caught:
        rubric_from_canonical(data)
    assert message in str(caught.value)


def test_a_canonical_form_that_breaks_a_rule_is_refused() -> None:
    document = json.loads(canonical_form(parse_rubric(valid_document())))
    document["aspects"][0]["indicators"][0]["weight"] = "0"
    with pytest.raises(RubricError):
        rubric_from_canonical(json.dumps(document))
