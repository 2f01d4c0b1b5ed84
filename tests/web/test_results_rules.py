"""The contestable rules of the results pages, each tested under its own name (see their docstrings)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from assessment import repo
from assessment.models import Participant, RegionKind, Role, SubmissionStatus
from assessment.platform.extensions import db
from assessment.presentation.reportdata import DesaResult, ResultsReport
from assessment.results.explain import shown_parts
from assessment.results.reports import winners
from assessment.scoring import round_half_up
from tests.conftest import Login, MakeUser
from tests.core.test_scoring_properties import SETTINGS
from tests.support.competition import ensure_desa, ensure_region
from tests.support.documents import fetch_document
from tests.support.results import BUKIT, INJECTED, PASER, SEMOI, ResultsWorld, results_world


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


def test_details_visible_to_committee_and_own_operator_only(
    world: ResultsWorld, app: Flask, login: Login, make_user: MakeUser
) -> None:
    world.competition.results_published_at = datetime.now(UTC)
    db.session.commit()
    url = f"/hasil/{world.competition.id}/desa/{BUKIT}"
    own = login(app.test_client(), make_user(Role.operator_desa, BUKIT)).get(url).get_data(as_text=True)
    assert "Asesor Satu" in own and "/desa/bukti/" in own
    other = login(app.test_client(), make_user(Role.operator_desa, SEMOI)).get(url).get_data(as_text=True)
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09")).get(url).get_data(as_text=True)
    for page in (other, dpmd):
        assert "Asesor Satu" not in page and "/desa/bukti/" not in page and "(asesor 1)" in page


def test_reports_downloadable_by_committee_always_and_dpmd_after_publication(
    world: ResultsWorld, app: Flask, login: Login, make_user: MakeUser
) -> None:
    url = f"/hasil/{world.competition.id}/laporan/64.09.pdf"
    # The report is made by the worker: the click leads to its progress page, then the link serves the PDF.
    assert fetch_document(login(app.test_client(), world.committee), url).status_code == 200
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    assert dpmd.get(url).status_code == 403
    assert login(app.test_client(), world.lead).get(url).status_code == 403  # the ketua tim: pages, not downloads
    world.competition.results_published_at = datetime.now(UTC)
    db.session.commit()
    assert fetch_document(dpmd, url).status_code == 200
    assert dpmd.get(f"/hasil/{world.competition.id}/sertifikat/{SEMOI}.pdf").status_code == 403


def _desa(code: str, rank: int, predikat: str = "Baik") -> DesaResult:
    return DesaResult(code, code, code[:8], "K", 50.0, predikat, rank, (50.0,))


def test_winners_share_a_tied_third_place() -> None:
    report = ResultsReport(
        "L",
        "64",
        "Kaltim",
        (),
        (),
        (
            _desa("64.01.01.2001", 1),
            _desa("64.01.01.2002", 2),
            _desa("64.01.01.2003", 3),
            _desa("64.01.01.2004", 3),
            _desa("64.01.01.2005", 5),
            _desa("64.01.01.2006", 1, predikat=""),
        ),
    )
    assert [d.code for d in winners(report)] == ["64.01.01.2001", "64.01.01.2002", "64.01.01.2003", "64.01.01.2004"]


@SETTINGS
@given(st.lists(st.fractions(min_value=0, max_value=10, max_denominator=97), min_size=1, max_size=12))
def test_shown_parts_add_up_to_the_shown_index(parts: list[Fraction]) -> None:
    total = sum(parts, Fraction(0))
    shown_total = int(round_half_up(total) * 100)
    shown = shown_parts(list(parts), shown_total)
    assert sum(s for s in shown if s is not None) == Decimal(shown_total) / 100
    for exact, part in zip(parts, shown, strict=True):
        assert part is not None and abs(Fraction(part) - exact) < Fraction(1, 100)


def test_shown_parts_by_hand() -> None:
    # Three thirds of 100: 33.33... each; the index 100.00 needs one more hundredth, given to the first part.
    third = Fraction(100, 3)
    assert shown_parts([third, third, third], 10000) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert shown_parts([Fraction(1, 2), None], 50) == [Decimal("0.50"), None]


def test_who_is_ranked_applied_to_the_stored_data(world: ResultsWorld) -> None:
    """Rule (who is ranked), assessment.core.standing.who_is_ranked, as engine_run applies it to stored rows: only the
    ranked desa are scored; a new participant still in draft, a kelurahan and a desa whose assessors have not
    submitted are listed apart with their state and counted nowhere."""
    ensure_desa("64.09.04.2010", "Desa Baru")
    db.session.add(Participant(competition_id=world.competition.id, desa_code="64.09.04.2010"))
    ensure_region("64.09.04.1001", "Kelurahan Kota", RegionKind.kelurahan)  # not eligible under the rubric
    db.session.add(
        Participant(competition_id=world.competition.id, desa_code="64.09.04.1001", status=SubmissionStatus.lengkap)
    )
    db.session.commit()
    report = repo.results_report(world.competition)
    assert [d.code for d in report.desa] == [SEMOI, BUKIT, PASER]
    assert [d.rank for d in report.desa] == [1, 2, 3]
    assert {u.code: u.state for u in report.unranked} == {
        "64.09.01.2001": "penilaian_belum_selesai",
        "64.09.04.1001": "tidak_memenuhi_syarat",
        "64.09.04.2010": "draf",
    }
    assert all(d.worst_rank is not None and d.worst_rank <= 3 for d in report.desa)


def test_why_page_of_an_unranked_participant_says_why(world: ResultsWorld, client: FlaskClient, login: Login) -> None:
    ensure_region("64.09.04.1001", "Kelurahan Kota", RegionKind.kelurahan)
    db.session.add(Participant(competition_id=world.competition.id, desa_code="64.09.04.1001"))
    db.session.commit()
    login(client, world.committee)
    page = client.get(f"/hasil/{world.competition.id}/desa/64.09.04.1001")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-keadaan="tidak_memenuhi_syarat"' in html and "tidak dilombakan" in html
    assert "dari 3 desa" not in html and "Indeks" not in html
    waiting = client.get(f"/hasil/{world.competition.id}/desa/{INJECTED}").get_data(as_text=True)
    assert "penilaian asesor belum semua diajukan (0 dari 2 penilaian asesor diajukan)" in waiting
    assert client.get(f"/hasil/{world.competition.id}/desa/64.09.04.2999").status_code == 404


def test_bootstrap_keeps_decided_levels_in_every_resample() -> None:
    records = [
        ("64.09.04.2002", "A1", "7", 1),
        ("64.09.04.2002", "A1", "9", 3),
        ("64.09.04.2002", "A2", repo.RECONCILED_BY, 4),
        ("64.09.04.2003", "A2", repo.FIELD_BY, 2),
    ]
    expanded = repo.bootstrap_records(records)
    # The agreed level goes to each of the desa's own assessors, so no resample can leave the item out; a desa
    # with no assessor of its own keeps its one decided row.
    assert sorted(expanded) == sorted(
        [
            ("64.09.04.2002", "A1", "7", 1),
            ("64.09.04.2002", "A1", "9", 3),
            ("64.09.04.2002", "A2", "7", 4),
            ("64.09.04.2002", "A2", "9", 4),
            ("64.09.04.2003", "A2", repo.FIELD_BY, 2),
        ]
    )
