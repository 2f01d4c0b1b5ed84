"""Benchmark of the scoring core against a bare numpy limit, pandas, scikit-criteria, pymcdm and krippendorff.

Run: ``.venv/bin/python -m bench.bench_scoring [--sizes 1000,10000,80000] [--repeats 5]`` (or ``make bench``).
Needs the ``bench`` extra (``pip install -e '.[bench]'``). Prints a Markdown table of times and ratios; every
contender gets the same synthetic arrays, and timings interleave the contenders (best of N) because the machine is
shared. Not a test: pytest does not collect ``bench/``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from assessment import scoring
from bench.synthetic import Synthetic, synthetic


def numpy_limit(s: Synthetic) -> np.ndarray:
    """The limit: per-cell mean by bincount, weighted sum, argsort (NA skipped, no exactness, no checks)."""
    rows = s.rows
    n_i = len(s.weights)
    valid = rows.level != scoring.NA_LEVEL
    cell = rows.village * n_i + rows.indicator
    n_cells = len(rows.villages) * n_i
    sums = np.bincount(cell, weights=np.where(valid, rows.level, 0), minlength=n_cells)
    counts = np.bincount(cell, weights=valid, minlength=n_cells)
    index = (sums / np.maximum(counts, 1)).reshape(-1, n_i) @ s.weights
    return np.argsort(-index, kind="stable")


def official(s: Synthetic) -> scoring.Ranking:
    return scoring.score(s.rubric, s.rows)


def long_frame(s: Synthetic) -> pd.DataFrame:
    rows = s.rows
    return pd.DataFrame({"village": rows.village, "indicator": rows.indicator, "assessor": rows.assessor,
                         "level": rows.level})


def pandas_pipeline(s: Synthetic, frame: pd.DataFrame) -> pd.Series:
    """A straightforward pandas version: drop NA, groupby mean, pivot, weighted mean over applicable, rank."""
    valid = frame[frame["level"] != scoring.NA_LEVEL]
    mean = valid.groupby(["village", "indicator"])["level"].mean().unstack("indicator")
    weights = pd.Series(s.weights, index=range(len(s.weights)))
    applicable = mean.notna().mul(weights, axis=1).sum(axis=1)
    index = 100 * (mean.fillna(0) / 4).mul(weights, axis=1).sum(axis=1) / applicable
    return index.rank(method="min", ascending=False)


def decision_matrix(s: Synthetic) -> np.ndarray:
    rows = s.rows
    n_i = len(s.weights)
    valid = rows.level != scoring.NA_LEVEL
    cell = rows.village * n_i + rows.indicator
    n_cells = len(rows.villages) * n_i
    sums = np.bincount(cell, weights=np.where(valid, rows.level, 0), minlength=n_cells)
    counts = np.bincount(cell, weights=valid, minlength=n_cells)
    return (sums / np.maximum(counts, 1)).reshape(-1, n_i)


def skcriteria_wsm(s: Synthetic) -> Any:
    from skcriteria import mkdm
    from skcriteria.agg.simple import WeightedSumModel

    matrix = decision_matrix(s) + 1.0  # the model refuses zeros in some versions; a shift keeps the order
    dm = mkdm(matrix, [max] * matrix.shape[1], weights=s.weights)
    return WeightedSumModel().evaluate(dm)


def pymcdm_wsm(s: Synthetic) -> np.ndarray:
    from pymcdm.helpers import rankdata
    from pymcdm.methods import WSM

    matrix = decision_matrix(s) + 1.0
    preference = WSM()(matrix, s.weights / s.weights.sum(), np.ones(matrix.shape[1]), validation=False)
    return np.asarray(rankdata(preference, reverse=True))


def reliability_matrix(s: Synthetic) -> np.ndarray:
    """krippendorff's input: coders x units (units = village x indicator; coder = 1st/2nd/3rd assessor slot)."""
    rows = s.rows
    n_i = len(s.weights)
    cell = rows.village * n_i + rows.indicator
    order = np.argsort(cell, kind="stable")
    slot = np.arange(len(cell)) - np.searchsorted(cell[order], cell[order])
    data = np.full((int(slot.max()) + 1, len(rows.villages) * n_i), np.nan)
    level = rows.level[order].astype(float)
    level[level == scoring.NA_LEVEL] = np.nan
    data[slot, cell[order]] = level
    return data


