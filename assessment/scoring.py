"""The scoring engine: from assessors' levels to an exact index, a predikat and the rankings.

This module is the functional core of the competition's results. It is pure (standard library and numpy only: no
files, clock, configuration, database or web), so anyone can recompute a published ranking from the published
rows. Every rule a desa could contest is written here and, again, in the docstring of the function that applies
it; each has a test named after it in ``tests/core/test_scoring.py``.

Rules
=====

1. **Input.** A rubric and assessment rows (desa, indicator, assessor, level or NA), integer-coded in
   :class:`AssessmentRows`; optionally the desa's self-assessed levels (:class:`SelfLevels`).
2. **Per desa x indicator** the assessors' levels are combined with the rubric's ``aggregation``: ``mean``, or
   ``median`` (for an even count, the mean of the two middle values). NA rows are ignored; when every row of a
   desa x indicator is NA the indicator is *not applicable* for that desa and its weight leaves the
   denominator. NA on an indicator whose ``allow_na`` is false is an input error. A desa with *no row* for an
   indicator scores it at the scale minimum and is *incomplete* (``lengkap = tidak``). Other input errors: a level
   off the scale, two rows for the same (desa, indicator, assessor), a malformed region code.
3. **Index** (0-100) = 100 x sum(w_i (L_i - min) / (max - min)) / sum(w_i) over the applicable indicators. An
   **aspect score** is the same over that aspect's applicable indicators; it is empty when none are. A desa
   with no applicable indicator at all has an empty index (and no predikat); it ranks below every number.
4. **Exactness.** Values are compared exactly (integers over a common denominator), never as noisy floats: two
   desa whose exact indices are equal are equal, whatever the order of the input rows. Shown values are rounded
   half-up to 2 decimals from the exact value. The **predikat** is the band whose ``min`` is the highest not above
   the shown (rounded) index.
5. **Eligibility.** Only region kinds in the rubric's ``eligible`` take part. A desa's kind comes from the region
   table when one is given, otherwise from its Kemendagri code: the desa part starting with 1 is a kelurahan,
   2 a desa, 3 a desa adat.
6. **Ranking.** Order by exact index (higher first), then by the rubric's ``tie_break`` keys in order:
   ``aspects_by_weight`` (each aspect's exact score, heaviest aspect first, equal weights in rubric order),
   ``aspect:<code>`` (that aspect's exact score), ``top_levels`` (more indicators whose aggregated level equals the
   scale maximum), ``zero_levels`` (fewer whose aggregated level equals the scale minimum, missing ones included).
   An empty score sorts below any number. Standard competition ranking (1, 2, 2, 4): desa equal on every key
   share the rank and are marked ``seri`` for the plenary to decide. Never by code, input order or chance. The
   same ordering restricted to a kabupaten (64.09.04.2002 -> 64.09) or a kecamatan (-> 64.09.04) gives the
   kabupaten and kecamatan ranks.
7. **Reconciliation.** A desa x indicator whose assessors' levels differ by at least the rubric's
   ``disagreement_threshold`` is flagged for reconciliation.
8. **Self vs verified.** Per desa, the mean absolute difference between the self-assessed and the verified
   (aggregated) level over the indicators that have both; flagged when the difference is at least 2 levels on at
   least 20% of those indicators. Written as ``selisih_level_mandiri`` (levels, by ``desa-digital score
   --self``), with the flag as ``tanda_mandiri``. The flag is a coaching signal for the committee and DPMD, not a
   result: it is not shown on the public ranking page.
8b. **Self index.** The index a desa's own levels would give: rules 2-4 applied to its self-assessed levels as the
   only assessor's (an indicator it left empty scores the minimum, NA as in rule 2); a desa that filled in none
   has no self index (not 0). ``selisih_indeks_mandiri`` = self index minus verified index, both as shown (rule
   4), in index points: positive when the desa rated itself higher. It is the ranking page's and the workbook's
   column, and is not rule 8's mean level gap.
9. **Reliability.** Krippendorff's alpha, ordinal metric, the rubric's scale as value domain, units = desa x
   indicator, coders = assessors; overall and per indicator. Per-assessor severity: the mean, over the items the
   assessor shares with at least one other assessor, of (own level - mean of the others' levels); negative means
   stricter than the peers.
10. **Rank confidence.** A seeded bootstrap over each desa's assessors (draw as many assessors as it has, with
    replacement; their rows are re-aggregated by rules 2-3 and ranked by rule 6) gives a 90% rank interval and
    the probability of a top-3 place. A weight-sensitivity run multiplies each weight by a factor drawn from
    80/100 ... 120/100 (renormalised) and gives the share of runs in which a desa's rank holds. Same seed, same
    output.

How exactness is kept fast
==========================

Weights are scaled to integers W_i (a common power of ten, divided by their gcd). An aggregated level is an integer
numerator over one denominator D shared by every cell (mean: D = lcm of the assessor counts present; median:
D = 2). A desa's index is then ``100 N / (D (max - min) S)`` with the integers ``N = sum W_i (Lnum_i - min D)``
and ``S = sum W_i`` over its applicable indicators, and since ``100 / (D (max - min))`` is common to every desa
the order is the order of the rationals ``N / S``; see :func:`_order_key` for why a float key is order-exact here
and when the engine falls back to :class:`fractions.Fraction`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import combinations, combinations_with_replacement
from typing import Any, Final, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from assessment.criteria.model import Aggregation, Rubric, TieBreakKind, TieBreakRule

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
# Integer arrays whose dtype is int64 on the fast path and object (Python ints) when values could overflow.
ExactArray = NDArray[Any]

NA_LEVEL: Final[int] = -(2**31)
"""The level that stands for NA ("not applicable") in :attr:`AssessmentRows.level`."""

KIND_BY_DIGIT: Final[Mapping[str, str]] = {"1": "kelurahan", "2": "desa", "3": "desa_adat"}
"""Rule 5: the region kind from the first digit of the desa part of a Kemendagri code."""

MAX_PROBLEMS: Final[int] = 50
_EXACT_FLOAT: Final[int] = 2**53
_SAFE_INT64: Final[int] = 2**62
_MAX_BOOTSTRAP_CANDIDATES: Final[int] = 20_000_000


# --------------------------------------------------------------------------------------------------------------
# Values crossing the boundary
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class AssessmentRows:
    """Long assessment rows as integer codes (rule 1): desa, indicator, assessor and level (or NA) per row."""

    # Row k: assessors[assessor[k]] gave level[k] (NA_LEVEL for NA) to rubric.indicators[indicator[k]] of the
    # desa with Kemendagri code desa[desa[k]].
    desa_codes: tuple[str, ...]
    assessors: tuple[str, ...]
    desa: IntArray
    indicator: IntArray
    assessor: IntArray
    level: IntArray

    def __post_init__(self) -> None:
        arrays = (self.desa, self.indicator, self.assessor, self.level)
        if any(not isinstance(a, np.ndarray) or a.ndim != 1 or a.dtype.kind not in "iu" for a in arrays):
            raise TypeError("AssessmentRows needs 1-D integer numpy arrays")
        if len({len(a) for a in arrays}) != 1:
            raise TypeError("AssessmentRows arrays must have the same length")

    def __len__(self) -> int:
        return len(self.level)

    @classmethod
    def from_records(
        cls, rubric: Rubric, records: Iterable[tuple[str, str, str, int | None]], desa_codes: Sequence[str] = ()
    ) -> AssessmentRows:
        """Build rows from ``(desa code, indicator code, assessor, level or None for NA)`` tuples.

        ``desa_codes`` may list desa that have no row at all (they are scored as incomplete, rule 2).
        Unknown indicator codes raise :class:`ScoringInputError` naming the row.
        """
        desa_ids: dict[str, int] = {code: i for i, code in enumerate(dict.fromkeys(desa_codes))}
        assessor_ids: dict[str, int] = {}
        indicator_ids = {ind.code: i for i, ind in enumerate(rubric.indicators)}
        rows = records if isinstance(records, Sequence) else list(records)
        # Column by column with comprehensions rather than one loop appending to four lists: a province scores
        # 50,000 rows on every first view after a change.
        desa_column, indicator_column, assessor_column, level_column = (
            tuple(zip(*rows, strict=True)) if rows else ((), (), (), ())
        )
        unknown = [row for row, code in enumerate(indicator_column) if code not in indicator_ids]
        if unknown:
            raise ScoringInputError(
                [RowProblem(row, f"indikator tidak dikenal: {indicator_column[row]!r}") for row in unknown]
            )
        v = [desa_ids.setdefault(desa, len(desa_ids)) for desa in desa_column]
        a = [assessor_ids.setdefault(assessor, len(assessor_ids)) for assessor in assessor_column]
        return cls(
            tuple(desa_ids),
            tuple(assessor_ids),
            np.array(v, dtype=np.int64),
            np.array([indicator_ids[code] for code in indicator_column], dtype=np.int64),
            np.array(a, dtype=np.int64),
            np.array([NA_LEVEL if level is None else level for level in level_column], dtype=np.int64),
        )

    def only(self, desa_codes: Sequence[str]) -> AssessmentRows:
        """The rows of the listed desa, exactly as :meth:`from_records` builds them from those desa's records (in
        their order here) with ``desa_codes``: desa numbered in the order given (a listed desa without rows keeps
        its place), assessors renumbered by first appearance among the rows kept. Building once and selecting saves
        converting the same rows twice (who is ranked, then the scoring of the ranked desa). A listed code that
        is not in ``desa_codes`` of these rows simply has no row."""
        listed = tuple(dict.fromkeys(desa_codes))
        position = {code: i for i, code in enumerate(listed)}
        new_desa = np.array([position.get(code, -1) for code in self.desa_codes], dtype=np.int64)
        mapped = new_desa[self.desa]
        keep = mapped >= 0
        assessor = self.assessor[keep]
        firsts = np.unique(assessor, return_index=True)
        order = firsts[0][np.argsort(firsts[1], kind="stable")]
        renumber = np.full(len(self.assessors), -1, dtype=np.int64)
        renumber[order] = np.arange(len(order), dtype=np.int64)
        return AssessmentRows(
            listed,
            tuple(self.assessors[int(i)] for i in order),
            mapped[keep],
            self.indicator[keep],
            renumber[assessor],
            self.level[keep],
        )


@dataclass(frozen=True, slots=True, eq=False)
class SelfLevels:
    """A desa's own levels (penilaian mandiri): ``desa`` indexes :attr:`AssessmentRows.desa_codes`."""

    desa: IntArray
    indicator: IntArray
    level: IntArray

    @classmethod
    def from_records(
        cls, rubric: Rubric, rows: AssessmentRows, records: Iterable[tuple[str, str, int | None]]
    ) -> SelfLevels:
        """Build from ``(desa code, indicator code, level or None)``; desa unknown to ``rows`` are skipped."""
        desa_ids = {code: i for i, code in enumerate(rows.desa_codes)}
        indicator_ids = {ind.code: i for i, ind in enumerate(rubric.indicators)}
        kept = [
            (desa_ids[v], indicator_ids[i], NA_LEVEL if lv is None else lv)
            for v, i, lv in records
            if v in desa_ids and i in indicator_ids
        ]
        arr = np.array(kept, dtype=np.int64).reshape(-1, 3)
        return cls(arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy())


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why the rows cannot be scored; ``row`` is the 0-based row index, or None when no single row is at fault."""

    row: int | None
    message: str


class ScoringInputError(ValueError):
    """The input breaks rule 1, 2 or 5; :attr:`problems` says where."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems[:5]))


