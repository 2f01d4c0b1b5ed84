"""``desa-digital rubric``: validate, show, convert rubric files and write the Excel template.

Bad input never ends in a traceback: every problem is one line ``FILE:LOCATION: message`` and the exit code is 1.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click
from flask import Flask

from assessment.criteria.errors import Problem, RubricError
from assessment.criteria.files import load_rubric, rubric_to_excel, rubric_to_yaml, write_excel_template
from assessment.criteria.fingerprint import fingerprint
from assessment.criteria.model import Rubric
from assessment.criteria.parse import plain


def _problem_line(path: Path | str, problem: Problem) -> str:
    return f"{path}:{problem.location}: {problem.message}" if problem.location else f"{path}: {problem.message}"


def _load_or_report(path: Path) -> Rubric | None:
    try:
        return load_rubric(path)
    except RubricError as error:
        for problem in error.problems:
            click.echo(_problem_line(path, problem))
        return None


def _summary(rubric: Rubric) -> str:
    total = sum((indicator.weight for indicator in rubric.indicators), Decimal(0))
    return (
        f"{rubric.id} versi {rubric.version}: {len(rubric.aspects)} aspek, {len(rubric.indicators)} indikator, "
        f"bobot {plain(total)}, sidik jari {fingerprint(rubric)[:12]}"
    )


@click.group("rubric", help="Rubrik penilaian: periksa, tampilkan, ubah format dan templat Excel.")
def rubric_group() -> None:
    """The ``rubric`` command group."""


@rubric_group.command("validate", help="Periksa satu atau beberapa berkas rubrik (YAML atau Excel).")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Exit 0 with one summary line per valid file; exit 1 with one line per problem in every file."""
    failed = False
    for path in files:
        rubric = _load_or_report(path)
        if rubric is None:
            failed = True
        else:
            click.echo(f"{path}: sah — {_summary(rubric)}")
    if failed:
        raise SystemExit(1)


@rubric_group.command("show", help="Tampilkan pohon aspek dan indikator beserta bobot dan sidik jarinya.")
@click.argument("file", type=click.Path(path_type=Path))
def show(file: Path) -> None:
    """Print the rubric as a tree with weights and its fingerprint."""
    rubric = _load_or_report(file)
    if rubric is None:
        raise SystemExit(1)
    names = dict(rubric.level_names)
    levels = ", ".join(f"{level} {names[level]}" if level in names else str(level) for level in rubric.scale.levels)
    click.echo(f"{rubric.title}")
    click.echo(f"ID {rubric.id}, versi {rubric.version}")
    click.echo(f"Sidik jari (SHA-256): {fingerprint(rubric)}")
    click.echo(f"Skala: {levels}")
    click.echo("Predikat: " + ", ".join(f"≥ {plain(band.min)} {band.label}" for band in rubric.bands))
    click.echo(
        f"Agregasi: {rubric.aggregation}; ambang selisih: {rubric.disagreement_threshold}; "
        f"penentu seri: {', '.join(rubric.tie_break) or '(tidak ada)'}; peserta: {', '.join(rubric.eligible)}"
    )
    width = max(len(indicator.code) for indicator in rubric.indicators) + 2
    for aspect in rubric.aspects:
        click.echo(f"{aspect.code:<{width}}{aspect.name}  [bobot {plain(aspect.weight)}]")
        for indicator in aspect.indicators:
            na = ", boleh N/A" if indicator.allow_na else ""
            click.echo(f"  {indicator.code:<{width}}{indicator.name}  [bobot {plain(indicator.weight)}{na}]")
    total = sum((aspect.weight for aspect in rubric.aspects), Decimal(0))
    click.echo(f"Jumlah bobot: {plain(total)}")


@rubric_group.command("template", help="Tulis templat rubrik Excel kosong yang berpetunjuk.")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Timpa berkas yang sudah ada.")
def template(out: Path, force: bool) -> None:
    """Write the empty, documented Excel rubric."""
    if out.exists() and not force:
        click.echo(f"{out}: berkas sudah ada; pakai --force untuk menimpanya.")
        raise SystemExit(1)
    try:
        write_excel_template(out)
    except OSError as error:
        click.echo(f"{out}: tidak dapat ditulis ({error.strerror or error}).")
        raise SystemExit(1) from None
    click.echo(f"{out}: templat rubrik ditulis. Isi lalu periksa dengan: desa-digital rubric validate {out}")


@rubric_group.command("convert", help="Ubah rubrik YAML ke Excel atau sebaliknya (menurut akhiran TUJUAN).")
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Timpa berkas tujuan yang sudah ada.")
def convert(source: Path, target: Path, force: bool) -> None:
    """Rewrite a valid rubric as ``.xlsx`` or ``.yaml``; the fingerprint stays the same."""
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".yaml", ".yml"):
        click.echo(f"{target}: akhiran harus .xlsx, .yaml atau .yml.")
        raise SystemExit(1)
    if target.exists() and not force:
        click.echo(f"{target}: berkas sudah ada; pakai --force untuk menimpanya.")
        raise SystemExit(1)
    rubric = _load_or_report(source)
    if rubric is None:
        raise SystemExit(1)
    try:
        if suffix == ".xlsx":
            rubric_to_excel(rubric, target)
        else:
            target.write_text(rubric_to_yaml(rubric), encoding="utf-8")
    except OSError as error:
        click.echo(f"{target}: tidak dapat ditulis ({error.strerror or error}).")
        raise SystemExit(1) from None
    click.echo(f"{target}: ditulis — {_summary(rubric)}")


def register(app: Flask) -> None:
    """Add the ``rubric`` group to the ``desa-digital`` CLI."""
    app.cli.add_command(rubric_group)
