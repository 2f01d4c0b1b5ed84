"""Plain values the reports are drawn from: figures, spreadsheet exports and PDFs read these, never database rows.

``assessment/repo/`` (or the reporting operation of issue 6) turns the scoring engine's results and the stored
submissions into these frozen values; everything under ``exports/``, ``figures.py`` and ``pdf.py`` only reads
them, so each can be tested with numbers made up in the test.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assessment.core.standing import State, state_label


@dataclass(frozen=True, slots=True)
class AspectHeading:
    """An aspect of the rubric, in the rubric's order."""

    code: str
    name: str
    weight: float


@dataclass(frozen=True, slots=True)
class IndicatorHeading:
    """An indicator of the rubric, with the aspect it belongs to."""

    code: str
    name: str
    aspect_code: str


@dataclass(frozen=True, slots=True)
class DesaResult:
    """One desa's published result; ``aspects`` holds the aspect scores (0-100) in the order of the aspects."""

    code: str
    name: str
    kecamatan_code: str
    kecamatan: str
    index: float
    predikat: str
    rank: int
    aspects: tuple[float, ...]
    tied: bool = False
    complete: bool = True
    best_rank: int | None = None  # the engine's rank interval (bootstrap over assessors)
    worst_rank: int | None = None
    top3_chance: float | None = None  # P(top 3), a fraction 0..1
    self_index: float | None = None  # the index the desa's own self-assessment would give

    @property
    def self_index_gap(self) -> float | None:
        """Rule 8b of :mod:`assessment.scoring`: self index minus verified index, in index points (positive: the desa
        rated itself higher); None without a self index. Not rule 8's mean level gap."""
        return None if self.self_index is None else self.self_index - self.index


@dataclass(frozen=True, slots=True)
class UnrankedDesa:
    """A participating desa left out of the ranking, with its state (:class:`assessment.core.standing.State` value) and
    what keeps it out: the indicators concerned, its submitted and active assignments and the assessors required,
    or the committee's reason.

    It has no index, predikat or rank and is counted in no ranking, mean or rank interval
    (:func:`assessment.core.standing.who_is_ranked`)."""

    code: str
    name: str
    kecamatan_code: str
    kecamatan: str
    state: str
    reason: str = ""
    indicators: tuple[str, ...] = ()
    assigned: int = 0
    submitted: int = 0
    required: int = 0


def unranked_detail(desa: UnrankedDesa) -> str:
    """What keeps ``desa`` out, in Indonesian words after its state's label (printed in the workbook): the
    committee's reason, the assignments still open or the indicators concerned."""
    label = state_label(desa.state)
    if desa.reason:
        return f"{label}: {desa.reason}"
    if desa.state == State.penilaian_belum_selesai:
        return f"{label} ({desa.submitted} dari {desa.assigned} diajukan)"
    if desa.state == State.asesor_kurang:
        return f"{label} ({desa.assigned} dari {desa.required} asesor)"
    if desa.indicators:
        return f"{label}: {', '.join(desa.indicators)}"
    return label


@dataclass(frozen=True, slots=True)
class FinalLevel:
    """The level an indicator ends with for a desa (None: not scored; ``not_applicable``: "tidak berlaku")."""

    desa_code: str
    indicator_code: str
    level: float | None
    not_applicable: bool = False
    wide_gap: bool = False  # assessors two or more levels apart


@dataclass(frozen=True, slots=True)
class AssessorLevel:
    """The level one assessor gave one indicator of one desa."""

    desa_code: str
    indicator_code: str
    assessor: str
    level: int | None
    not_applicable: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence a desa attached to an indicator (a file or a link)."""

    desa_code: str
    indicator_code: str
    kind: str  # "berkas" or "tautan"
    name: str  # the sanitised file name or the URL, as shown
    uploaded_at: dt.datetime | None = None
    sha256: str = ""


@dataclass(frozen=True, slots=True)
class LinkCaptureItem:
    """One capture of a link a desa gave (the first, when it was given, and each recheck): what came back and the
    SHA-256 of the body, of the archived copy and of its screenshot, by which the stored files are found."""

    desa_code: str
    indicator_code: str
    url: str
    archived_at: dt.datetime
    outcome: str  # the capture's outcome code (archived, not_found, ...)
    http_status: int | None = None
    final_url: str = ""
    body_sha256: str = ""
    archive_sha256: str = ""
    screenshot_sha256: str = ""
    activity: str = ""  # the feed's items in the last 30/90/365 days, when the page has a feed


@dataclass(frozen=True, slots=True)
class ResultsReport:
    """Everything one results report shows, for one competition and one region (province or kabupaten)."""

    title: str
    region_code: str
    region_name: str
    aspects: tuple[AspectHeading, ...]
    indicators: tuple[IndicatorHeading, ...]
    desa: tuple[DesaResult, ...]
    final_levels: tuple[FinalLevel, ...] = ()
    assessor_levels: tuple[AssessorLevel, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    captures: tuple[LinkCaptureItem, ...] = ()
    predikat_order: tuple[str, ...] = field(default=())
    unranked: tuple[UnrankedDesa, ...] = ()
    snapshot: SnapshotSource | None = None


@dataclass(frozen=True, slots=True)
class SnapshotSource:
    """Where finalised results come from: the sealed final snapshot (its public code, SHA-256 and when)."""

    code: str
    sha256: str
    finalised_at: dt.datetime


def mean_or_none(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or None for no values (an empty kecamatan has no average, not 0)."""
    return statistics.fmean(values) if values else None


