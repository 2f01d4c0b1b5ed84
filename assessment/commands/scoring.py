"""``desa-digital score`` and ``desa-digital reliability``: the scoring core on CSV files.

The shell reads and checks the CSV (UTF-8 with or without BOM, ``,`` or ``;``, the four columns in any order, extra
columns ignored), turns it into the core's integer-coded :class:`~assessment.scoring.AssessmentRows`, calls the
core and writes the result atomically (a temporary file in the target folder, then ``os.replace``), so a failed
run never leaves a partial file. Bad input exits with code 2 and a message naming the line.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
import numpy as np
import pandas as pd

from assessment.criteria.errors import RubricError
from assessment.criteria.files import load_rubric
from assessment.criteria.model import Rubric
from assessment.scoring import (
    NA_LEVEL,
    AssessmentRows,
    Ranking,
    ScoringInputError,
    SelfComparison,
    SelfLevels,
    compare_self,
    rank_confidence,
    reliability,
    round_half_up,
    score,
    weight_sensitivity,
)

if TYPE_CHECKING:
    from flask import Flask

LEVEL_COLUMNS = ("kode_wilayah", "indikator", "asesor", "level")
SELF_COLUMNS = ("kode_wilayah", "indikator", "level")
LARGE_FILE_BYTES = 20 * 1024 * 1024
MAX_SHOWN_PROBLEMS = 20
# The files have four or three columns; a header far wider is a wrong or hostile file, refused before pandas spends
# minutes building thousands of empty columns.
MAX_COLUMNS = 200
_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "buku kerja Excel atau arsip ZIP"),
    (b"%PDF-", "dokumen PDF"),
    (b"\x89PNG", "gambar PNG"),
    (b"\xff\xd8\xff", "gambar JPEG"),
    (b"\xd0\xcf\x11\xe0", "berkas Office lama (.xls)"),
)
_INTEGER = re.compile(r"[+-]?\d+")


class InputError(Exception):
    """Bad input, as the lines to show the user (Indonesian); the command exits with code 2."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = tuple(lines)
        super().__init__("\n".join(self.lines))


@dataclass(frozen=True)
class Table:
    """A checked CSV: for each wanted column its distinct values and each row's index into them."""

    path: Path
    values: dict[str, list[str]]
    codes: dict[str, np.ndarray]
    rows: int


def _line(row: int) -> int:
    # Row 0 is the first line after the header; blank lines are kept as rows, so rows and lines match.
    return row + 2


