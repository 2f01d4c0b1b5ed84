"""The first view after a change (issue 13, point 7): what is kept between views never shows stale or foreign data.

A ranking page or dashboard reads each desa's counted desk scores again only when that desa's summary changed
(:func:`assessment.repo.kept_counted_records`); these tests hold it to a full read, to another competition and to
the page computed with nothing kept.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assessment import repo
from assessment.models import (
    Assignment,
    AssignmentMethod,
    Competition,
    DeskScore,
    Participant,
    Role,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support.results import BUKIT, PASER, SEMOI, ResultsWorld, results_world

CSRF = re.compile(r'name="csrf_token" value="[^"]*"')


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


def forget_kept(app: Flask) -> None:
    """Nothing kept: the engine's runs, the kept desk rows and the dashboards' bodies."""
    repo._run_cache.clear()
    app.extensions.pop("desk_rows", None)
    app.extensions.pop("dashboard_bodies", None)


def kept(competition: Competition, region: str | None = None) -> list[repo.Record]:
    return repo.kept_counted_records(competition, region, repo.desk_states(competition, region))


def full(competition: Competition, region: str | None = None) -> list[repo.Record]:
    return repo._counted_records(competition, region)


def a_score(world: ResultsWorld, code: str, indicator: str, number: int = 0) -> DeskScore:
    score = db.session.scalar(
        db.select(DeskScore).where(
            DeskScore.assignment_id == world.assignments[(code, number)].id, DeskScore.indicator_code == indicator
        )
    )
    assert score is not None
    return score


def test_kept_desk_rows_follow_every_change_of_a_desa(world: ResultsWorld) -> None:
    competition = world.competition
    assert kept(competition) == full(competition)
    score = a_score(world, PASER, "A2")
    score.level = 4
    db.session.commit()
    rows = kept(competition)
    assert (PASER, "A2", str(world.first.id), 4) in rows
    assert rows == full(competition)
    score.level, score.not_applicable = None, True  # not applicable: the level is gone from the row
    db.session.commit()
    assert (PASER, "A2", str(world.first.id), None) in kept(competition)
    # An assessor's assignment withdrawn: its rows no longer count.
    world.assignments[(SEMOI, 1)].withdrawn_at = datetime.now(UTC)
    db.session.commit()
    rows = kept(competition)
    assert not [r for r in rows if r[0] == SEMOI and r[2] == str(world.second.id)]
    assert rows == full(competition)
    # A region's rows are the same whether its desa were kept from the province's read or not.
    assert kept(competition, "64.09") == full(competition, "64.09")
    db.session.delete(a_score(world, BUKIT, "A1", 1))
    db.session.commit()
    assert kept(competition, "64.09") == full(competition, "64.09")
    assert kept(competition) == full(competition)


def test_kept_desk_rows_of_two_competitions_do_not_mix(world: ResultsWorld) -> None:
    first = world.competition
    second = Competition(
        name="Lomba tahun berikutnya", year=first.year + 1, scope_region_code="64", rubric_id=first.rubric_id
    )
    db.session.add(second)
    db.session.flush()
    participant = Participant(competition_id=second.id, desa_code=PASER, status=SubmissionStatus.lengkap)
    db.session.add(participant)
    db.session.flush()
    assignment = Assignment(
        participant_id=participant.id,
        assessor_id=world.first.id,
        method=AssignmentMethod.manual,
        submitted_at=datetime.now(UTC),
    )
    db.session.add(assignment)
    db.session.flush()
    db.session.add(DeskScore(assignment_id=assignment.id, indicator_code="A1", level=0, note=""))
    db.session.commit()
    for _ in range(2):  # the second time from what was kept
        assert kept(second) == [(PASER, "A1", str(world.first.id), 0)]
        assert kept(first) == full(first)
        assert (PASER, "A1", str(world.first.id), 0) not in kept(first)


def test_first_ranking_view_after_a_change_shows_the_new_value(
    world: ResultsWorld, app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    url = f"/hasil/{world.competition.id}/peringkat/64"
    assert "35,00" in client.get(url).get_data(as_text=True)  # Desa Paser: 30 + 5
    score = a_score(world, PASER, "A2")  # (0, 1) -> (2, 1): final A2 1.5, index 30 + 15 = 45
    score.level = 2
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "45,00" in page and "35,00" not in page
    forget_kept(app)
    assert CSRF.sub("", client.get(url).get_data(as_text=True)) == CSRF.sub("", page)


def test_first_dashboard_view_after_a_change_equals_the_page_computed_anew(
    world: ResultsWorld, app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    url = f"/dasbor/{world.competition.id}/64"
    before = client.get(url).get_data(as_text=True)
    score = a_score(world, PASER, "A2")
    score.level = 2
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert page != before
    forget_kept(app)
    assert CSRF.sub("", client.get(url).get_data(as_text=True)) == CSRF.sub("", page)


def test_kept_dashboard_body_is_not_shown_to_a_viewer_of_another_region(
    world: ResultsWorld, client: FlaskClient, login: Login, make_user: MakeUser
) -> None:
    paser_dpmd = make_user(Role.dpmd, "64.01", name="DPMD Paser")
    login(client, world.committee)
    assert client.get(f"/dasbor/{world.competition.id}/64.09").status_code == 200
    assert "35,00" in client.get(f"/dasbor/{world.competition.id}/64.01").get_data(as_text=True)  # Desa Paser
    login(client, paser_dpmd)
    # The kept bodies of the province and of another kabupaten are out of this viewer's reach ...
    assert client.get(f"/dasbor/{world.competition.id}/64.09").status_code in (403, 404)
    assert client.get(f"/dasbor/{world.competition.id}/64").status_code in (403, 404)
    # ... and its own kabupaten's body is its own: scores hidden before publication, unlike the committee's.
    own = client.get(f"/dasbor/{world.competition.id}/64.01")
    assert own.status_code == 200
    assert "35,00" not in own.get_data(as_text=True)
