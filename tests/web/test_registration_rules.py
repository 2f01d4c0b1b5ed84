"""The rules of registration, one test per rule (see the docstrings in :mod:`assessment.registration.rules`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assessment.registration.rules import (
    Candidate,
    Refusal,
    committee_window,
    desa_may_take_part,
    kabupaten_of,
    message,
    nomination_window,
    quota_allows,
    quota_may_become,
    removal_allowed,
    within,
)

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)
ELIGIBLE = ("desa", "desa_adat")


def test_desa_may_take_part() -> None:
    assert desa_may_take_part(Candidate("64.09.04.2002", "desa"), "64", ELIGIBLE) is None
    assert desa_may_take_part(Candidate("64.09.04.2002", "desa_adat"), "64.09", ELIGIBLE) is None


def test_desa_may_take_part_unknown_code() -> None:
    assert desa_may_take_part(Candidate("64.09.04.9999", None), "64", ELIGIBLE) is Refusal.unknown


def test_desa_may_take_part_not_a_desa() -> None:
    assert desa_may_take_part(Candidate("64.09.04", "kecamatan"), "64", ELIGIBLE) is Refusal.not_desa
    assert desa_may_take_part(Candidate("64.09", "kabupaten"), "64", ELIGIBLE) is Refusal.not_desa


def test_desa_may_take_part_only_kinds_the_rubric_makes_eligible() -> None:
    assert desa_may_take_part(Candidate("64.09.04.1001", "kelurahan"), "64", ELIGIBLE) is Refusal.not_eligible
    assert desa_may_take_part(Candidate("64.09.04.1001", "kelurahan"), "64", ("kelurahan",)) is None


def test_desa_may_take_part_inside_the_scope_only() -> None:
    assert desa_may_take_part(Candidate("64.01.01.2001", "desa"), "64.09", ELIGIBLE) is Refusal.outside_scope
    # Whole parts, never a bare string prefix: 64.091 is not inside 64.09.
    assert not within("64.091.01.2001", "64.09")
    assert kabupaten_of("64.09.04.2002") == "64.09"


def test_quota_allows() -> None:
    assert quota_allows(4, 5)
    assert not quota_allows(5, 5)
    assert not quota_allows(4, 5, adding=2)
    assert not quota_allows(0, 0)


def test_quota_allows_without_a_quota_there_is_no_cap() -> None:
    assert quota_allows(500, None)


def test_quota_may_become() -> None:
    assert quota_may_become(3, 3)
    assert quota_may_become(10, 3)
    assert not quota_may_become(2, 3)


def test_nomination_window() -> None:
    registration = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert nomination_window(registration, NOW) is None
    assert nomination_window((NOW + timedelta(seconds=1), NOW + timedelta(days=1)), NOW) is Refusal.not_open_yet
    # The end is excluded: at the very instant the stage ends, it is closed.
    assert nomination_window((NOW - timedelta(days=1), NOW), NOW) is Refusal.closed
    assert nomination_window((NOW, NOW + timedelta(days=1)), NOW) is None


def test_nomination_window_without_a_registration_stage() -> None:
    assert nomination_window(None, NOW) is Refusal.no_registration_stage


def test_committee_window() -> None:
    assert committee_window(NOW + timedelta(days=1), NOW) is None
    assert committee_window(NOW, NOW) is Refusal.closed
    assert committee_window(None, NOW) is None


def test_removal_allowed() -> None:
    assert removal_allowed(False) is None
    assert removal_allowed(True) is Refusal.has_work


def test_every_refusal_has_a_message() -> None:
    for refusal in Refusal:
        text = message(
            refusal, code="64.09.04.2002", kind="kelurahan", eligible="desa", scope="64", kabupaten="64.09", quota=5
        )
        assert text and "{" not in text
