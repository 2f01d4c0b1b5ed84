"""parse_rubric: one test per rule of assessment.criteria.parse, every problem located, all reported together."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from assessment.criteria.errors import Problem, RubricError
from assessment.criteria.model import DEFAULT_ELIGIBLE, DEFAULT_TIE_BREAK
from assessment.criteria.parse import parse_rubric
from tests.core.rubric_data import DELETE, changed, valid_document

IND = ("aspects", 0, "indicators", 0)


def problems_of(document: Any) -> tuple[Problem, ...]:
    with pytest.raises(RubricError) as caught:
        parse_rubric(document)
    return caught.value.problems


def test_valid_document_parses() -> None:
    rubric = parse_rubric(valid_document())
    assert [aspect.code for aspect in rubric.aspects] == ["A", "B"]
    assert [indicator.code for indicator in rubric.indicators] == ["A1", "A2", "B1"]
    assert rubric.indicator("B1").allow_na is True
    assert rubric.indicator("A1").level_description(3) == "A1 level 3"
    assert rubric.level_names[0] == (0, "Belum ada")


# (rule, document, expected location, a fragment the message must contain)
RULES: list[tuple[str, Any, str, str]] = [
    ("not_a_mapping", ["id", "title"], "(seluruh berkas)", "bukan rubrik"),
    ("not_a_rubric", {"foo": 1, "bar": 2}, "(seluruh berkas)", "bukan rubrik"),
    ("unknown_key", changed(valid_document(), (("titel",), "x")), "titel", "Mungkin maksud Anda 'title'"),
    (
        "unknown_key_indonesian",
        changed(valid_document(), ((*IND, "bobot"), 3)),
        "aspects[0].indicators[0].bobot",
        "Mungkin maksud Anda 'weight'",
    ),
    (
        "missing_key",
        changed(valid_document(), ((*IND, "levels"), DELETE)),
        "aspects[0].indicators[0].levels",
        "'levels'",
    ),
    (
        "wrong_type_weight_in_words",
        changed(valid_document(), ((*IND, "weight"), "tujuh")),
        "aspects[0].indicators[0].weight",
        "bukan teks 'tujuh'",
    ),
    (
        "wrong_type_allow_na",
        changed(valid_document(), ((*IND, "allow_na"), "mungkin")),
        "aspects[0].indicators[0].allow_na",
        "ya atau tidak",
    ),
    ("wrong_type_list", changed(valid_document(), (("aspects",), "A, B")), "aspects", "daftar"),
    (
        "control_character",
        changed(valid_document(), ((*IND, "name"), "Surat\x07 daring")),
        "aspects[0].indicators[0].name",
        "karakter kontrol",
    ),
    (
        "evidence_item_one_line",
        changed(valid_document(), ((*IND, "evidence"), ["URL", "log\nekspor"])),
        "aspects[0].indicators[0].evidence[1]",
        "satu baris",
    ),
    ("bad_code", changed(valid_document(), ((*IND, "code"), "A 1")), "aspects[0].indicators[0].code", "tanpa spasi"),
    ("reversed_scale", changed(valid_document(), (("scale",), {"min": 4, "max": 0})), "scale", "terbalik"),
    (
        "absurd_number",
        changed(valid_document(), (("scale", "max"), Decimal("1.0E+999999999"))),
        "scale.max",
        "bilangan bulat",
    ),
    ("scale_not_integer", changed(valid_document(), (("scale", "max"), Decimal("4.5"))), "scale.max", "bilangan bulat"),
    (
        "level_off_scale",
        changed(valid_document(), ((*IND, "levels", 5), "lebih")),
        "aspects[0].indicators[0].levels[5]",
        "di luar skala 0–4",
    ),
    (
        "level_gap",
        changed(valid_document(), ((*IND, "levels", 2), DELETE)),
        "aspects[0].indicators[0].levels",
        "level 2",
    ),
    ("level_names_gap", changed(valid_document(), (("level_names", 4), DELETE)), "level_names", "level 4"),
    ("band_out_of_range", changed(valid_document(), (("bands", 2, "min"), 120)), "bands[2].min", "0–100"),
    ("band_lowest_not_zero", changed(valid_document(), (("bands", 0, "min"), 10)), "bands[0].min", "mulai dari 0"),
    ("band_unsorted", changed(valid_document(), (("bands", 1, "min"), 90)), "bands[2].min", "lebih kecil"),
    ("band_duplicate", changed(valid_document(), (("bands", 2, "min"), 40)), "bands[2].min", "sama dengan"),
    (
        "band_label_duplicate",
        changed(valid_document(), (("bands", 2, "label"), "Baik")),
        "bands[2].label",
        "sudah dipakai",
    ),
    (
        "unknown_aggregation",
        changed(valid_document(), (("aggregation",), "average")),
        "aggregation",
        "mean (rata-rata) atau median",
    ),
    (
        "bad_threshold",
        changed(valid_document(), (("disagreement_threshold",), 0)),
        "disagreement_threshold",
        "minimal 1",
    ),
    (
        "threshold_beyond_scale",
        changed(valid_document(), (("disagreement_threshold",), 5)),
        "disagreement_threshold",
        "rentang skala",
    ),
    (
        "unknown_tie_break",
        changed(valid_document(), (("tie_break",), ["top_level"])),
        "tie_break[0]",
        "Mungkin maksud Anda 'top_levels'",
    ),
    (
        "unknown_aspect_in_tie_break",
        changed(valid_document(), (("tie_break",), ["aspect:Z"])),
        "tie_break[0]",
        "aspek 'Z'",
    ),
    (
        "duplicate_tie_break",
        changed(valid_document(), (("tie_break",), ["top_levels", "top_levels"])),
        "tie_break[1]",
        "lebih dari sekali",
    ),
    (
        "unknown_region_kind",
        changed(valid_document(), (("eligible",), ["desa", "dusun"])),
        "eligible[1]",
        "tidak dikenal",
    ),
    ("empty_eligible", changed(valid_document(), (("eligible",), [])), "eligible", "kosong"),
    ("no_aspects", changed(valid_document(), (("aspects",), [])), "aspects", "belum punya aspek"),
    (
        "empty_aspect",
        changed(valid_document(), (("aspects", 1, "indicators"), [])),
        "aspects[1].indicators",
        "tidak punya indikator",
    ),
    (
        "duplicate_code_aspect",
        changed(valid_document(), (("aspects", 1, "code"), "A")),
        "aspects[1].code",
        "sudah dipakai di aspects[0].code",
    ),
    (
        "duplicate_code_indicator",
        changed(valid_document(), (("aspects", 1, "indicators", 0, "code"), "A1")),
        "aspects[1].indicators[0].code",
        "sudah dipakai",
    ),
    (
        "weight_not_positive",
        changed(valid_document(), ((*IND, "weight"), 0)),
        "aspects[0].indicators[0].weight",
        "lebih besar dari 0",
    ),
    (
        "weights_not_100",
        changed(valid_document(), (("aspects", 1, "indicators", 0, "weight"), Decimal("39.5"))),
        "aspects",
        "Jumlah bobot semua indikator 99.5",
    ),
    (
        "aspect_weight_mismatch",
        changed(valid_document(), (("aspects", 0, "weight"), 61)),
        "aspects[0].weight",
        "jumlah bobot indikatornya 60",
    ),
]


@pytest.mark.parametrize(
    ("document", "location", "fragment"), [rule[1:] for rule in RULES], ids=[rule[0] for rule in RULES]
)
def test_rule_is_reported_with_its_location(document: Any, location: str, fragment: str) -> None:
    problems = problems_of(document)
    matching = [problem for problem in problems if problem.location == location and fragment in problem.message]
    assert matching, f"expected a problem at {location} containing {fragment!r}, got {problems}"


def test_defaults_apply_when_optional_keys_are_left_out() -> None:
    document = valid_document()
    for key in ("aggregation", "disagreement_threshold", "tie_break", "eligible", "level_names"):
        del document[key]
    del document["aspects"][0]["indicators"][0]["allow_na"]
    rubric = parse_rubric(document)
    assert rubric.aggregation == "mean"
    assert rubric.disagreement_threshold == 2
    assert rubric.tie_break == DEFAULT_TIE_BREAK == ("aspects_by_weight", "top_levels", "zero_levels")
    assert rubric.eligible == DEFAULT_ELIGIBLE == ("desa", "desa_adat")
    assert rubric.level_names == ()
    assert rubric.indicator("A1").allow_na is False


def test_decimal_weights_are_exact() -> None:
    # Three weights of 33.3/33.3/33.4 sum to exactly 100 only in decimal arithmetic, not in binary floats.
    document = changed(valid_document(), (("aspects", 0, "weight"), DELETE))
    document["aspects"][0]["indicators"][0]["weight"] = 33.3
    document["aspects"][0]["indicators"][1]["weight"] = "33,3"
    document["aspects"][1]["indicators"][0]["weight"] = Decimal("33.4")
    rubric = parse_rubric(document)
    assert [indicator.weight for indicator in rubric.indicators] == [Decimal("33.3"), Decimal("33.3"), Decimal("33.4")]


def test_aspect_tie_break_with_known_code_is_accepted() -> None:
    rubric = parse_rubric(changed(valid_document(), (("tie_break",), "aspect:B, top_levels")))
    assert rubric.tie_break == ("aspect:B", "top_levels")


def test_allow_na_accepts_ya_and_tidak() -> None:
    rubric = parse_rubric(changed(valid_document(), ((*IND, "allow_na"), "ya"), ((*IND[:-1], 1, "allow_na"), "tidak")))
    assert (rubric.indicator("A1").allow_na, rubric.indicator("A2").allow_na) == (True, False)


def test_boolean_is_not_a_weight() -> None:
    problems = problems_of(changed(valid_document(), ((*IND, "weight"), True)))
    assert any(problem.location == "aspects[0].indicators[0].weight" for problem in problems)


def test_every_problem_is_reported_not_only_the_first() -> None:
    document = changed(
        valid_document(),
        (("titel",), "typo"),
        (("aggregation",), "modus"),
        (("bands", 0, "min"), 5),
        ((*IND, "weight"), "tujuh"),
        (("aspects", 0, "indicators", 1, "levels", 9), "x"),
        (("aspects", 1, "code"), "A"),
        (("tie_break",), ["aspect:Q"]),
    )
    locations = {problem.location for problem in problems_of(document)}
    assert {
        "titel",
        "aggregation",
        "bands[0].min",
        "aspects[0].indicators[0].weight",
        "aspects[0].indicators[1].levels[9]",
        "aspects[1].code",
        "tie_break[0]",
    } <= locations


def test_sum_is_checked_even_when_another_part_is_wrong() -> None:
    document = changed(valid_document(), (("aspects", 1, "indicators", 0, "weight"), 10), (("aspects", 1, "name"), ""))
    messages = [problem.message for problem in problems_of(document)]
    assert any("Jumlah bobot semua indikator 70" in message for message in messages)
    assert any("Nama aspek tidak boleh kosong" in message for message in messages)


def test_custom_locate_receives_key_paths() -> None:
    seen: list[tuple[str | int, ...]] = []

    def locate(path: tuple[str | int, ...]) -> str:
        seen.append(path)
        return "SINI"

    with pytest.raises(RubricError) as caught:
        parse_rubric(changed(valid_document(), ((*IND, "weight"), "tujuh")), locate)
    assert (*IND, "weight") in seen
    assert all(problem.location == "SINI" for problem in caught.value.problems)


def test_rubric_error_lists_every_problem_in_its_text() -> None:
    error = RubricError([Problem("a", "satu"), Problem("b", "dua")])
    assert str(error) == "a: satu\nb: dua"
    assert error.problems == (Problem("a", "satu"), Problem("b", "dua"))
