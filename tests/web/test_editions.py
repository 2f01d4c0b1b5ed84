"""Editions kept apart (issue 12, point 7): the rule of :func:`assessment.editions.split_editions`, and the
operator's, assessor's and verifikator's lists showing the current edition first and older ones folded below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from assessment.editions import is_running, split_editions
from assessment.extensions import db
from assessment.models import Competition, Participant, Role, Stage, StageCode
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)


def competition(number: int, year: int, ends_in_days: int) -> Competition:
    item = Competition(id=number, name=f"Lomba {year}", year=year, scope_region_code="64")
    item.stages = [Stage(code=StageCode.penilaian_mandiri, starts_at=NOW - timedelta(days=400),
                         ends_at=NOW + timedelta(days=ends_in_days))]
    return item


def test_is_running() -> None:
    assert is_running(competition(1, 2026, 1), NOW)
    assert not is_running(competition(1, 2026, 0), NOW)  # the end instant is excluded


def test_split_editions() -> None:
    old, running, older = competition(2, 2025, -100), competition(3, 2026, 10), competition(1, 2024, -400)
    items = [("a", old), ("b", running), ("c", older), ("d", running)]
    editions = split_editions(items, lambda item: item[1], NOW)
    assert [(e.competition.year, [i[0] for i in e.items]) for e in editions.current] == [(2026, ["b", "d"])]
    assert [e.competition.year for e in editions.older] == [2025, 2024]


def test_split_editions_none_running_keeps_the_newest_in_front() -> None:
    old, newer = competition(1, 2024, -400), competition(2, 2025, -10)
    editions = split_editions([old, newer], lambda item: item, NOW)
    assert [e.competition.year for e in editions.current] == [2025]
    assert [e.competition.year for e in editions.older] == [2024]


def test_lists_show_the_current_edition_first_and_fold_older_ones(app: Flask, make_user: MakeUser,
                                                                  login: Login) -> None:
    current, _ = create_competition(desa={"64.09.04.2002": "Bukit Raya"})
    past, _ = create_competition(opens=timedelta(days=-400), closes=timedelta(days=-380), desa={})
    past.name, past.year = "Lomba Desa Digital 2025", 2025
    db.session.add(Participant(competition_id=past.id, desa_code="64.09.04.2002"))
    db.session.commit()
    for role, region, url in ((Role.operator_desa, "64.09.04.2002", "/desa/"),
                              (Role.verifikator_kecamatan, "64.09.04", "/kelengkapan/")):
        page = login(app.test_client(), make_user(role, region)).get(url).get_data(as_text=True)
        folded = page.index("<details")
        assert page.index(current.name) < folded < page.index("Lomba Desa Digital 2025"), url
        assert "Edisi sebelumnya" in page[folded:]
