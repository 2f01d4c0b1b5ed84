"""``desa-digital reports build``: workbook, kabupaten PDFs and certificates under reports/<competition>/."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from assessment.models import FinalSnapshot, utcnow
from assessment.platform.extensions import db
from assessment.publication.operations import final_document
from assessment.publication.snapshot import canonical_bytes
from tests.conftest import MakeUser
from tests.support.results import BUKIT, PASER, PROVINCE_ORDER, SEMOI, ResultsWorld, results_world


@pytest.fixture
def unpublished(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


@pytest.fixture
def world(unpublished: ResultsWorld) -> ResultsWorld:
    """The scored world with its provisional results published (certificates need that)."""
    unpublished.competition.results_published_at = utcnow()
    db.session.commit()
    return unpublished


def test_build_writes_workbook_reports_and_certificates(
    world: ResultsWorld, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    result = runner.invoke(
        args=[
            "reports",
            "build",
            "--competition",
            str(world.competition.id),
            "--out",
            str(out),
            "--base-url",
            "https://lomba.kaltimprov.go.id",
        ]
    )
    assert result.exit_code == 0, result.output
    folder = out / str(world.competition.id)
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == [
        "hasil-64.xlsx",
        "laporan-64.01.pdf",
        "laporan-64.09.pdf",
        f"piagam/piagam-1-{SEMOI}.pdf",
        f"piagam/piagam-2-{BUKIT}.pdf",
        f"piagam/piagam-3-{PASER}.pdf",
    ]
    codes = [
        row[2] for row in load_workbook(folder / "hasil-64.xlsx")["Peringkat"].iter_rows(min_row=2, values_only=True)
    ]
    assert codes == PROVINCE_ORDER
    text = "".join(page.extract_text() for page in PdfReader(folder / "laporan-64.09.pdf").pages)
    assert "Semoi Dua" in text and "Bukit Raya" in text and "Desa Paser" not in text
    certificate = "".join(page.extract_text() for page in PdfReader(folder / f"piagam/piagam-1-{SEMOI}.pdf").pages)
    assert f"https://lomba.kaltimprov.go.id/hasil/{world.competition.id}/desa/{SEMOI}" in certificate
    assert "juara (peringkat 1-3): 1. Semoi Dua, 2. Bukit Raya, 3. Desa Paser" in result.output
    assert "piagam: 3" in result.output
    assert "Desa diperingkat: 3; tidak diperingkat: 1;" in result.output  # =SUM(A1): its assessors have not submitted
    # The addresses printed are the ones inside the QR codes (before finalisation: each desa's results page).
    for code, name in ((SEMOI, "Semoi Dua"), (BUKIT, "Bukit Raya"), (PASER, "Desa Paser")):
        url = f"https://lomba.kaltimprov.go.id/hasil/{world.competition.id}/desa/{code}"
        assert f"Kode QR piagam {name} menuju {url}" in result.output


def test_build_after_finalisation_prints_the_snapshot_page_its_qr_codes_hold(
    world: ResultsWorld, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    # The snapshot the committee's finalisation would seal (its document, canonical bytes and hash), stored directly:
    # this test is about where the QR codes lead, not about the stage rules of penetapan.
    data = canonical_bytes(final_document(world.competition, utcnow()))
    snapshot = FinalSnapshot(
        competition_id=world.competition.id,
        kode="ABCDEFGHJKLMNPQR",
        canonical_json=data.decode("utf-8"),
        sha256=hashlib.sha256(data).hexdigest(),
        created_by_id=world.committee.id,
    )
    db.session.add(snapshot)
    db.session.commit()
    result = runner.invoke(
        args=[
            "reports",
            "build",
            "--competition",
            str(world.competition.id),
            "--out",
            str(tmp_path),
            "--base-url",
            "https://lomba.kaltimprov.go.id",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Kode QR piagam Semoi Dua menuju https://lomba.kaltimprov.go.id/verifikasi/ABCDEFGHJKLMNPQR" in result.output
    assert "/hasil/" not in result.output.split("Kode QR", 1)[1]
    certificate = "".join(
        page.extract_text()
        for page in PdfReader(tmp_path / str(world.competition.id) / f"piagam/piagam-1-{SEMOI}.pdf").pages
    )
    assert "https://lomba.kaltimprov.go.id/verifikasi/ABCDEFGHJKLMNPQR" in certificate


def test_build_writes_no_certificate_before_the_results_are_published(
    unpublished: ResultsWorld, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        args=["reports", "build", "--competition", str(unpublished.competition.id), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / str(unpublished.competition.id)
    assert not (folder / "piagam").exists()
    assert (folder / "hasil-64.xlsx").is_file()
    assert "piagam: 0" in result.output
    assert "Piagam tidak ditulis: panitia belum mengumumkan hasil lomba ini." in result.output


def test_build_one_kabupaten(world: ResultsWorld, runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        args=[
            "reports",
            "build",
            "--competition",
            str(world.competition.id),
            "--kabupaten",
            "64.09",
            "--out",
            str(tmp_path),
        ]
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / str(world.competition.id)
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == [
        "hasil-64.09.xlsx",
        "laporan-64.09.pdf",
        f"piagam/piagam-1-{SEMOI}.pdf",
        f"piagam/piagam-2-{BUKIT}.pdf",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--competition", "999"], "lomba 999 tidak ditemukan"),
        (["--kabupaten", "64.09.04"], "64.09.04 bukan kabupaten/kota dalam cakupan lomba"),
    ],
)
def test_build_bad_input_exits_with_message(
    world: ResultsWorld, runner: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "keluaran"
    base = ["reports", "build", "--out", str(out)]
    if "--competition" not in args:
        base += ["--competition", str(world.competition.id)]
    result = runner.invoke(args=[*base, *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()