def read_table(path: Path, columns: Sequence[str]) -> Table:
    """Read ``columns`` of the CSV at ``path`` as categories; raise :class:`InputError` on anything malformed."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except FileNotFoundError:
        raise InputError([f"{path}: berkas tidak ditemukan"]) from None
    except IsADirectoryError:
        raise InputError([f"{path}: ini folder, bukan berkas CSV"]) from None
    except OSError as error:
        raise InputError([f"{path}: berkas tidak dapat dibaca ({error.strerror or error})"]) from None
    for signature, kind in _BINARY_SIGNATURES:
        if head.startswith(signature):
            raise InputError([f"{path}: bukan berkas CSV (isinya {kind})"])
    if b"\x00" in head:
        raise InputError([f"{path}: bukan berkas CSV (berisi data biner)"])
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the 64 KB read is fine; anything earlier is not UTF-8.
        if error.start < len(head) - 4:
            raise InputError([f"{path}: bukan berkas CSV UTF-8 (bita tidak sah di posisi {error.start})"]) from None
        text = head[: error.start].decode("utf-8-sig")
    if not text.strip():
        raise InputError([f"{path}: berkas kosong"])
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = [name.strip().strip('"').strip().lower() for name in header.split(delimiter)]
    if len(names) > MAX_COLUMNS:
        raise InputError([f"{path}: baris 1: {len(names)} kolom; berkas ini paling banyak {MAX_COLUMNS} kolom"])
    missing = [column for column in columns if column not in names]
    if missing:
        raise InputError(
            [
                f"{path}: baris 1: kolom hilang: {', '.join(missing)} (tajuk harus memuat "
                f"{', '.join(columns)}; pemisah ',' atau ';')"
            ]
        )
    positions = [names.index(column) for column in columns]
    try:
        # Every column is read (not usecols) so that a line with more fields than the header is an error.
        frame = pd.read_csv(
            path,
            sep=delimiter,
            encoding="utf-8-sig",
            header=0,
            dtype="category",
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except UnicodeDecodeError:
        raise InputError([f"{path}: bukan berkas CSV UTF-8"]) from None
    except pd.errors.ParserError as error:
        found = re.search(r"line (\d+)", str(error))
        where = f"baris {found.group(1)}: " if found else ""
        raise InputError(
            [f"{path}: {where}baris tidak dapat dibaca sebagai CSV (jumlah kolom atau tanda kutip)"]
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError([f"{path}: berkas kosong"]) from None
    if len(frame) == 0:
        raise InputError([f"{path}: tidak ada baris data di bawah tajuk"])
    values: dict[str, list[str]] = {}
    codes: dict[str, np.ndarray] = {}
    for column, position in zip(columns, positions, strict=True):
        values[column], codes[column] = _stripped(frame.iloc[:, position])
    return Table(path, values, codes, len(frame))


def _stripped(series: pd.Series) -> tuple[list[str], np.ndarray]:
    """Distinct values with surrounding spaces removed (merging those that become equal) and row codes."""
    categories = [str(value).strip() for value in series.cat.categories]
    distinct = list(dict.fromkeys(categories))
    index = {value: i for i, value in enumerate(distinct)}
    remap = np.array([index[value] for value in categories], dtype=np.int64)
    row_codes = series.cat.codes.to_numpy()
    if len(remap) == 0 or np.any(row_codes < 0):
        raise InputError(["nilai kosong yang tidak terduga"])
    return distinct, remap[row_codes]


def _first_row(codes: np.ndarray, value: int) -> int:
    return int(np.argmax(codes == value))


def _level_table(table: Table, column: str = "level") -> np.ndarray:
    """Each distinct level text as an integer (NA -> :data:`NA_LEVEL`); a text that is not an integer is an error."""
    levels = np.empty(len(table.values[column]), dtype=np.int64)
    problems = []
    for k, text in enumerate(table.values[column]):
        if text.upper() == "NA":
            levels[k] = NA_LEVEL
        elif _INTEGER.fullmatch(text):
            levels[k] = int(text)
        else:
            row = _first_row(table.codes[column], k)
            shown = "kosong" if text == "" else f"{text!r} bukan bilangan bulat atau NA"
            problems.append((row, f"baris {_line(row)}: level {shown}"))
    if problems:
        raise InputError([f"{table.path}: {message}" for _, message in sorted(problems)[:MAX_SHOWN_PROBLEMS]])
    return levels


def _indicator_table(table: Table, rubric: Rubric) -> np.ndarray:
    known = {indicator.code: i for i, indicator in enumerate(rubric.indicators)}
    problems = []
    for k, code in enumerate(table.values["indikator"]):
        if code not in known:
            row = _first_row(table.codes["indikator"], k)
            shown = "kosong" if code == "" else f"tidak dikenal: {code!r}"
            problems.append(
                (row, f"baris {_line(row)}: indikator {shown} (rubrik {rubric.id} memuat {', '.join(known)})")
            )
    if problems:
        raise InputError([f"{table.path}: {message}" for _, message in sorted(problems)[:MAX_SHOWN_PROBLEMS]])
    return np.array([known[code] for code in table.values["indikator"]], dtype=np.int64)


def read_levels(path: Path, rubric: Rubric) -> AssessmentRows:
    """Rule 1: the assessment rows of ``path``, checked by the core's input rules (errors name the line)."""
    table = read_table(path, LEVEL_COLUMNS)
    indicators = _indicator_table(table, rubric)
    levels = _level_table(table)
    empty_assessor = [k for k, name in enumerate(table.values["asesor"]) if name == ""]
    if empty_assessor:
        row = _first_row(table.codes["asesor"], empty_assessor[0])
        raise InputError([f"{path}: baris {_line(row)}: asesor kosong"])
    rows = AssessmentRows(
        tuple(table.values["kode_wilayah"]),
        tuple(table.values["asesor"]),
        table.codes["kode_wilayah"],
        indicators[table.codes["indikator"]],
        table.codes["asesor"],
        levels[table.codes["level"]],
    )
    return rows


