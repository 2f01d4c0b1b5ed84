"""Results pages: rankings per scope and visibility, why-this-rank adding up, downloads, offline scoring import."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from assessment.models import AuditEvent, DeskScore, Role, StageCode
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support.documents import fetch_document
from tests.support.results import (
    BUKIT,
    EXPECTED_FINAL,
    EXPECTED_INDEX,
    INJECTED,
    INJECTED_NAME,
    PASER,
    PROVINCE_ORDER,
    SEMOI,
    ResultsWorld,
    results_world,
)


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


def publish(world: ResultsWorld) -> None:
    world.competition.results_published_at = datetime.now(UTC)
    db.session.commit()


def ranking_url(world: ResultsWorld, region: str) -> str:
    return f"/hasil/{world.competition.id}/peringkat/{region}"


def why_url(world: ResultsWorld, code: str) -> str:
    return f"/hasil/{world.competition.id}/desa/{code}"


def order_on_page(html: str) -> list[str]:
    """The desa codes of the ranking table, in order (the unranked desa, listed apart below it, left out)."""
    ranking = html.split('id="unranked-title"')[0]
    return re.findall(r'<span class="meta">(\d\d\.\d\d\.\d\d\.\d{4})</span></th>', ranking)


# ------------------------------------------------------------------------------------------------ visibility


def test_results_visible_only_to_committee_before_publication(
    world: ResultsWorld, client: FlaskClient, login: Login, make_user: MakeUser
) -> None:
    url = ranking_url(world, "64")
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")
    assert client.get(why_url(world, BUKIT)).status_code == 302
    dpmd = make_user(Role.dpmd, "64.09")
    assert login(client, dpmd).get(ranking_url(world, "64.09")).status_code == 403
    other_committee = make_user(Role.panitia, "63")
    assert login(client, other_committee).get(url).status_code == 403
    assert login(client, world.committee).get(url).status_code == 200
    assert login(client, world.lead).get(why_url(world, BUKIT)).status_code == 200


def test_results_public_after_publication(world: ResultsWorld, app: Flask) -> None:
    publish(world)
    client = app.test_client()
    for region in ("64", "64.09", "64.09.04"):
        assert client.get(ranking_url(world, region)).status_code == 200
    assert client.get(why_url(world, BUKIT)).status_code == 200
    assert client.get(f"/hasil/{world.competition.id}/peringkat/64.09.04.2002").status_code == 404  # a desa
    assert world.competition.name in client.get("/hasil/").get_data(as_text=True)


# ------------------------------------------------------------------------------------------------ rankings


def test_ranking_pages_per_scope(world: ResultsWorld, app: Flask) -> None:
    publish(world)
    client = app.test_client()
    assert order_on_page(client.get(ranking_url(world, "64")).get_data(as_text=True)) == PROVINCE_ORDER
    kabupaten = client.get(ranking_url(world, "64.09")).get_data(as_text=True)
    assert order_on_page(kabupaten) == [SEMOI, BUKIT]
    # The desa whose assessors have not submitted is listed apart with its state, without index or rank.
    unranked = kabupaten[kabupaten.index('id="unranked-title"') :]
    assert f'<tr data-kode="{INJECTED}">' in unranked and "0 dari 2 penilaian asesor diajukan" in unranked
    assert "Peringkat 2 desa." in kabupaten and "1 desa lain tidak diperingkat" in kabupaten
    kecamatan = client.get(ranking_url(world, "64.09.04")).get_data(as_text=True)
    assert order_on_page(kecamatan) == [SEMOI, BUKIT]
    assert "95,00" in kecamatan and "70,00" in kecamatan
    assert 'data-figure="' in kecamatan  # the chart, with its table beside it
    assert "Tabel: Indeks desa menurut peringkat" in kecamatan
    # Self-vs-verified: Bukit Raya's own levels give 100, verified 70: a gap of 30.
    assert "100,00" in kecamatan and "30,00" in kecamatan


def test_ranking_marks_ties(world: ResultsWorld, app: Flask) -> None:
    # Give Desa Paser exactly Bukit Raya's levels on every item: equal on every key, so they share rank 2.
    for score in db.session.scalars(db.select(DeskScore)):
        if score.assignment.participant.desa_code == PASER:
            score.level = {"A1": 3, "A2": 2 if score.assignment.assessor_id == world.first.id else 3}[
                score.indicator_code
            ]
    db.session.commit()
    publish(world)
    html = app.test_client().get(ranking_url(world, "64")).get_data(as_text=True)
    rows = re.findall(r'<td class="num">(\d+)( <span class="badge">seri</span>)?</td>\s*<th scope="row">', html)
    assert rows == [("1", ""), ("2", ' <span class="badge">seri</span>'), ("2", ' <span class="badge">seri</span>')]


# ------------------------------------------------------------------------------------------------ why this rank


def shown_numbers(html: str, testid: str) -> list[Decimal]:
    values = re.findall(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    return [Decimal(v.strip().replace(".", "").replace(",", ".")) for v in values if v.strip() not in ("", "–")]


def test_why_this_rank_sums_to_the_index(world: ResultsWorld, app: Flask) -> None:
    publish(world)
    for code in PROVINCE_ORDER:
        html = app.test_client().get(why_url(world, code)).get_data(as_text=True)
        contributions = shown_numbers(html, "contribution")
        [index] = shown_numbers(html, "indeks")
        [total] = shown_numbers(html, "total")
        assert index == Decimal(str(EXPECTED_INDEX[code]))
        assert sum(contributions) == index == total


def test_why_this_rank_walk_for_bukit_raya(world: ResultsWorld, app: Flask, login: Login) -> None:
    publish(world)
    public = app.test_client().get(why_url(world, BUKIT)).get_data(as_text=True)
    # A1: 100 x 60 x 3/4 / 100 = 45 points; A2: 100 x 40 x 2.5/4 / 100 = 25 points.
    assert shown_numbers(public, "contribution") == [Decimal("45.00"), Decimal("25.00")]
    assert "Rekonsiliasi ketua tim" in public and "diganti rekonsiliasi" in public
    # The public sees levels, not who gave them, their notes or the evidence files.
    assert "Asesor Satu" not in public and "Catatan A1" not in public and "=surat-tte.pdf" not in public
    assert "abababababababab" in public  # the evidence's SHA-256 (first 16 hex digits)
    # Next place up: Semoi Dua at 95.00, 25 points ahead.
    assert "Semoi Dua" in public and "25,00" in public
    committee = login(app.test_client(), world.committee).get(why_url(world, BUKIT)).get_data(as_text=True)
    assert "Asesor Satu" in committee and "Catatan A1 oleh Asesor Satu" in committee
    assert "/desa/bukti/" in committee and "=surat-tte.pdf" in committee


def test_one_level_gains_computed_with_the_engine(world: ResultsWorld, app: Flask) -> None:
    publish(world)
    html = app.test_client().get(why_url(world, PASER)).get_data(as_text=True)
    gains = re.findall(
        r'<th scope="row">(A\d) · [^<]*</th><td class="num">([^<]*)</td><td class="num">\+([^<]*)</td>'
        r'<td class="num">([^<]*)</td><td class="num">(\d+)</td>',
        html,
    )
    # Desa Paser: A1 2 -> 3 adds 60/4 = 15 points (50.00, still 3rd); A2 0.5 -> 1.5 adds 40/4 = 10 (45.00).
    assert gains == [("A1", "3,00", "15,00", "50,00", "3"), ("A2", "1,50", "10,00", "45,00", "3")]


# ------------------------------------------------------------------------------------------------ downloads


def test_results_workbook_cell_by_cell(world: ResultsWorld, client: FlaskClient, login: Login) -> None:
    response = login(client, world.committee).get(f"/hasil/{world.competition.id}/unduh/hasil-64.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    ranking = wb["Peringkat"]
    headers = [c.value for c in ranking[1]]
    rows = [dict(zip(headers, [c.value for c in row], strict=True)) for row in ranking.iter_rows(min_row=2)]
    assert [r["Kode desa"] for r in rows] == PROVINCE_ORDER
    assert [r["Peringkat"] for r in rows] == [1, 2, 3]
    assert {r["Kode desa"]: r["Indeks"] for r in rows} == EXPECTED_INDEX
    assert {r["Kode desa"]: r["Predikat"] for r in rows} == {SEMOI: "Baik", BUKIT: "Baik", PASER: "Kurang"}
    unranked = list(wb["Tidak Diperingkat"].iter_rows(min_row=3, values_only=True))
    assert unranked == [
        (
            INJECTED,
            INJECTED_NAME,
            "Wilayah 64.09.01",
            "belum dinilai: penilaian asesor belum semua diajukan (0 dari 2 diajukan)",
        )
    ]
    bukit = next(r for r in rows if r["Kode desa"] == BUKIT)
    assert bukit["Indeks penilaian mandiri"] == 100 and bukit["Selisih mandiri - verifikasi"] == 30
    indicator = wb["Indikator"]
    all_rows = list(indicator.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(all_rows) if row[0] == "Kode desa")  # below the sheet's note
    ind_headers = list(all_rows[start])
    finals = {}
    for row in all_rows[start + 1 :]:
        record = dict(zip(ind_headers, row, strict=True))
        for code in ("A1", "A2"):
            if record[code] is not None:
                finals[(record["Kode desa"], code)] = record[code]
    assert finals == EXPECTED_FINAL
    assessor = [r for r in wb["Asesor"].iter_rows(min_row=2, values_only=True)]
    assert len(assessor) == 12
    assert (BUKIT, "Bukit Raya", "A1", "Asesor Satu", 1, "Catatan A1 oleh Asesor Satu") in assessor


def test_desa_name_starting_with_equals_stays_text_in_every_export(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    data = client.get(f"/hasil/{world.competition.id}/unduh/hasil-64.xlsx").data
    wb = load_workbook(io.BytesIO(data))
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    found += 1
    assert found >= 2  # the name in Tidak Diperingkat (its desa is not ranked), the evidence file name in Bukti
    name_cells = [c for c in wb["Tidak Diperingkat"]["B"] if c.value == INJECTED_NAME]
    assert name_cells and all(c.quotePrefix for c in name_cells)


def test_workbook_and_report_for_dpmd_after_publication(
    world: ResultsWorld, client: FlaskClient, login: Login, make_user: MakeUser, app: Flask
) -> None:
    dpmd = make_user(Role.dpmd, "64.09")
    login(client, dpmd)
    url = f"/hasil/{world.competition.id}/unduh/hasil-64.09.xlsx"
    assert client.get(url).status_code == 403
    publish(world)
    response = client.get(url)
    assert response.status_code == 200
    codes = [
        row[2] for row in load_workbook(io.BytesIO(response.data))["Peringkat"].iter_rows(min_row=2, values_only=True)
    ]
    assert codes == [SEMOI, BUKIT]
    # No assessor's name, note or evidence file name, which DPMD may not read on any page (UU PDP).
    cells = " ".join(
        str(cell)
        for sheet in load_workbook(io.BytesIO(response.data)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    assert "Asesor Satu" not in cells and "Catatan A1" not in cells and "surat-tte.pdf" not in cells
    committee = login(app.test_client(), world.committee).get(url)
    committee_cells = " ".join(
        str(cell)
        for sheet in load_workbook(io.BytesIO(committee.data)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    assert "Asesor Satu" in committee_cells and "Catatan A1" in committee_cells
    assert client.get(f"/hasil/{world.competition.id}/unduh/hasil-64.01.xlsx").status_code == 403
    pdf = fetch_document(client, f"/hasil/{world.competition.id}/laporan/64.09.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_certificates_for_winners_only(world: ResultsWorld, client: FlaskClient, login: Login) -> None:
    publish(world)
    login(client, world.committee)
    response = client.get(f"/hasil/{world.competition.id}/sertifikat/{SEMOI}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get(f"/hasil/{world.competition.id}/sertifikat/{INJECTED}.pdf").status_code == 404


def test_no_certificate_before_the_results_are_published(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    assert client.get(f"/hasil/{world.competition.id}/sertifikat/{SEMOI}.pdf").status_code == 404


# ------------------------------------------------------------------------------------------------ offline scoring


@pytest.fixture
def desk_world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user, open_stage=StageCode.penilaian_dokumen)


def _offline_workbook(client: FlaskClient, world: ResultsWorld, fill: dict[str, tuple[object, str]]) -> bytes:
    response = client.get(f"/asesor/luring/{world.competition.id}/penilaian.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb["Penilaian"]
    for row in ws.iter_rows(min_row=2):
        key = f"{row[0].value}/{row[2].value}"
        if key in fill:
            row[4].value, row[5].value = fill[key]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client: FlaskClient, world: ResultsWorld, data: bytes) -> tuple[int, str]:
    response = client.post(
        f"/asesor/luring/{world.competition.id}",
        data={"workbook": (io.BytesIO(data), "penilaian.xlsx")},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def _injected_scores(world: ResultsWorld) -> list[tuple[str, int | None, str]]:
    assignment = world.assignments[(INJECTED, 0)]
    db.session.expire_all()
    return sorted(
        (s.indicator_code, s.level, s.note)
        for s in db.session.scalars(db.select(DeskScore).where(DeskScore.assignment_id == assignment.id))
    )


def test_offline_workbook_lists_only_open_assignments(
    desk_world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, desk_world.first)
    response = client.get(f"/asesor/luring/{desk_world.competition.id}/penilaian.xlsx")
    ws = load_workbook(io.BytesIO(response.data))["Penilaian"]
    rows = [(r[0], r[1], r[2]) for r in ws.iter_rows(min_row=2, values_only=True)]
    # Only the unsubmitted assignment (the other three desa were submitted, so they are final).
    assert rows == [(INJECTED, INJECTED_NAME, "A1"), (INJECTED, INJECTED_NAME, "A2")]
    assert ws["B2"].data_type == "s" and ws["B2"].quotePrefix


def test_offline_import_applies_good_rows(desk_world: ResultsWorld, client: FlaskClient, login: Login) -> None:
    login(client, desk_world.first)
    data = _offline_workbook(
        client,
        desk_world,
        {f"{INJECTED}/A1": (2, "Layanan surat via aplikasi"), f"{INJECTED}/A2": (1, "Tanda tangan pindai")},
    )
    status, _html = _upload(client, desk_world, data)
    assert status == 302
    assert _injected_scores(desk_world) == [("A1", 2, "Layanan surat via aplikasi"), ("A2", 1, "Tanda tangan pindai")]
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "desk_score.import_offline"))


def test_offline_import_rejects_one_bad_row_and_changes_nothing(
    desk_world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, desk_world.first)
    before = _injected_scores(desk_world)
    # A level off the scale: refused by the reader, with sheet, row and column.
    data = _offline_workbook(client, desk_world, {f"{INJECTED}/A1": (2, "Catatan"), f"{INJECTED}/A2": (7, "x")})
    status, html = _upload(client, desk_world, data)
    assert status == 422
    assert "Lembar Penilaian, baris 3, kolom E (Level)" in html
    assert _injected_scores(desk_world) == before
    # A level without the note the desk-scoring rules require: refused by the operation, naming the row.
    data = _offline_workbook(client, desk_world, {f"{INJECTED}/A1": (2, "Catatan"), f"{INJECTED}/A2": (3, "")})
    status, html = _upload(client, desk_world, data)
    assert status == 422
    assert "baris 3" in html and "Catatan wajib diisi" in html
    assert _injected_scores(desk_world) == before


def test_offline_import_outside_the_stage_changes_nothing(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    # ``world`` is in rekonsiliasi: penilaian dokumen is closed.
    login(client, world.first)
    data = _offline_workbook(client, world, {f"{INJECTED}/A1": (2, "Catatan")})
    status, html = _upload(client, world, data)
    assert status == 422 and "tidak dibuka" in html
    assert _injected_scores(world) == []


def test_offline_workbook_leaves_out_a_conflicted_desa(
    desk_world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, desk_world.first)
    client.post("/asesor/konflik", data={"region_code": "64.09.01", "reason": "Keluarga"})
    assert client.get(f"/asesor/luring/{desk_world.competition.id}/penilaian.xlsx").status_code == 404
