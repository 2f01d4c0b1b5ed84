"""End to end: ``desa-digital score`` on every desa of Indonesia x 20 indicators x 3 assessors (about 4.5 million
rows) against a lean read-CSV-plus-numpy pass over the same file.

Run: ``.venv/bin/python -m bench.bench_cli [--repeats 3]``; reports the median wall and CPU time (user + system of
the child) of interleaved runs. CPU time is the meaningful number on a shared machine. The CSV is generated once
into ``--work`` (default: ``desa-digital-bench`` in the temporary folder) from
``data/wilayah/wilayah-indonesia.csv`` (the region list shipped with the project). Both contenders run as fresh
processes, so each pays its own interpreter and import start-up.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "data" / "rubrics" / "desa-digital-kaltim-2026.yaml"
REGIONS = ROOT / "data" / "wilayah" / "wilayah-indonesia.csv"

LEAN = """
import sys
import numpy as np
import pandas as pd
frame = pd.read_csv(sys.argv[1], dtype={"kode_wilayah": "category", "indikator": "category",
                                        "asesor": "category"})
village = frame["kode_wilayah"].cat.codes.to_numpy().astype(np.int64)
indicator = frame["indikator"].cat.codes.to_numpy().astype(np.int64)
level = frame["level"].to_numpy(dtype=float)
n_i = len(frame["indikator"].cat.categories)
cell = village * n_i + indicator
valid = ~np.isnan(level)
n_cells = len(frame["kode_wilayah"].cat.categories) * n_i
sums = np.bincount(cell, weights=np.where(valid, level, 0), minlength=n_cells)
counts = np.bincount(cell, weights=valid, minlength=n_cells)
index = (sums / np.maximum(counts, 1)).reshape(-1, n_i) @ np.ones(n_i)
order = np.argsort(-index, kind="stable")
print(len(order))
"""


def make_csv(path: Path, seed: int = 0) -> int:
    regions = pd.read_csv(REGIONS, dtype=str)
    codes = regions.loc[regions["tingkat"].isin(["desa", "desa_adat"]), "kode"].to_numpy()
    indicators = np.array(
        [f"{a}{k}" for a, n in (("A", 5), ("B", 4), ("C", 4), ("D", 3), ("E", 4)) for k in range(1, n + 1)]
    )
    rng = np.random.default_rng(seed)
    n_v, n_i, n_a = len(codes), len(indicators), 3
    desa = np.repeat(np.arange(n_v), n_i * n_a)
    quality = rng.integers(0, 5, n_v)
    level = np.clip(quality[desa] + rng.integers(-1, 2, len(desa)), 0, 4)
    team = rng.integers(0, 500, n_v)
    frame = pd.DataFrame(
        {
            "kode_wilayah": codes[desa],
            "indikator": np.tile(np.repeat(indicators, n_a), n_v),
            "asesor": np.char.add("asesor", ((team[desa] + np.tile(np.arange(n_a), n_v * n_i) * 7) % 500).astype(str)),
            "level": level,
        }
    )
    frame.to_csv(path, index=False)
    return len(frame)


def timed(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "desa-digital-bench")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    levels = args.work / "levels-indonesia.csv"
    if not levels.exists():
        rows = make_csv(levels)
        print(f"generated {levels} ({rows:,} rows, {levels.stat().st_size / 2**20:.0f} MB)")
    lean_command = [sys.executable, "-c", LEAN, str(levels)]
    score = [
        str(Path(sys.executable).with_name("desa-digital")),
        "score",
        "--rubric",
        str(RUBRIC),
        "--levels",
        str(levels),
        "--out",
        str(args.work / "RESULTS.csv"),
    ]
    lean: list[tuple[float, float]] = []
    scored: list[tuple[float, float]] = []
    load = os.getloadavg()[0]
    for _ in range(args.repeats):
        lean.append(timed(lean_command))
        scored.append(timed(score))
    lean_wall, lean_cpu = (statistics.median(t[k] for t in lean) for k in (0, 1))
    score_wall, score_cpu = (statistics.median(t[k] for t in scored) for k in (0, 1))
    print(f"load average before: {load:.1f}, after: {os.getloadavg()[0]:.1f}; median of {args.repeats} runs")
    print(
        f"lean read-CSV-plus-numpy pass: wall {lean_wall:.2f} s, CPU {lean_cpu:.2f} s "
        f"(CPU of each run: {', '.join(f'{t[1]:.2f}' for t in lean)})"
    )
    print(
        f"desa-digital score:            wall {score_wall:.2f} s ({score_wall / lean_wall:.2f}x), "
        f"CPU {score_cpu:.2f} s ({score_cpu / lean_cpu:.2f}x) (CPU of each run: "
        f"{', '.join(f'{t[1]:.2f}' for t in scored)})"
    )


if __name__ == "__main__":
    main()