def _report(path: Path, error: ScoringInputError) -> InputError:
    lines = [
        f"{path}: baris {_line(p.row)}: {p.message}" if p.row is not None else f"{path}: {p.message}"
        for p in error.problems[:MAX_SHOWN_PROBLEMS]
    ]
    if len(error.problems) > MAX_SHOWN_PROBLEMS:
        lines.append(f"… dan {len(error.problems) - MAX_SHOWN_PROBLEMS} masalah lain")
    return InputError(lines)


def read_self(path: Path, rubric: Rubric, rows: AssessmentRows) -> SelfLevels:
    """The self-assessed levels of ``path`` (``kode_wilayah,indikator,level``); desa not assessed are skipped."""
    table = read_table(path, SELF_COLUMNS)
    indicators = _indicator_table(table, rubric)[table.codes["indikator"]]
    levels = _level_table(table)[table.codes["level"]]
    off = np.flatnonzero((levels != NA_LEVEL) & ((levels < rubric.scale.min) | (levels > rubric.scale.max)))
    if len(off):
        raise InputError(
            [
                f"{path}: baris {_line(int(r))}: level {levels[r]} di luar skala {rubric.scale.min}–{rubric.scale.max}"
                for r in off[:MAX_SHOWN_PROBLEMS]
            ]
        )
    position = {code: i for i, code in enumerate(rows.desa_codes)}
    desa_of_value = np.array([position.get(code, -1) for code in table.values["kode_wilayah"]], dtype=np.int64)
    desa = desa_of_value[table.codes["kode_wilayah"]]
    keep = desa >= 0
    key = desa[keep] * len(rubric.indicators) + indicators[keep]
    ordered = np.sort(key)
    if np.any(ordered[1:] == ordered[:-1]):
        twin = np.flatnonzero(keep)[np.argsort(key, kind="stable")]
        same = np.flatnonzero(key[np.argsort(key, kind="stable")][1:] == ordered[:-1])
        row = int(twin[same[0] + 1])
        raise InputError([f"{path}: baris {_line(row)}: baris ganda untuk desa dan indikator yang sama"])
    return SelfLevels(desa[keep], indicators[keep], levels[keep])


def _load(rubric_path: Path) -> Rubric:
    try:
        return load_rubric(rubric_path)
    except RubricError as error:
        raise InputError([f"{rubric_path}: {problem}" for problem in error.problems]) from None


