"""The version check (:func:`assessment.assessors.operations.save_desk_score`,
:func:`assessment.desa.operations.save_self_assessment`): two people saving the same score or the same
self-assessment at once never overwrite each other silently. Run on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assessment.assessors import operations as desk
from assessment.assignments.operations import assign_assessor
from assessment.desa import operations as desa_operations
from assessment.models import Assignment, AuditEvent, DeskScore, Participant, Role, SelfAssessment, User
from assessment.platform.extensions import db
from assessment.repo import rubric_of
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition
from tests.support.verification import verification_competition

DESA = "64.09.04.2002"
CONFLICT_TEXT = "BELUM disimpan"


def hidden_version(html: str) -> str:
    found = re.search(r'name="version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="version"', html)
    assert found, "the form carries no version"
    return found.group(1) or found.group(2)


@dataclass
class Desk:
    """One assessor's assignment in penilaian dokumen, and two signed-in clients (two tabs or devices)."""

    assignment: Assignment
    assessor: User
    first: FlaskClient
    second: FlaskClient

    @property
    def url(self) -> str:
        return f"/asesor/penugasan/{self.assignment.id}/indikator/A1"


@pytest.fixture
def desk_world(app: Flask, make_user: MakeUser, login: Login) -> Desk:
    _competition, (bukit, *_rest) = verification_competition()
    db.session.add(SelfAssessment(participant_id=bukit.id, indicator_code="A1", level=3, explanation="12 surat"))
    db.session.commit()
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    assignment = assign_assessor(bukit, assessor, committee, datetime.now(UTC))
    return Desk(assignment, assessor, login(app.test_client(), assessor), login(app.test_client(), assessor))


@dataclass
class Desa:
    """A desa in its self-assessment, and two operators of it signed in on two clients."""

    participant: Participant
    first: FlaskClient
    second: FlaskClient

    @property
    def url(self) -> str:
        return f"/desa/peserta/{self.participant.id}/indikator/A1"


@pytest.fixture
def desa_world(app: Flask, make_user: MakeUser, login: Login) -> Desa:
    _competition, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    first = login(app.test_client(), make_user(Role.operator_desa, DESA, name="Operator Satu"))
    second = login(app.test_client(), make_user(Role.operator_desa, DESA, name="Operator Dua"))
    return Desa(participant, first, second)


def desk_score() -> DeskScore:
    db.session.expire_all()
    [score] = db.session.scalars(db.select(DeskScore)).all()
    return score


def self_row() -> SelfAssessment:
    db.session.expire_all()
    [row] = db.session.scalars(db.select(SelfAssessment)).all()
    return row


# --- desk scores --------------------------------------------------------------------------------------------------


def test_desk_score_later_save_on_a_stale_form_gets_a_conflict_and_keeps_typed_input(desk_world: Desk) -> None:
    world = desk_world
    # Both tabs open the empty form; the first saves level 3.
    version_first = hidden_version(world.first.get(world.url).get_data(as_text=True))
    version_second = hidden_version(world.second.get(world.url).get_data(as_text=True))
    assert version_first == version_second == "0"
    saved = world.first.post(world.url, data={"level": "3", "note": "", "version": version_first})
    assert saved.status_code == 302
    # The second tab saves what it typed, on the form it loaded before that save.
    late = world.second.post(
        world.url, data={"level": "1", "note": "Hanya WhatsApp, bukan aplikasi.", "version": version_second}
    )
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert CONFLICT_TEXT in html
    # What the second person typed is still in the form; the saved value is shown beside it.
    assert "Hanya WhatsApp, bukan aplikasi." in html
    assert re.search(r'<option selected value="1">|<option value="1" selected>', html)
    saved_now = html[html.index('id="saved-now"') :]
    assert "Level: 3" in saved_now[:600]
    # Nothing was overwritten.
    score = desk_score()
    assert (score.level, score.note, score.version) == (3, "", 1)
    # Saving again from the conflict page (now carrying the shown version) replaces it knowingly.
    assert hidden_version(html) == "1"
    again = world.second.post(
        world.url, data={"level": "1", "note": "Hanya WhatsApp, bukan aplikasi.", "version": hidden_version(html)}
    )
    assert again.status_code == 302
    score = desk_score()
    assert (score.level, score.note, score.version) == (1, "Hanya WhatsApp, bukan aplikasi.", 2)


def test_desk_score_stale_update_changes_nothing_and_records_no_event(desk_world: Desk) -> None:
    world = desk_world
    assert world.first.post(world.url, data={"level": "3", "version": "0"}).status_code == 302
    assert (
        world.first.post(world.url, data={"level": "2", "note": "Dua jenis surat.", "version": "1"}).status_code == 302
    )
    events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    late = world.second.post(world.url, data={"level": "4", "note": "Terpadu.", "version": "1"})
    assert late.status_code == 409
    score = desk_score()
    assert (score.level, score.note, score.version) == (2, "Dua jenis surat.", 2)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == events


