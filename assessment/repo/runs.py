"""Engine runs: the engine over the verified rows of the ranked desa, kept per competition and region (the cache
and its key), sealed runs read back from the final snapshot, and their conversion into report values."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import product
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from assessment.core.standing import Candidate, Standing, State, who_is_ranked
from assessment.criteria.model import Rubric
from assessment.models import (
    DEFAULT_ASSESSORS_PER_DESA,
    Assignment,
    Competition,
    DeskScore,
    FieldLevel,
    FinalSnapshot,
    Objection,
    Participant,
    RankingWithdrawal,
    Reconciliation,
    Region,
    VerificationSettings,
)
from assessment.models import SelfAssessment as SelfAssessmentRow
from assessment.platform.extensions import db
from assessment.presentation.reportdata import (
    DesaResult,
    FinalLevel,
    SnapshotSource,
    UnrankedDesa,
)
from assessment.repo.rubrics import rubric_of
from assessment.repo.verified import (
    FIELD_BY,
    OBJECTION_BY,
    RECONCILED_BY,
    DeskRow,
    Record,
    _connection,
    _counted,
    _counted_records,
    _in_region,
    _verified,
    field_level_rows,
    objection_level_rows,
    reconciled_rows,
    verified_records,
)
from assessment.scoring import (
    AssessmentRows,
    FinalLevels,
    RankConfidence,
    Ranking,
    final_levels,
    kecamatan_of,
    rank_confidence,
    score,
)
from assessment.services.security import region_within

log = logging.getLogger(__name__)

SELF_ASSESSOR = "mandiri"
"""The assessor name of the desa's own levels when the engine scores the self-assessment."""

BOOTSTRAP_RESAMPLES = 200
"""Resamples of the rank-confidence bootstrap (rule 10): 200 keeps the page fast and P(top 3) to about ±3.5 %."""

_RUN_CACHE_SIZE = 16
_run_cache: OrderedDict[tuple[Any, ...], EngineRun] = OrderedDict()
_run_cache_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """A participating desa within the region, with its kind, its kecamatan and its submission status."""

    code: str
    name: str
    kind: str
    kecamatan_code: str
    kecamatan: str
    status: str = "lengkap"


@dataclass(frozen=True, slots=True, eq=False)
class EngineRun:
    """The scoring engine's results for the participating desa of one region of one competition.

    ``participants``, ``records`` and everything scored cover the ranked desa only
    (:func:`assessment.core.standing.who_is_ranked`); ``standings`` holds the rule's answer for every participant of
    the region (by code) and ``unranked`` the others as report values. ``desa`` and ``final_levels`` are the
    results as report values (:func:`results_report`), computed once per run (``final_levels`` on first use)
    so that a cached run costs no more than the queries that check it is still current. ``sealed`` names the
    final snapshot a finalised competition's results come from; ``differs`` says that recomputing it no longer
    gives its stored values (the stored ones are shown).
    """

    rubric: Rubric
    region_code: str
    participants: tuple[ParticipantRow, ...]
    records: tuple[Record, ...]
    rows: AssessmentRows
    ranking: Ranking
    levels: FinalLevels
    confidence: RankConfidence
    self_ranking: Ranking | None
    self_assessed: frozenset[str]
    desa: tuple[DesaResult, ...]
    standings: tuple[Standing, ...] = ()
    unranked: tuple[UnrankedDesa, ...] = ()
    sealed: SnapshotSource | None = None
    differs: bool = False
    _kept: dict[str, tuple[FinalLevel, ...]] = field(default_factory=dict, repr=False)

    @property
    def final_levels(self) -> tuple[FinalLevel, ...]:
        """Every ranked desa x indicator's final level as report values (:func:`_final_results`), made on first
        use and kept with the run: the dashboard and the exports read them, a ranking page does not (16,820 of
        them for a province)."""
        finals = self._kept.get("final_levels")
        if finals is None:
            finals = self._kept["final_levels"] = _final_results(self.rubric, self.ranking, self.levels, self.records)
        return finals


