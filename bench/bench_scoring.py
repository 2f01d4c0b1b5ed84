"""Benchmark of the scoring core against a bare numpy limit, pandas, scikit-criteria, pymcdm and krippendorff.

Run: ``.venv/bin/python -m bench.bench_scoring [--sizes 1000,10000,80000] [--repeats 5]`` (or ``make bench``).
Needs the ``bench`` extra (``pip install -e '.[bench]'``). Prints a Markdown table of times and ratios; every
contender gets the same synthetic arrays, and timings interleave the contenders (median of N) because the machine
is shared. CPU time of this process by default (``--wall`` for wall time); BLAS runs one thread, because OpenBLAS's
idle threads spin and their spinning counts as CPU time of whichever contender ran a matrix product last.
Not a test: pytest does not collect ``bench/``.
"""

from __future__ import annotations

import os

# Before numpy is imported: every contender single-threaded (see the docstring).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from assessment import scoring  # noqa: E402
from bench.synthetic import Synthetic, synthetic  # noqa: E402


def numpy_limit(s: Synthetic) -> np.ndarray:
    """The limit: per-cell mean by bincount, weighted sum, argsort (NA skipped, no exactness, no checks)."""
    rows = s.rows
    n_i = len(s.weights)
    valid = rows.level != scoring.NA_LEVEL
    cell = rows.desa * n_i + rows.indicator
    n_cells = len(rows.desa_codes) * n_i
    sums = np.bincount(cell, weights=np.where(valid, rows.level, 0), minlength=n_cells)
    counts = np.bincount(cell, weights=valid, minlength=n_cells)
    index = (sums / np.maximum(counts, 1)).reshape(-1, n_i) @ s.weights
    return np.argsort(-index, kind="stable")


def official(s: Synthetic) -> scoring.Ranking:
    return scoring.score(s.rubric, s.rows)


def long_frame(s: Synthetic) -> pd.DataFrame:
    """The long rows as pandas reads them from a CSV: NA as NaN in a float ``level`` column."""
    rows = s.rows
    level = rows.level.astype(float)
    level[rows.level == scoring.NA_LEVEL] = np.nan
    return pd.DataFrame({"village": rows.desa, "indicator": rows.indicator, "assessor": rows.assessor, "level": level})


def pandas_pipeline(s: Synthetic, frame: pd.DataFrame) -> pd.Series:
    """A straightforward pandas version: groupby mean (NaN skipped), pivot, weighted mean over applicable, rank."""
    mean = frame.groupby(["village", "indicator"])["level"].mean().unstack("indicator")
    weights = pd.Series(s.weights, index=range(len(s.weights)))
    applicable = mean.notna().mul(weights, axis=1).sum(axis=1)
    index = 100 * (mean.fillna(0) / 4).mul(weights, axis=1).sum(axis=1) / applicable
    return index.rank(method="min", ascending=False)


def pandas_filtered_pipeline(s: Synthetic, frame: pd.DataFrame) -> pd.Series:
    """The previous baseline: NA kept as a sentinel level and filtered out before the groupby (a bit slower)."""
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
    cell = rows.desa * n_i + rows.indicator
    n_cells = len(rows.desa_codes) * n_i
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
    """krippendorff's input: coders x units (units = desa x indicator; coder = 1st/2nd/3rd assessor slot)."""
    rows = s.rows
    n_i = len(s.weights)
    cell = rows.desa * n_i + rows.indicator
    order = np.argsort(cell, kind="stable")
    slot = np.arange(len(cell)) - np.searchsorted(cell[order], cell[order])
    data = np.full((int(slot.max()) + 1, len(rows.desa_codes) * n_i), np.nan)
    level = rows.level[order].astype(float)
    level[level == scoring.NA_LEVEL] = np.nan
    data[slot, cell[order]] = level
    return data


def krippendorff_alpha(data: np.ndarray) -> float:
    import krippendorff

    return float(
        krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal", value_domain=[0, 1, 2, 3, 4])
    )


def our_alpha(s: Synthetic) -> Any:
    return scoring.krippendorff_alpha(s.rubric, s.rows)


CLOCK = time.process_time