def krippendorff_alpha(data: np.ndarray) -> float:
    import krippendorff

    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal",
                                    value_domain=[0, 1, 2, 3, 4]))


def our_alpha(s: Synthetic) -> Any:
    return scoring.krippendorff_alpha(s.rubric, s.rows)


CLOCK = time.perf_counter


def best_of(functions: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Interleave the contenders ``repeats`` times and keep each one's best time (seconds, on ``CLOCK``)."""
    best = {name: float("inf") for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            gc.collect()
            started = CLOCK()
            function()
            best[name] = min(best[name], CLOCK() - started)
    return best


def peak_memory(function: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,80000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--cpu", action="store_true",
                        help="measure CPU time of this process (robust when other jobs share the cores)")
    args = parser.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    warnings.simplefilter("ignore")
    print(f"clock: {'CPU time (process_time)' if args.cpu else 'wall time (perf_counter)'}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}")
    print()
    print("| villages | order | numpy limit | official | ratio | pandas | official faster by | scikit-criteria | "
          "pymcdm | alpha (ours) | krippendorff | alpha ratio | alpha memory (ours / theirs) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in (int(x) for x in args.sizes.split(",")):
        for shuffle in (False, True):
            s = synthetic(size, shuffle=shuffle)
            frame = long_frame(s)
            times = best_of({
                "numpy": lambda s=s: numpy_limit(s),
                "official": lambda s=s: official(s),
                "pandas": lambda s=s, frame=frame: pandas_pipeline(s, frame),
            }, args.repeats)
            line = (f"| {size:,} | {'shuffled' if shuffle else 'grouped'} | {times['numpy'] * 1000:.0f} ms | "
                    f"{times['official'] * 1000:.0f} ms | {times['official'] / times['numpy']:.2f}x | "
                    f"{times['pandas'] * 1000:.0f} ms | {times['pandas'] / times['official']:.2f}x |")
            if not shuffle:
                data = reliability_matrix(s)
                libs = best_of({"skcriteria": lambda s=s: skcriteria_wsm(s), "pymcdm": lambda s=s: pymcdm_wsm(s),
                                "ours": lambda s=s: our_alpha(s), "theirs": lambda data=data: krippendorff_alpha(data)},
                               max(2, args.repeats // 2))
                ours_memory = peak_memory(lambda s=s: our_alpha(s))
                theirs_memory = peak_memory(lambda data=data: krippendorff_alpha(data))
                ours_value = our_alpha(s)[0]
                theirs_value = krippendorff_alpha(data)
                assert ours_value is not None
                assert abs(float(ours_value) - theirs_value) < 1e-9, (ours_value, theirs_value)
                line += (f" {libs['skcriteria'] * 1000:.0f} ms | {libs['pymcdm'] * 1000:.0f} ms | "
                         f"{libs['ours'] * 1000:.0f} ms | {libs['theirs'] * 1000:.0f} ms | "
                         f"{libs['ours'] / libs['theirs']:.2f}x | {ours_memory / 2**20:.0f} MB / "
                         f"{theirs_memory / 2**20:.0f} MB = {ours_memory / theirs_memory:.2f} |")
            else:
                line += " | | | | | |"
            print(line, flush=True)
    largest = max(int(x) for x in args.sizes.split(","))
    s = synthetic(largest)
    ranking = official(s)
    started = CLOCK()
    scoring.rank_confidence(s.rubric, s.rows, ranking, args.bootstrap, seed=1)
    bootstrap = CLOCK() - started
    started = CLOCK()
    scoring.weight_sensitivity(s.rubric, s.rows, ranking, 20, seed=1)
    sensitivity = CLOCK() - started
    print()
    print(f"bootstrap, {largest:,} villages, {args.bootstrap} resamples: {bootstrap:.2f} s")
    print(f"weight sensitivity, {largest:,} villages, 20 runs: {sensitivity:.2f} s")


if __name__ == "__main__":
    main()