def participant_rows(competition: Competition, region_code: str | None = None) -> list[ParticipantRow]:
    """Every participating desa of the competition within ``region_code`` (all when None), by code."""
    desa = (
        _connection()
        .execute(
            select(Participant.desa_code, Region.name, Region.kind, Participant.status)
            .join(Region, Participant.desa_code == Region.code)
            .where(Participant.competition_id == competition.id, _in_region(Participant.desa_code, region_code))
            .order_by(Participant.desa_code)
        )
        .all()
    )
    kecamatan_codes = sorted({kecamatan_of(code) for code, _, _, _ in desa})
    names = dict(_connection().execute(select(Region.code, Region.name).where(Region.code.in_(kecamatan_codes))).all())
    return [
        ParticipantRow(
            code, name, str(kind), kecamatan_of(code), names.get(kecamatan_of(code), kecamatan_of(code)), str(status)
        )
        for code, name, kind, status in desa
    ]


def ranking_candidates(
    competition: Competition, participants: Iterable[ParticipantRow], region_code: str | None = None
) -> tuple[Candidate, ...]:
    """What :func:`assessment.core.standing.who_is_ranked` reads about each of ``participants`` (the competition's,
    within ``region_code``): region kind, submission status, active and submitted assignments, and the
    committee's withdrawal in force. Two grouped queries whatever the number of desa."""
    counts = {
        code: (int(active), int(submitted))
        for code, active, submitted in _connection().execute(
            select(Participant.desa_code, func.count(Assignment.id), func.count(Assignment.submitted_at))
            .join(Assignment, Assignment.participant_id == Participant.id)
            .where(
                Participant.competition_id == competition.id,
                Assignment.withdrawn_at.is_(None),
                _in_region(Participant.desa_code, region_code),
            )
            .group_by(Participant.desa_code)
        )
    }
    withdrawn = dict(
        _connection()
        .execute(
            select(Participant.desa_code, RankingWithdrawal.reason)
            .join(RankingWithdrawal, RankingWithdrawal.participant_id == Participant.id)
            .where(
                Participant.competition_id == competition.id,
                RankingWithdrawal.revoked_at.is_(None),
                _in_region(Participant.desa_code, region_code),
            )
        )
        .all()
    )
    required = (
        _connection()
        .execute(
            select(VerificationSettings.assessors_per_desa).where(VerificationSettings.competition_id == competition.id)
        )
        .scalar()
        or DEFAULT_ASSESSORS_PER_DESA
    )
    return tuple(
        Candidate(
            p.code, p.kind, p.status, *counts.get(p.code, (0, 0)), required=required, withdrawal=withdrawn.get(p.code)
        )
        for p in participants
    )


def region_standings(competition: Competition, region_code: str | None = None) -> dict[str, Standing]:
    """The rule of :func:`assessment.core.standing.who_is_ranked` for every participant within the region, by code,
    without scoring anyone (the dashboard's participation funnel reads it); after finalisation, the final
    snapshot's (:func:`sealed_run`)."""
    region = _region_of(competition, region_code)
    if _sealed_source(competition) is not None:
        return {s.code: s for s in engine_run(competition, region).standings}
    participants = participant_rows(competition, region)
    return who_is_ranked(
        rubric_of(competition.rubric),
        ranking_candidates(competition, participants, region),
        verified_records(competition, region),
    )


def self_records(competition: Competition, region_code: str | None = None) -> list[tuple[str, str, int]]:
    """The desa's own levels (penilaian mandiri) that were filled in, as (desa code, indicator code, level)."""
    rows = _connection().execute(
        select(Participant.desa_code, SelfAssessmentRow.indicator_code, SelfAssessmentRow.level)
        .join(Participant, SelfAssessmentRow.participant_id == Participant.id)
        .where(
            Participant.competition_id == competition.id,
            SelfAssessmentRow.level.is_not(None),
            _in_region(Participant.desa_code, region_code),
        )
        .order_by(Participant.desa_code, SelfAssessmentRow.indicator_code)
    )
    return [(code, indicator, level) for code, indicator, level in rows if level is not None]


def _region_of(competition: Competition, region_code: str | None) -> str:
    return competition.scope_region_code if region_code is None else region_code


