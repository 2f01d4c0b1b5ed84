"""``desa-digital regions ...``: import the Kemendagri region list and region boundaries."""

from __future__ import annotations

import io
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import AppGroup

from assessment.dashboard.maps import warm_display_geojson
from assessment.presentation.geo import simplify_for_screen
from assessment.regions.importing import Problem, decode_text, parse_region_csv
from assessment.regions.operations import import_boundaries, import_regions, known_region_codes, parse_boundaries

MAX_PROBLEMS_SHOWN = 50

regions_cli = AppGroup("regions", help="Wilayah administrasi (kode Kemendagri).")


def report_problems(problems: list[Problem], source: str) -> NoReturn:
    """Print the problems (the first ``MAX_PROBLEMS_SHOWN``) to stderr and exit 1."""
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(f"{source}: {problem}", err=True)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        click.echo(f"... dan {len(problems) - MAX_PROBLEMS_SHOWN} masalah lain.", err=True)
    raise click.ClickException(f"{len(problems)} masalah ditemukan; tidak ada perubahan yang disimpan.")


@regions_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--decree", help="Keputusan Mendagri sumber daftar ini, mis. 'Kepmendagri 300.2.2-2138/2025'.")
@click.option("--valid-from", type=click.DateTime(formats=["%Y-%m-%d"]), help="Berlaku sejak (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Periksa dan hitung saja, tanpa menyimpan.")
def import_command(csv_file: Path, decree: str | None, valid_from: datetime | None, dry_run: bool) -> None:
    """Impor daftar wilayah Kemendagri (CSV: kode,nama,tingkat,kode_induk); aman diulang."""
    start_date: date | None = valid_from.date() if valid_from else None
    text = decode_text(csv_file.read_bytes())
    if isinstance(text, Problem):
        report_problems([text], csv_file.name)
    parsed = parse_region_csv(io.StringIO(text, newline=""), known_region_codes())
    if parsed.problems:
        report_problems(parsed.problems, csv_file.name)
    if not parsed.rows:
        raise click.ClickException(f"{csv_file.name}: tidak ada baris data.")
    # The bar goes to stderr so that stdout carries only the counts (scripts can read them).
    label = "Memeriksa wilayah (uji coba, tidak disimpan)" if dry_run else "Menyimpan wilayah"
    with click.progressbar(length=len(parsed.rows), label=label, show_pos=True, file=sys.stderr) as bar:
        counts = import_regions(parsed.rows, decree=decree, valid_from=start_date, dry_run=dry_run, progress=bar.update)
    prefix = "Uji coba (tidak disimpan): " if dry_run else ""
    click.echo(f"{prefix}{counts.added} ditambah, {counts.changed} diubah, {counts.unchanged} tetap.")
    if counts.not_in_file:
        click.echo(f"{counts.not_in_file} wilayah di basis data tidak ada di berkas ini (dibiarkan).")


@regions_cli.command("import-boundaries")
@click.argument("geojson_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_boundaries_command(geojson_file: Path) -> None:
    """Impor batas wilayah (GeoJSON, properti 'kode' per fitur); kode tanpa wilayah dilaporkan."""
    try:
        text = geojson_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{geojson_file.name}: berkas bukan teks UTF-8.") from None
    pairs, problems = parse_boundaries(text)
    if problems:
        report_problems(problems, geojson_file.name)
    result = import_boundaries(pairs)
    click.echo(f"{result.added} batas ditambah, {result.updated} diperbarui.")
    # The dashboards' maps are simplified once here, not on a visitor's request.
    warmed = warm_display_geojson()
    if warmed:
        click.echo(f"Peta disiapkan untuk {len(warmed)} wilayah: {', '.join(warmed)}.")
    if result.unmatched:
        click.echo(f"{len(result.unmatched)} kode tidak cocok dengan wilayah mana pun (tidak disimpan):")
        for code in result.unmatched:
            click.echo(f"  {code}")


METRES_PER_DEGREE = 111_320  # at the equator; Indonesia lies within 11 degrees of it


@regions_cli.command("simplify-boundaries")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--tolerance-m",
    type=click.FloatRange(min=0),
    default=22.0,
    show_default=True,
    help="Penyederhanaan: titik yang bergeser kurang dari sekian meter dibuang.",
)
@click.option(
    "--decimals",
    type=click.IntRange(3, 7),
    default=4,
    show_default=True,
    help="Angka di belakang koma koordinat (4 = sekitar 11 m).",
)
def simplify_boundaries_command(source: Path, target: Path, tolerance_m: float, decimals: int) -> None:
    """Sederhanakan berkas batas wilayah (GeoJSON) agar ringan disimpan; properti setiap fitur tetap."""
    try:
        document = json.loads(source.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{source.name}: bukan GeoJSON yang sah ({error}).") from None
    pairs, problems = parse_boundaries(json.dumps(document))
    if problems:
        report_problems(problems, source.name)
    tolerance = tolerance_m / METRES_PER_DEGREE
    for feature in document["features"]:
        # Each region keeps a fillable shape whatever the tolerance (simplify_for_screen's rule).
        feature["geometry"] = simplify_for_screen(feature["geometry"], tolerance, decimals)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    target.write_text(text + "\n", encoding="utf-8")
    click.echo(f"{len(pairs)} fitur ditulis ke {target} ({source.stat().st_size:,} -> {target.stat().st_size:,} bita).")


def register(app: Flask) -> None:
    app.cli.add_command(regions_cli)