def test_desk_score_garbled_version_is_a_conflict_not_an_error(desk_world: Desk) -> None:
    world = desk_world
    assert world.first.post(world.url, data={"level": "3", "version": "0"}).status_code == 302
    for garbled in ("abc", "-1", "99999999999999999999", "²"):
        response = world.second.post(world.url, data={"level": "2", "note": "x", "version": garbled})
        assert response.status_code == 409, garbled
    assert desk_score().level == 3


def _race(app: Flask, attempts: list[Callable[[], object]]) -> list[object]:
    """Run each attempt in its own thread, app context and database session, released together."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                outcomes[index] = attempts[index]()
            except Exception as error:  # the outcome under test is which exception each attempt got
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("existing", [False, True], ids=["first-save", "update"])
def test_desk_score_simultaneous_saves_exactly_one_wins(app: Flask, desk_world: Desk, existing: bool) -> None:
    assignment_id = desk_world.assignment.id
    version = 0
    if existing:
        assert desk_world.first.post(desk_world.url, data={"level": "3", "version": "0"}).status_code == 302
        version = 1

    def save(level: int) -> Callable[[], object]:
        def attempt() -> object:
            assignment = db.session.get(Assignment, assignment_id)
            assert assignment is not None
            rubric = rubric_of(assignment.participant.competition.rubric)
            note = "" if level == 3 else f"level {level}"
            return desk.save_desk_score(
                assignment, rubric, "A1", level, False, note, {}, datetime.now(UTC), expected_version=version
            ).level

        return attempt

    outcomes = _race(app, [save(1), save(2), save(4)])
    winners = [o for o in outcomes if isinstance(o, int)]
    losers = [o for o in outcomes if isinstance(o, desk.SaveConflict)]
    assert len(winners) == 1 and len(losers) == 2, outcomes
    score = desk_score()
    assert (score.level, score.version) == (winners[0], version + 1)
    # Each loser was shown the winner's value.
    assert all(loser.current is not None and loser.current.level == winners[0] for loser in losers)


# --- self-assessment ----------------------------------------------------------------------------------------------


def test_self_assessment_later_save_on_a_stale_form_gets_a_conflict_and_keeps_typed_input(
    desa_world: Desa,
) -> None:
    world = desa_world
    version_first = hidden_version(world.first.get(world.url).get_data(as_text=True))
    version_second = hidden_version(world.second.get(world.url).get_data(as_text=True))
    saved = world.first.post(
        world.url, data={"level": "3", "explanation": "Sepuluh jenis surat daring.", "version": version_first}
    )
    assert saved.status_code == 302
    late = world.second.post(
        world.url, data={"level": "2", "explanation": "Tiga jenis surat lewat aplikasi.", "version": version_second}
    )
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert CONFLICT_TEXT in html
    assert "Tiga jenis surat lewat aplikasi." in html
    saved_now = html[html.index('id="saved-now"') :]
    assert "Sepuluh jenis surat daring." in saved_now[:800]
    row = self_row()
    assert (row.level, row.explanation, row.version) == (3, "Sepuluh jenis surat daring.", 1)
    assert hidden_version(html) == "1"
    again = world.second.post(
        world.url, data={"level": "2", "explanation": "Tiga jenis surat lewat aplikasi.", "version": "1"}
    )
    assert again.status_code == 302
    row = self_row()
    assert (row.level, row.explanation, row.version) == (2, "Tiga jenis surat lewat aplikasi.", 2)


def test_self_assessment_form_without_version_saves_over_the_current_row(desa_world: Desa) -> None:
    """A client that sends no version (not a browser form) expects the version its own request loaded."""
    world = desa_world
    assert world.first.post(world.url, data={"level": "3", "explanation": "a"}).status_code == 302
    assert world.second.post(world.url, data={"level": "4", "explanation": "b"}).status_code == 302
    row = self_row()
    assert (row.level, row.explanation, row.version) == (4, "b", 2)


@pytest.mark.parametrize("existing", [False, True], ids=["first-save", "update"])
def test_self_assessment_simultaneous_saves_exactly_one_wins(app: Flask, desa_world: Desa, existing: bool) -> None:
    participant_id = desa_world.participant.id
    version = 0
    if existing:
        assert (
            desa_world.first.post(
                desa_world.url, data={"level": "3", "explanation": "awal", "version": "0"}
            ).status_code
            == 302
        )
        version = 1
    operators = db.session.scalars(db.select(User).order_by(User.id)).all()

    def save(level: int, user_id: int) -> Callable[[], object]:
        def attempt() -> object:
            participant = db.session.get(Participant, participant_id)
            user = db.session.get(User, user_id)
            assert participant is not None and user is not None
            rubric = rubric_of(participant.competition.rubric)
            return desa_operations.save_self_assessment(
                participant, rubric, "A1", level, f"level {level}", user, datetime.now(UTC), expected_version=version
            ).level

        return attempt

    outcomes = _race(app, [save(1, operators[0].id), save(2, operators[1].id)])
    winners = [o for o in outcomes if isinstance(o, int)]
    losers = [o for o in outcomes if isinstance(o, desa_operations.SaveConflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    row = self_row()
    assert (row.level, row.explanation, row.version) == (winners[0], f"level {winners[0]}", version + 1)
    assert losers[0].current is not None and losers[0].current.level == winners[0]
