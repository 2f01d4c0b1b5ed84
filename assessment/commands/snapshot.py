"""``desa-digital snapshot verify FILE.json``: recompute a final snapshot anyone downloaded and compare.

The shell around :mod:`assessment.publication.recompute`: reads the file (and, for a snapshot of format 1 or 2, the
rubric given with ``--rubrik``), prints the file's SHA-256 to compare with the printed one, then ``cocok`` (exit 0)
or each difference naming the desa (exit 1). A file that is not a final snapshot exits 2; a snapshot of an older
format without its rubric exits 3 after saying what could and could not be checked. Needs no database and no
configuration: anyone runs it on a downloaded file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assessment.criteria.errors import RubricError
from assessment.criteria.files import load_rubric
from assessment.criteria.fingerprint import CANONICAL_FORMAT, rubric_from_canonical
from assessment.criteria.model import Rubric
from assessment.publication.recompute import NotASnapshot, describe, read_snapshot, sorted_differences, verify_snapshot

if TYPE_CHECKING:
    from flask import Flask

MAX_SNAPSHOT_BYTES = 200 * 1024 * 1024
"""A larger file is refused before it is read whole (a province's snapshot is a few megabytes)."""

NOT_A_SNAPSHOT = 2
NOT_RECOMPUTED = 3

# A plain click group: no app, no database. The console entry point runs it before Flask is even imported
# (assessment/cli.py, like ``score``); ``register`` lists it among the app's commands as well.
snapshot_cli = click.Group("snapshot", help="Cuplikan hasil akhir: hitung ulang dari berkas JSON publiknya.")


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_SNAPSHOT_BYTES:
            raise click.ClickException("Berkas terlalu besar untuk sebuah cuplikan hasil akhir.")
        return path.read_bytes()
    except OSError as error:
        raise click.ClickException(f"Berkas tidak dapat dibaca ({error.strerror or error}).") from None


def _rubric(path: Path) -> Rubric:
    """A rubric file: its canonical form (JSON) or an uploaded YAML/Excel rubric."""
    data = _read(path)
    try:
        canonical = json.loads(data).get("format") == CANONICAL_FORMAT
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        canonical = False
    try:
        return rubric_from_canonical(data) if canonical else load_rubric(path)
    except RubricError as error:
        raise click.ClickException(f"Rubrik tidak dapat dibaca:\n{error}") from None


@snapshot_cli.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--rubrik",
    "rubric_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Berkas rubrik (YAML, Excel atau bentuk kanonik JSON) untuk cuplikan format lama yang belum memuat rubriknya.",
)
def verify_command(file: Path, rubric_file: Path | None) -> None:
    """Hitung ulang setiap indeks, predikat dan peringkat cuplikan hasil akhir FILE dengan mesin penilaian; cetak
    "cocok" (keluar 0) atau setiap perbedaan dengan desanya (keluar 1). Keluar 2 bila FILE bukan cuplikan hasil
    akhir, 3 bila cuplikan format lama tidak dapat dihitung ulang tanpa rubriknya."""
    data = _read(file)
    try:
        document = read_snapshot(data)
    except NotASnapshot as error:
        click.echo(f"Bukan cuplikan hasil akhir: {error}", err=True)
        raise SystemExit(NOT_A_SNAPSHOT) from None
    rubric = _rubric(rubric_file) if rubric_file is not None else None
    verdict = verify_snapshot(document, rubric)
    click.echo(f"Format: {verdict.format}")
    click.echo(
        f"SHA-256 berkas: {hashlib.sha256(data).hexdigest()} (bandingkan dengan yang tercetak di berita acara "
        "pleno dan di halaman verifikasi)"
    )
    for item in verdict.checked:
        click.echo(f"Diperiksa: {item}")
    for item in verdict.unchecked:
        click.echo(f"Tidak dapat diperiksa dari berkas ini: {item}")
    if verdict.differences:
        click.echo(f"TIDAK COCOK: {len(verdict.differences)} perbedaan.")
        for difference in sorted_differences(verdict.differences):
            click.echo(f"- {describe(difference)}")
        raise SystemExit(1)
    if not verdict.recomputed:
        click.echo("Belum dapat dihitung ulang: tidak ada perbedaan pada yang dapat diperiksa.")
        raise SystemExit(NOT_RECOMPUTED)
    click.echo("cocok")


def register(app: Flask) -> None:
    app.cli.add_command(snapshot_cli)
