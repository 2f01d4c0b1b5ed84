"""``desa-digital competition ...``: create a competition from a rubric file, change its schedule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from assessment.competitions.operations import CompetitionError, create_competition, read_rubric_upload
from assessment.competitions.rescheduling import ScheduleRefused, problem_message
from assessment.competitions.schedule import schedule_with
from assessment.competitions.schedule_operations import change_schedule
from assessment.criteria.errors import RubricError
from assessment.models import Competition, StageCode
from assessment.platform.extensions import db
from assessment.platform.tabular import TableRejected
from assessment.platform.wita import WITA, now_utc
from assessment.registration.operations import enrol_from_file

competition_cli = AppGroup(
    "competition", help="Lomba: membuat lomba dari berkas rubrik, mengubah jadwalnya, mendaftarkan desa."
)


def parse_stage(text: str) -> tuple[StageCode, tuple[date, date]]:
    """``penilaian_mandiri=2026-12-01..2026-12-21`` -> the stage and its first and last day (both included)."""
    code_text, _, dates = text.partition("=")
    first_text, _, last_text = dates.partition("..")
    try:
        code = StageCode(code_text.strip())
    except ValueError:
        known = ", ".join(code.value for code in StageCode)
        raise click.BadParameter(f"tahap {code_text!r} tidak dikenal (pilihan: {known})") from None
    try:
        first = date.fromisoformat(first_text.strip())
        last = date.fromisoformat(last_text.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r}: tulis TAHAP=YYYY-MM-DD..YYYY-MM-DD") from None
    return code, (first, last)


def parse_quota(text: str) -> tuple[str, int]:
    """``64.09=10`` -> kabupaten code and quota."""
    code, _, number = text.partition("=")
    if not number.strip().isdigit():
        raise click.BadParameter(f"{text!r}: tulis KODE_KABUPATEN=JUMLAH")
    return code.strip(), int(number)


@competition_cli.command("create")
@click.option(
    "--rubric",
    "rubric_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Berkas rubrik (YAML atau Excel).",
)
@click.option("--name", required=True, help="Nama lomba.")
@click.option("--year", required=True, type=int, help="Tahun lomba.")
@click.option("--scope", required=True, help="Kode wilayah cakupan: provinsi (64) atau kabupaten (64.09).")
@click.option("--start", "start_text", help="Jadwal bawaan mulai tanggal ini (YYYY-MM-DD; bawaan: hari ini WITA).")
@click.option(
    "--stage",
    "stage_texts",
    multiple=True,
    help="Tanggal tahap, mis. penilaian_mandiri=2026-12-01..2026-12-21; tahap berikutnya digeser bila perlu.",
)
@click.option("--quota", "quota_texts", multiple=True, help="Kuota desa per kabupaten, mis. 64.09=10.")
def create_command(
    rubric_path: Path,
    name: str,
    year: int,
    scope: str,
    start_text: str | None,
    stage_texts: tuple[str, ...],
    quota_texts: tuple[str, ...],
) -> None:
    """Buat lomba dari berkas rubrik; tahap tanpa --stage mengikuti jadwal bawaan."""
    try:
        first_day = date.fromisoformat(start_text) if start_text else datetime.now(WITA).date()
    except ValueError:
        raise click.BadParameter("tulis YYYY-MM-DD", param_hint="--start") from None
    schedule = schedule_with(first_day, dict(parse_stage(text) for text in stage_texts))
    quotas = dict(parse_quota(text) for text in quota_texts)
    try:
        upload = read_rubric_upload(rubric_path.read_bytes(), rubric_path.name)
    except RubricError as error:
        for problem in error.problems:
            click.echo(f"{rubric_path}:{problem}", err=True)
        raise click.ClickException("Rubrik tidak sah; lomba tidak dibuat.") from None
    try:
        competition = create_competition(
            name=name, year=year, scope_code=scope, rubric=upload, stages=schedule, quotas=quotas
        )
    except CompetitionError as error:
        for message in error.problems:
            click.echo(message, err=True)
        raise click.ClickException("Lomba tidak dibuat.") from None
    click.echo(
        f"Lomba dibuat: {competition.name} {competition.year} (id {competition.id}), cakupan {scope}, "
        f"rubrik {upload.rubric.id} sidik jari {upload.fingerprint[:12]}."
    )
    for stage in competition.stages:
        first = stage.starts_at.astimezone(WITA).date()
        last = (stage.ends_at.astimezone(WITA) - timedelta(seconds=1)).date()
        click.echo(f"  {stage.code.value}: {first.isoformat()} s.d. {last.isoformat()} (WITA)")


@competition_cli.command("schedule")
@click.option("--competition", "competition_id", required=True, type=int, help="Id lomba.")
@click.option(
    "--stage",
    "stage_texts",
    multiple=True,
    required=True,
    help="Tanggal baru tahap, mis. penilaian_mandiri=2026-12-01..2026-12-24 (hari WITA, keduanya termasuk).",
)
@click.option("--reason", required=True, help="Alasan perubahan (wajib; dicatat dan dikirim ke yang terdampak).")
@click.option(
    "--shift-later",
    is_flag=True,
    help="Geser tahap sesudahnya dengan jumlah hari yang sama dengan pergeseran tanggal akhir.",
)
def schedule_command(competition_id: int, stage_texts: tuple[str, ...], reason: str, shift_later: bool) -> None:
    """Ubah jadwal tahap lomba dengan aturan yang sama seperti di halaman lomba; ditolak: keluar dengan kode 1."""
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise click.ClickException(f"Lomba {competition_id} tidak ada.")
    requested: dict[StageCode, tuple[date, date]] = {}
    for text in stage_texts:
        code, days = parse_stage(text)
        if code in requested:
            raise click.BadParameter(f"tahap {code.value} disebut dua kali", param_hint="--stage")
        requested[code] = days
    try:
        change = change_schedule(competition, requested, reason, now_utc(), shift_later=shift_later)
    except ScheduleRefused as refused:
        for problem in refused.problems:
            click.echo(problem_message(problem), err=True)
        if refused.offer_days is not None:
            click.echo(
                f"Tambahkan --shift-later untuk menggeser tahap sesudahnya {refused.offer_days:+d} hari.", err=True
            )
        raise click.ClickException("Jadwal tidak diubah.") from None
    click.echo(f"Jadwal {competition.name} {competition.year} diubah (perubahan #{change.id}).")
    for item in change.stages:
        first = item.after_starts_at.astimezone(WITA).date()
        last = (item.after_ends_at.astimezone(WITA) - timedelta(seconds=1)).date()
        note = " (digeser)" if item.shifted else ""
        click.echo(f"  {item.stage.value}: {first.isoformat()} s.d. {last.isoformat()} (WITA){note}")


@competition_cli.command("enrol")
@click.option("--competition", "competition_id", required=True, type=int, help="Id lomba.")
@click.option("--dry-run", is_flag=True, help="Periksa berkas saja; tidak ada desa yang didaftarkan.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def enrol_command(competition_id: int, dry_run: bool, path: Path) -> None:
    """Daftarkan desa peserta dari berkas CSV atau Excel (.xlsx) berkolom kode_desa; satu baris salah: tidak ada
    yang didaftarkan, dan setiap masalah ditulis dengan barisnya (keluar dengan kode 1)."""
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise click.ClickException(f"Lomba {competition_id} tidak ada.")
    try:
        codes = enrol_from_file(competition, path.read_bytes(), path.name, None, now_utc(), dry_run=dry_run)
    except TableRejected as rejected:
        for problem in rejected.problems:
            click.echo(f"{path}:{problem.line}: {problem.message}", err=True)
        raise click.ClickException("Tidak ada desa yang didaftarkan.") from None
    verb = "akan didaftarkan (periksa saja)" if dry_run else "didaftarkan"
    click.echo(f"{len(codes)} desa {verb} di {competition.name} {competition.year}: {', '.join(codes)}")


def register(app: Flask) -> None:
    app.cli.add_command(competition_cli)
