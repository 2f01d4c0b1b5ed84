"""``desa-digital reports build``: the results workbook, the kabupaten PDF reports and the winners' certificates."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from assessment import repo
from assessment.models import Competition, Region, RegionKind
from assessment.platform.extensions import db
from assessment.platform.wita import format_wita, now_utc
from assessment.presentation.pdf import certificate_pdf
from assessment.results.reports import kabupaten_pdf, winners, workbook_bytes
from assessment.services.published import verification_url
from assessment.services.security import region_within

reports_cli = AppGroup("reports", help="Laporan hasil: workbook Excel, laporan PDF kabupaten dan piagam juara.")

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a half-written report is never left under its final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".sebagian")
    partial.write_bytes(data)
    os.replace(partial, path)


@reports_cli.command("build")
@click.option("--competition", "competition_id", required=True, type=int, help="Nomor (id) lomba.")
@click.option("--kabupaten", "kabupaten_code", help="Hanya kabupaten/kota ini (kode, mis. 64.09).")
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder keluaran; berkas ditulis di <out>/<lomba>/.",
)
@click.option(
    "--base-url",
    default=None,
    help=f"Alamat publik aplikasi untuk kode QR piagam (bawaan: PUBLIC_BASE_URL atau {DEFAULT_BASE_URL}).",
)
def build_command(competition_id: int, kabupaten_code: str | None, out_dir: Path, base_url: str | None) -> None:
    """Tulis workbook hasil, laporan PDF per kabupaten dan piagam juara ke <out>/<lomba>/."""
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise click.ClickException(f"lomba {competition_id} tidak ditemukan")
    scope = competition.scope_region_code
    if kabupaten_code is not None:
        region = db.session.scalar(db.select(Region).where(Region.code == kabupaten_code))
        if (
            region is None
            or region.kind not in (RegionKind.kabupaten, RegionKind.kota)
            or not region_within(region.code, scope)
        ):
            raise click.ClickException(f"{kabupaten_code} bukan kabupaten/kota dalam cakupan lomba ({scope})")
    base = base_url or current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL
    target = out_dir / str(competition.id)
    province = repo.results_report(competition, fresh=True)
    if not province.desa:
        raise click.ClickException(
            f"lomba {competition_id} belum punya desa yang diperingkat "
            f"({len(province.unranked)} desa peserta tidak diperingkat)"
        )
    codes = [d.code for d in province.desa] + [d.code for d in province.unranked]
    kabupaten = sorted({code[:5] for code in codes}) if kabupaten_code is None else [kabupaten_code]
    # A certificate says "juara": before the committee has published the results nobody is one yet, so the
    # workbook and the reports (working documents for the committee) are written and the certificates are not.
    champions = [d for d in winners(province) if kabupaten_code is None or region_within(d.code, kabupaten_code)]
    if not competition.results_public:
        champions = []
    qr_targets: list[tuple[str, str]] = []
    now = now_utc()
    written: list[Path] = []

    def workbook() -> None:
        report = province if kabupaten_code is None else repo.results_report(competition, kabupaten_code, fresh=True)
        path = target / f"hasil-{report.region_code}.xlsx"
        _write(path, workbook_bytes(report))
        written.append(path)

    def pdf_for(code: str) -> Callable[[], None]:
        def run() -> None:
            report = repo.results_report(competition, code, evidence=False, assessor_levels=False, fresh=True)
            path = target / f"laporan-{code}.pdf"
            _write(path, kabupaten_pdf(report, now, format_wita(now)))
            written.append(path)

        return run

    def certificate_for(index: int) -> Callable[[], None]:
        def run() -> None:
            desa = champions[index]
            with current_app.test_request_context(base_url=base):
                url = verification_url(competition, desa.code)
            qr_targets.append((desa.name, url))
            path = target / "piagam" / f"piagam-{desa.rank}-{desa.code}.pdf"
            _write(path, certificate_pdf(desa, competition.name, url))
            written.append(path)

        return run

    steps: list[Callable[[], None]] = [
        workbook,
        *(pdf_for(code) for code in kabupaten),
        *(certificate_for(i) for i in range(len(champions))),
    ]
    with click.progressbar(length=len(steps), label="Menyusun laporan", show_pos=True) as bar:
        for step in steps:
            step()
            bar.update(1)
    click.echo(f"Lomba: {competition.name} ({competition.id})")
    if province.snapshot is not None:
        click.echo(f"Hasil akhir dari cuplikan {province.snapshot.code} (SHA-256 {province.snapshot.sha256})")
    click.echo(
        f"Desa diperingkat: {len(province.desa)}; tidak diperingkat: {len(province.unranked)}; "
        "juara (peringkat 1-3): " + (", ".join(f"{d.rank}. {d.name}" for d in champions) or "-")
    )
    click.echo(f"Workbook hasil: 1; laporan PDF kabupaten: {len(kabupaten)}; piagam: {len(champions)}")
    if not competition.results_public:
        click.echo("Piagam tidak ditulis: panitia belum mengumumkan hasil lomba ini.")
    for name, url in qr_targets:
        click.echo(f"Kode QR piagam {name} menuju {url}")
    click.echo(f"Ditulis ke {target}/")


def register(app: Flask) -> None:
    app.cli.add_command(reports_cli)