@dataclass(frozen=True, slots=True)
class DesaResult:
    """One eligible desa's published line: exact and shown index, predikat, ranks and aspect scores."""

    code: str
    index: Fraction | None
    shown_index: Decimal | None
    predikat: str | None
    rank: int
    rank_kabupaten: int
    rank_kecamatan: int
    complete: bool
    tied: bool
    aspects: tuple[Decimal | None, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ReconciliationFlags:
    """Rule 7: the desa x indicator cells whose assessors disagree by at least the threshold."""

    desa: IntArray
    indicator: IntArray
    spread: IntArray

    def __len__(self) -> int:
        return len(self.desa)


@dataclass(frozen=True, slots=True, eq=False)
class Ranking:
    """Every eligible desa's exact index, shown values, predikat and ranks, as arrays aligned on ``desa_codes``."""

    # The exact index of desa j is 100 * index_numerator[j] / (scale * index_weight[j]), empty when the weight
    # is 0; aspect scores likewise. Shown values are integers in hundredths (-1 for empty); band indexes
    # rubric.bands (-1 for none). ``order`` is the published order: rank, then code.
    rubric: Rubric
    desa_codes: tuple[str, ...]
    row_desa: IntArray
    scale: int
    index_numerator: ExactArray
    index_weight: ExactArray
    shown_index: IntArray
    band: IntArray
    aspect_numerator: ExactArray
    aspect_weight: ExactArray
    aspect_shown: IntArray
    top_levels: IntArray
    zero_levels: IntArray
    complete: BoolArray
    rank: IntArray
    rank_kabupaten: IntArray
    rank_kecamatan: IntArray
    tied: BoolArray
    order: IntArray
    flags: ReconciliationFlags

    def __len__(self) -> int:
        return len(self.desa_codes)

    def position(self, code: str) -> int:
        return self.desa_codes.index(code)

    def exact_index(self, j: int) -> Fraction | None:
        weight = int(self.index_weight[j])
        if weight == 0:
            return None
        return Fraction(100 * int(self.index_numerator[j]), self.scale * weight)

    def exact_aspect(self, j: int, a: int) -> Fraction | None:
        weight = int(self.aspect_weight[j, a])
        if weight == 0:
            return None
        return Fraction(100 * int(self.aspect_numerator[j, a]), self.scale * weight)

    def result(self, j: int) -> DesaResult:
        band = int(self.band[j])
        return DesaResult(
            code=self.desa_codes[j],
            index=self.exact_index(j),
            shown_index=_hundredths(int(self.shown_index[j])),
            predikat=None if band < 0 else self.rubric.bands[band].label,
            rank=int(self.rank[j]),
            rank_kabupaten=int(self.rank_kabupaten[j]),
            rank_kecamatan=int(self.rank_kecamatan[j]),
            complete=bool(self.complete[j]),
            tied=bool(self.tied[j]),
            aspects=tuple(_hundredths(int(h)) for h in self.aspect_shown[j]),
        )

    def results(self) -> Iterator[DesaResult]:
        """Every desa in the published order."""
        for j in self.order:
            yield self.result(int(j))


@dataclass(frozen=True, slots=True, eq=False)
class SelfComparison:
    """Rule 8 per desa of :attr:`AssessmentRows.desa_codes`: compared indicators, exact mean gap, flag."""

    compared: IntArray
    gap_numerator: IntArray
    denominator: int
    large_gaps: IntArray
    flagged: BoolArray

    def mean_gap(self, v: int) -> Fraction | None:
        count = int(self.compared[v])
        if count == 0:
            return None
        return Fraction(int(self.gap_numerator[v]), self.denominator * count)


@dataclass(frozen=True, slots=True)
class IndicatorAlpha:
    """Krippendorff's alpha for one indicator (None when undefined: no pairable values or no variation)."""

    code: str
    alpha: Fraction | None
    units: int


@dataclass(frozen=True, slots=True)
class AssessorSeverity:
    """Rule 9: an assessor's mean signed difference from the others on the items they share."""

    assessor: str
    mean_difference: Fraction | None
    items: int


@dataclass(frozen=True, slots=True)
class ReliabilityReport:
    """Rule 9: alpha overall and per indicator, the number of pairable units, and the assessors' severity."""

    alpha: Fraction | None
    units: int
    indicators: tuple[IndicatorAlpha, ...]
    severity: tuple[AssessorSeverity, ...]


@dataclass(frozen=True, slots=True, eq=False)
class RankConfidence:
    """Rule 10 (bootstrap), aligned on :attr:`Ranking.desa_codes`: 90% rank interval and top-3 count."""

    resamples: int
    seed: int
    rank_min: IntArray
    rank_max: IntArray
    top3: IntArray

    def p_top3(self, j: int) -> Fraction:
        return Fraction(int(self.top3[j]), self.resamples)


@dataclass(frozen=True, slots=True, eq=False)
class WeightSensitivity:
    """Rule 10 (weights), aligned on :attr:`Ranking.desa_codes`: runs in which the official rank holds."""

    runs: int
    seed: int
    held: IntArray

    def share(self, j: int) -> Fraction:
        return Fraction(int(self.held[j]), self.runs)


# --------------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------------


def _hundredths(h: int) -> Decimal | None:
    return None if h < 0 else Decimal(h).scaleb(-2)


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """Rule 4: ``value`` rounded half-up (away from zero for a tie) to ``places`` decimals, computed exactly."""
    scale = 10**places
    scaled = abs(value) * scale
    units = math.floor(scaled + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-places)


def integer_weights(rubric: Rubric) -> list[int]:
    """Rule 4: the weights as integers with the same ratios (a common power of ten, then divided by their gcd)."""
    weights = [ind.weight for ind in rubric.indicators]
    places = max((-int(w.as_tuple().exponent) for w in weights if int(w.as_tuple().exponent) < 0), default=0)
    scaled = [int(w.scaleb(places)) for w in weights]
    divisor = math.gcd(*scaled) or 1
    return [w // divisor for w in scaled]


def region_kind(code: str) -> str | None:
    """Rule 5: the kind of a desa from its Kemendagri code (None when the code is not a desa code)."""
    if not _is_desa_code(code):
        return None
    return KIND_BY_DIGIT[code[9]]


def kabupaten_of(code: str) -> str:
    """Rule 6: the kabupaten group of a desa code (64.09.04.2002 -> 64.09)."""
    return code[:5]


def kecamatan_of(code: str) -> str:
    """Rule 6: the kecamatan group of a desa code (64.09.04.2002 -> 64.09.04)."""
    return code[:8]


def _is_desa_code(code: str) -> bool:
    return (
        len(code) == 13
        and code[2] == code[5] == code[8] == "."
        and all(code[k].isascii() and code[k].isdigit() for k in (0, 1, 3, 4, 6, 7, 9, 10, 11, 12))
        and code[9] in KIND_BY_DIGIT
    )


@dataclass(frozen=True, slots=True, eq=False)
class _Codes:
    """Kemendagri codes parsed once, vectorised: kecamatan number (ppkkcc), code number, kind digit, malformed."""

    kecamatan: IntArray
    number: IntArray
    kind_digit: IntArray
    bad: list[int]


def _code_points(codes: Sequence[str]) -> tuple[IntArray, int]:
    """Unicode code points of each code, zero-padded to the longest (at least 13), and that width."""
    n = len(codes)
    text = np.array(codes, dtype=str) if n else np.zeros(0, dtype="U13")
    width = max(text.dtype.itemsize // 4, 13)
    # Code points, zero-padded: a short code has zeros where digits should be, so it fails the checks below.
    points = np.zeros((n, width), dtype=np.int64)
    if n and text.dtype.itemsize:
        points[:, : text.dtype.itemsize // 4] = text.view(np.uint32).reshape(n, -1)
    return points, width


def _parse_codes(codes: Sequence[str]) -> _Codes:
    n = len(codes)
    joined = "".join(codes)
    dot = (ord(".") - ord("0")) % 256
    # Total length 13 n with no code longer than 13 means every code has exactly 13 characters.
    if n and len(joined) == 13 * n and joined.isascii() and max(map(len, codes)) == 13:
        # The usual case (every code 13 ASCII characters): one bytes buffer, no array of Python strings. Seen as
        # unsigned bytes, a character below "0" wraps to a large value, so "<= 9" alone checks a digit.
        raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(n, 13)
        digits = np.ascontiguousarray(raw.T) - np.uint8(ord("0"))
        good = np.ones(n, dtype=bool)
    else:
        points, width = _code_points(codes)
        shifted = points[:, :13] - ord("0")
        # The same byte encoding: a digit is 0-9, the dot is its wrapped value, anything else 255.
        digits = np.ascontiguousarray(
            np.where((shifted >= 0) & (shifted <= 9), shifted, np.where(shifted == dot - 256, dot, 255)).T.astype(
                np.uint8
            )
        )
        good = np.all(points[:, 13:] == 0, axis=1) if width > 13 else np.ones(n, dtype=bool)
    # One row per character position (contiguous), so each check is a fast pass over n values.
    good &= (digits[9] >= 1) & (digits[9] <= 3)
    for k in (0, 1, 3, 4, 6, 7, 10, 11, 12):
        good &= digits[k] <= 9
    for k in (2, 5, 8):
        good &= digits[k] == dot
    value = digits.astype(np.int64)
    kecamatan = ((value[0] * 10 + value[1]) * 100 + value[3] * 10 + value[4]) * 100 + value[6] * 10 + value[7]
    number = kecamatan * 10_000 + ((value[9] * 10 + value[10]) * 10 + value[11]) * 10 + value[12]
    bad = [int(i) for i in np.flatnonzero(~good)]
    return _Codes(kecamatan, number, value[9], bad)


# --------------------------------------------------------------------------------------------------------------
# Rules 1-2: validation and aggregation
# --------------------------------------------------------------------------------------------------------------


def validate_rows(rubric: Rubric, rows: AssessmentRows) -> tuple[RowProblem, ...]:
    """Rules 1, 2 and 5: every reason ``rows`` cannot be scored (at most :data:`MAX_PROBLEMS`), by row.

    - a level must be an integer on the rubric's scale, or NA;
    - NA is allowed only on an indicator whose ``allow_na`` is true;
    - one row at most per (desa, indicator, assessor);
    - every desa code is a Kemendagri desa code ``pp.kk.cc.dddd`` whose desa part starts with 1, 2 or 3.
    """
    return _validate(rubric, rows, _cell_index(rubric, rows), _parse_codes(rows.desa_codes))[0]


def _cell_index(rubric: Rubric, rows: AssessmentRows) -> IntArray:
    cell = np.multiply(rows.desa, len(rubric.indicators), dtype=np.int64)
    cell += rows.indicator
    return cell


def _validate(
    rubric: Rubric, rows: AssessmentRows, cell: IntArray, codes: _Codes
) -> tuple[tuple[RowProblem, ...], int, IntArray]:
    """The problems (see :func:`validate_rows`) and, when there are none, the most rows any cell has and the NA rows."""
    problems: list[RowProblem] = []
    indicators = rubric.indicators
    scale = rubric.scale
    n_v, n_i, n_a = len(rows.desa_codes), len(indicators), len(rows.assessors)
    desa, indicator, assessor, level = rows.desa, rows.indicator, rows.assessor, rows.level

    def add(mask: BoolArray, message: Callable[[int], str]) -> None:
        for row in np.flatnonzero(mask)[: max(0, MAX_PROBLEMS - len(problems))]:
            problems.append(RowProblem(int(row), message(int(row))))

    # Cheap reductions first; the row-by-row masks are built only when something is wrong.
    if _outside(desa, n_v):
        add((desa < 0) | (desa >= n_v), lambda r: f"indeks desa di luar jangkauan: {desa[r]}")
    if _outside(indicator, n_i):
        add((indicator < 0) | (indicator >= n_i), lambda r: f"indeks indikator di luar jangkauan: {indicator[r]}")
    if _outside(assessor, n_a):
        add((assessor < 0) | (assessor >= n_a), lambda r: f"indeks asesor di luar jangkauan: {assessor[r]}")
    if problems:
        return tuple(problems), 0, np.zeros(0, dtype=np.int64)
    lowest = int(level.min()) if len(level) else scale.min
    highest = int(level.max()) if len(level) else scale.min
    na_rows = np.zeros(0, dtype=np.int64)
    if lowest < scale.min or highest > scale.max:
        # NA is the only value below the scale that is allowed; only its rows are looked at one by one.
        na_rows = np.flatnonzero(level == NA_LEVEL)
        if highest > scale.max or (lowest < scale.min and np.count_nonzero(level < scale.min) != len(na_rows)):
            add(
                (level != NA_LEVEL) & ((level < scale.min) | (level > scale.max)),
                lambda r: f"level {level[r]} di luar skala {scale.min}–{scale.max}",
            )
        allow_na = np.array([ind.allow_na for ind in indicators], dtype=bool)
        if len(na_rows) and not allow_na.all():
            refused = na_rows[~allow_na[indicator[na_rows]]]
            for row in refused[: max(0, MAX_PROBLEMS - len(problems))]:
                problems.append(
                    RowProblem(int(row), f"NA tidak diizinkan untuk indikator {indicators[indicator[row]].code}")
                )
    duplicates, most = _duplicates(cell, assessor, n_a)
    for row, first in duplicates[: max(0, MAX_PROBLEMS - len(problems))]:
        problems.append(
            RowProblem(
                row,
                (
                    f"baris ganda: desa {rows.desa_codes[desa[row]]}, indikator {indicators[indicator[row]].code}, "
                    f"asesor {rows.assessors[assessor[row]]} (sama dengan baris data ke-{first + 1})"
                ),
            )
        )
    for v in codes.bad[: max(0, MAX_PROBLEMS - len(problems))]:
        hits = np.flatnonzero(desa == v)
        problems.append(
            RowProblem(
                int(hits[0]) if len(hits) else None,
                f"kode wilayah tidak sah: {rows.desa_codes[v]!r} "
                "(bentuk pp.kk.cc.dddd, bagian desa diawali 1, 2 atau 3)",
            )
        )
    problems.sort(key=lambda p: (p.row is None, p.row or 0))
    return tuple(problems), most, na_rows


def _duplicates(cell: IntArray, assessor: IntArray, n_assessors: int) -> tuple[list[tuple[int, int]], int]:
    """Rows repeating an earlier (cell, assessor) pair, each once with the first row of that pair, and the most rows
    in one cell.

    Rows grouped by cell (the usual export order) are checked run by run: a duplicate sits at most ``run - 1``
    rows from its twin, so comparing each row with the 1st, 2nd, ... previous row of the same cell finds them all
    in a few linear passes. Other orders cost a sort.
    """
    if len(cell) < 2:
        return [], len(cell)
    if bool(np.all(cell[1:] >= cell[:-1])):
        same_cell = cell[1:] == cell[:-1]
        if not np.any(same_cell & (assessor[1:] <= assessor[:-1])):
            # Assessors strictly increase inside every cell (the usual sorted export): no duplicate possible.
            starts = np.flatnonzero(np.concatenate(([True], ~same_cell, [True])))
            return [], int(np.diff(starts).max())
        first_of: dict[int, int] = {}
        distance = 1
        while same_cell.any():
            hit = same_cell & (assessor[distance:] == assessor[:-distance])
            # Later distances reach further back: the last twin recorded for a row is its first one.
            first_of.update((int(k) + distance, int(k)) for k in np.flatnonzero(hit)[:MAX_PROBLEMS])
            distance += 1
            same_cell = cell[distance:] == cell[:-distance] if distance < len(cell) else np.zeros(0, dtype=bool)
        return sorted(first_of.items())[:MAX_PROBLEMS], distance
    key = cell * max(n_assessors, 1) + assessor
    ordered = np.sort(key)
    found: list[tuple[int, int]] = []
    if bool(np.any(ordered[1:] == ordered[:-1])):
        order = np.argsort(key, kind="stable")
        same = np.concatenate(([False], key[order[1:]] == key[order[:-1]]))
        # Position of each sorted row's first twin: the start of its run of equal keys.
        start = np.maximum.accumulate(np.where(same, 0, np.arange(len(key))))
        found = sorted((int(order[j]), int(order[start[j]])) for j in np.flatnonzero(same))
    return found[:MAX_PROBLEMS], int(np.bincount(cell).max())


@dataclass(frozen=True, slots=True, eq=False)
class _Cells:
    """The count pattern of every desa x indicator cell (row-major, V x I) and the distinct patterns."""

    # patterns[p] counts the rows of pattern p at each level (column k for level min + k) and its NA rows (last
    # column); code[cell] is the cell's pattern. Few distinct patterns occur (with 3 assessors and 5 levels at
    # most a few dozen), so every per-cell rule is computed once per pattern and gathered.
    patterns: NDArray[np.int32]
    code: IntArray


def _check_only(rubric: Rubric, rows: AssessmentRows) -> int | None:
    """Raise :class:`ScoringInputError` on bad rows; the rows per cell when they are a complete export."""
    codes = _parse_codes(rows.desa_codes)
    if not codes.bad:
        layout = _regular_layout(rubric, rows)
        if layout is not None:
            return layout[0]
    problems, _, _ = _validate(rubric, rows, _cell_index(rubric, rows), codes)
    if problems:
        raise ScoringInputError(problems)
    return None


def _checked_cells(rubric: Rubric, rows: AssessmentRows, codes: _Codes | None = None) -> _Cells:
    """Validate (raising :class:`ScoringInputError`) and count, sharing the cell index."""
    codes = codes or _parse_codes(rows.desa_codes)
    if not codes.bad:
        counted = _regular_counts(rubric, rows)
        if counted is not None:
            return counted
    cell = _cell_index(rubric, rows)
    problems, most, na_rows = _validate(rubric, rows, cell, codes)
    if problems:
        raise ScoringInputError(problems)
    return _cell_counts(rubric, rows, cell, most, na_rows)


def _outside(values: IntArray, size: int) -> bool:
    """Whether any index is outside ``0 .. size - 1``: seen as unsigned, a negative index is huge (one reduction)."""
    unsigned = values.view(np.dtype(f"u{values.dtype.itemsize}"))
    return len(values) > 0 and int(unsigned.max()) >= size


def _regular_counts(rubric: Rubric, rows: AssessmentRows) -> _Cells | None:
    """The fast route of :func:`_checked_cells` for a complete export (see :func:`_regular_layout`): a cell's
    positional level code (see :func:`_cell_counts`) is the sum of its ``m`` row codes, no cell index needed."""
    layout = _regular_layout(rubric, rows)
    if layout is None:
        return None
    m, below = layout
    scale = rubric.scale
    k_levels = scale.max - scale.min + 1
    bits = max(m.bit_length(), 1)
    # float32 is exact here: every row's weight is a power of two below 2**(22 - bits) and a cell adds fewer than
    # 2**bits of them, so every sum stays below 2**22 < 2**24 whatever order the matrix product adds them in.
    powers = np.ldexp(np.float32(1.0), bits * np.arange(k_levels + 1)).astype(np.float32)
    shifted = rows.level if scale.min == 0 else np.subtract(rows.level, scale.min, dtype=np.int64)
    weights = np.take(powers[:k_levels], shifted, mode="clip")
    weights[below] = powers[k_levels]
    return _decode((weights.reshape(-1, m) @ np.ones(m, dtype=np.float32)).astype(np.int64), bits, k_levels)


def _regular_layout(rubric: Rubric, rows: AssessmentRows) -> tuple[int, IntArray] | None:
    """The checks of :func:`_validate` (but the region codes) in a few passes, for a complete export; ``m`` and the
    NA rows when they pass.

    Applies when the rows are laid out as every assessment export of a finished competition is: desa by
    desa, indicator by indicator, each desa x indicator cell with the same number ``m`` of rows (any order of
    assessors inside a cell). Then no cell index is needed: the layout itself is checked against the desa and
    indicator columns (which also checks their range), and a duplicate is two equal assessors among a cell's
    ``m`` rows. ``None`` sends the rows to the general route, which names every problem: another layout, or any
    invalid row (at most 8 rows per cell and a positional code of at most 22 bits, see :func:`_regular_counts`).
    """
    scale = rubric.scale
    n_v, n_i, n = len(rows.desa_codes), len(rubric.indicators), len(rows)
    k_levels = scale.max - scale.min + 1
    m = n // max(n_v * n_i, 1)
    if n == 0 or m * n_v * n_i != n or m > 8 or max(m.bit_length(), 1) * (k_levels + 1) > 22:
        return None
    desa, indicator, assessor, level = rows.desa, rows.indicator, rows.assessor, rows.level
    # One comparison per row and column, each row of the comparison as long as a desa's rows.
    if not (
        bool((desa.reshape(n_v, n_i * m) == np.arange(n_v)[:, None]).all())
        and bool((indicator.reshape(n_v, n_i * m) == np.repeat(np.arange(n_i), m)).all())
    ):
        return None
    if _outside(assessor, len(rows.assessors)) or int(level.max()) > scale.max:
        return None
    below = np.flatnonzero(level < scale.min)
    if len(below):
        allow_na = np.array([ind.allow_na for ind in rubric.indicators], dtype=bool)
        if bool(np.any(level[below] != NA_LEVEL)) or not bool(allow_na[indicator[below]].all()):
            return None
    # Assessor indices fit in 32 bits (they index a tuple), and comparing half-width columns is faster.
    by_cell = assessor.astype(np.int32).reshape(-1, m)
    for first, second in combinations(range(m), 2):
        if bool(np.any(by_cell[:, first] == by_cell[:, second])):
            return None
    return m, below


def _cell_counts(rubric: Rubric, rows: AssessmentRows, cell: IntArray, most: int, na_rows: IntArray) -> _Cells:
    """Count the levels of every desa x indicator in one pass (a base-2**b positional code per cell).

    Each row adds ``2**(b * digit)`` to its cell (digit = level - min, or K for NA), with 2**b above ``most``, the
    largest count in any cell, so the cell's sum spells its counts in base 2**b. The sums are exact (integers far
    below 2**53) whenever the code fits the table (b (K + 1) <= 22 bits); otherwise every cell's counts are made
    one level at a time. ``na_rows`` lists every NA row (the rows are valid: every other level is on the scale).
    """
    scale = rubric.scale
    k_levels = scale.max - scale.min + 1
    n_cells = len(rows.desa_codes) * len(rubric.indicators)
    bits = max(int(most).bit_length(), 1)
    if bits * (k_levels + 1) <= 22:
        # One table look-up per row (position k for level min + k); "clip" sends NA, far below the scale, to
        # position 0, and the few NA rows are then given their own code.
        powers = np.ldexp(1.0, bits * np.arange(k_levels + 1))
        shifted = rows.level if scale.min == 0 else np.subtract(rows.level, scale.min, dtype=np.int64)
        weights = np.take(powers[:k_levels], shifted, mode="clip")
        weights[na_rows] = powers[k_levels]
        return _decode(np.bincount(cell, weights=weights, minlength=n_cells).astype(np.int64), bits, k_levels)
    digit = np.where(rows.level == NA_LEVEL, k_levels, rows.level - scale.min)
    counts = np.zeros((n_cells, k_levels + 1), dtype=np.int32)
    for k in range(k_levels + 1):
        counts[:, k] = np.bincount(cell[digit == k], minlength=n_cells)
    unique, inverse = np.unique(counts, axis=0, return_inverse=True)
    return _Cells(unique.astype(np.int32), inverse.reshape(-1).astype(np.int64))


def _decode(code: IntArray, bits: int, k_levels: int) -> _Cells:
    """The distinct positional codes present, spelled out as count patterns, and each cell's pattern."""
    shifts = bits * np.arange(k_levels + 1, dtype=np.int64)
    if len(code) == 0 or int(code.max()) >= 2**22:
        present, inverse = np.unique(code, return_inverse=True)
        patterns = ((present[:, None] >> shifts) & ((1 << bits) - 1)).astype(np.int32)
        return _Cells(patterns, inverse.reshape(-1).astype(np.int64))
    present = np.flatnonzero(np.bincount(code))
    remap = np.zeros(int(present[-1]) + 1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    patterns = ((present[:, None] >> shifts) & ((1 << bits) - 1)).astype(np.int32)
    return _Cells(patterns, remap[code])


@dataclass(frozen=True, slots=True, eq=False)
class _Levels:
    """Aggregated levels (rule 2) of V x I cells: numerator over ``denominator`` of (level - min)."""

    numerator: IntArray  # V x I; 0 for missing and not-applicable cells
    denominator: int
    applicable: BoolArray  # V x I: False where every row is NA
    missing: BoolArray  # V x I: no row at all


def _mean_denominator(valid_counts: IntArray) -> int:
    return math.lcm(*(int(n) for n in np.unique(valid_counts) if n > 0))


def _aggregate(counts: NDArray[np.int32], aggregation: Aggregation, denominator: int | None = None) -> _Levels:
    """Rule 2: combine each cell's levels (given as counts per level, then NA) by ``mean`` or ``median``, exactly.

    ``mean``: numerator = sum of levels x (D / n), D the lcm of every count n present (or the given one).
    ``median``: D = 2; numerator = the lower middle + the upper middle value (equal for an odd count), so an even
    count gives the mean of the two middle values. NA rows are ignored; a cell whose rows are all NA is not
    applicable; a cell with no row is missing and counts at the scale minimum (numerator 0).
    """
    k_levels = counts.shape[1] - 1
    valid = counts[:, :k_levels]
    n = valid.sum(axis=1, dtype=np.int64)
    na = counts[:, k_levels].astype(np.int64)
    missing = (n + na) == 0
    applicable = ~((n == 0) & (na > 0))
    assessed = n > 0
    if aggregation is Aggregation.mean:
        d = denominator if denominator is not None else _mean_denominator(n)
        total = valid.astype(np.int64) @ np.arange(k_levels, dtype=np.int64)
        numerator = np.where(assessed, total * (d // np.maximum(n, 1)), 0)
    elif aggregation is Aggregation.median:
        d = 2
        cumulative = np.cumsum(valid, axis=1, dtype=np.int64)
        lower = (cumulative < ((n + 1) // 2)[:, None]).sum(axis=1)
        upper = (cumulative < (n // 2 + 1)[:, None]).sum(axis=1)
        numerator = np.where(assessed, lower + upper, 0)
    else:
        raise ValueError(f"unknown aggregation {aggregation!r}")
    return _Levels(numerator.astype(np.int64), d, np.asarray(applicable, dtype=bool), np.asarray(missing, dtype=bool))


def _levels(
    cells: _Cells, aggregation: Aggregation, shape: tuple[int, int], rows_kept: IntArray | None = None
) -> _Levels:
    """Rule 2 per cell: aggregate each pattern once, then give every cell its pattern's values (V x I)."""
    per_pattern = _aggregate(cells.patterns, aggregation)
    code = cells.code.reshape(shape)
    if rows_kept is not None:
        code = code[rows_kept]
    return _Levels(
        per_pattern.numerator[code], per_pattern.denominator, per_pattern.applicable[code], per_pattern.missing[code]
    )


def _spread(counts: NDArray[np.int32]) -> IntArray:
    """Rule 7: highest minus lowest level given in each cell (0 where fewer than one level is given)."""
    k_levels = counts.shape[1] - 1
    lowest = np.full(len(counts), -1, dtype=np.int64)
    highest = np.full(len(counts), -1, dtype=np.int64)
    for k in range(k_levels):
        present = counts[:, k] > 0
        highest[present] = k
        lowest[present & (lowest < 0)] = k
    return np.where(highest >= 0, highest - lowest, 0)


def reconciliation_flags(rubric: Rubric, rows: AssessmentRows) -> ReconciliationFlags:
    """Rule 7: cells whose assessors' levels differ by at least ``rubric.disagreement_threshold``."""
    return _flags(rubric, _checked_cells(rubric, rows))


def _flags(rubric: Rubric, cells: _Cells) -> ReconciliationFlags:
    spread = _spread(cells.patterns)
    hit = np.flatnonzero((spread >= rubric.disagreement_threshold)[cells.code])
    n_i = len(rubric.indicators)
    return ReconciliationFlags(hit // n_i, hit % n_i, spread[cells.code[hit]])


# --------------------------------------------------------------------------------------------------------------
# Rules 3, 4, 6: exact scores, ordering and ranks
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _Scores:
    """Exact index and aspect scores of a set of desa (or bootstrap candidates), with tie-break counts."""

    numerator: ExactArray
    weight: ExactArray
    aspect_numerator: ExactArray
    aspect_weight: ExactArray
    top_levels: IntArray
    zero_levels: IntArray


def _scores(rubric: Rubric, levels: _Levels, weights: Sequence[int]) -> _Scores:
    """Rule 3: N = sum W_i x numerator_i and S = sum W_i over applicable indicators, per desa and per aspect.

    int64 when the largest possible N fits comfortably; Python integers (object arrays) otherwise, so no value
    ever overflows.
    """
    scale = rubric.scale
    full = levels.denominator * (scale.max - scale.min)
    bound = sum(weights) * full
    exact_dtype: Any = np.int64 if bound * 40_000 + full * sum(weights) < _SAFE_INT64 else object
    applicable = levels.applicable
    # numerator is 0 wherever the indicator is not applicable, so it needs no mask.
    membership = np.zeros((len(weights), len(rubric.aspects)), dtype=np.int64)
    start = 0
    for a, aspect in enumerate(rubric.aspects):
        membership[start : start + len(aspect.indicators), a] = weights[start : start + len(aspect.indicators)]
        start += len(aspect.indicators)
    if bound < _EXACT_FLOAT:
        # Every partial sum is an integer below 2**53, so float64 (BLAS) products are exact.
        as_float = membership.astype(np.float64)
        aspect_numerator = (levels.numerator.astype(np.float64) @ as_float).astype(np.int64)
        aspect_weight = (applicable.astype(np.float64) @ as_float).astype(np.int64)
    else:
        big = membership.astype(object)
        aspect_numerator = levels.numerator.astype(object) @ big
        aspect_weight = applicable.astype(object) @ big
    aspect_numerator = aspect_numerator.astype(exact_dtype)
    aspect_weight = aspect_weight.astype(exact_dtype)
    top = (levels.numerator == full).sum(axis=1)
    zero = (applicable & (levels.numerator == 0)).sum(axis=1)
    return _Scores(
        aspect_numerator.sum(axis=1),
        aspect_weight.sum(axis=1),
        aspect_numerator,
        aspect_weight,
        top.astype(np.int64),
        zero.astype(np.int64),
    )


def _membership(rubric: Rubric, weights: Sequence[int]) -> IntArray:
    """Indicator x aspect matrix holding each indicator's integer weight in its aspect's column."""
    membership = np.zeros((len(weights), len(rubric.aspects)), dtype=np.int64)
    start = 0
    for a, aspect in enumerate(rubric.aspects):
        membership[start : start + len(aspect.indicators), a] = weights[start : start + len(aspect.indicators)]
        start += len(aspect.indicators)
    return membership


def _pattern_scores(
    rubric: Rubric, per_pattern: _Levels, code: IntArray, weights: Sequence[int]
) -> tuple[_Scores, BoolArray]:
    """:func:`_scores` of the levels ``per_pattern[code]`` (V x I pattern codes), and whether each row is complete.

    The same numbers, computed without materialising the V x I integer levels: each cell's float numerator,
    applicability and top/zero/missing marks are looked up straight from the few per-pattern values.
    """
    full = per_pattern.denominator * (rubric.scale.max - rubric.scale.min)
    if sum(weights) * full >= _EXACT_FLOAT:
        levels = _Levels(
            per_pattern.numerator[code],
            per_pattern.denominator,
            per_pattern.applicable[code],
            per_pattern.missing[code],
        )
        return _scores(rubric, levels, weights), np.asarray(~levels.missing.any(axis=1), dtype=bool)
    exact_dtype: Any = np.int64 if sum(weights) * full * 40_001 < _SAFE_INT64 else object
    as_float = _membership(rubric, weights).astype(np.float64)
    # Every partial sum is an integer below 2**53, so float64 (BLAS) products are exact.
    aspect_numerator = (per_pattern.numerator.astype(np.float64)[code] @ as_float).astype(np.int64)
    aspect_weight = (per_pattern.applicable.astype(np.float64)[code] @ as_float).astype(np.int64)
    # Top, zero and missing marks as base-2**b digits of one float per cell (2**b above the number of indicators):
    # one matrix-vector product counts all three per desa, exactly, instead of three slow row reductions.
    b = code.shape[1].bit_length()
    marks = (
        (per_pattern.numerator == full)
        + (per_pattern.applicable & (per_pattern.numerator == 0)) * 2.0**b
        + per_pattern.missing * 2.0 ** (2 * b)
    )
    counted = (marks[code] @ np.ones(code.shape[1])).astype(np.int64)
    top = counted & ((1 << b) - 1)
    zero = (counted >> b) & ((1 << b) - 1)
    complete = np.asarray((counted >> (2 * b)) == 0, dtype=bool)
    aspect_numerator = aspect_numerator.astype(exact_dtype)
    aspect_weight = aspect_weight.astype(exact_dtype)
    return _Scores(
        aspect_numerator.sum(axis=1), aspect_weight.sum(axis=1), aspect_numerator, aspect_weight, top, zero
    ), complete


def _order_key(numerator: ExactArray, weight: ExactArray) -> FloatArray:
    """Rule 4: a float key whose order and equalities are exactly those of the rationals N/S (-inf when S = 0).

    Proof. Let x = a/b and y = c/d with integers 0 <= a, c and 1 <= b, d <= M, all below 2**53 so that they are
    floats exactly, and let X be an integer above every x. IEEE division is correctly rounded (and so is Python's
    int / int), so fl(x) is the float nearest x: |fl(x) - x| <= 2**-53 x < 2**-53 X. Rounding is monotone, so
    x < y gives fl(x) <= fl(y), and x = y gives fl(x) = fl(y). If x != y then |x - y| = |ad - bc| / (bd) >= 1/M**2,
    while fl(x) = fl(y) would need |x - y| <= |x - fl(x)| + |fl(y) - y| < 2**-52 X. So whenever X M**2 <= 2**52
    distinct rationals get distinct floats in the same order, and the float key is order-exact. The bound is checked
    at run time; when it could fail the key is the position of N/S among the sorted distinct
    :class:`~fractions.Fraction` values instead (slow, exact).
    """
    key = np.full(len(numerator), -np.inf)
    defined = np.asarray(weight != 0, dtype=bool)
    if not defined.any():
        return key
    num, den = numerator[defined], weight[defined]
    largest_den = int(den.max())
    largest_num = int(num.max())
    if largest_num < _EXACT_FLOAT and largest_den < _EXACT_FLOAT:
        values = num.astype(np.float64) / den.astype(np.float64)
        bound = int(values.max()) + 1
        if bound * largest_den * largest_den <= 2**52:
            key[defined] = values
            return key
    fractions = [Fraction(int(a), int(b)) for a, b in zip(num, den, strict=True)]
    position = {value: float(i) for i, value in enumerate(sorted(set(fractions)))}
    key[defined] = np.array([position[f] for f in fractions])
    return key


@dataclass(frozen=True, slots=True, eq=False)
class _Ratio:
    """A rule-6 key given exactly as the rationals ``numerator / weight`` (int64, weight 0 = an empty score)."""

    numerator: IntArray
    weight: IntArray

    def __len__(self) -> int:
        return len(self.numerator)


SortKey: TypeAlias = "NDArray[Any] | _Ratio"


def _ratio_key(numerator: ExactArray, weight: ExactArray) -> SortKey:
    """Rule 4: the exact key of the rationals N/S (kept as integers when they are int64, else order-exact floats)."""
    if numerator.dtype == np.int64 and weight.dtype == np.int64:
        return _Ratio(numerator, weight)
    return _order_key(numerator, weight)


def _as_array(key: SortKey) -> NDArray[Any]:
    """The key as one comparable array: N itself when every S is the same positive integer (N/S then orders exactly
    as N), else the order-exact float of :func:`_order_key`."""
    if not isinstance(key, _Ratio):
        return key
    weight = key.weight
    if len(weight) and weight[0] > 0 and bool(np.all(weight == weight[0])):
        return key.numerator
    return _order_key(key.numerator, weight)


def _aspect_keys(rubric: Rubric, scores: _Scores, rule: TieBreakRule) -> list[SortKey]:
    """``aspects_by_weight``: every aspect's score, heaviest aspect first (a stable sort keeps rubric order among
    equal weights); ``aspect:<code>``: that aspect's score."""
    if rule.kind is TieBreakKind.aspects_by_weight:
        chosen = sorted(range(len(rubric.aspects)), key=lambda a: -rubric.aspects[a].weight)
    else:
        chosen = [a for a, aspect in enumerate(rubric.aspects) if aspect.code == rule.aspect]
        if not chosen:
            raise ValueError(f"unknown tie_break key {str(rule)!r}")
    return [_ratio_key(scores.aspect_numerator[:, a], scores.aspect_weight[:, a]) for a in chosen]


def _top_levels_key(_rubric: Rubric, scores: _Scores, _rule: TieBreakRule) -> list[SortKey]:
    """``top_levels``: more indicators at the scale's top level is better."""
    return [scores.top_levels.astype(np.int64)]


def _zero_levels_key(_rubric: Rubric, scores: _Scores, _rule: TieBreakRule) -> list[SortKey]:
    """``zero_levels``: fewer indicators at the scale's bottom level is better (negated: higher is better)."""
    return [-scores.zero_levels.astype(np.int64)]


_TIE_BREAK_KEYS: dict[TieBreakKind, Callable[[Rubric, _Scores, TieBreakRule], list[SortKey]]] = {
    TieBreakKind.aspects_by_weight: _aspect_keys,
    TieBreakKind.aspect: _aspect_keys,
    TieBreakKind.top_levels: _top_levels_key,
    TieBreakKind.zero_levels: _zero_levels_key,
}


def _sort_keys(rubric: Rubric, scores: _Scores) -> list[SortKey]:
    """Rule 6: the ordering keys, most significant first, each "higher is better" (exact int64 or order-exact float).

    The exact index comes first, then each of the rubric's typed tie-break rules through its builder in
    ``_TIE_BREAK_KEYS``.
    """
    keys = [_ratio_key(scores.numerator, scores.weight)]
    for rule in rubric.tie_break_rules:
        keys.extend(_TIE_BREAK_KEYS[rule.kind](rubric, scores, rule))
    return keys


def _key_rank(key: SortKey) -> tuple[IntArray, int]:
    """A rank per entity (0 for the highest value, equal values equal ranks, order kept) and how many ranks there
    can be, with as little sorting as the key allows:

    - an integer key over a small range is its own rank (highest - value), and so is a ratio N/S with one S for
      every entity (it orders as N);
    - a ratio N/S whose (S, N) pairs fit a small table (the usual case: S is a sum of a few integer weights and N
      is bounded by S times the scale) is ranked through that table: only the distinct pairs present are ordered
      (by their order-exact floats), then every entity looks its pair up;
    - anything else by the position of its value among the sorted distinct values.
    """
    n = len(key)
    values: NDArray[Any]
    if isinstance(key, _Ratio) and n:
        numerator, weight = key.numerator, key.weight
        top_numerator, top_weight, low_weight = int(numerator.max()), int(weight.max()), int(weight.min())
        size = (top_weight + 1) * (top_numerator + 1)
        if low_weight == top_weight > 0:
            values = numerator  # one S for all: N/S orders as N
        elif int(numerator.min()) >= 0 and low_weight >= 0 and size <= max(4 * n, 1 << 16):
            pair = weight * (top_numerator + 1) + numerator
            present = np.flatnonzero(np.bincount(pair, minlength=size))
            present_weight, present_numerator = np.divmod(present, top_numerator + 1)
            distinct, position = np.unique(_order_key(present_numerator, present_weight), return_inverse=True)
            table = np.zeros(size, dtype=np.int64)
            table[present] = len(distinct) - 1 - position.reshape(-1)
            return table[pair], len(distinct)
        else:
            # Several S and too wide a table: the order-exact floats (the one-S case was settled just above).
            values = _order_key(numerator, weight)
    else:
        values = key.numerator if isinstance(key, _Ratio) else key  # a _Ratio here has no entity at all
    if values.dtype.kind == "i" and n:
        high, low = int(values.max()), int(values.min())
        if high - low <= 4 * n:
            return (high - values).astype(np.int64, copy=False), high - low + 1
    lowered = -values
    distinct = np.unique(lowered)
    if len(distinct) <= 1 << 16:
        return np.searchsorted(distinct, lowered).astype(np.int64), len(distinct)
    distinct, rank = np.unique(lowered, return_inverse=True)
    return rank.reshape(-1).astype(np.int64), len(distinct)


def _order_codes(keys: Sequence[SortKey]) -> IntArray:
    """Rule 6: a dense code per entity, 0 for the best; equal on every key <=> equal code.

    Each key is replaced by a rank (0 for the highest value; equal values, which are equal exactly because the keys
    are exact, share a rank; see :func:`_key_rank`), and the ranks are combined most significant first into one integer
    (mixed radix), re-densified whenever the next key would overflow. The final dense code comes from one sort of
    (combined value, position) packed in an int64: numpy's integer ``sort`` is several times faster than any
    ``argsort``/``lexsort``, which is what the cascade costs over the bootstrap's hundreds of thousands of candidates.
    """
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first, first_span = _key_rank(keys[0])
    distinct = np.count_nonzero(np.bincount(first)) if first_span <= 4 * n + 1 else first_span
    if distinct * 4 > n:
        # Mostly distinct first key (a weight-sensitivity run): refining the few ties is cheaper than dense ranks.
        return _refined_codes([_as_array(key) for key in keys])
    bits = max(n.bit_length(), 1)
    limit = 1 << (62 - bits)
    combined, span = first, first_span
    for key in keys[1:]:
        rank, size = _key_rank(key)
        if span * size >= limit:
            combined, span = _dense(combined, bits)
        combined = combined * size + rank
        span *= size
    return _dense(combined, bits)[0]


def _refined_codes(keys: Sequence[NDArray[Any]]) -> IntArray:
    """:func:`_order_codes` for keys whose first one already separates most entities.

    Sorts by the first key, then refines only the groups still tied by the next key, and so on: later keys touch
    ever fewer entities, which is much cheaper than a full lexicographic sort over every key.
    """
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-keys[0], kind="stable")
    first = keys[0][order]
    group = np.concatenate(([0], np.cumsum(first[1:] != first[:-1]))).astype(np.int64)
    for key in keys[1:]:
        tied = np.flatnonzero(np.bincount(group)[group] > 1)
        if len(tied) == 0:
            break
        members = order[tied]
        # Sorting the tied positions by (group, -key) keeps each group in its place and orders inside it.
        order[tied] = members[np.lexsort((-key[members], group[tied]))]
        ordered_key = key[order]
        change = (group[1:] != group[:-1]) | (ordered_key[1:] != ordered_key[:-1])
        group = np.concatenate(([0], np.cumsum(change))).astype(np.int64)
    codes = np.empty(n, dtype=np.int64)
    codes[order] = group
    return codes


def _dense(values: IntArray, bits: int) -> tuple[IntArray, int]:
    """Dense ranks of non-negative integers below 2**(63 - bits) (n < 2**bits), and how many distinct there are."""
    n = len(values)
    packed = np.sort((values << bits) | np.arange(n, dtype=np.int64))
    ordered = packed >> bits
    step = np.zeros(n, dtype=np.int64)
    np.cumsum(ordered[1:] != ordered[:-1], out=step[1:])
    dense = np.empty(n, dtype=np.int64)
    dense[packed & ((1 << bits) - 1)] = step
    return dense, int(step[-1]) + 1


def competition_ranks(codes: IntArray, groups: IntArray | None = None) -> IntArray:
    """Rule 6: standard competition ranking (1, 2, 2, 4) of order codes (lower is better), within ``groups``.

    A desa's rank is 1 + the number of desa of its group strictly ahead of it, so desa equal on every
    key share a rank and the next rank skips as many places as were shared.
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    if groups is None:
        # Codes are dense (0..G-1): the number strictly ahead is a running count, no sort needed.
        counts = np.bincount(codes)
        return (np.cumsum(counts) - counts)[codes].astype(np.int64) + 1
    span = int(codes.max()) + 1
    combined = groups.astype(np.int64) * span + codes
    n = len(codes)
    bits = n.bit_length()
    if int(combined.min()) >= 0 and int(combined.max()) < 1 << (62 - bits):
        # One sort of (group, code, position) packed integers; in that order a desa's rank is its position
        # minus its group's first position, taken at the first desa with the same code (ties share it).
        packed = np.sort((combined << bits) | np.arange(n, dtype=np.int64))
        value = packed >> bits
        positions = np.arange(n, dtype=np.int64)
        new_value = np.concatenate(([True], value[1:] != value[:-1]))
        first_equal = np.maximum.accumulate(np.where(new_value, positions, 0))
        group = value // span
        new_group = np.concatenate(([True], group[1:] != group[:-1]))
        first_of_group = np.maximum.accumulate(np.where(new_group, positions, 0))
        ranks = np.empty(n, dtype=np.int64)
        ranks[packed & ((1 << bits) - 1)] = first_equal - first_of_group + 1
        return ranks
    ordered = np.sort(combined)
    ahead = np.searchsorted(ordered, combined, side="left") - np.searchsorted(ordered, groups * span, side="left")
    return ahead.astype(np.int64) + 1


def _shown(numerator: ExactArray, weight: ExactArray, full: int) -> IntArray:
    """Rule 4: exact value 100 N / (full S) in hundredths, rounded half-up: floor((20000 N + full S) / (2 full S))."""
    defined = np.asarray(weight != 0, dtype=bool)
    out = np.full(numerator.shape, -1, dtype=np.int64)
    if defined.any():
        q = full * weight[defined]
        out[defined] = ((20_000 * numerator[defined] + q) // (2 * q)).astype(np.int64)
    return out


def _bands(rubric: Rubric, shown: IntArray) -> IntArray:
    """Rule 4: the band whose ``min`` is the highest not above the shown index (as :meth:`Rubric.band_for`)."""
    ordered = sorted(range(len(rubric.bands)), key=lambda b: rubric.bands[b].min)
    # shown/100 >= min  <=>  shown >= ceil(100 min), shown being an integer number of hundredths.
    thresholds = np.array([math.ceil(rubric.bands[b].min * 100) for b in ordered], dtype=np.int64)
    position = np.searchsorted(thresholds, shown, side="right") - 1
    band = np.where(position >= 0, np.array(ordered, dtype=np.int64)[np.maximum(position, 0)], 0)
    return np.where(shown >= 0, band, -1)


def eligible_desa(rubric: Rubric, desa_codes: Sequence[str], kinds: Mapping[str, str] | None = None) -> IntArray:
    """Rule 5: indices of the desa whose kind is in ``rubric.eligible``.

    The kind is ``kinds[code]`` when the region table has the code; otherwise it comes from the code's desa
    part: 1 = kelurahan, 2 = desa, 3 = desa adat.
    """
    return _eligible(rubric, desa_codes, _parse_codes(desa_codes), kinds)


def _eligible(rubric: Rubric, desa_codes: Sequence[str], codes: _Codes, kinds: Mapping[str, str] | None) -> IntArray:
    by_digit = {int(d): kind for d, kind in KIND_BY_DIGIT.items()}
    allowed = np.array([by_digit.get(d, "") in rubric.eligible for d in range(10)], dtype=bool)
    keep = allowed[np.clip(codes.kind_digit, 0, 9)]
    if kinds:
        for i, code in enumerate(desa_codes):
            kind = kinds.get(code)
            if kind is not None:
                keep[i] = kind in rubric.eligible
    return np.flatnonzero(keep).astype(np.int64)


def _result_order(rank: IntArray, number: IntArray) -> IntArray:
    """The published order: by rank, then by code. Well-formed codes have one shape, so their digits as a number sort
    like the codes themselves; when the desa already come in code order (the usual case) the order is one sort
    of (rank, position) packed integers instead of a two-key ``lexsort``."""
    n = len(rank)
    bits = n.bit_length()
    if n and bool(np.all(number[1:] > number[:-1])) and int(rank.max()) < 1 << (62 - bits):
        return np.sort((rank << bits) | np.arange(n, dtype=np.int64)) & ((1 << bits) - 1)
    return np.lexsort((number, rank)).astype(np.int64)


def score(rubric: Rubric, rows: AssessmentRows, kinds: Mapping[str, str] | None = None) -> Ranking:
    """Rules 2-7: validate, aggregate, score, rank and flag every eligible desa.

    Rule 2 (aggregation, NA, missing), rule 3 (index and aspect scores over applicable indicators), rule 4 (exact
    comparison, half-up rounding to 2 decimals, predikat from the rounded index), rule 5 (eligibility), rule 6
    (ordering by exact index then the tie_break cascade; competition ranking; kabupaten and kecamatan ranks from
    the code), rule 7 (reconciliation flags). Raises :class:`ScoringInputError` on bad input.
    """
    codes = _parse_codes(rows.desa_codes)
    cells = _checked_cells(rubric, rows, codes)
    n_v, n_i = len(rows.desa_codes), len(rubric.indicators)
    chosen = _eligible(rubric, rows.desa_codes, codes, kinds)
    per_pattern = _aggregate(cells.patterns, rubric.aggregation)
    cell_code = cells.code.reshape(n_v, n_i)
    weights = integer_weights(rubric)
    scores, complete = _pattern_scores(
        rubric, per_pattern, cell_code if len(chosen) == n_v else cell_code[chosen], weights
    )
    order_codes = _order_codes(_sort_keys(rubric, scores))
    desa_codes = (
        tuple(rows.desa_codes)
        if len(chosen) == n_v
        else tuple(np.array(rows.desa_codes, dtype=object)[chosen].tolist())
    )
    kecamatan = codes.kecamatan[chosen]
    rank = competition_ranks(order_codes)
    full = per_pattern.denominator * (rubric.scale.max - rubric.scale.min)
    shown = _shown(scores.numerator, scores.weight, full)
    return Ranking(
        rubric=rubric,
        desa_codes=desa_codes,
        row_desa=chosen,
        scale=full,
        index_numerator=scores.numerator,
        index_weight=scores.weight,
        shown_index=shown,
        band=_bands(rubric, shown),
        aspect_numerator=scores.aspect_numerator,
        aspect_weight=scores.aspect_weight,
        aspect_shown=_shown(scores.aspect_numerator, scores.aspect_weight, full),
        top_levels=scores.top_levels,
        zero_levels=scores.zero_levels,
        complete=complete,
        rank=rank,
        rank_kabupaten=competition_ranks(order_codes, kecamatan // 100),
        rank_kecamatan=competition_ranks(order_codes, kecamatan),
        tied=np.bincount(order_codes)[order_codes] > 1 if len(order_codes) else np.zeros(0, dtype=bool),
        order=_result_order(rank, codes.number[chosen]),
        flags=_flags(rubric, cells),
    )


# --------------------------------------------------------------------------------------------------------------
# Rule 8: self vs verified
# --------------------------------------------------------------------------------------------------------------


def compare_self(rubric: Rubric, rows: AssessmentRows, self_levels: SelfLevels) -> SelfComparison:
    """Rule 8: per desa, the mean absolute difference between self-assessed and verified levels, and a flag.

    Compared indicators: those with a self level (not NA) and a verified level from at least one assessor (not
    missing, not all NA). The flag is raised when ``|self - verified| >= 2`` on at least 20% of them.
    """
    n_v, n_i = len(rows.desa_codes), len(rubric.indicators)
    levels = _levels(_checked_cells(rubric, rows), rubric.aggregation, (n_v, n_i))
    d = levels.denominator
    on_scale = (self_levels.level == NA_LEVEL) | (
        (self_levels.level >= rubric.scale.min) & (self_levels.level <= rubric.scale.max)
    )
    if not on_scale.all():
        raise ScoringInputError(
            [
                RowProblem(int(r), f"level mandiri {self_levels.level[r]} di luar skala")
                for r in np.flatnonzero(~on_scale)[:MAX_PROBLEMS]
            ]
        )
    # A verified level exists where the indicator is applicable and at least one assessor gave a level.
    assessed = levels.applicable & ~levels.missing
    mine = np.full((n_v, n_i), NA_LEVEL, dtype=np.int64)
    mine[self_levels.desa, self_levels.indicator] = self_levels.level
    both = assessed & (mine != NA_LEVEL)
    gap = np.abs((mine - rubric.scale.min) * d - levels.numerator)
    gap = np.where(both, gap, 0)
    compared = both.sum(axis=1).astype(np.int64)
    large = (both & (gap >= 2 * d)).sum(axis=1).astype(np.int64)
    flagged = np.asarray((compared > 0) & (5 * large >= compared), dtype=bool)
    return SelfComparison(compared, gap.sum(axis=1).astype(np.int64), d, large, flagged)


# --------------------------------------------------------------------------------------------------------------
# Rule 9: reliability
# --------------------------------------------------------------------------------------------------------------


def _delta_squared(marginals: list[int], metric: Literal["ordinal", "nominal"]) -> list[list[Fraction]]:
    k = len(marginals)
    if metric == "nominal":
        return [[Fraction(int(c != e)) for e in range(k)] for c in range(k)]
    table = [[Fraction(0)] * k for _ in range(k)]
    for c in range(k):
        for e in range(k):
            low, high = min(c, e), max(c, e)
            between = sum(marginals[low : high + 1]) - Fraction(marginals[c] + marginals[e], 2)
            table[c][e] = between * between
    return table


def alpha_from_coincidences(
    coincidences: Sequence[Sequence[Fraction]], metric: Literal["ordinal", "nominal"] = "ordinal"
) -> Fraction | None:
    """Rule 9: Krippendorff's alpha = 1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck, exactly.

    ``coincidences`` is the value x value coincidence matrix o over the scale (every value of the domain, observed
    or not). Ordinal metric: d_ck = (sum of n_g for g from c to k - (n_c + n_k) / 2)^2. None when there is nothing
    to compare (n < 2) or no variation (expected disagreement 0).
    """
    k = len(coincidences)
    marginal_fractions = [sum(coincidences[c], Fraction(0)) for c in range(k)]
    n = sum(marginal_fractions, Fraction(0))
    if n < 2:
        return None
    # Marginals are whole numbers: each pairable value contributes exactly 1 to its row.
    marginals = [int(m) for m in marginal_fractions]
    delta = _delta_squared(marginals, metric)
    observed = sum((coincidences[c][e] * delta[c][e] for c in range(k) for e in range(k)), Fraction(0))
    expected = sum((marginals[c] * marginals[e] * delta[c][e] for c in range(k) for e in range(k)), Fraction(0))
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def _coincidences_by_indicator(cells: _Cells, n_i: int) -> tuple[list[list[list[Fraction]]], IntArray]:
    """Per indicator, the coincidence matrix o_ck = sum over units of (n_uc n_uk - [c = k] n_uc) / (m_u - 1).

    Units with the same count pattern contribute the same matrix, so units are counted per (indicator, pattern)
    and each pattern's matrix is added that many times.
    """
    k_levels = cells.patterns.shape[1] - 1
    valid = cells.patterns[:, :k_levels].astype(np.int64)
    m = valid.sum(axis=1)
    n_patterns = len(valid)
    pairable_pattern = m >= 2
    cell_pattern = cells.code
    indicator_of_cell = np.arange(len(cell_pattern), dtype=np.int64) % n_i if n_i else cell_pattern
    pairable = pairable_pattern[cell_pattern]
    tally = np.bincount(
        indicator_of_cell[pairable] * n_patterns + cell_pattern[pairable], minlength=n_i * n_patterns
    ).reshape(n_i, n_patterns)
    units = tally.sum(axis=1).astype(np.int64)
    result: list[list[list[Fraction]]] = []
    eye = np.eye(k_levels, dtype=np.int64)
    for i in range(n_i):
        o = [[Fraction(0)] * k_levels for _ in range(k_levels)]
        for size in np.unique(m[pairable_pattern]):
            chosen = np.flatnonzero((m == size) & (tally[i] > 0))
            if not len(chosen):
                continue
            pat = valid[chosen]
            pairs = pat[:, :, None] * pat[:, None, :] - pat[:, :, None] * eye
            summed = (pairs * tally[i, chosen, None, None]).sum(axis=0)
            for c in range(k_levels):
                for e in range(k_levels):
                    if summed[c, e]:
                        o[c][e] += Fraction(int(summed[c, e]), int(size) - 1)
        result.append(o)
    return result, units


def krippendorff_alpha(rubric: Rubric, rows: AssessmentRows) -> tuple[Fraction | None, int, tuple[IndicatorAlpha, ...]]:
    """Rule 9: ordinal Krippendorff's alpha overall and per indicator, with the number of pairable units.

    Units are desa x indicator cells, coders the assessors, values the levels on the rubric's scale (NA rows are
    missing values). Only units with at least two levels are pairable. Overall alpha pools every unit.
    """
    n_i = len(rubric.indicators)
    per_indicator, units = _coincidences_by_indicator(_checked_cells(rubric, rows), n_i)
    k_levels = rubric.scale.max - rubric.scale.min + 1
    total = [[sum((o[c][e] for o in per_indicator), Fraction(0)) for e in range(k_levels)] for c in range(k_levels)]
    indicators = tuple(
        IndicatorAlpha(ind.code, alpha_from_coincidences(o), int(units[i]))
        for i, (ind, o) in enumerate(zip(rubric.indicators, per_indicator, strict=True))
    )
    return alpha_from_coincidences(total), int(units.sum()), indicators


def assessor_severity(rubric: Rubric, rows: AssessmentRows) -> tuple[AssessorSeverity, ...]:
    """Rule 9: per assessor, the mean over shared items of (own level - mean of the other assessors' levels).

    An item is a desa x indicator on which the assessor and at least one other assessor gave a level (NA rows
    do not count). Negative = stricter than the peers. Exact: each difference is scaled by the lcm L of the
    (m - 1) present, so sums are integers.
    """
    _check_only(rubric, rows)
    n_i = len(rubric.indicators)
    valid = rows.level != NA_LEVEL
    cell = rows.desa[valid].astype(np.int64) * n_i + rows.indicator[valid]
    level = rows.level[valid].astype(np.int64) - rubric.scale.min
    assessor = rows.assessor[valid]
    n_cells = len(rows.desa_codes) * n_i
    m = np.bincount(cell, minlength=n_cells)
    total = np.bincount(cell, weights=level, minlength=n_cells).astype(np.int64)
    m_row = m[cell]
    shared = m_row >= 2
    sizes = np.flatnonzero(np.bincount(m_row[shared])) if shared.any() else np.zeros(0, np.int64)
    lcm = math.lcm(*(int(s) - 1 for s in sizes)) if len(sizes) else 1
    scaled = (m_row[shared] * level[shared] - total[cell[shared]]) * (lcm // (m_row[shared] - 1))
    n_a = len(rows.assessors)
    items = np.bincount(assessor[shared], minlength=n_a)
    if len(scaled) and int(np.abs(scaled).max()) * len(scaled) < _EXACT_FLOAT:
        sums = np.bincount(assessor[shared], weights=scaled, minlength=n_a).astype(np.int64)
    else:
        sums = np.zeros(n_a, dtype=object)
        np.add.at(sums, assessor[shared], scaled.astype(object))
    return tuple(
        AssessorSeverity(name, Fraction(int(sums[a]), lcm * int(items[a])) if items[a] else None, int(items[a]))
        for a, name in enumerate(rows.assessors)
    )


def reliability(rubric: Rubric, rows: AssessmentRows) -> ReliabilityReport:
    """Rule 9: alpha (ordinal) overall and per indicator, units, and every assessor's severity."""
    alpha, units, indicators = krippendorff_alpha(rubric, rows)
    return ReliabilityReport(alpha, units, indicators, assessor_severity(rubric, rows))


# --------------------------------------------------------------------------------------------------------------
# Rule 10: rank confidence
# --------------------------------------------------------------------------------------------------------------


def _multisets(m: int) -> tuple[IntArray, FloatArray]:
    """Every multiset of m draws from m assessors (as counts per assessor) and its probability m!/prod(c!)/m**m."""
    sets = list(combinations_with_replacement(range(m), m))
    counts = np.zeros((len(sets), m), dtype=np.int64)
    for s, draw in enumerate(sets):
        for j in draw:
            counts[s, j] += 1
    probability = np.array(
        [math.factorial(m) / math.prod(math.factorial(int(c)) for c in row) / m**m for row in counts]
    )
    return counts, probability / probability.sum()


def rank_confidence(
    rubric: Rubric,
    rows: AssessmentRows,
    ranking: Ranking,
    resamples: int,
    seed: int,
    confidence: Fraction = Fraction(9, 10),
    *,
    linear_shortcut: bool = True,
) -> RankConfidence:
    """Rule 10: a seeded bootstrap over each desa's assessors; a rank interval and P(top 3) per desa.

    In each resample every eligible desa draws as many assessors as it has, uniformly with replacement, and is
    re-scored from the drawn assessors' rows (an assessor drawn twice counts twice; rules 2-3, so an indicator no
    drawn assessor scored counts at the minimum), then ranked by rule 6 among all desa. The interval runs from
    the ``(1 - confidence) / 2`` to the ``(1 + confidence) / 2`` quantile of its ranks (inverted-CDF: the smallest
    rank reached in at least that share of resamples); P(top 3) is the share of resamples with rank <= 3.

    ``ranking`` must be :func:`score` of the same rubric and rows. Exact and fast: a desa with m assessors has
    only C(2m - 1, m) distinct resamples, so each is scored once,
    all of them are ordered together by rule 6 (a code per candidate), and a resample only picks codes.
    Deterministic for a given seed (numpy's PCG64 stream). ``linear_shortcut`` scores fully assessed desa
    through :class:`_LinearCandidates` (mean aggregation; the same result, which tests check by switching it off).

    Phases: the (desa, assessor slot, indicator) tensor (:func:`_bootstrap_tensor`), every candidate's order
    code (:func:`_candidate_codes`), the resamples (:func:`_resample_ranks`), the interval (:func:`_rank_interval`).
    """
    per_cell = _check_only(rubric, rows)
    n_v = len(ranking.row_desa)
    if n_v == 0:
        empty = np.zeros(0, dtype=np.int64)
        return RankConfidence(resamples, seed, empty, empty.copy(), empty.copy())
    tensor, sizes = _bootstrap_tensor(rubric, rows, ranking.row_desa, per_cell)
    codes, choices, draws = _candidate_codes(rubric, tensor, sizes, linear_shortcut)
    ranks, top3 = _resample_ranks(codes, choices, draws, resamples, seed)
    rank_min, rank_max = _rank_interval(ranks, ranking, resamples, confidence)
    return RankConfidence(resamples, seed, rank_min, rank_max, top3)


_ABSENT = -1
"""A tensor entry for an assessor slot without a row on that indicator."""


def _bootstrap_tensor(
    rubric: Rubric, rows: AssessmentRows, chosen: IntArray, per_cell: int | None
) -> tuple[IntArray, IntArray]:
    """Rule 10, phase 1: the (ranked desa, assessor slot, indicator) tensor of level offsets (NA = the number of
    levels, no row = ``_ABSENT``) and each desa's number of assessors. Slots are numbered in assessor order; a
    complete export is read from its shape (:func:`_consistent_teams`)."""
    n_i = len(rubric.indicators)
    n_v = len(chosen)
    k_levels = rubric.scale.max - rubric.scale.min + 1
    consistent = _consistent_teams(rubric, rows, chosen, per_cell) if per_cell else None
    if consistent is not None:
        return consistent
    position = np.full(len(rows.desa_codes), -1, dtype=np.int64)
    position[chosen] = np.arange(n_v)
    if n_v == len(rows.desa_codes):
        desa = position[rows.desa]
        assessor = rows.assessor.astype(np.int64, copy=False)
        indicator = rows.indicator.astype(np.int64, copy=False)
        level = rows.level.astype(np.int64, copy=False)
    else:
        keep = position[rows.desa] >= 0
        desa = position[rows.desa[keep]]
        assessor = rows.assessor[keep].astype(np.int64)
        indicator = rows.indicator[keep].astype(np.int64)
        level = rows.level[keep].astype(np.int64)
    slot, sizes = _assessor_slots(desa, assessor, n_v, len(rows.assessors))
    width = int(sizes.max(initial=0))
    tensor = np.full((n_v, max(width, 1), n_i), _ABSENT, dtype=np.int64)
    tensor[desa, slot, indicator] = np.where(level == NA_LEVEL, k_levels, level - rubric.scale.min)
    return tensor, sizes


_Choices = dict[int, tuple[IntArray, FloatArray]]
"""Per team size m: the desa with m assessors and the probability of each of the C(2m - 1, m) multisets."""


def _candidate_codes(
    rubric: Rubric, tensor: IntArray, sizes: IntArray, linear_shortcut: bool
) -> tuple[IntArray, _Choices, dict[int, IntArray]]:
    """Rule 10, phase 2: every candidate (a desa scored from one multiset of its assessors) ordered by rule 6 in
    one go; returns each desa's candidate order codes (desa x multiset), the choices per team size and the
    table mapping an ordered draw to its multiset."""
    n_v, _, n_i = tensor.shape
    k_levels = rubric.scale.max - rubric.scale.min + 1
    width = int(sizes.max(initial=0))
    group_sets = {int(m): _multisets(int(m)) for m in np.unique(sizes) if m > 0}
    total_candidates = sum(len(group_sets[int(m)][0]) * int((sizes == m).sum()) for m in group_sets) + int(
        (sizes == 0).sum()
    )
    if total_candidates > _MAX_BOOTSTRAP_CANDIDATES:
        raise ValueError("terlalu banyak asesor per desa untuk bootstrap yang eksak")
    denominator = math.lcm(*range(1, width + 1)) if rubric.aggregation is Aggregation.mean and width else 2
    bits = max(width.bit_length(), 1)
    if bits * (k_levels + 1) > 62:
        raise ValueError("terlalu banyak asesor per desa untuk bootstrap yang eksak")
    weights = integer_weights(rubric)
    top_level = rubric.scale.max - rubric.scale.min
    shortcut_allowed = (
        linear_shortcut
        and rubric.aggregation is Aggregation.mean
        and sum(weights) * top_level * denominator * 40_000 < _SAFE_INT64
    )
    all_scores: list[_Scores] = []
    choices: _Choices = {}
    draws: dict[int, IntArray] = {}
    for m in sorted(set(group_sets) | ({0} if (sizes == 0).any() else set())):
        members = np.flatnonzero(sizes == m)
        sets, probability = group_sets.get(m, (np.zeros((1, 0), dtype=np.int64), np.ones(1)))
        choices[m] = (members, probability)
        draws[m] = _draw_table(m, sets)
        sub = tensor[members, :m, :]
        # Desa whose every assessor gave a level on every indicator take the linear shortcut (mean only).
        linear = np.all((sub >= 0) & (sub < k_levels), axis=(1, 2)) if m else np.zeros(len(members), dtype=bool)
        if not shortcut_allowed:
            linear[:] = False
        general = np.flatnonzero(~linear)
        shortcut = _LinearCandidates(rubric, sub[linear], weights, denominator) if linear.any() else None
        # Each slot's row as a positional code (see _cell_counts); a draw's cell code is the weighted sum.
        slot_codes = [
            np.where(sub[general, j, :] >= 0, 1 << (bits * np.maximum(sub[general, j, :], 0)), 0) for j in range(m)
        ]
        for draw in sets:
            if shortcut is not None and len(general) == 0:
                all_scores.append(shortcut.scores(draw))
                continue
            code = np.zeros((len(general), n_i), dtype=np.int64)
            for j, times in enumerate(draw):
                if times:
                    code += int(times) * slot_codes[j]
            cells = _decode(code.ravel(), bits, k_levels)
            per_pattern = _aggregate(cells.patterns, rubric.aggregation, denominator)
            pattern = cells.code.reshape(len(general), n_i)
            levels = _Levels(
                per_pattern.numerator[pattern],
                denominator,
                per_pattern.applicable[pattern],
                per_pattern.missing[pattern],
            )
            computed = _scores(rubric, levels, weights)
            if shortcut is None:
                all_scores.append(computed)
            else:
                all_scores.append(
                    _merge_scores(len(members), general, computed, np.flatnonzero(linear), shortcut.scores(draw))
                )
    layout = _candidate_layout(choices, n_v)
    codes = _order_codes(_sort_keys(rubric, _concat_scores(all_scores)))[layout]
    return codes, choices, draws


def _resample_ranks(
    codes: IntArray, choices: _Choices, draws: dict[int, IntArray], resamples: int, seed: int
) -> tuple[NDArray[np.int32], IntArray]:
    """Rule 10, phase 3: the seeded resamples; each desa's competition rank in every resample and how often it
    placed in the top 3. One draw call per team size and resample, so the stream (and the result) is fixed by the
    seed."""
    n_v = codes.shape[0]
    rng = np.random.default_rng(seed)
    ranks = np.empty((resamples, n_v), dtype=np.int32)
    top3 = np.zeros(n_v, dtype=np.int64)
    picked = np.zeros(n_v, dtype=np.int64)
    flat = np.arange(n_v, dtype=np.int64) * codes.shape[1]
    shift = max(n_v.bit_length(), 1)
    mask = (1 << shift) - 1
    # Each candidate's (order code, desa) packed in one integer: sorting these is several times faster than an
    # argsort of the codes, and the desa comes back out of the low bits.
    packed_candidates = ((codes << shift) | np.arange(n_v, dtype=np.int64)[:, None]).ravel()
    positions = np.arange(n_v, dtype=np.int64)
    index = np.empty(n_v, dtype=np.int64)
    packed = np.empty(n_v, dtype=np.int64)
    starts = np.ones(n_v, dtype=bool)
    first = np.empty(n_v, dtype=np.int64)
    for r in range(resamples):
        for m, (members, probability) in choices.items():
            if len(probability) > 1:
                if len(members) == n_v and len(draws[m]):
                    picked = draws[m][rng.integers(0, m**m, size=n_v)]
                elif len(draws[m]):
                    # An ordered draw of m assessors, uniform over m**m, mapped to its multiset.
                    picked[members] = draws[m][rng.integers(0, m**m, size=len(members))]
                else:
                    picked[members] = rng.choice(len(probability), size=len(members), p=probability)
        # Competition rank = 1 + the sorted position where the desa's code first appears.
        np.add(flat, picked, out=index)
        np.take(packed_candidates, index, out=packed)
        packed.sort()
        ordered_codes = packed >> shift
        np.not_equal(ordered_codes[1:], ordered_codes[:-1], out=starts[1:])
        np.multiply(starts, positions, out=first)
        np.maximum.accumulate(first, out=first)
        first += 1
        desa = packed & mask
        ranks[r, desa] = first
        # Ranks never decrease along the sorted order, so the top-3 places are a prefix.
        top3[desa[: int(np.searchsorted(first, 4))]] += 1
    return ranks, top3


def _rank_interval(
    ranks: NDArray[np.int32], ranking: Ranking, resamples: int, confidence: Fraction
) -> tuple[IntArray, IntArray]:
    """Rule 10, phase 4: the inverted-CDF quantiles of each desa's resampled ranks (its own rank without
    resamples)."""
    if not resamples:
        return ranking.rank.copy(), ranking.rank.copy()
    low_k = max(math.ceil((1 - confidence) / 2 * resamples), 1) - 1
    high_k = max(math.ceil((1 + confidence) / 2 * resamples), 1) - 1
    # Desa-major, so each desa's resampled ranks are contiguous: a full (SIMD) sort of these short rows is
    # several times faster than np.partition.
    part = np.sort(np.ascontiguousarray(ranks.T), axis=1)
    return part[:, low_k].astype(np.int64), part[:, high_k].astype(np.int64)


class _LinearCandidates:
    """Bootstrap candidates of desa whose m assessors all gave a level on every indicator (mean aggregation)."""

    def __init__(self, rubric: Rubric, sub: IntArray, weights: Sequence[int], denominator: int) -> None:
        """Precompute each assessor's own weighted sums.

        Every drawn multiset c then has n = m levels per cell, the cell numerator is (D / m) sum_j c_j L_j, and the
        weighted sums are linear in c: N = (D / m) sum_j c_j N_j with N_j each assessor's own weighted sum. Top (and
        zero) levels need every drawn assessor at the maximum (minimum), which depends only on which assessors are
        drawn. The numbers are identical to the general path's, only cheaper.
        """
        self.m = sub.shape[1]
        self.factor = denominator // max(self.m, 1)
        top_level = rubric.scale.max - rubric.scale.min
        membership = np.zeros((len(weights), len(rubric.aspects)), dtype=np.int64)
        start = 0
        for a, aspect in enumerate(rubric.aspects):
            membership[start : start + len(aspect.indicators), a] = weights[start : start + len(aspect.indicators)]
            start += len(aspect.indicators)
        # Per-assessor aspect sums: integers far below 2**53, so the float product is exact.
        self.per_slot = np.rint(sub.astype(np.float64) @ membership.astype(np.float64)).astype(np.int64)
        self.aspect_weight = np.broadcast_to(membership.sum(axis=0), (len(sub), len(rubric.aspects)))
        self.at_top = sub == top_level
        self.at_zero = sub == 0

    def scores(self, draw: IntArray) -> _Scores:
        counts = np.asarray(draw, dtype=np.int64)
        aspect_numerator = self.factor * np.einsum("vja,j->va", self.per_slot, counts)
        drawn = counts > 0
        top = self.at_top[:, drawn, :].all(axis=1).sum(axis=1).astype(np.int64)
        zero = self.at_zero[:, drawn, :].all(axis=1).sum(axis=1).astype(np.int64)
        aspect_weight = np.array(self.aspect_weight)
        return _Scores(
            aspect_numerator.sum(axis=1), aspect_weight.sum(axis=1), aspect_numerator, aspect_weight, top, zero
        )


def _merge_scores(size: int, first_rows: IntArray, first: _Scores, second_rows: IntArray, second: _Scores) -> _Scores:
    """Two partial score sets (for complementary row sets) as one, in row order."""
    exact_object = first.numerator.dtype == object or second.numerator.dtype == object
    dtype: Any = object if exact_object else np.int64

    def put(a: ExactArray, b: ExactArray) -> ExactArray:
        out = np.empty((size, *a.shape[1:]), dtype=dtype)
        out[first_rows] = a
        out[second_rows] = b
        return out

    return _Scores(
        put(first.numerator, second.numerator),
        put(first.weight, second.weight),
        put(first.aspect_numerator, second.aspect_numerator),
        put(first.aspect_weight, second.aspect_weight),
        put(first.top_levels, second.top_levels),
        put(first.zero_levels, second.zero_levels),
    )


def _consistent_teams(
    rubric: Rubric, rows: AssessmentRows, chosen: IntArray, m: int
) -> tuple[IntArray, IntArray] | None:
    """The bootstrap's (desa, slot, indicator) level tensor and team sizes straight from a complete export
    (:func:`_regular_layout`, ``m`` rows per cell) in which every desa's cells list its team in the same order:
    the same tensor :func:`_assessor_slots` gives (slots numbered in assessor order), without numbering row by row.
    ``None`` when some desa's order or team changes between indicators."""
    n_i = len(rubric.indicators)
    team_rows = rows.assessor.reshape(len(rows.desa_codes), n_i, m)
    levels = rows.level.astype(np.int64, copy=False).reshape(len(rows.desa_codes), n_i, m)
    if len(chosen) != len(rows.desa_codes):
        team_rows, levels = team_rows[chosen], levels[chosen]
    team = team_rows[:, 0, :]
    if not bool((team_rows == team[:, None, :]).all()):
        return None
    # slot s of a desa is its s-th smallest assessor, found at position order[v, s] of each of its cells.
    order = np.argsort(team, axis=1, kind="stable")
    k_levels = rubric.scale.max - rubric.scale.min + 1
    digits = np.where(levels == NA_LEVEL, k_levels, levels - rubric.scale.min).transpose(0, 2, 1)
    tensor = np.ascontiguousarray(np.take_along_axis(digits, order[:, :, None], axis=1))
    return tensor, np.full(len(team), m, dtype=np.int64)


def _assessor_slots(desa: IntArray, assessor: IntArray, n_v: int, n_a: int) -> tuple[IntArray, IntArray]:
    """Each row's assessor numbered 0..m-1 within its desa (in assessor order), and each desa's m."""
    n_a = max(n_a, 1)
    pair = desa * n_a + assessor
    if n_v * n_a <= 2**25:
        # A presence table over (desa, assessor) gives the sorted distinct pairs without sorting the rows; the
        # same byte table then holds each pair's slot (fewer than 255 assessors per desa, checked).
        table = np.zeros(n_v * n_a, dtype=np.uint8)
        table[pair] = 1
        unique = np.flatnonzero(table)
        pair_desa = unique // n_a
        first = np.searchsorted(pair_desa, np.arange(n_v), side="left")
        slots = np.arange(len(unique), dtype=np.int64) - first[pair_desa]
        if len(slots) == 0 or int(slots.max()) < 255:
            table[unique] = slots
            return table[pair].astype(np.int64), np.bincount(pair_desa, minlength=n_v).astype(np.int64)
    unique, inverse = np.unique(pair, return_inverse=True)
    pair_desa = unique // n_a
    first = np.searchsorted(pair_desa, np.arange(n_v), side="left")
    return inverse.reshape(-1) - first[desa], np.bincount(pair_desa, minlength=n_v).astype(np.int64)


def _draw_table(m: int, sets: IntArray) -> IntArray:
    """For m <= 6: multiset index of each ordered draw 0..m**m - 1 (digits base m); empty for larger m."""
    if m > 6 or m == 0:
        return np.zeros(0, dtype=np.int64)
    index = {tuple(int(c) for c in row): k for k, row in enumerate(sets)}
    ordered = np.arange(m**m)
    counts = np.zeros((m**m, m), dtype=np.int64)
    for _ in range(m):
        ordered, digit = np.divmod(ordered, m)
        counts[np.arange(m**m), digit] += 1
    return np.array([index[tuple(int(c) for c in row)] for row in counts], dtype=np.int64)


def _candidate_layout(choices: Mapping[int, tuple[IntArray, FloatArray]], n_v: int) -> IntArray:
    """Candidate index of (desa, draw) as a V x max_draws table, following the scoring loop's layout."""
    width = max((len(p) for _, p in choices.values()), default=1)
    table = np.zeros((n_v, width), dtype=np.int64)
    start = 0
    for m in sorted(choices):
        members, probability = choices[m]
        n_sets = len(probability)
        # Candidates were appended draw-major: draw s of member t is at start + s * len(members) + t.
        for s in range(n_sets):
            table[members, s] = start + s * len(members) + np.arange(len(members))
        start += n_sets * len(members)
    return table


def _concat_scores(parts: Sequence[_Scores]) -> _Scores:
    exact_object = any(p.numerator.dtype == object for p in parts)

    def cat(arrays: list[ExactArray]) -> ExactArray:
        joined = np.concatenate(arrays)
        return joined.astype(object) if exact_object else joined

    return _Scores(
        cat([p.numerator for p in parts]),
        cat([p.weight for p in parts]),
        cat([p.aspect_numerator for p in parts]),
        cat([p.aspect_weight for p in parts]),
        np.concatenate([p.top_levels for p in parts]),
        np.concatenate([p.zero_levels for p in parts]),
    )


def weight_sensitivity(
    rubric: Rubric, rows: AssessmentRows, ranking: Ranking, runs: int, seed: int, spread_percent: int = 20
) -> WeightSensitivity:
    """Rule 10: the share of weight-perturbed runs in which each desa keeps its official rank.

    In each run every indicator weight is multiplied by (100 + k) / 100, k a whole number drawn uniformly from
    -20..20 (so weights stay exact), then renormalised to the original total; renormalising leaves every index
    unchanged (the index is a weighted mean), so runs are ranked on the unnormalised integers. The tie-break
    cascade keeps its published aspect order. Deterministic for a given seed.
    """
    n_v, n_i = len(rows.desa_codes), len(rubric.indicators)
    levels = _levels(_checked_cells(rubric, rows), rubric.aggregation, (n_v, n_i), ranking.row_desa)
    chosen = ranking.row_desa
    base = integer_weights(rubric)
    rng = np.random.default_rng(seed)
    held = np.zeros(len(chosen), dtype=np.int64)
    for _ in range(runs):
        factors = rng.integers(100 - spread_percent, 100 + spread_percent + 1, size=n_i)
        weights = [w * int(f) for w, f in zip(base, factors, strict=True)]
        ranks = competition_ranks(_order_codes(_sort_keys(rubric, _scores(rubric, levels, weights))))
        held += ranks == ranking.rank
    return WeightSensitivity(runs, seed, held)


# --------------------------------------------------------------------------------------------------------------
# Explaining one result: final levels and each indicator's share of the index
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class FinalLevels:
    """Rule 2's aggregated levels of every ranked desa (rows aligned on :attr:`Ranking.desa_codes`) x indicator."""

    # The level of desa j on indicator i is minimum + numerator[j, i] / denominator, where applicable.
    numerator: IntArray
    denominator: int
    applicable: BoolArray
    missing: BoolArray
    minimum: int

    def level(self, j: int, i: int) -> Fraction | None:
        """The exact aggregated level (None: not applicable; a missing cell is the scale minimum)."""
        if not self.applicable[j, i]:
            return None
        return self.minimum + Fraction(int(self.numerator[j, i]), self.denominator)


def final_levels(rubric: Rubric, rows: AssessmentRows, ranking: Ranking) -> FinalLevels:
    """Rule 2 for every desa of ``ranking`` (which must be :func:`score` of the same rubric and rows)."""
    n_v, n_i = len(rows.desa_codes), len(rubric.indicators)
    levels = _levels(_checked_cells(rubric, rows), rubric.aggregation, (n_v, n_i), ranking.row_desa)
    return FinalLevels(levels.numerator, levels.denominator, levels.applicable, levels.missing, rubric.scale.min)


def index_contributions(rubric: Rubric, levels: FinalLevels, j: int) -> tuple[Fraction | None, ...]:
    """Rule 3 split by indicator: the points each indicator adds to desa j's index (None: not applicable).

    Indicator i contributes ``100 w_i (L_i - min) / ((max - min) sum w)``, the sum running over the desa's
    applicable indicators, so the contributions add up to the exact index (:meth:`Ranking.exact_index`).
    """
    weights = integer_weights(rubric)
    applicable = [bool(a) for a in levels.applicable[j]]
    total = sum(w for w, a in zip(weights, applicable, strict=True) if a)
    if total == 0:
        return tuple(None for _ in weights)
    span = levels.denominator * (rubric.scale.max - rubric.scale.min)
    return tuple(
        Fraction(100 * w * int(levels.numerator[j, i]), span * total) if applicable[i] else None
        for i, w in enumerate(weights)
    )