def write_atomically(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write ``path`` through a temporary file in the same folder and ``os.replace``: all or nothing."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise InputError([f"{path}: folder tujuan tidak ada"])
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _decimal(hundredths: int) -> str:
    return "" if hundredths < 0 else f"{hundredths // 100}.{hundredths % 100:02d}"


def _thousandths(count: np.ndarray, total: int) -> list[str]:
    """count / total rounded half-up to 3 decimals, exactly (integer arithmetic)."""
    scaled = (2000 * count.astype(np.int64) + total) // (2 * total)
    return [f"{v // 1000}.{v % 1000:03d}" for v in scaled.tolist()]


def _yes(flag: bool) -> str:
    return "ya" if flag else "tidak"


class _Progress:
    """Stage messages on stderr for large inputs, so a long run shows it is alive."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            click.echo(f"[{time.perf_counter() - self.started:6.1f} dtk] {message}", err=True)


def _fail(error: InputError) -> None:
    for line in error.lines:
        click.echo(line, err=True)
    raise SystemExit(2)


def _results_writer(ranking: Ranking, extra_headers: list[str], extra: list[list[str]]) -> Callable[[TextIO], None]:
    rubric = ranking.rubric

    def write(handle: TextIO) -> None:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(
            [
                "kode_wilayah",
                "indeks",
                "predikat",
                "peringkat",
                "peringkat_kabupaten",
                "peringkat_kecamatan",
                "lengkap",
                "seri",
                *(f"aspek_{a.code}" for a in rubric.aspects),
                *extra_headers,
            ]
        )
        labels = [band.label for band in rubric.bands]
        shown = ranking.shown_index.tolist()
        bands = ranking.band.tolist()
        aspects = ranking.aspect_shown.tolist()
        rank, rank_kab = ranking.rank.tolist(), ranking.rank_kabupaten.tolist()
        rank_kec = ranking.rank_kecamatan.tolist()
        complete, tied = ranking.complete.tolist(), ranking.tied.tolist()
        for j in ranking.order.tolist():
            out.writerow(
                [
                    ranking.desa_codes[j],
                    _decimal(shown[j]),
                    labels[bands[j]] if bands[j] >= 0 else "",
                    rank[j],
                    rank_kab[j],
                    rank_kec[j],
                    _yes(complete[j]),
                    _yes(tied[j]),
                    *(_decimal(h) for h in aspects[j]),
                    *(column[j] for column in extra),
                ]
            )

    return write


@click.command("score", help="Hitung indeks, predikat dan peringkat dari berkas level asesor (CSV).")
@click.option("--rubric", "rubric_path", required=True, type=click.Path(path_type=Path), help="Berkas rubrik.")
@click.option(
    "--levels",
    "levels_path",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV: kode_wilayah, indikator, asesor, level (bilangan bulat pada skala atau NA).",
)
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="CSV hasil.")
@click.option(
    "--self",
    "self_path",
    type=click.Path(path_type=Path),
    help="CSV penilaian mandiri: kode_wilayah, indikator, level.",
)
@click.option("--bootstrap", "resamples", type=click.IntRange(min=1), help="Jumlah sampel ulang bootstrap.")
@click.option("--seed", type=int, default=0, show_default=True, help="Benih acak bootstrap dan sensitivitas.")
@click.option("--sensitivity", "runs", type=click.IntRange(min=1), help="Jumlah putaran sensitivitas bobot (±20%).")
def score_command(
    rubric_path: Path,
    levels_path: Path,
    out_path: Path,
    self_path: Path | None,
    resamples: int | None,
    seed: int,
    runs: int | None,
) -> None:
    """Score, rank and write RESULTS.csv; print a summary."""
    try:
        progress = _Progress(levels_path.is_file() and levels_path.stat().st_size >= LARGE_FILE_BYTES)
        rubric = _load(rubric_path)
        progress(f"Membaca {levels_path} …")
        rows = read_levels(levels_path, rubric)
        progress(f"{len(rows):,} baris terbaca; memeriksa dan menghitung …".replace(",", "."))
        try:
            ranking = score(rubric, rows)
            mine = compare_self(rubric, rows, read_self(self_path, rubric, rows)) if self_path else None
        except ScoringInputError as error:
            raise _report(levels_path, error) from None
        headers: list[str] = []
        extra: list[list[str]] = []
        if resamples:
            progress(f"Bootstrap {resamples} sampel ulang …")
            confidence = rank_confidence(rubric, rows, ranking, resamples, seed)
            headers += ["peringkat_min", "peringkat_max", "p_top3"]
            extra += [
                [str(v) for v in confidence.rank_min.tolist()],
                [str(v) for v in confidence.rank_max.tolist()],
                _thousandths(confidence.top3, resamples),
            ]
        if runs:
            progress(f"Sensitivitas bobot {runs} putaran …")
            sensitivity = weight_sensitivity(rubric, rows, ranking, runs, seed)
            headers.append("peringkat_tetap")
            extra.append(_thousandths(sensitivity.held, runs))
        if mine is not None:
            headers += ["selisih_level_mandiri", "tanda_mandiri"]
            gaps = []
            for v in ranking.row_desa.tolist():
                gap = mine.mean_gap(v)
                gaps.append("" if gap is None else str(round_half_up(gap)))
            extra += [gaps, [_yes(bool(mine.flagged[v])) for v in ranking.row_desa.tolist()]]
        progress(f"Menulis {out_path} …")
        write_atomically(out_path, _results_writer(ranking, headers, extra))
    except InputError as error:
        _fail(error)
        return
    _summary(ranking, mine, out_path, resamples, seed)


def _summary(ranking: Ranking, mine: SelfComparison | None, out_path: Path, resamples: int | None, seed: int) -> None:
    n = len(ranking)
    incomplete = int((~ranking.complete).sum())
    tied = int(ranking.tied.sum())
    groups = len(set(ranking.rank[ranking.tied].tolist()))
    flags = ranking.flags
    flagged_desa = len(set(flags.desa.tolist()))
    click.echo(f"Desa dinilai: {n} (tidak lengkap: {incomplete})")
    click.echo(f"Seri: {tied} desa dalam {groups} kelompok peringkat (diputuskan pleno)")
    click.echo(
        f"Perlu rekonsiliasi: {len(flags)} butir desa × indikator di {flagged_desa} desa "
        f"(selisih level ≥ {ranking.rubric.disagreement_threshold})"
    )
    if mine is not None:
        click.echo(f"Selisih penilaian mandiri besar: {int(mine.flagged.sum())} desa")
    if resamples:
        click.echo(f"Bootstrap: {resamples} sampel ulang, benih {seed}")
    click.echo(f"Hasil ditulis ke {out_path}")


@click.command("reliability", help="Reliabilitas antarasesor: alpha Krippendorff (ordinal) dan keparahan asesor.")
@click.option("--rubric", "rubric_path", required=True, type=click.Path(path_type=Path), help="Berkas rubrik.")
@click.option(
    "--levels",
    "levels_path",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV: kode_wilayah, indikator, asesor, level.",
)
@click.option("--out", "out_path", type=click.Path(path_type=Path), help="CSV hasil (opsional).")
def reliability_command(rubric_path: Path, levels_path: Path, out_path: Path | None) -> None:
    """Print alpha overall and per indicator, the units, and the assessors' severity; optionally write a CSV."""
    try:
        rubric = _load(rubric_path)
        rows = read_levels(levels_path, rubric)
        try:
            report = reliability(rubric, rows)
        except ScoringInputError as error:
            raise _report(levels_path, error) from None

        def alpha_text(alpha: Fraction | None) -> str:
            return "" if alpha is None else str(round_half_up(alpha, 3))

        table: list[list[str]] = [["alpha", "semua", alpha_text(report.alpha), str(report.units)]]
        table += [["alpha_indikator", item.code, alpha_text(item.alpha), str(item.units)] for item in report.indicators]
        table += [
            [
                "keparahan_asesor",
                person.assessor,
                "" if person.mean_difference is None else str(round_half_up(person.mean_difference, 3)),
                str(person.items),
            ]
            for person in report.severity
        ]
        if out_path is not None:

            def write(handle: TextIO) -> None:
                out = csv.writer(handle, lineterminator="\n")
                out.writerow(["bagian", "kode", "nilai", "jumlah"])
                out.writerows(table)

            write_atomically(out_path, write)
    except InputError as error:
        _fail(error)
        return
    click.echo(
        f"Alpha Krippendorff (ordinal): {alpha_text(report.alpha) or 'tidak terdefinisi'} "
        f"dari {report.units} unit (desa × indikator dengan ≥ 2 level)"
    )
    click.echo("Per indikator:")
    for item in report.indicators:
        click.echo(f"  {item.code:<10} {alpha_text(item.alpha) or '-':>7}  ({item.units} unit)")
    click.echo("Keparahan asesor (rata-rata selisih dari asesor lain pada butir yang sama; negatif = lebih ketat):")
    for person in report.severity:
        value = "-" if person.mean_difference is None else str(round_half_up(person.mean_difference, 3))
        click.echo(f"  {person.assessor:<20} {value:>7}  ({person.items} butir)")
    if out_path is not None:
        click.echo(f"Hasil ditulis ke {out_path}")


def register(app: Flask) -> None:
    """Add ``score`` and ``reliability`` to the ``desa-digital`` CLI."""
    app.cli.add_command(score_command)
    app.cli.add_command(reliability_command)


def file_only_command(name: str) -> click.Command:
    """``score`` or ``reliability`` for the console entry point, which runs them without building the app."""
    return {"score": score_command, "reliability": reliability_command}[name]