def data_fingerprint(competition: Competition, region_code: str | None = None, *, desk: bool = True) -> tuple[Any, ...]:
    """A cheap summary of every stored value the engine reads for the region, changed by any change to them.

    Aggregates (count, sums of ids, versions and levels, latest change) of the counted desk scores and their
    assignments, the reconciliations, the field levels, the answered objections and the self-assessed levels.
    Every change the application makes goes
    through the ORM, which bumps the row's ``version`` (desk scores, assignments, self-assessments) or adds or
    removes a row, so the summary changes; a change made behind the application's back (hand-written SQL that
    keeps every version) is not seen until the process restarts, which is why the official exports
    (workbook, PDF, certificates, the CLI) never use the cache. ``desk=False`` leaves out the desk scores (the
    caller holds them per desa, :func:`desk_states`).
    """
    region = _region_of(competition, region_code)
    connection = _connection()
    desk_part = (
        ()
        if not desk
        else connection.execute(
            select(
                func.count(),
                func.sum(DeskScore.id),
                func.sum(DeskScore.version),
                func.sum(func.coalesce(DeskScore.level, -7)),
                func.max(DeskScore.updated_at),
                func.sum(Assignment.id * 3 + Assignment.version),
            )
            .join(Assignment, DeskScore.assignment_id == Assignment.id)
            .join(Participant, Assignment.participant_id == Participant.id)
            .where(*_counted(competition, region))
        ).one()
    )

    def summary(participant_id: Any, *aggregates: Any, where: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        """One table's aggregates over the rows of the competition's desa in the region."""
        return tuple(
            connection.execute(
                select(func.count(), *aggregates)
                .join(Participant, participant_id == Participant.id)
                .where(Participant.competition_id == competition.id, _in_region(Participant.desa_code, region), *where)
            ).one()
        )

    agreed = summary(
        Reconciliation.participant_id,
        func.sum(Reconciliation.id),
        func.sum(Reconciliation.level),
        func.max(Reconciliation.decided_at),
    )
    own = summary(
        SelfAssessmentRow.participant_id,
        func.sum(SelfAssessmentRow.id),
        func.sum(SelfAssessmentRow.version),
        func.sum(func.coalesce(SelfAssessmentRow.level, -7)),
        func.max(SelfAssessmentRow.updated_at),
    )
    in_field = summary(
        FieldLevel.participant_id,
        func.sum(FieldLevel.id),
        func.sum(FieldLevel.version),
        func.sum(func.coalesce(FieldLevel.level, -7)),
        func.max(FieldLevel.updated_at),
    )
    answers = summary(
        Objection.participant_id,
        func.sum(Objection.id),
        func.sum(func.coalesce(Objection.new_level, -7)),
        func.max(Objection.answered_at),
        where=(Objection.answered_at.is_not(None),),
    )
    return (tuple(desk_part), agreed, own, in_field, answers)


DeskState = tuple[Any, ...]
"""A summary of one desa's counted desk scores (see :func:`desk_states`)."""

_DESK_COMPETITIONS = 4
_desk_lock = threading.Lock()


def desk_states(competition: Competition, region_code: str | None = None) -> dict[str, DeskState]:
    """Per desa of the region with counted desk scores (:func:`desk_rows`' rule), the summary of
    :func:`data_fingerprint` over them alone: count, sums of ids, versions and levels, latest change and the
    assignments' ids and versions. One grouped query; any insert, delete, versioned update, submission or
    withdrawal of a desa's desk scores changes its summary."""
    rows = _connection().execute(
        select(
            Participant.desa_code,
            func.count(),
            func.sum(DeskScore.id),
            func.sum(DeskScore.version),
            func.sum(func.coalesce(DeskScore.level, -7)),
            func.max(DeskScore.updated_at),
            func.sum(Assignment.id * 3 + Assignment.version),
        )
        .join(Assignment, DeskScore.assignment_id == Assignment.id)
        .join(Participant, Assignment.participant_id == Participant.id)
        .where(*_counted(competition, _region_of(competition, region_code)))
        .group_by(Participant.desa_code)
    )
    return {code: tuple(state) for code, *state in rows}


def _kept_desk_rows(competition_id: int) -> dict[str, tuple[DeskState, tuple[Record, ...]]]:
    """This application's kept counted desk rows of one competition, by desa (the last few competitions)."""
    kept: OrderedDict[int, dict[str, tuple[DeskState, tuple[Record, ...]]]] = current_app.extensions.setdefault(
        "desk_rows", OrderedDict()
    )
    with _desk_lock:
        rows = kept.setdefault(competition_id, {})
        kept.move_to_end(competition_id)
        while len(kept) > _DESK_COMPETITIONS:
            kept.popitem(last=False)
        return rows


def _counted_records_of(competition: Competition, codes: list[str]) -> list[Record]:
    """:func:`_counted_records` of the given desa only."""
    records: list[Record] = []
    for start in range(0, len(codes), 500):  # bounded IN lists (SQLite's parameter limit)
        rows = _connection().execute(
            select(
                Participant.desa_code,
                DeskScore.indicator_code,
                Assignment.assessor_id,
                DeskScore.level,
                DeskScore.not_applicable,
            )
            .join(Assignment, DeskScore.assignment_id == Assignment.id)
            .join(Participant, Assignment.participant_id == Participant.id)
            .where(*_counted(competition, None), Participant.desa_code.in_(codes[start : start + 500]))
            .order_by(Participant.desa_code, DeskScore.indicator_code, Assignment.assessor_id)
        )
        records.extend(
            (code, indicator, str(assessor), None if not_applicable else level)
            for code, indicator, assessor, level, not_applicable in rows
        )
    return records


def kept_counted_records(
    competition: Competition, region_code: str | None, states: dict[str, DeskState]
) -> list[Record]:
    """:func:`_counted_records` of the region, in its order, reading again only the desa whose :func:`desk_states`
    summary changed since their rows were kept (after one desk score is saved: that desa's 60 rows, not the
    province's 50,000). Rows are kept per application and competition, each desa's under the summary it was read
    with, so a desa's rows are used only while its summary is unchanged."""
    kept = _kept_desk_rows(competition.id)
    with _desk_lock:
        mine = {
            code: entry[1]
            for code, state in states.items()
            if (entry := kept.get(code)) is not None and entry[0] == state
        }
    stale = sorted(code for code in states if code not in mine)
    if stale:
        read: dict[str, list[Record]] = {code: [] for code in stale}
        rows = (
            _counted_records(competition, region_code) if len(stale) > 500 else _counted_records_of(competition, stale)
        )
        for row in rows:
            if row[0] in read:
                read[row[0]].append(row)
        with _desk_lock:
            for code, records in read.items():
                mine[code] = kept_rows = tuple(records)
                kept[code] = (states[code], kept_rows)
    return [row for code in sorted(mine) for row in mine[code]]


def engine_run(
    competition: Competition, region_code: str | None = None, *, fresh: bool = False, desk: list[DeskRow] | None = None
) -> EngineRun:
    """Score, rank and bootstrap the ranked desa within ``region_code`` (the competition's scope if None).

    Every ranking page, why-this-rank page, dashboard, workbook, PDF report, certificate, the published
    provisional results, the final snapshot and so the berita acara pleno read their desa, indices, ranks and
    counts from here. The rules (written here once, shown on the ranking pages):

    - **Who is ranked**: the rule of :func:`assessment.core.standing.who_is_ranked` (submission complete, every
      active assignment submitted, every indicator with a verified level, reconciliation done, not withdrawn by
      the committee). Everyone else is listed apart (``unranked``) with its state, never scored: no index, no
      predikat, and not counted in the ranks, the rank intervals or any mean.
    - **What is scored**: :func:`verified_records` (counted desk scores; an item's agreed, field or objection level
      replaces them by its precedence), of the ranked desa.
    - **Region ranks**: the engine is run on the region's ranked desa only; by scoring rule 6 this is the same
      order as the province ranking restricted to the region, so the rank, the tie mark (seri), the rank interval
      and P(top 3) all refer to the region's own ranking.
    - **Rank confidence**: scoring rule 10 with :data:`BOOTSTRAP_RESAMPLES` resamples and the competition's id
      as the seed, so anyone can recompute it.
    - **Self-assessment index**: the engine run on the desa's own levels as one assessor (``mandiri``); a desa
      that filled in none has none.
    - **After finalisation** the results are the final snapshot's (:func:`sealed_run`): its ranked desa, their
      names, indices, predikat and ranks, and its list of the others; stored data is no longer read for them.

    Cached per (competition, region, rubric, participants with their status, the rule's inputs per desa, each
    desa's :func:`desk_states` summary, the rest of :func:`data_fingerprint`): a call reads those (a few small
    queries) and runs the engine and the bootstrap again only when something changed, one kept run per
    competition and region; the counted desk scores are then read again only for the desa whose summary changed
    (:func:`kept_counted_records`). ``fresh=True`` reads every row and computes anew, bypassing both (the exports
    do); ``desk``, the region's :func:`desk_rows` when the caller has already read them, saves reading them
    again.
    """
    rubric = rubric_of(competition.rubric)
    region = _region_of(competition, region_code)
    sealed = _sealed_source(competition)
    if sealed is not None:
        return sealed_run(competition, sealed, region, fresh=fresh)
    participants = tuple(participant_rows(competition, region))
    candidates = ranking_candidates(competition, participants, region)
    states = desk_states(competition, region)
    key = (
        competition.id,
        region,
        competition.rubric.fingerprint,
        participants,
        candidates,
        tuple(sorted(states.items())),
        data_fingerprint(competition, region, desk=False),
    )
    if not fresh:
        cached = _cached_run(key)
        if cached is not None:
            return cached
    if desk is not None:
        counted = [(row.desa_code, row.indicator_code, row.assessor, row.level) for row in desk]
    else:
        counted = _counted_records(competition, region) if fresh else kept_counted_records(competition, region, states)
    records = tuple(
        _verified(
            counted,
            reconciled_rows(competition, region),
            field_level_rows(competition, region),
            objection_level_rows(competition, region),
        )
    )
    own = tuple(self_records(competition, region))
    # Converted once: the rule of who is ranked reads these rows, the engine then scores the ranked desa's share.
    complete = {c.code for c in candidates if c.status == "lengkap"}
    rows = AssessmentRows.from_records(rubric, [r for r in records if r[0] in complete])
    run = _compute_run(
        rubric, region, competition.id, participants, records, own, who_is_ranked(rubric, candidates, rows), rows
    )
    _keep_run(key, run, 2)
    return run


def _cached_run(key: tuple[Any, ...]) -> EngineRun | None:
    with _run_cache_lock:
        cached = _run_cache.get(key)
        if cached is not None:
            _run_cache.move_to_end(key)
        return cached


def _keep_run(key: tuple[Any, ...], run: EngineRun, slot: int) -> None:
    """Keep ``run`` under ``key``, dropping the runs kept for the same ``key[:slot]`` (the same competition and
    region in an older state of the data: never current again, and tens of thousands of objects each that
    Python's garbage collector would walk on every full collection)."""
    with _run_cache_lock:
        for old in [k for k in _run_cache if k[:slot] == key[:slot]]:
            del _run_cache[old]
        _run_cache[key] = run
        while len(_run_cache) > _RUN_CACHE_SIZE:
            _run_cache.popitem(last=False)


def _sealed_source(competition: Competition) -> tuple[int, SnapshotSource] | None:
    """The final snapshot's id and public identity, without reading its (large) JSON; None before finalisation."""
    row = (
        _connection()
        .execute(
            select(FinalSnapshot.id, FinalSnapshot.kode, FinalSnapshot.sha256, FinalSnapshot.created_at).where(
                FinalSnapshot.competition_id == competition.id
            )
        )
        .first()
    )
    if row is None:
        return None
    return row[0], SnapshotSource(row[1], row[2], row[3])


def sealed_document(snapshot_id: int) -> dict[str, Any]:
    """The final snapshot's content, parsed: the committee's complete copy where there is one (format 3), so the
    outputs read the same levels by the same assessors as before the public copy existed."""
    document: dict[str, Any] = json.loads(
        db.session.scalar(
            select(func.coalesce(FinalSnapshot.committee_json, FinalSnapshot.canonical_json)).where(
                FinalSnapshot.id == snapshot_id
            )
        )
        or "{}"
    )
    return document


RANK_KEYS = ("peringkat", "peringkat_kabupaten", "peringkat_kecamatan")


def rank_key(competition: Competition, region_code: str) -> str:
    """Which stored rank is a desa's rank in ``region_code``: the competition's own, its kabupaten's or its
    kecamatan's (the snapshot keeps all three, :func:`assessment.publication.snapshot.ranking_rows`)."""
    if region_code == competition.scope_region_code or region_within(competition.scope_region_code, region_code):
        return "peringkat"
    return RANK_KEYS[min(region_code.count("."), 2)]


def sealed_run(
    competition: Competition, sealed: tuple[int, SnapshotSource], region: str, *, fresh: bool = False
) -> EngineRun:
    """The results of a finalised competition within ``region``, from its final snapshot.

    The rule (after finalisation every output shows the sealed values): the ranked desa are the snapshot's
    ``peringkat`` rows within the region, named as sealed, scored by the engine over the snapshot's own ``level``
    rows (so rank intervals, final levels and why-this-rank walk the sealed levels, whatever the stored rows say
    later); each shown index, predikat, aspect score, rank and seri is the stored one (the rank in the region's
    own ranking: ``peringkat_kabupaten`` on a kabupaten's page, ``peringkat_kecamatan`` on a kecamatan's). Should
    recomputing ever differ from the stored values (the engine changed), the stored ones are shown and ``differs``
    is set. The other participants are the snapshot's ``tidak_diperingkat`` rows with their sealed state and
    reason (a snapshot written before that list existed: the rule applied to the stored data). Only the
    self-assessment index is read from the database (the desa's own levels, locked long before).
    """
    snapshot_id, source = sealed
    rubric = rubric_of(competition.rubric)
    key = ("sealed", snapshot_id, region, data_fingerprint(competition, region))
    if not fresh:
        cached = _cached_run(key)
        if cached is not None:
            return cached
    document = sealed_document(snapshot_id)
    live = {p.code: p for p in participant_rows(competition, region)}
    stored = {row["kode"]: row for row in document.get("peringkat", []) if region_within(row["kode"], region)}
    kind = rubric.eligible[0] if rubric.eligible else "desa"  # sealed as ranked, so eligible whatever it is now
    participants = {
        code: ParticipantRow(
            code,
            row["nama"] or code,
            kind,
            kecamatan_of(code),
            live[code].kecamatan if code in live else kecamatan_of(code),
        )
        for code, row in stored.items()
    }
    standing = {code: Standing(code, State.diperingkat) for code in stored}
    if "tidak_diperingkat" in document:
        known = {state.value for state in State}
        for row in document["tidak_diperingkat"]:
            code = row["kode"]
            if not region_within(code, region) or code in stored:
                continue
            state = State(row["keadaan"]) if row["keadaan"] in known else State.dikeluarkan
            standing[code] = Standing(code, state, reason=row.get("alasan") or "")
            participants[code] = live.get(code) or ParticipantRow(
                code, row["nama"] or code, "", kecamatan_of(code), kecamatan_of(code), ""
            )
    else:
        others = tuple(p for code, p in live.items() if code not in stored)
        found = who_is_ranked(
            rubric,
            ranking_candidates(competition, others, region),
            [r for r in verified_records(competition, region) if r[0] not in stored],
        )
        for p in others:
            participants[p.code] = p
            standing[p.code] = (
                found[p.code]
                if not found[p.code].ranked
                else Standing(p.code, State.dikeluarkan, reason="tidak termasuk dalam cuplikan hasil akhir")
            )
    records = tuple((row[0], row[1], str(row[2]), row[3]) for row in document.get("level", []) if row[0] in stored)
    own = tuple(self_records(competition, region))
    run = _compute_run(
        rubric,
        region,
        competition.id,
        tuple(participants[code] for code in sorted(participants)),
        records,
        own,
        standing,
        sealed=source,
    )
    shown = _stored_values(run.desa, stored, rank_key(competition, region))
    if shown != run.desa:
        log.error(
            "final snapshot %s no longer recomputes to its stored values in %s; the stored values are shown",
            source.code,
            region,
        )
        run = replace(run, desa=shown, differs=True)
    _keep_run(key, run, 3)
    return run


def _stored_values(desa: tuple[DesaResult, ...], stored: dict[str, dict[str, Any]], key: str) -> tuple[DesaResult, ...]:
    """``desa`` with the index, predikat, aspect scores, rank and seri of the snapshot's rows (rank ``key``), in
    the published order; seri is derived: another desa of the region holds the same rank."""
    ranks = [int(stored[d.code][key]) for d in desa]
    shared = {rank for rank in ranks if ranks.count(rank) > 1}

    def number(text: str | None) -> float:
        return float(Decimal(text)) if text is not None else 0.0

    values = [
        replace(
            d,
            index=number(stored[d.code]["indeks"]),
            predikat=stored[d.code]["predikat"] or "",
            aspects=tuple(number(a) for a in stored[d.code]["aspek"]),
            rank=rank,
            tied=rank in shared,
        )
        for d, rank in zip(desa, ranks, strict=True)
    ]
    return tuple(sorted(values, key=lambda d: (d.rank, d.code)))


REPLACING_ROWS = frozenset({RECONCILED_BY, FIELD_BY, OBJECTION_BY})


def bootstrap_records(records: Iterable[Record]) -> list[Record]:
    """The rows the rank-confidence bootstrap resamples: a decided level stays decided in every resample.

    The bootstrap (scoring rule 10) resamples each desa's assessors. An item whose level was replaced by ONE row
    (agreed, field or objection level, :func:`verified_records`) is not an assessor's opinion that a resample may
    leave out: left out, the item would count at the scale minimum and widen the desa's rank interval for no
    reason. So here that level is given to every assessor of the desa instead (the aggregate of equal levels is
    that level, so the index is unchanged); a desa with no assessor of its own keeps the one row.
    """
    rows = list(records)
    assessors: dict[str, set[str]] = {}
    for code, _indicator, assessor, _level in rows:
        if assessor not in REPLACING_ROWS:
            assessors.setdefault(code, set()).add(assessor)
    result: list[Record] = []
    for code, indicator, assessor, level in rows:
        own = assessors.get(code)
        if assessor in REPLACING_ROWS and own:
            result.extend((code, indicator, name, level) for name in sorted(own))
        else:
            result.append((code, indicator, assessor, level))
    return result


def _compute_run(
    rubric: Rubric,
    region: str,
    seed: int,
    participants: tuple[ParticipantRow, ...],
    records: tuple[Record, ...],
    own: tuple[tuple[str, str, int], ...],
    standing: dict[str, Standing],
    converted: AssessmentRows | None = None,
    sealed: SnapshotSource | None = None,
) -> EngineRun:
    """The engine over the ranked ones of ``participants`` (``standing``, the rule's answer for each), the others
    listed apart; ``records`` and ``own`` may hold rows of any participant, only the ranked ones' are scored.
    ``converted``, when given, holds ``records`` (at least every ranked desa's) already as engine rows."""
    ranked = {code for code, s in standing.items() if s.ranked}
    unranked = tuple(_unranked(p, standing[p.code]) for p in participants if p.code not in ranked)
    participants = tuple(p for p in participants if p.code in ranked)
    records = tuple(r for r in records if r[0] in ranked)
    own = tuple(o for o in own if o[0] in ranked)
    codes = [p.code for p in participants]
    kinds = {p.code: p.kind for p in participants}
    rows = (
        converted.only(codes)
        if converted is not None
        else AssessmentRows.from_records(rubric, records, desa_codes=codes)
    )
    ranking = score(rubric, rows, kinds)
    levels = final_levels(rubric, rows, ranking)
    # Only a replacing row (agreed, field, objection level) makes the bootstrap's rows differ from the scored ones.
    resampled = (
        rows
        if REPLACING_ROWS.isdisjoint(rows.assessors)
        else AssessmentRows.from_records(rubric, bootstrap_records(records), desa_codes=codes)
    )
    confidence = rank_confidence(rubric, resampled, ranking, BOOTSTRAP_RESAMPLES, seed)
    self_ranking = None
    if own:
        self_rows = AssessmentRows.from_records(
            rubric, [(code, indicator, SELF_ASSESSOR, level) for code, indicator, level in own], desa_codes=codes
        )
        self_ranking = score(rubric, self_rows, kinds)
    assessed = frozenset(code for code, _, _ in own)
    desa = _desa_results(rubric, participants, ranking, confidence, self_ranking, assessed)
    return EngineRun(
        rubric,
        region,
        participants,
        records,
        rows,
        ranking,
        levels,
        confidence,
        self_ranking,
        assessed,
        desa,
        tuple(standing[code] for code in sorted(standing)),
        unranked,
        sealed,
    )


def _unranked(p: ParticipantRow, standing: Standing) -> UnrankedDesa:
    indicators = standing.unreconciled if standing.state is State.menunggu_rekonsiliasi else standing.missing
    return UnrankedDesa(
        p.code,
        p.name,
        p.kecamatan_code,
        p.kecamatan,
        standing.state.value,
        standing.reason,
        indicators,
        standing.assigned,
        standing.submitted,
        standing.required,
    )


def _shown(hundredths: int) -> float | None:
    return None if hundredths < 0 else hundredths / 100


def _desa_results(
    rubric: Rubric,
    participants: tuple[ParticipantRow, ...],
    ranking: Ranking,
    confidence: RankConfidence,
    self_ranking: Ranking | None,
    assessed: frozenset[str],
) -> tuple[DesaResult, ...]:
    info = {p.code: p for p in participants}
    self_shown: dict[str, float | None] = {}
    if self_ranking is not None:
        # A desa that filled in none of its own levels has no self-assessment index (not 0).
        self_shown = {
            code: _shown(int(h))
            for code, h in zip(self_ranking.desa_codes, self_ranking.shown_index.tolist(), strict=True)
            if code in assessed
        }
    labels = [band.label for band in rubric.bands]
    shown = ranking.shown_index.tolist()
    bands = ranking.band.tolist()
    aspects = ranking.aspect_shown.tolist()
    rank, tied, complete = ranking.rank.tolist(), ranking.tied.tolist(), ranking.complete.tolist()
    best, worst, top3 = confidence.rank_min.tolist(), confidence.rank_max.tolist(), confidence.top3.tolist()
    desa: list[DesaResult] = []
    for j in ranking.order.tolist():
        code = ranking.desa_codes[j]
        p = info[code]
        desa.append(
            DesaResult(
                code=code,
                name=p.name,
                kecamatan_code=p.kecamatan_code,
                kecamatan=p.kecamatan,
                index=_shown(shown[j]) or 0.0,
                predikat=labels[bands[j]] if bands[j] >= 0 else "",
                rank=rank[j],
                aspects=tuple(_shown(h) or 0.0 for h in aspects[j]),
                tied=tied[j],
                complete=complete[j],
                best_rank=best[j],
                worst_rank=worst[j],
                top3_chance=top3[j] / confidence.resamples,
                self_index=self_shown.get(code),
            )
        )
    return tuple(desa)


def _final_results(
    rubric: Rubric, ranking: Ranking, levels: FinalLevels, records: tuple[Record, ...]
) -> tuple[FinalLevel, ...]:
    """Final levels as report values, flagged where the assessors' own levels are at least the rubric's
    ``disagreement_threshold`` apart (rule 7 of the engine; for a reconciled item, on the levels before it)."""
    # The engine's flags index the scored rows' desa; ranking position j is row desa row_desa[j].
    position = {v: j for j, v in enumerate(ranking.row_desa.tolist())}
    flagged = {
        (ranking.desa_codes[position[int(v)]], rubric.indicators[int(i)].code)
        for v, i in zip(ranking.flags.desa, ranking.flags.indicator, strict=True)
        if int(v) in position
    }
    flagged |= {(code, indicator) for code, indicator, assessor, _ in records if assessor == RECONCILED_BY}
    minimum, denominator = levels.minimum, levels.denominator
    codes = [indicator.code for indicator in rubric.indicators]
    # One flat pass over the desa x indicator cells (row-major, as the engine's arrays): a province has 16,820.
    values = [minimum + numerator / denominator for numerator in levels.numerator.ravel().tolist()]
    applicable = levels.applicable.ravel().tolist()
    missing = levels.missing.ravel().tolist()
    finals = [
        FinalLevel(
            code,
            indicator,
            values[k] if applicable[k] and not missing[k] else None,
            not applicable[k],
            (code, indicator) in flagged,
        )
        for k, (code, indicator) in enumerate(product(ranking.desa_codes, codes))
    ]
    return tuple(finals)


def desk_ranking(competition: Competition) -> Ranking | None:
    """The engine's ranking of the desk result, the one the field stage's finalists are chosen from: the rows of
    :func:`verified_records` with ``field_levels=False``, of the desa that pass the rule of
    :func:`assessment.core.standing.who_is_ranked` on those rows (None when no desa does)."""
    rubric = rubric_of(competition.rubric)
    records = verified_records(competition, field_levels=False)
    participants = participant_rows(competition)
    candidates = ranking_candidates(competition, participants)
    complete = {c.code for c in candidates if c.status == "lengkap"}
    converted = AssessmentRows.from_records(rubric, [r for r in records if r[0] in complete])
    standing = who_is_ranked(rubric, candidates, converted)
    ranked = [p for p in participants if standing[p.code].ranked]
    if not ranked:
        return None
    return score(rubric, converted.only([p.code for p in ranked]), {p.code: p.kind for p in ranked})
