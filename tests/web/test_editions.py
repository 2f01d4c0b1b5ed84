"""Editions kept apart (issue 12, point 7): the rules of :func:`assessment.services.editions.split_editions` and
:func:`assessment.services.editions.edition_at`, and the operator's, assessor's, verifikator's, berita acara and inbox
lists
showing the current edition first and older ones folded below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from assessment.models import Competition, Notification, Participant, Role, Stage, StageCode
from assessment.platform.extensions import db
from assessment.services.editions import edition_at, is_running, split_editions
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)


def competition(number: int, year: int, ends_in_days: int) -> Competition:
    item = Competition(id=number, name=f"Lomba {year}", year=year, scope_region_code="64")
    item.stages = [
        Stage(
            code=StageCode.penilaian_mandiri,
            starts_at=NOW - timedelta(days=400),
            ends_at=NOW + timedelta(days=ends_in_days),
        )
    ]
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


def test_lists_show_the_current_edition_first_and_fold_older_ones(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    current, _ = create_competition(desa={"64.09.04.2002": "Bukit Raya"})
    past, _ = create_competition(opens=timedelta(days=-400), closes=timedelta(days=-380), desa={})
    past.name, past.year = "Lomba Desa Digital 2025", 2025
    db.session.add(Participant(competition_id=past.id, desa_code="64.09.04.2002"))
    db.session.commit()
    for role, region, url in (
        (Role.operator_desa, "64.09.04.2002", "/desa/"),
        (Role.verifikator_kecamatan, "64.09.04", "/kelengkapan/"),
    ):
        page = login(app.test_client(), make_user(role, region)).get(url).get_data(as_text=True)
        folded = page.index("<details")
        assert page.index(current.name) < folded < page.index("Lomba Desa Digital 2025"), url
        assert "Edisi sebelumnya" in page[folded:]


def scheduled(number: int, year: int, first_day: int, last_day: int) -> Competition:
    """A competition whose stages run from ``NOW + first_day`` to ``NOW + last_day`` days."""
    item = Competition(id=number, name=f"Lomba {year}", year=year, scope_region_code="64")
    item.stages = [
        Stage(
            code=StageCode.pendaftaran,
            starts_at=NOW + timedelta(days=first_day),
            ends_at=NOW + timedelta(days=first_day + 1),
        ),
        Stage(
            code=StageCode.penetapan,
            starts_at=NOW + timedelta(days=last_day - 1),
            ends_at=NOW + timedelta(days=last_day),
        ),
    ]
    return item


def test_edition_at() -> None:
    """A notice belongs to the newest edition spanning its moment, else the newest already started, else the
    first to start."""
    last_year, this_year = scheduled(1, 2025, -400, -250), scheduled(2, 2026, -30, 60)
    kabupaten = scheduled(3, 2026, -10, 20)
    both = [last_year, this_year, kabupaten]
    assert edition_at(NOW - timedelta(days=300), both) is last_year
    assert edition_at(NOW - timedelta(days=20), both) is this_year
    assert edition_at(NOW, both) is kabupaten  # two span it: the newest
    assert edition_at(NOW - timedelta(days=100), both) is last_year  # between editions: the one just past
    assert edition_at(NOW - timedelta(days=500), both) is last_year  # before any: the first to start
    assert edition_at(NOW + timedelta(days=30), both) is this_year  # the edition still running
    unscheduled = Competition(id=9, name="Tanpa jadwal", year=2027, scope_region_code="64")
    assert edition_at(NOW, [unscheduled]) is unscheduled


def test_berita_acara_list_and_inbox_show_the_current_edition_first_and_fold_older_ones(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    current, _ = create_competition(desa={"64.09.04.2002": "Bukit Raya"})
    past, _ = create_competition(opens=timedelta(days=-400), closes=timedelta(days=-380), desa={})
    past.name, past.year = "Lomba Desa Digital 2025", 2025
    operator = make_user(Role.operator_desa, "64.09.04.2002")
    now = datetime.now(UTC)
    db.session.add_all(
        [
            Notification(
                user_id=operator.id,
                kind="hasil_sementara",
                message="Hasil sementara 2025 diumumkan.",
                created_at=now - timedelta(days=385),
            ),
            Notification(
                user_id=operator.id,
                kind="dikembalikan",
                message="Pengajuan 2026 dikembalikan.",
                created_at=now - timedelta(days=1),
            ),
        ]
    )
    db.session.commit()
    page = login(app.test_client(), make_user(Role.panitia, "64")).get("/berita-acara/").get_data(as_text=True)
    folded = page.index("<details")
    assert page.index(current.name) < folded < page.index("Lomba Desa Digital 2025")
    inbox = login(app.test_client(), operator).get("/kotak-masuk/").get_data(as_text=True)
    folded = inbox.index("<details")
    assert inbox.index("Pengajuan 2026 dikembalikan.") < folded < inbox.index("Hasil sementara 2025 diumumkan.")
    assert "Edisi sebelumnya: Lomba Desa Digital 2025 (2025)" in inbox[folded:]
