"""Benchmark of issue 6's groundwork: the province results workbook, the offline scoring workbook and the map.

Run from the project root:  .venv/bin/python bench/bench_reports.py [--write]
With --write the results replace this benchmark's section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assessment.charts.routes import PLOTLY_JS  # noqa: E402
from assessment.charts.sample import synthetic_report  # noqa: E402
from assessment.exports.results import write_results_workbook  # noqa: E402
from assessment.exports.scoring_workbook import (  # noqa: E402
    ScoringTask,
    ScoringWorkbookInfo,
    read_scoring_workbook,
    write_scoring_workbook,
)
from assessment.presentation.geo import dumps_compact, feature_collection, load_boundaries, screen_tolerance  # noqa: E402
from assessment.regions.shipped import REGION_DATA_DIR  # noqa: E402

DATA = REGION_DATA_DIR
DOC = ROOT / "docs" / "performance.md"
START = "<!-- bench_reports:start -->"
END = "<!-- bench_reports:end -->"


def timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def real_desa() -> list[tuple[str, str, str, str]]:
    """The 841 desa of Kalimantan Timur (not the kelurahan), with their kecamatan, from the shipped boundaries."""
    desa = load_boundaries(DATA / "batas-kaltim-desa.geojson")
    kecamatan = {b.kode: b.nama for b in load_boundaries(DATA / "batas-kaltim-kecamatan.geojson")}
    rows = []
    for boundary in desa:
        if boundary.tingkat in ("desa", "desa_adat"):
            parent = boundary.kode.rsplit(".", 1)[0]
            rows.append((boundary.kode, boundary.nama, parent, kecamatan.get(parent, parent)))
    return rows


def database_rows(desa: list[tuple[str, str, str, str]], runs: int) -> list[str]:
    """The same province stored in a database: results_report (cold and cached), the workbook, the pages."""
    from assessment import repo
    from assessment.models import Competition
    from assessment.platform.extensions import db
    from assessment.results.reports import workbook_bytes
    from bench.province_db import build

    started = time.perf_counter()
    app, competition_id = build(desa)
    built = time.perf_counter() - started
    rows = []
    with app.app_context():
        competition = db.session.get(Competition, competition_id)
        assert competition is not None
        started = time.perf_counter()
        report = repo.results_report(competition)
        cold = time.perf_counter() - started
        cached, report = timed(lambda: repo.results_report(competition), runs)
        lean, _lean = timed(lambda: repo.results_report(competition, evidence=False, assessor_levels=False), runs)
        workbook_seconds, data = timed(lambda: workbook_bytes(repo.results_report(competition, fresh=True)), runs)
        cpu_started = time.process_time()
        for _ in range(runs):
            workbook_bytes(repo.results_report(competition, fresh=True))
        workbook_cpu = (time.process_time() - cpu_started) / runs
        kab = report.desa[0].code[:5]
        kab_seconds, _kab = timed(lambda: repo.results_report(competition, kab), runs)
    client = app.test_client()
    with app.app_context():
        competition = db.session.get(Competition, competition_id)
        assert competition is not None
        competition.results_published_at = competition.created_at
        db.session.commit()
        top = report.desa[0].code
    page_seconds, _page = timed(lambda: client.get(f"/hasil/{competition_id}/peringkat/64").status_code, runs)
    why_seconds, _why = timed(lambda: client.get(f"/hasil/{competition_id}/desa/{top}").status_code, runs)
    n = len(report.desa)
    rows.append(
        f"| database: province stored ({n} desa × 20 indicators × 3 assessors = "
        f"{len(report.assessor_levels):,} desk scores, bulk insert) | {built:.2f} s | | |"
    )
    rows.append(
        f"| `repo.results_report(competition)`, first call (queries + engine + 200-resample bootstrap) | "
        f"{cold:.2f} s | | |"
    )
    rows.append(
        f"| `repo.results_report(competition)`, engine cached (queries and report values only) | "
        f"{cached:.2f} s (median of {runs}) | | |"
    )
    rows.append(
        f"| `repo.results_report(..., evidence=False, assessor_levels=False)` (what a ranking page reads) | "
        f"{lean:.2f} s | | |"
    )
    rows.append(f"| `repo.results_report(competition, '{kab}')`, one kabupaten | {kab_seconds:.2f} s | | |")
    rows.append(
        f"| results workbook from the database, province (fresh report, no cache, + write) | "
        f"{workbook_seconds:.2f} s wall, {workbook_cpu:.2f} s CPU | {len(data) / 1e6:.1f} MB | < 5 s |"
    )
    rows.append(f"| GET /hasil/<id>/peringkat/64 (province ranking page with 3 charts) | {page_seconds:.2f} s | | |")
    rows.append(
        f"| GET /hasil/<id>/desa/<kode> (why this rank, with 20 engine re-runs for the gains) | "
        f"{why_seconds:.2f} s | | |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the results into docs/performance.md")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lines: list[str] = []

    desa = real_desa()
    report = synthetic_report(desa_codes=desa)
    seconds, data = timed(lambda: write_results_workbook(report), args.runs)
    cells = len(report.assessor_levels) * 6 + len(report.evidence) * 6 + len(report.desa) * (3 + 20 + 18)
    lines.append(
        f"| results workbook, province ({len(report.desa)} desa × {len(report.indicators)} indicators × 3 assessors; "
        f"6 sheets, about {cells:,} cells) | {seconds:.2f} s (median of {args.runs}) | {len(data) / 1e6:.1f} MB "
        "| < 5 s |"
    )

    lines.extend(database_rows(desa, args.runs))

    info = ScoringWorkbookInfo("1", "asesor@example.id", "sha256:bench")
    tasks = [
        ScoringTask(kode, nama, f"I{i}", f"Indikator {i}", level=i % 5)
        for kode, nama, _k, _n in desa[:60]
        for i in range(1, 21)
    ]
    seconds_w, workbook = timed(lambda: write_scoring_workbook(info, tasks, range(5)), args.runs)
    seconds_r, result = timed(lambda: read_scoring_workbook(workbook, info, tasks, range(5)), args.runs)
    assert result.ok, result.errors[:3]
    lines.append(
        f"| offline scoring workbook, 60 desa × 20 indicators: write | {seconds_w:.2f} s | "
        f"{len(workbook) / 1e3:.0f} kB | |"
    )
    lines.append(f"| offline scoring workbook: read and check every row | {seconds_r:.2f} s | | |")

    seconds_load, boundaries = timed(
        lambda: (
            load_boundaries(DATA / "batas-kaltim-desa.geojson"),
            load_boundaries(DATA / "batas-kaltim-kecamatan.geojson"),
        ),
        1,
    )
    desa_b, kecamatan_b = boundaries
    tolerance = screen_tolerance(desa_b)

    def province_map() -> tuple[bytes, bytes]:
        return (
            dumps_compact(feature_collection(desa_b, "64", tolerance)).encode(),
            dumps_compact(feature_collection(kecamatan_b, "64", tolerance)).encode(),
        )

    seconds_map, (desa_json, kec_json) = timed(province_map, 3)
    raw = (DATA / "batas-kaltim-desa.geojson").stat().st_size + (DATA / "batas-kaltim-kecamatan.geojson").stat().st_size
    size = len(desa_json) + len(kec_json)
    gz = len(gzip.compress(desa_json)) + len(gzip.compress(kec_json))
    lines.append(f"| boundaries: load desa + kecamatan GeoJSON ({raw / 1e6:.1f} MB) | {seconds_load:.2f} s | | |")
    lines.append(
        f"| map GeoJSON, province: {len(desa_b)} desa + {len(kecamatan_b)} kecamatan simplified "
        f"(tolerance {tolerance:.5f}°) | {seconds_map:.2f} s | {size / 1e3:.0f} kB ({gz / 1e3:.0f} kB gzip) | < 1 MB |"
    )
    seconds_ppu, ppu = timed(lambda: dumps_compact(feature_collection(desa_b, "64.09")).encode(), 3)
    lines.append(
        f"| map GeoJSON, one kabupaten (PPU, 54 desa/kelurahan, finer tolerance) | {seconds_ppu:.2f} s | "
        f"{len(ppu) / 1e3:.0f} kB | |"
    )
    js = PLOTLY_JS.read_bytes()
    lines.append(
        f"| plotly.min.js served by the app (once, then cached a year) | | {len(js) / 1e6:.1f} MB "
        f"({len(gzip.compress(js, 9)) / 1e6:.2f} MB gzip) | |"
    )

    header = [
        START,
        "## Results (issue 6): workbooks, results_report, result pages and map",
        "",
        f"`bench/bench_reports.py` on {platform.node() or 'this machine'} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Synthetic results for "
        "the real 841 desa of Kalimantan Timur (first row: a report made up in memory; the `database` rows: the "
        "same desa stored in SQLite with 3 submitted assessments each, read through `repo.results_report`); real "
        "boundaries from data/wilayah/. Load average at the end: "
        f"{os.getloadavg()[0]:.1f} (other work shared the machine, so times are upper bounds).",
        "",
        "| what | time | size | target |",
        "|---|---|---|---|",
    ]
    section = "\n".join([*header, *lines, END]) + "\n"
    print(section)
    if args.write:
        DOC.parent.mkdir(exist_ok=True)
        text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n\n"
        if START in text and END in text:
            before, rest = text.split(START, 1)
            after = rest.split(END, 1)[1].lstrip("\n")
            text = before + section + ("\n" + after if after else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