def median_or_none(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(values) if values else None


@dataclass(frozen=True, slots=True)
class KecamatanSummary:
    """Averages of the desa of one kecamatan: index and each aspect (None when the kecamatan has no desa)."""

    code: str
    name: str
    desa_count: int
    mean_index: float | None
    mean_aspects: tuple[float | None, ...]


def summarise_by_kecamatan(desa: Sequence[DesaResult], aspect_count: int) -> list[KecamatanSummary]:
    """Mean index and mean aspect scores per kecamatan, in kecamatan code order (plain means of the desa)."""
    groups: dict[tuple[str, str], list[DesaResult]] = defaultdict(list)
    for result in desa:
        groups[(result.kecamatan_code, result.kecamatan)].append(result)
    return [
        KecamatanSummary(
            code,
            name,
            len(members),
            mean_or_none([m.index for m in members]),
            tuple(mean_or_none([m.aspects[i] for m in members]) for i in range(aspect_count)),
        )
        for (code, name), members in sorted(groups.items())
    ]


@dataclass(frozen=True, slots=True)
class RegionSummary:
    """Index and aspect statistics of the desa of one region (a kabupaten or kecamatan) on a dashboard."""

    code: str
    name: str
    desa_count: int
    mean_index: float | None
    median_index: float | None
    mean_aspects: tuple[float | None, ...]


def summarise_by_region(
    desa: Sequence[DesaResult], aspect_count: int, group: Callable[[DesaResult], tuple[str, str]]
) -> list[RegionSummary]:
    """Mean and median index and mean aspect scores per group (``group`` gives a desa's region code and name),
    in code order; plain, unweighted statistics of the desa's shown values."""
    groups: dict[tuple[str, str], list[DesaResult]] = defaultdict(list)
    for result in desa:
        groups[group(result)].append(result)
    return [
        RegionSummary(
            code,
            name,
            len(members),
            mean_or_none([m.index for m in members]),
            median_or_none([m.index for m in members]),
            tuple(mean_or_none([m.aspects[i] for m in members]) for i in range(aspect_count)),
        )
        for (code, name), members in sorted(groups.items())
    ]


@dataclass(frozen=True, slots=True)
class IndicatorRollout:
    """How far one indicator has rolled out among a set of desa: applicable desa, those at the threshold or above,
    their share, and the mean level."""

    code: str
    name: str
    applicable: int
    reached: int
    coverage: float | None
    mean_level: float | None


def indicator_rollout(
    desa: Sequence[DesaResult],
    indicators: Sequence[IndicatorHeading],
    final_levels: Sequence[FinalLevel],
    threshold: float = 2,
    minimum: float = 0,
) -> list[IndicatorRollout]:
    """Rollout per indicator, in the rubric's order.

    Rule (coverage): the share counts the desa of ``desa`` for which the indicator applies (not "tidak berlaku");
    a desa whose indicator is not scored counts as below the threshold and at the scale's ``minimum`` in the mean,
    as a missing score counts as the lowest level in the index (scoring rule 2). Not-applicable desa are left out
    of both. An indicator that applies to no desa has no share and no mean.
    """
    codes = {result.code for result in desa}
    by_key = {(f.desa_code, f.indicator_code): f for f in final_levels if f.desa_code in codes}
    rollout: list[IndicatorRollout] = []
    for indicator in indicators:
        levels: list[float] = []
        for code in codes:
            final = by_key.get((code, indicator.code))
            if final is not None and final.not_applicable:
                continue
            levels.append(final.level if final is not None and final.level is not None else minimum)
        applicable = len(levels)
        reached = sum(level >= threshold for level in levels)
        rollout.append(
            IndicatorRollout(
                indicator.code,
                indicator.name,
                applicable,
                reached,
                reached / applicable if applicable else None,
                # fsum: the correctly rounded sum whatever the order of the desa (a set, whose order changes from
                # one process to the next): a plain running sum gave a mean differing in its last digits between
                # two servers, enough to round a shown x,xx5 either way.
                math.fsum(levels) / applicable if applicable else None,
            )
        )
    return rollout


def weakest_indicators(rollout: Sequence[IndicatorRollout], count: int = 5) -> list[IndicatorRollout]:
    """Where to help first: the ``count`` indicators with the lowest mean level (rule of
    :func:`indicator_rollout`), then the lower coverage, then the code; indicators applying to no desa are left
    out."""
    ranked = [r for r in rollout if r.mean_level is not None]
    ranked.sort(key=lambda r: (r.mean_level, r.coverage if r.coverage is not None else 0.0, r.code))
    return ranked[:count]


@dataclass(frozen=True, slots=True)
class RegionLevels:
    """The mean level of each indicator over the desa of one region (None where it applies to none of them)."""

    code: str
    name: str
    desa_count: int
    mean_levels: tuple[float | None, ...]


def mean_levels_by_region(
    desa: Sequence[DesaResult],
    indicators: Sequence[IndicatorHeading],
    final_levels: Sequence[FinalLevel],
    group: Callable[[DesaResult], tuple[str, str]],
    minimum: float = 0,
) -> list[RegionLevels]:
    """Per group and indicator, the mean level of its desa with the rule of :func:`indicator_rollout` (unscored at
    the scale minimum, not applicable left out), in code order: the province's heatmap, one row per kabupaten."""
    groups: dict[tuple[str, str], list[DesaResult]] = defaultdict(list)
    for result in desa:
        groups[group(result)].append(result)
    rows: list[RegionLevels] = []
    for (code, name), members in sorted(groups.items()):
        rollout = indicator_rollout(members, indicators, final_levels, minimum=minimum)
        rows.append(RegionLevels(code, name, len(members), tuple(r.mean_level for r in rollout)))
    return rows