def median_of(functions: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Interleave the contenders ``repeats`` times (after one warm-up) and keep each one's median time (seconds)."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():
        function()
    for _ in range(repeats):
        for name, function in functions.items():
            gc.collect()
            started = CLOCK()
            function()
            times[name].append(CLOCK() - started)
    return {name: statistics.median(values) for name, values in times.items()}


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
    parser.add_argument("--bootstrap-repeats", type=int, default=3)
    parser.add_argument("--cpu", action="store_true", help="CPU time of this process (the default)")
    parser.add_argument("--wall", action="store_true", help="wall time instead of CPU time")
    args = parser.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    warnings.simplefilter("ignore")
    print(
        f"clock: {'wall time (perf_counter)' if args.wall else 'CPU time (process_time)'}, median of "
        f"{args.repeats} interleaved runs; BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS')}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    print()
    print(
        "| villages | order | numpy limit | official | ratio | pandas | official faster by | pandas (NA filtered) | "
        "faster by | scikit-criteria | pymcdm | alpha (ours) | krippendorff | alpha ratio | "
        "alpha memory (ours / theirs) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in (int(x) for x in args.sizes.split(",")):
        for shuffle in (False, True):
            s = synthetic(size, shuffle=shuffle)
            frame = long_frame(s)
            coded = frame.assign(level=frame["level"].fillna(scoring.NA_LEVEL).astype(np.int64))
            times = median_of(
                {
                    "numpy": lambda s=s: numpy_limit(s),
                    "official": lambda s=s: official(s),
                    "pandas": lambda s=s, frame=frame: pandas_pipeline(s, frame),
                    "pandas_filter": lambda s=s, coded=coded: pandas_filtered_pipeline(s, coded),
                },
                args.repeats,
            )
            line = (
                f"| {size:,} | {'shuffled' if shuffle else 'grouped'} | {times['numpy'] * 1000:.0f} ms | "
                f"{times['official'] * 1000:.0f} ms | {times['official'] / times['numpy']:.2f}x | "
                f"{times['pandas'] * 1000:.0f} ms | {times['pandas'] / times['official']:.2f}x | "
                f"{times['pandas_filter'] * 1000:.0f} ms | {times['pandas_filter'] / times['official']:.2f}x |"
            )
            if not shuffle:
                data = reliability_matrix(s)
                libs = median_of(
                    {
                        "skcriteria": lambda s=s: skcriteria_wsm(s),
                        "pymcdm": lambda s=s: pymcdm_wsm(s),
                        "ours": lambda s=s: our_alpha(s),
                        "theirs": lambda data=data: krippendorff_alpha(data),
                    },
                    max(2, args.repeats // 2),
                )
                ours_memory = peak_memory(lambda s=s: our_alpha(s))
                theirs_memory = peak_memory(lambda data=data: krippendorff_alpha(data))
                ours_value = our_alpha(s)[0]
                theirs_value = krippendorff_alpha(data)
                assert ours_value is not None
                assert abs(float(ours_value) - theirs_value) < 1e-9, (ours_value, theirs_value)
                line += (
                    f" {libs['skcriteria'] * 1000:.0f} ms | {libs['pymcdm'] * 1000:.0f} ms | "
                    f"{libs['ours'] * 1000:.0f} ms | {libs['theirs'] * 1000:.0f} ms | "
                    f"{libs['ours'] / libs['theirs']:.2f}x | {ours_memory / 2**20:.0f} MB / "
                    f"{theirs_memory / 2**20:.0f} MB = {ours_memory / theirs_memory:.2f} |"
                )
            else:
                line += " | | | | | |"
            print(line, flush=True)
    largest = max(int(x) for x in args.sizes.split(","))
    s = synthetic(largest)
    ranking = official(s)
    bootstrap, sensitivity = [], []
    for _ in range(args.bootstrap_repeats):
        gc.collect()
        started = CLOCK()
        scoring.rank_confidence(s.rubric, s.rows, ranking, args.bootstrap, seed=1)
        bootstrap.append(CLOCK() - started)
        started = CLOCK()
        scoring.weight_sensitivity(s.rubric, s.rows, ranking, 20, seed=1)
        sensitivity.append(CLOCK() - started)
    print()
    print(
        f"bootstrap, {largest:,} villages, {args.bootstrap} resamples: median {statistics.median(bootstrap):.2f} s "
        f"of {', '.join(f'{t:.2f}' for t in bootstrap)}"
    )
    print(f"weight sensitivity, {largest:,} villages, 20 runs: median {statistics.median(sensitivity):.2f} s")


if __name__ == "__main__":
    main()
