"""The stage gate (:func:`assessment.services.stages.stage_gate`): each action in its stage, committee exceptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from assessment.assignments.operations import open_exception, revoke_exception
from assessment.models import StageCode, User
from assessment.services.stages import Action, StageClosed, require_stage, stage_gate
from tests.conftest import MakeUser
from tests.support.verification import verification_competition


@pytest.fixture
def committee(app: Flask, make_user: MakeUser) -> User:
    from assessment.models import Role

    return make_user(Role.panitia, "64")


def test_action_allowed_only_during_its_stage(app: Flask) -> None:
    competition, _ = verification_competition(StageCode.penilaian_dokumen)
    now = datetime.now(UTC)
    assert stage_gate(competition, Action.desk_score, now).allowed
    reconcile = stage_gate(competition, Action.reconcile, now)
    assert not reconcile.allowed and reconcile.reason == "not_started"
    stage = competition.stage(StageCode.penilaian_dokumen)
    assert stage is not None
    assert stage_gate(competition, Action.desk_score, stage.starts_at).allowed
    closed = stage_gate(competition, Action.desk_score, stage.ends_at)
    assert not closed.allowed and closed.reason == "closed"
    assert not stage_gate(competition, Action.desk_score, stage.starts_at - timedelta(microseconds=1)).allowed


def test_stage_missing_from_schedule_is_closed(app: Flask) -> None:
    competition, _ = verification_competition(StageCode.penilaian_dokumen)
    competition.stages = [s for s in competition.stages if s.code != StageCode.rekonsiliasi]
    gate = stage_gate(competition, Action.reconcile, datetime.now(UTC))
    assert not gate.allowed and gate.reason == "no_schedule"


def test_exception_opens_one_desa_only(app: Flask, committee: User) -> None:
    competition, (mine, other, _third) = verification_competition(StageCode.rekonsiliasi)
    now = datetime.now(UTC)
    assert not stage_gate(competition, Action.desk_score, now, participant=mine).allowed
    exception = open_exception(
        mine,
        StageCode.penilaian_dokumen,
        None,
        "Server desa mati saat tahap berjalan.",
        now + timedelta(days=2),
        committee,
        now,
    )
    gate = stage_gate(competition, Action.desk_score, now, participant=mine, indicator_code="A1")
    assert gate.allowed and gate.reason == "exception" and gate.exception is not None
    assert gate.exception.id == exception.id
    assert stage_gate(competition, Action.desk_score, now, participant=mine).allowed
    assert not stage_gate(competition, Action.desk_score, now, participant=other).allowed


def test_exception_never_opens_another_stage(app: Flask, committee: User) -> None:
    competition, (mine, *_rest) = verification_competition(StageCode.penilaian_dokumen)
    now = datetime.now(UTC)
    open_exception(
        mine, StageCode.penilaian_dokumen, None, "Alasan tertulis.", now + timedelta(days=30), committee, now
    )
    assert not stage_gate(competition, Action.reconcile, now, participant=mine).allowed


def test_exception_for_one_indicator_opens_only_that_indicator(app: Flask, committee: User) -> None:
    competition, (mine, *_rest) = verification_competition(StageCode.rekonsiliasi)
    now = datetime.now(UTC)
    open_exception(
        mine,
        StageCode.penilaian_dokumen,
        "A2",
        "Bukti TTE baru diterima dari Diskominfo.",
        now + timedelta(days=1),
        committee,
        now,
    )
    assert stage_gate(competition, Action.desk_score, now, participant=mine, indicator_code="A2").allowed
    assert not stage_gate(competition, Action.desk_score, now, participant=mine, indicator_code="A1").allowed
    # The whole desa (a submission) needs an exception without indicator.
    assert not stage_gate(competition, Action.desk_score, now, participant=mine).allowed


def test_exception_ends_and_can_be_revoked(app: Flask, committee: User) -> None:
    competition, (mine, *_rest) = verification_competition(StageCode.rekonsiliasi)
    now = datetime.now(UTC)
    exception = open_exception(
        mine, StageCode.penilaian_dokumen, None, "Alasan tertulis.", now + timedelta(hours=1), committee, now
    )
    assert not stage_gate(competition, Action.desk_score, now + timedelta(hours=1), participant=mine).allowed
    revoke_exception(exception, now)
    assert not stage_gate(competition, Action.desk_score, now, participant=mine).allowed
    with pytest.raises(StageClosed):
        require_stage(competition, Action.desk_score, now, participant=mine)


def test_exception_requires_a_written_reason(app: Flask, committee: User) -> None:
    _competition, (mine, *_rest) = verification_competition(StageCode.rekonsiliasi)
    now = datetime.now(UTC)
    with pytest.raises(ValueError, match="alasan"):
        open_exception(mine, StageCode.penilaian_dokumen, None, "   ", now + timedelta(days=1), committee, now)
    with pytest.raises(ValueError, match="masa depan"):
        open_exception(mine, StageCode.penilaian_dokumen, None, "Alasan.", now - timedelta(days=1), committee, now)
