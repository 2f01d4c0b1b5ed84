"""One truth for results (issue 13): every output lists the same desa with the same index, predikat and rank.

The world (tests/support/outputs.py) has draft, returned, unscored (withdrawn), reconciled, field-changed and
objection-changed desa, a kelurahan and a tie. Each output is read as its user reads it (the HTML of the ranking
and why-this-rank pages, the dashboard, the workbook's cells, the PDFs' text, the published documents) and compared
with the others at three moments: when the provisional results are published, once finalised, and after the
stored rows were changed behind the application's back (every output keeps the sealed snapshot's values).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from statistics import fmean
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import text, update

from assessment.models import BeritaAcara, Objection, Region, Role, StageCode
from assessment.objections.operations import answer_objection
from assessment.platform.extensions import db
from assessment.presentation.numbers import format_number
from assessment.repo import rubric_of
from assessment.services.published import final_snapshot_of, provisional_document
from assessment.services.security import region_within
from tests.conftest import Login, MakeUser
from tests.support.documents import follow_document
from tests.support.outputs import (
    BUKIT,
    FINAL,
    NAMES,
    SEMOI,
    SEPAKU,
    TUNGGU,
    UNRANKED,
    WITHDRAWAL,
    Shown,
    TruthWorld,
    berita_acara_pleno,
    dashboard,
    from_document,
    pdf_text,
    published_table,
    ranking_page,
    report_pdf,
    snapshot_of,
    truth_world,
    why_page,
    workbook,
)
from tests.support.published import open_exception, open_results_stage

REGIONS = {
    "64": "peringkat",
    "64.01": "peringkat_kabupaten",
    "64.09": "peringkat_kabupaten",
    "64.01.01": "peringkat_kecamatan",
    "64.09.01": "peringkat_kecamatan",
    "64.09.04": "peringkat_kecamatan",
}
KABUPATEN = ("64", "64.01", "64.09")  # the regions with a PDF report and a dashboard checked here


def expected(document: dict[str, Any]) -> tuple[dict[str, dict[str, Shown]], dict[str, dict[str, str]]]:
    """Per region, the ranked desa as the document gives them (the region's own rank) and the others' states."""
    ranked = {
        region: from_document([r for r in document["peringkat"] if region_within(r["kode"], region)], key)
        for region, key in REGIONS.items()
    }
    unranked = {
        region: {r["kode"]: r["keadaan"] for r in document["tidak_diperingkat"] if region_within(r["kode"], region)}
        for region in REGIONS
    }
    return ranked, unranked


def check_every_output(client: FlaskClient, world: TruthWorld, document: dict[str, Any]) -> None:
    """Every results output of the competition against ``document`` (the published or sealed results)."""
    cid = world.competition.id
    ranked, unranked = expected(document)
    province = ranked["64"]
    for region in REGIONS:
        # The ranking pages of the province, each kabupaten and each kecamatan, and their workbooks.
        assert ranking_page(client, cid, region) == (ranked[region], unranked[region]), region
        sheet, others = workbook(client, cid, region)
        assert sheet == ranked[region], region
        assert set(others) == set(unranked[region]), region
    for region in KABUPATEN:
        # The PDF report: its ranking table, and the unranked desa named only in their own section.
        shown, report = report_pdf(client, cid, region)
        assert shown == ranked[region], region
        ranking_section = report[report.index("Peringkat Desa Kecamatan") :]
        for code in unranked[region]:
            assert code in report and code not in ranking_section.split("Tidak diperingkat")[0]
        # The DPMD dashboard: counts, the mean index and the predikat distribution of the ranked desa only.
        facts = dashboard(client, cid, region)
        indices = [float(v.indeks.replace(",", ".")) for v in ranked[region].values()]
        assert facts["diperingkat"] == len(ranked[region]) and facts["tidak_diperingkat"] == len(unranked[region])
        assert facts["rata_indeks"] == format_number(fmean(indices))
        predikat: dict[str, int] = {}
        for value in ranked[region].values():
            predikat[value.predikat] = predikat.get(value.predikat, 0) + 1
        assert facts["predikat"] == predikat, region
    for code in NAMES:
        # Why this rank: the province rank "dari N desa" counts the ranked desa only; the others say why not.
        shown_why, total, state = why_page(client, cid, code)
        if code in province:
            assert (shown_why, total) == (province[code], len(province)), code
        else:
            assert state == unranked["64"][code], code
        # Certificates: the competition's places 1 to 3 (a shared third place gives each its certificate).
        response = client.get(f"/hasil/{cid}/sertifikat/{code}.pdf")
        assert response.status_code == (200 if code in province and province[code].peringkat <= 3 else 404), code
        response.close()


def test_every_output_lists_the_same_desa_with_the_same_index_predikat_and_rank(
    app: Flask, make_user: MakeUser, login: Login, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    world = truth_world(make_user)
    cid = world.competition.id
    committee = login(app.test_client(), world.committee)

    # Publishing waits for Desa Tunggu, whose assessors have not submitted; the committee withdraws it.
    page = committee.post(f"/panitia/hasil/lomba/{cid}/umumkan", follow_redirects=True).get_data(as_text=True)
    assert "Masih ada desa yang belum selesai dinilai" in page and world.competition.results_published_at is None
    blockers = page[page.index('class="blockers') : page.index("<caption>Tidak diperingkat</caption>")]
    assert re.findall(r'<li class="card" data-kode="([\d.]+)">', blockers) == [TUNGGU]
    assert "Penilaian belum diajukan oleh: Asesor Dua, Asesor Satu (0 dari 2 diajukan)." in blockers
    committee.post(f"/panitia/hasil/lomba/{cid}/peserta/{world.desa[TUNGGU].id}/keluarkan", data={"reason": WITHDRAWAL})
    assert committee.post(f"/panitia/hasil/lomba/{cid}/umumkan").status_code == 302

    # Published: every output is the frozen provisional results, seen by the public and the committee alike.
    provisional = provisional_document(world.competition)
    assert provisional is not None
    assert {r["kode"]: r["keadaan"] for r in provisional["tidak_diperingkat"]} == UNRANKED
    check_every_output(committee, world, provisional)
    public_ranked, public_unranked = ranking_page(app.test_client(), cid, "64")
    assert public_ranked == from_document(provisional["peringkat"])
    assert public_unranked == UNRANKED
    assert WITHDRAWAL in app.test_client().get(f"/hasil/{cid}/peringkat/64").get_data(as_text=True)
    for code in (SEPAKU, TUNGGU):  # the operator's own page shows the same provisional result, or why none
        operator = login(app.test_client(), make_user(Role.operator_desa, code))
        said = operator.get(f"/sanggah/peserta/{world.desa[code].id}").get_data(as_text=True)
        said = re.search(r'data-testid="hasil-sementara">(.*?)</p>', said, re.S)
        assert said is not None
        if code == SEPAKU:
            row = from_document(provisional["peringkat"])[code]
            assert said.group(1) == (
                f"Peringkat {row.peringkat} dari {len(provisional['peringkat'])} desa, indeks "
                f"{row.indeks}, predikat {row.predikat}."
            )
        else:
            assert "dikeluarkan dari peringkat oleh panitia" in said.group(1) and WITHDRAWAL in said.group(1)

    # Masa sanggah: Desa Sepaku objects to A1; the committee raises it to 3 under an exception.
    open_results_stage(world.competition, StageCode.masa_sanggah)
    objection = Objection(participant_id=world.desa[SEPAKU].id, indicator_code="A1", reason="Layanan sudah daring.")
    db.session.add(objection)
    db.session.commit()
    open_exception(
        world.desa[SEPAKU], StageCode.masa_sanggah, "Pleno menerima sanggah A1.", world.committee, indicator_code="A1"
    )
    answer_objection(
        objection,
        rubric_of(world.competition.rubric),
        "Bukti layanan daring diterima.",
        "A1",
        3,
        world.committee,
        datetime.now(UTC),
    )

    # Penetapan: finalised; every output is the sealed snapshot, whose values are the ones worked out by hand.
    open_results_stage(world.competition, StageCode.penetapan)
    assert committee.post(f"/panitia/hasil/lomba/{cid}/tetapkan").status_code == 302
    snapshot = final_snapshot_of(world.competition)
    assert snapshot is not None
    document = snapshot_of(app.test_client(), snapshot.kode)
    assert {
        code: (v.indeks, v.predikat, v.peringkat, v.seri) for code, v in from_document(document["peringkat"]).items()
    } == FINAL
    assert {r["kode"]: r["keadaan"] for r in document["tidak_diperingkat"]} == UNRANKED
    assert next(r for r in document["tidak_diperingkat"] if r["kode"] == TUNGGU)["alasan"] == WITHDRAWAL
    check_every_output(committee, world, document)
    _check_sealed_documents(app, committee, world, document, runner, tmp_path)

    # Behind the application's back: a desk level and a desa's name change in the database. Every output still
    # shows the sealed snapshot's desa, names, indices, predikat and ranks.
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE desk_score SET level = 0"))
        connection.execute(text("DELETE FROM reconciliation"))
    db.session.execute(update(Region).where(Region.code == BUKIT).values(name="Bukit Raya Baru"))
    db.session.commit()
    check_every_output(committee, world, document)
    assert "Bukit Raya Baru" not in app.test_client().get(f"/hasil/{cid}/peringkat/64").get_data(as_text=True)
    why = app.test_client().get(f"/hasil/{cid}/desa/{SEMOI}").get_data(as_text=True)
    assert 'data-cuplikan="' + snapshot.kode + '"' in why and "tidak lagi sama" not in why


def _check_sealed_documents(
    app: Flask,
    committee: FlaskClient,
    world: TruthWorld,
    document: dict[str, Any],
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    """The berita acara pleno, the public verification page and the CLI's reports show the snapshot's ranking."""
    cid = world.competition.id
    province = from_document(document["peringkat"])
    follow_document(committee.post(f"/berita-acara/lomba/{cid}/buat", data={"kind": "pleno"}))  # made by the worker
    pleno = db.session.scalar(db.select(BeritaAcara).where(BeritaAcara.competition_id == cid))
    assert pleno is not None
    response = committee.get(f"/berita-acara/{pleno.id}/unduh")
    text_of_pleno = pdf_text(response.data)
    response.close()
    assert berita_acara_pleno(text_of_pleno) == province
    assert WITHDRAWAL in " ".join(text_of_pleno.split())
    public = app.test_client().get(f"/verifikasi/{pleno.kode}").get_data(as_text=True)
    assert published_table(public) == province
    assert set(re.findall(r'<tr data-kode="([\d.]+)">', public)) == set(UNRANKED)
    result = runner.invoke(args=["reports", "build", "--competition", str(cid), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "r" / str(cid)
    book = load_workbook(io.BytesIO((folder / "hasil-64.xlsx").read_bytes()))
    header = [c.value for c in book["Peringkat"][1]]
    rows = [dict(zip(header, r, strict=True)) for r in book["Peringkat"].iter_rows(min_row=2, values_only=True)]
    assert {
        r["Kode desa"]: Shown(format_number(r["Indeks"]), r["Predikat"], r["Peringkat"], r["Seri"] == "seri")
        for r in rows
    } == province
    assert sorted(p.name for p in (folder / "piagam").iterdir()) == sorted(
        f"piagam-{v.peringkat}-{code}.pdf" for code, v in province.items() if v.peringkat <= 3
    )
    assert f"Hasil akhir dari cuplikan {document_kode(committee, cid)}" in result.output


def document_kode(client: FlaskClient, competition_id: int) -> str:
    page = client.get(f"/hasil/{competition_id}/peringkat/64").get_data(as_text=True)
    found = re.search(r'data-cuplikan="([A-Z2-7]{16})"', page)
    assert found
    return found.group(1)
