"""Dashboards: who sees which region and which sections, the funnel and lateness, and the results numbers, each
checked against values worked out by hand from data created here (tests/support/results.py explains the world)."""

from __future__ import annotations

import gzip
import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from assessment import repo
from assessment.dashboard.participation import participation
from assessment.dashboard.routes import drill_links
from assessment.models import (
    Assignment,
    AssignmentMethod,
    DeskScore,
    Participant,
    Region,
    RegionKind,
    Role,
    StageCode,
    StageException,
    SubmissionStatus,
    VerificationSettings,
)
from assessment.platform.extensions import db
from assessment.repo import reconciliation_items, rubric_of
from tests.conftest import Login, MakeRegion, MakeUser
from tests.support.competition import ensure_desa
from tests.support.results import BUKIT, INJECTED, SEMOI, ResultsWorld, results_world
from tests.support.verification import set_stage

PPU = "64.09"


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


def _get(client: FlaskClient, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def _publish(world: ResultsWorld) -> None:
    world.competition.results_published_at = datetime.now(UTC)
    db.session.commit()


# --- scope -------------------------------------------------------------------------------------------------------


def test_dpmd_sees_its_own_kabupaten_and_no_other(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    dpmd_ppu = login(app.test_client(), make_user(Role.dpmd, PPU))
    dpmd_paser = login(app.test_client(), make_user(Role.dpmd, "64.01"))
    cid = world.competition.id
    assert dpmd_ppu.get(f"/dasbor/{cid}/{PPU}").status_code == 200
    assert dpmd_paser.get(f"/dasbor/{cid}/{PPU}").status_code == 403
    # Nor the province, nor a kecamatan of another kabupaten, nor the other kabupaten's map layers.
    assert dpmd_ppu.get(f"/dasbor/{cid}/64").status_code == 403
    assert dpmd_ppu.get(f"/dasbor/{cid}/64.01.01").status_code == 403
    assert dpmd_paser.get(f"/dasbor/{cid}/{PPU}/peta/desa.geojson").status_code == 403
    assert dpmd_paser.get(f"/dasbor/{cid}/desa/{BUKIT}").status_code == 403
    # A desa is no dashboard region; an unknown region is not found.
    assert dpmd_ppu.get(f"/dasbor/{cid}/{BUKIT}").status_code == 404
    assert dpmd_ppu.get(f"/dasbor/{cid}/64.09.99").status_code in (403, 404)


def test_verifikator_sees_its_kecamatan_only(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    verifikator = login(app.test_client(), make_user(Role.verifikator_kecamatan, "64.09.04"))
    cid = world.competition.id
    status, page = _get(verifikator, f"/dasbor/{cid}/64.09.04")
    assert status == 200
    assert "Bukit Raya" in page and "Semoi Dua" in page
    assert verifikator.get(f"/dasbor/{cid}/{PPU}").status_code == 403
    assert verifikator.get(f"/dasbor/{cid}/64.09.01").status_code == 403


def test_verifikator_home_leads_to_its_kecamatan_dashboard_and_the_kabupaten_rows_drill_down(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    cid = world.competition.id
    verifikator = login(app.test_client(), make_user(Role.verifikator_kecamatan, "64.09.04"))
    status, page = _get(verifikator, "/beranda")
    assert status == 200 and f'href="/dasbor/{cid}/64.09.04"' in page
    # A kecamatan's row on its kabupaten's dashboard opens the kecamatan's dashboard; the way back up is a crumb.
    committee = login(app.test_client(), world.committee)
    status, page = _get(committee, f"/dasbor/{cid}/{PPU}")
    assert status == 200 and f'<th scope="row"><a href="/dasbor/{cid}/64.09.04">' in page
    status, page = _get(committee, f"/dasbor/{cid}/64.09.04")
    assert status == 200 and f'href="/dasbor/{cid}/{PPU}"' in page and f'href="/dasbor/{cid}/64"' in page
    # DPMD's crumbs stop at its kabupaten (it may not open the province), though the kept body is the same.
    dpmd = login(app.test_client(), make_user(Role.dpmd, PPU))
    _publish(world)
    status, page = _get(dpmd, f"/dasbor/{cid}/64.09.04")
    assert status == 200 and f'href="/dasbor/{cid}/{PPU}"' in page and f'href="/dasbor/{cid}/64"' not in page


def _map_links(page: str) -> dict[str, str] | None:
    """The map's drill-down links as the page carries them (None when the page has none)."""
    found = re.search(r"<div id=\"peta-tautan\" hidden data-links='([^']*)'>", page)
    return None if found is None else dict(json.loads(html.unescape(found.group(1))))


def test_the_map_drills_down_one_level_to_dashboards_the_viewer_may_open(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    cid = world.competition.id
    _publish(world)
    committee = login(app.test_client(), world.committee)
    # Province: each kabupaten's dashboard; kabupaten: each kecamatan's; kecamatan: none (the desa's own page).
    status, page = _get(committee, f"/dasbor/{cid}/64")
    assert status == 200
    assert _map_links(page) == {code: f"/dasbor/{cid}/{code}" for code in ("64.01", PPU, "64.72")}
    status, page = _get(committee, f"/dasbor/{cid}/{PPU}")
    assert _map_links(page) == {"64.09.01": f"/dasbor/{cid}/64.09.01", "64.09.04": f"/dasbor/{cid}/64.09.04"}
    status, page = _get(committee, f"/dasbor/{cid}/64.09.04")
    assert status == 200 and _map_links(page) is None
    # DPMD gets the same kept body as the committee but its own links: those of its kabupaten, none elsewhere.
    status, page = _get(login(app.test_client(), make_user(Role.dpmd, PPU)), f"/dasbor/{cid}/{PPU}")
    links = _map_links(page)
    assert status == 200 and links is not None
    assert set(links) == {"64.09.01", "64.09.04"}
    # The links are built per viewer: a verifikator of one kecamatan would be led to that kecamatan only.
    with app.test_request_context():
        region = db.session.scalar(db.select(Region).where(Region.code == PPU))
        assert region is not None
        verifikator = make_user(Role.verifikator_kecamatan, "64.09.04")
        assert drill_links(verifikator, world.competition, region) == {"64.09.04": f"/dasbor/{cid}/64.09.04"}
        assert drill_links(make_user(Role.dpmd, "64.01"), world.competition, region) == {}


def test_operator_and_assessor_have_no_dashboard(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    cid = world.competition.id
    for user in (make_user(Role.operator_desa, BUKIT), world.first):
        client = login(app.test_client(), user)
        assert client.get("/dasbor/").status_code == 403
        assert client.get(f"/dasbor/{cid}/{PPU}").status_code == 403


def test_the_index_lists_the_regions_of_the_users_grants(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    cid = world.competition.id
    status, page = _get(login(app.test_client(), make_user(Role.dpmd, PPU)), "/dasbor/")
    assert status == 200
    assert f"/dasbor/{cid}/{PPU}" in page
    assert f'/dasbor/{cid}/64"' not in page
    status, page = _get(login(app.test_client(), world.committee), "/dasbor/")
    assert f'/dasbor/{cid}/64"' in page and f'/dasbor/{cid}/{PPU}"' in page and f'/dasbor/{cid}/64.01"' in page


# --- scores before and after publication -------------------------------------------------------------------------


def test_scores_on_dashboards_appear_for_dpmd_only_after_publication(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    dpmd = login(app.test_client(), make_user(Role.dpmd, PPU))
    cid = world.competition.id
    status, page = _get(dpmd, f"/dasbor/{cid}/{PPU}")
    assert status == 200
    assert 'id="partisipasi"' in page
    assert 'id="peta"' not in page and 'data-nilai="rata-indeks"' not in page
    assert "setelah panitia mengumumkan hasil sementara" in page
    # The committee always sees them, with a note that they are not public yet.
    status, page = _get(login(app.test_client(), world.committee), f"/dasbor/{cid}/{PPU}")
    assert 'data-nilai="rata-indeks"' in page and "hanya tampil untuk panitia" in page
    _publish(world)
    status, page = _get(dpmd, f"/dasbor/{cid}/{PPU}")
    assert 'data-nilai="rata-indeks"' in page
    assert "hanya tampil untuk panitia" not in page


# --- the funnel and lateness ---------------------------------------------------------------------------------------


def _extra_ppu_desa(world: ResultsWorld, make_region: MakeRegion) -> dict[str, Participant]:
    """Add to PPU: an eligible desa not registered, a kelurahan (never eligible), a draft, a returned submission,
    a submitted one, a complete one with one assessor, and one whose two assessors disagree unreconciled."""
    ensure_desa("64.09.02.2001", "Belum Daftar")
    make_region("64.09.02.1001", "Kelurahan Kota", RegionKind.kelurahan)
    statuses = {
        "64.09.02.2002": SubmissionStatus.draf,
        "64.09.02.2003": SubmissionStatus.dikembalikan,
        "64.09.02.2004": SubmissionStatus.diajukan,
        "64.09.02.2005": SubmissionStatus.lengkap,
        "64.09.02.2006": SubmissionStatus.lengkap,
    }
    added: dict[str, Participant] = {}
    for code, status in statuses.items():
        ensure_desa(code, f"Desa {code[-4:]}")
        participant = Participant(competition_id=world.competition.id, desa_code=code, status=status)
        db.session.add(participant)
        added[code] = participant
    db.session.flush()
    now = datetime.now(UTC)
    one = Assignment(
        participant_id=added["64.09.02.2005"].id,
        assessor_id=world.first.id,
        method=AssignmentMethod.manual,
        submitted_at=now,
    )
    db.session.add(one)
    for assessor, level in ((world.first, 0), (world.second, 3)):
        assignment = Assignment(
            participant_id=added["64.09.02.2006"].id,
            assessor_id=assessor.id,
            method=AssignmentMethod.manual,
            submitted_at=now,
        )
        db.session.add(assignment)
        db.session.flush()
        db.session.add(DeskScore(assignment_id=assignment.id, indicator_code="A1", level=level))
    db.session.commit()
    return added


def test_participation_funnel_counts_each_stage_within_the_one_before(
    world: ResultsWorld, make_region: MakeRegion
) -> None:
    _extra_ppu_desa(world, make_region)
    rubric = rubric_of(world.competition.rubric)
    result = participation(world.competition, rubric, PPU, datetime.now(UTC))
    # Eligible: 3 desa of the world in PPU + Belum Daftar + 5 added = 9 (the kelurahan is not eligible).
    # Registered 8; submitted: the world's 3 + diajukan + 2 lengkap = 6 (draft and returned are not);
    # complete 5; scored: Bukit Raya, Semoi Dua, 2005 (one assessor), 2006 = 4 (the world's =SUM(A1) has no
    # submitted assignment); verified: Bukit Raya (its flagged A1 reconciled) and Semoi Dua = 2 (2005 lacks a
    # second assessor, 2006 has an unreconciled 0-vs-3 item).
    assert [(s.key, s.count) for s in result.stages] == [
        ("berhak", 9),
        ("terdaftar", 8),
        ("diajukan", 6),
        ("lengkap", 5),
        ("dinilai", 4),
        ("terverifikasi", 2),
    ]
    stopped = {stage.key: sorted(d.code for d in stage.desa) for stage in result.waiting}
    assert stopped == {
        "terdaftar": ["64.09.02.2001"],
        "diajukan": ["64.09.02.2002", "64.09.02.2003"],
        "lengkap": ["64.09.02.2004"],
        "dinilai": [INJECTED],
        "terverifikasi": ["64.09.02.2005", "64.09.02.2006"],
    }
    groups = {g.code: g.counts for g in result.groups}
    assert groups == {"64.09.01": (1, 1, 1, 1, 0, 0), "64.09.02": (6, 5, 3, 2, 2, 0), "64.09.04": (2, 2, 2, 2, 2, 2)}


def test_the_funnels_verified_desa_are_the_ranked_ones(world: ResultsWorld, make_region: MakeRegion) -> None:
    added = _extra_ppu_desa(world, make_region)
    rubric = rubric_of(world.competition.rubric)
    flagged = {(code, indicator) for code, indicator, _spread in reconciliation_items(world.competition, rubric)}
    assert flagged == {(BUKIT, "A1"), ("64.09.02.2006", "A1")}
    result = participation(world.competition, rubric, PPU, datetime.now(UTC))
    verified = {d.code for d in result.desa if d.reached == 5}
    assert verified == {BUKIT, SEMOI}
    assert added["64.09.02.2006"].desa_code not in verified
    # One rule: the funnel's last stage is exactly who the results rank (assessment.core.standing.who_is_ranked).
    report = repo.results_report(world.competition, PPU, evidence=False, assessor_levels=False)
    assert verified == {d.code for d in report.desa}
    assert {u.code: u.state for u in report.unranked if u.code.startswith("64.09.02")} == {
        "64.09.02.2002": "draf",
        "64.09.02.2003": "dikembalikan",
        "64.09.02.2004": "belum_diperiksa",
        "64.09.02.2005": "asesor_kurang",
        "64.09.02.2006": "level_belum_lengkap",
    }


def test_late_desa_are_those_whose_stage_has_ended_unless_excused(
    world: ResultsWorld, make_region: MakeRegion, app: Flask, make_user: MakeUser, login: Login
) -> None:
    added = _extra_ppu_desa(world, make_region)
    rubric = rubric_of(world.competition.rubric)
    now = datetime.now(UTC)
    # The world's self-assessment ended 20 days ago; its reconciliation stage is open now.
    late = {s.key: s.late for s in participation(world.competition, rubric, PPU, now).waiting}
    assert late == {"terdaftar": False, "diajukan": True, "lengkap": True, "dinilai": True, "terverifikasi": False}
    db.session.add(
        StageException(
            participant_id=added["64.09.02.2002"].id,
            stage=StageCode.penilaian_mandiri,
            reason="Listrik padam seminggu",
            ends_at=now + timedelta(days=2),
        )
    )
    db.session.commit()
    stopped = {s.key: [d.code for d in s.desa] for s in participation(world.competition, rubric, PPU, now).waiting}
    assert stopped["diajukan"] == ["64.09.02.2003"]
    set_stage(world.competition, StageCode.rekonsiliasi, timedelta(days=-3), timedelta(days=-1))
    late = {s.key: s.late for s in participation(world.competition, rubric, PPU, now).waiting}
    assert late["terverifikasi"] is True
    # On the page: each late desa that registered links to its page, which opens its submission.
    status, page = _get(login(app.test_client(), make_user(Role.dpmd, PPU)), f"/dasbor/{world.competition.id}/{PPU}")
    assert status == 200
    link = f"/dasbor/{world.competition.id}/desa/64.09.02.2003"
    assert f'href="{link}"' in page
    response = login(app.test_client(), make_user(Role.dpmd, PPU)).get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kelengkapan/peserta/{added['64.09.02.2003'].id}")


# --- results numbers ---------------------------------------------------------------------------------------------


def _tables(page: str) -> dict[str, list[list[str]]]:
    """Each table of the page by its caption, as rows of cell texts."""
    tables: dict[str, list[list[str]]] = {}
    for match in re.finditer(r"<table>\s*<caption[^>]*>(.*?)</caption>(.*?)</table>", page, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", match.group(2), re.S)
        tables[match.group(1).strip()] = [
            [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in rows
        ]
    return tables


def test_kabupaten_results_numbers_worked_out_by_hand(world: ResultsWorld, app: Flask, login: Login) -> None:
    # PPU: Semoi Dua 95 (A1 4, A2 3.5) and Bukit Raya 70 (A1 3, A2 2.5) are ranked; =SUM(A1), in another
    # kecamatan, is not (its assessors have not submitted): it is counted apart and in no mean.
    status, page = _get(login(app.test_client(), world.committee), f"/dasbor/{world.competition.id}/{PPU}")
    assert status == 200
    tables = _tables(page)
    # Mean and median (95 + 70) / 2 = 82,5.
    assert re.search(r'data-nilai="diperingkat">2<', page)
    assert re.search(r'data-nilai="tidak-diperingkat">1 <', page)
    assert re.search(r'data-nilai="rata-indeks">82,50<', page)
    assert re.search(r'data-nilai="median-indeks">82,50<', page)
    by_kecamatan = tables["Tabel: Indeks rata-rata dan median per kecamatan"]
    assert by_kecamatan[1:] == [["Wilayah 64.09.04", "2", "82,50", "82,50"]]
    # Heatmap: the ranked desa in rank order.
    heatmap = tables["Tabel: Level indikator per desa"]
    assert heatmap[1:] == [
        ["Semoi Dua", "Wilayah 64.09.04", "4,00", "3,50"],
        ["Bukit Raya", "Wilayah 64.09.04", "3,00", "2,50"],
    ]
    # Coverage at level 2: A1 2 of 2 (Semoi 4, Bukit 3), mean 3,50; A2 2 of 2 (3.5 and 2.5), mean 3,00.
    coverage = tables["Tabel: Cakupan per indikator (level 2 ke atas)"]
    assert coverage[1:] == [
        ["A1", "Layanan surat daring", "2", "2", "100,0%", "3,50"],
        ["A2", "Tanda tangan elektronik tersertifikasi", "2", "2", "100,0%", "3,00"],
    ]
    # Weakest first: A2 (mean 3,00) before A1 (3,50).
    weakest = tables["Indikator terlemah"]
    assert [row[0] for row in weakest[1:]] == ["A2", "A1"]
    assert weakest[1][2:] == ["3,00", "100,0%", "2"]
    predikat = tables["Tabel: Sebaran predikat"]
    assert predikat[1:] == [["Kurang", "0", "0,0%"], ["Baik", "2", "100,0%"]]


def test_province_dashboard_groups_by_kabupaten(world: ResultsWorld, app: Flask, login: Login) -> None:
    kabupaten = db.session.scalar(db.select(Region).where(Region.code == PPU))
    assert kabupaten is not None
    kabupaten.name = "Penajam"
    db.session.commit()
    status, page = _get(login(app.test_client(), world.committee), f"/dasbor/{world.competition.id}/64")
    assert status == 200
    tables = _tables(page)
    # 64.01: Desa Paser 35 (A1 2, A2 0.5). PPU: 95 and 70 (=SUM(A1) is not ranked).
    assert tables["Tabel: Indeks rata-rata dan median per kabupaten/kota"][1:] == [
        ["Wilayah 64.01", "1", "35,00", "35,00"],
        ["Penajam", "2", "82,50", "82,50"],
    ]
    # Heatmap per kabupaten: PPU A1 (4 + 3) / 2, A2 (3.5 + 2.5) / 2.
    assert tables["Tabel: Rata-rata level indikator per kabupaten/kota"][1:] == [
        ["Wilayah 64.01", "1", "2,00", "0,50"],
        ["Penajam", "2", "3,50", "3,00"],
    ]
    assert re.search(r'data-nilai="rata-indeks">66,67<', page)  # (95 + 70 + 35) / 3


# --- trend across editions -----------------------------------------------------------------------------------------


def test_trend_shows_each_published_edition_of_the_region(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    from tests.support.competition import create_competition

    earlier, participants = create_competition(desa={BUKIT: "Bukit Raya", SEMOI: "Semoi Dua"})
    earlier.year = 2025
    earlier.results_published_at = datetime.now(UTC)
    # 2025: Bukit Raya A1 2, A2 1 (one assessor); Semoi Dua not scored: A1 coverage 1 of 2, A2 0 of 2.
    bukit = next(p for p in participants if p.desa_code == BUKIT)
    bukit.status = SubmissionStatus.lengkap
    db.session.add(VerificationSettings(competition_id=earlier.id, assessors_per_desa=1))  # one assessor then
    assignment = Assignment(
        participant_id=bukit.id,
        assessor_id=world.first.id,
        method=AssignmentMethod.manual,
        submitted_at=datetime.now(UTC),
    )
    db.session.add(assignment)
    db.session.flush()
    db.session.add_all(
        [
            DeskScore(assignment_id=assignment.id, indicator_code="A1", level=2),
            DeskScore(assignment_id=assignment.id, indicator_code="A2", level=1),
        ]
    )
    db.session.commit()
    dpmd = login(app.test_client(), make_user(Role.dpmd, PPU))
    status, page = _get(dpmd, f"/dasbor/{world.competition.id}/{PPU}")
    assert status == 200
    assert "ikut lebih dari satu edisi" in page  # 2026 not published: only one edition visible to DPMD
    _publish(world)
    _status, page = _get(dpmd, f"/dasbor/{world.competition.id}/{PPU}")
    tables = _tables(page)
    # Aspect A (the index, one aspect) over the ranked desa: 2025 Bukit Raya 40 (60*2/4 + 40*1/4; Semoi Dua, in
    # draft, is not ranked); 2026 the mean of 95 and 70 = 82,5.
    assert tables["Tabel: Perkembangan skor aspek per tahun"][1:] == [["2025", "40,00"], ["2026", "82,50"]]
    assert tables["Tabel: Perkembangan cakupan indikator per tahun (level 2 ke atas)"][1:] == [
        ["A1", "Layanan surat daring", "100,0%", "100,0%"],
        ["A2", "Tanda tangan elektronik tersertifikasi", "0,0%", "100,0%"],
    ]


# --- the map -------------------------------------------------------------------------------------------------------


def _import_boundaries(runner: FlaskCliRunner, data_dir: Path, tmp_path: Path) -> set[str]:
    """Import the shared boundaries of PPU (codes without a region in the test database are skipped); returns the
    codes of the file's features under PPU."""
    codes: set[str] = set()
    for name in ("kecamatan", "desa"):
        document = json.loads((data_dir / f"batas-kaltim-{name}.geojson").read_text(encoding="utf-8"))
        document["features"] = [f for f in document["features"] if f["properties"]["kode"].startswith(PPU + ".")]
        codes |= {f["properties"]["kode"] for f in document["features"]}
        path = tmp_path / f"{name}.geojson"
        path.write_text(json.dumps(document), encoding="utf-8")
        result = runner.invoke(args=["regions", "import-boundaries", str(path)])
        assert result.exit_code == 0, result.output
    return codes


def test_map_geojson_is_simplified_stored_once_and_cached(
    world: ResultsWorld,
    app: Flask,
    runner: FlaskCliRunner,
    data_dir: Path,
    tmp_path: Path,
    login: Login,
    make_user: MakeUser,
    make_region: MakeRegion,
) -> None:
    for code in ("64.09.02", "64.09.03", "64.09.04.1005", "64.09.04.2001"):
        make_region(code)
    in_file = _import_boundaries(runner, data_dir, tmp_path)
    desa_codes = {code for code in db.session.scalars(db.select(Region.code).where(Region.code.like("64.09.%.%")))}
    assert {"64.09.04.1005", "64.09.04.2001", BUKIT, SEMOI} <= desa_codes & in_file
    # The import stored the simplified layers of PPU (and the province) in the instance folder.
    cached = sorted(p.name for p in (Path(app.instance_path) / "peta").glob("*.geojson"))
    assert any(name.startswith(f"{PPU}-desa-") for name in cached)
    assert any(name.startswith("64-desa-") for name in cached)
    client = login(app.test_client(), make_user(Role.dpmd, PPU))
    url = f"/dasbor/{world.competition.id}/{PPU}/peta/desa.geojson"
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "private" in response.headers["Cache-Control"] and "max-age=3600" in response.headers["Cache-Control"]
    document = json.loads(gzip.decompress(response.get_data()))
    assert {f["properties"]["kode"] for f in document["features"]} == desa_codes & in_file
    assert set(document["features"][0]["properties"]) == {"kode", "nama"}
    etag = response.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    outlines = client.get(f"/dasbor/{world.competition.id}/{PPU}/peta/kecamatan.geojson")
    assert sorted(f["properties"]["kode"] for f in outlines.get_json()["features"]) == [
        "64.09.01",
        "64.09.02",
        "64.09.03",
        "64.09.04",
    ]
    assert client.get(f"/dasbor/{world.competition.id}/{PPU}/peta/kabupaten.geojson").status_code == 404
    # A new import changes the version: the ETag changes and the old one no longer matches.
    _import_boundaries(runner, data_dir, tmp_path)
    fresh = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def _figure_of(page: str, marker: str) -> dict[str, object]:
    """The plotly figure of the plot element that carries ``marker`` (an attribute), unescaped from the HTML."""
    raw = re.findall(r'data-figure="([^"]*)"[^>]*' + marker, page)[0]
    figure: dict[str, object] = json.loads(html.unescape(raw))
    return figure


def test_map_colours_by_index_or_predikat_and_links_each_desa(
    world: ResultsWorld, app: Flask, runner: FlaskCliRunner, data_dir: Path, tmp_path: Path, login: Login
) -> None:
    _import_boundaries(runner, data_dir, tmp_path)
    client = login(app.test_client(), world.committee)
    cid = world.competition.id
    status, page = _get(client, f"/dasbor/{cid}/{PPU}")
    assert status == 200
    assert 'id="peta"' in page
    figure = _figure_of(page, f'data-click-url="/dasbor/{cid}/desa/__kode__"')
    traces = figure["data"]
    assert isinstance(traces, list)
    coloured = [t for t in traces if _coloured(t)]
    assert [t["type"] for t in coloured] == ["choroplethmap"]
    assert coloured[0]["geojson"] == f"/dasbor/{cid}/{PPU}/peta/desa.geojson"
    assert sorted(coloured[0]["locations"]) == sorted([BUKIT, SEMOI])  # =SUM(A1) is not ranked: not coloured
    layout = figure["layout"]
    assert isinstance(layout, dict)
    assert layout["map"]["layers"][0]["source"] == f"/dasbor/{cid}/{PPU}/peta/kecamatan.geojson"
    for code in (BUKIT, SEMOI, INJECTED):
        assert f'href="/dasbor/{cid}/desa/{code}"' in page
    _status, page = _get(client, f"/dasbor/{cid}/{PPU}?warna=predikat")
    figure = _figure_of(page, f'data-click-url="/dasbor/{cid}/desa/__kode__"')
    traces = figure["data"]
    assert isinstance(traces, list)
    assert sorted(t["name"] for t in traces if _coloured(t)) == ["Baik"]  # both ranked PPU desa


def _coloured(trace: dict[str, Any]) -> bool:
    """A map trace of desa with a result: their customdata carries more than the code (a grey region's is the code
    alone, for the drill-down)."""
    rows = trace.get("customdata") or []
    return bool(rows) and all(len(row) > 1 for row in rows)


def test_without_boundaries_the_dashboard_says_so(world: ResultsWorld, app: Flask, login: Login) -> None:
    status, page = _get(login(app.test_client(), world.committee), f"/dasbor/{world.competition.id}/{PPU}")
    assert status == 200
    assert "batas wilayah untuk daerah ini belum dimuat" in page
    assert "import-boundaries" not in page  # words a DPMD officer acts on (ask the committee), not a command


def test_a_kept_dashboard_is_recomputed_when_a_score_changes(world: ResultsWorld, app: Flask, login: Login) -> None:
    client = login(app.test_client(), world.committee)
    url = f"/dasbor/{world.competition.id}/{PPU}"
    _status, page = _get(client, url)
    assert re.search(r'data-nilai="rata-indeks">82,50<', page)
    assert _get(client, url)[1] == page  # kept: the same body
    # Semoi Dua's second assessor raises A2 from 3 to 4: A2 = 4, index 60 + 40 = 100;
    # the mean becomes (100 + 70) / 2 = 85,00.
    score = db.session.scalar(
        db.select(DeskScore).where(
            DeskScore.assignment_id == world.assignments[(SEMOI, 1)].id, DeskScore.indicator_code == "A2"
        )
    )
    assert score is not None
    score.level = 4
    db.session.commit()
    _status, page = _get(client, url)
    assert re.search(r'data-nilai="rata-indeks">85,00<', page)
    # Lowered to 0, Semoi Dua's A2 levels are four apart: it waits for reconciliation, leaves the ranking and the
    # mean is Bukit Raya's alone.
    score.level = 0
    db.session.commit()
    _status, page = _get(client, url)
    assert re.search(r'data-nilai="rata-indeks">70,00<', page)
    assert re.search(r'data-nilai="tidak-diperingkat">2 <', page)


def test_a_desa_opens_its_why_this_rank_page_once_scores_are_visible(
    world: ResultsWorld, app: Flask, make_user: MakeUser, login: Login
) -> None:
    cid = world.competition.id
    committee = login(app.test_client(), world.committee)
    response = committee.get(f"/dasbor/{cid}/desa/{BUKIT}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/hasil/{cid}/desa/{BUKIT}")
    dpmd = login(app.test_client(), make_user(Role.dpmd, PPU))
    response = dpmd.get(f"/dasbor/{cid}/desa/{BUKIT}")
    assert response.headers["Location"].endswith(f"/kelengkapan/peserta/{world.participants[BUKIT].id}")
    _publish(world)
    response = dpmd.get(f"/dasbor/{cid}/desa/{BUKIT}")
    assert response.headers["Location"].endswith(f"/hasil/{cid}/desa/{BUKIT}")
    assert dpmd.get(response.headers["Location"]).status_code == 200
    # A desa that is not a participant has no page.
    assert dpmd.get(f"/dasbor/{cid}/desa/64.09.04.2099").status_code == 404
