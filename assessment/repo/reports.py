"""Report values for pages and exports (:func:`results_report`), with the evidence and link captures of the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from assessment.links.capture import captures_for_record
from assessment.models import (
    Competition,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Participant,
    Region,
)
from assessment.platform.extensions import db
from assessment.presentation.reportdata import (
    AspectHeading,
    AssessorLevel,
    EvidenceItem,
    IndicatorHeading,
    LinkCaptureItem,
    ResultsReport,
)
from assessment.repo.runs import EngineRun, _region_of, engine_run
from assessment.repo.verified import _in_region, desk_rows


def results_report(
    competition: Competition,
    region_code: str | None = None,
    *,
    evidence: bool = True,
    assessor_levels: bool = True,
    final_levels: bool = True,
    fresh: bool = False,
    run: EngineRun | None = None,
) -> ResultsReport:
    """The results of the participating desa within ``region_code`` (the competition's scope when None).

    Computes, through :func:`engine_run` (whose docstring states the rules and the caching), for the ranked desa
    (the others are listed in ``unranked`` with their state): each desa's shown
    index (2 decimals, half up), predikat, rank in the region with the seri mark, aspect scores in rubric order,
    completeness, the bootstrap rank interval (90 %) and P(top 3) in the region, and the index of its own
    self-assessment; the final (aggregated) level of every desa x indicator, flagged where the assessors' own
    levels are two or more levels apart (the rubric's threshold; a reconciled item keeps its flag); every counted
    assessor level with its note and the assessor's name (``assessor_levels``, one more query of every desk
    score); and the active evidence list (``evidence``, one more query). A page that shows no per-indicator level
    leaves out ``final_levels`` (a province has 16,820 of them; they are then not made for a fresh run). Desa
    appear in the published order (rank, then code). ``fresh=True`` bypasses the cache (for official exports).
    After finalisation the values are the final snapshot's (``snapshot`` names it). ``run``, the region's
    :func:`engine_run` when the caller already holds it (a dashboard reads its standings too), saves asking for it
    again.

    Bulk reads only: a handful of queries whatever the region's size, never one per desa.
    """
    region = _region_of(competition, region_code)
    desk = desk_rows(competition, region) if assessor_levels else None
    if run is None or run.region_code != region:
        run = engine_run(competition, region, fresh=fresh, desk=desk)
    region_name = db.session.scalar(select(Region.name).where(Region.code == region)) or region
    ranked = {d.code for d in run.desa}
    given_levels: tuple[AssessorLevel, ...] = ()
    if desk is not None:
        given_levels = tuple(
            AssessorLevel(
                row.desa_code,
                row.indicator_code,
                row.assessor_name or row.assessor,
                row.level,
                not_applicable=row.level is None,
                note=row.note,
            )
            for row in desk
            if row.desa_code in ranked
        )
    return ResultsReport(
        title=competition.name,
        region_code=region,
        region_name=region_name,
        aspects=tuple(AspectHeading(a.code, a.name, float(a.weight)) for a in run.rubric.aspects),
        indicators=tuple(IndicatorHeading(i.code, i.name, a.code) for a in run.rubric.aspects for i in a.indicators),
        desa=run.desa,
        final_levels=run.final_levels if final_levels else (),
        assessor_levels=given_levels,
        evidence=tuple(e for e in evidence_items(competition, region) if e.desa_code in ranked) if evidence else (),
        captures=tuple(c for c in capture_items(competition, region) if c.desa_code in ranked) if evidence else (),
        predikat_order=tuple(band.label for band in run.rubric.bands),
        unranked=run.unranked,
        snapshot=run.sealed,
    )


def evidence_items(competition: Competition, region_code: str | None = None) -> list[EvidenceItem]:
    """The active evidence of the participating desa within the region: file name or URL, upload time, SHA-256."""
    rows = db.session.execute(
        select(
            Participant.desa_code,
            Evidence.indicator_code,
            Evidence.kind,
            Evidence.original_name,
            Evidence.url,
            Evidence.uploaded_at,
            Evidence.sha256,
        )
        .join(Participant, Evidence.participant_id == Participant.id)
        .where(
            Participant.competition_id == competition.id,
            Evidence.status == EvidenceStatus.aktif,
            _in_region(Participant.desa_code, _region_of(competition, region_code)),
        )
        .order_by(Participant.desa_code, Evidence.indicator_code, Evidence.uploaded_at, Evidence.id)
    )
    return [
        EvidenceItem(
            code,
            indicator,
            "berkas" if kind == EvidenceKind.file else "tautan",
            (name or "") if kind == EvidenceKind.file else (url or ""),
            uploaded,
            sha256 or "",
        )
        for code, indicator, kind, name, url, uploaded, sha256 in rows
    ]


def capture_items(competition: Competition, region_code: str | None = None) -> list[LinkCaptureItem]:
    """Every capture of the active links of the participating desa within the region (the first and each
    recheck, oldest first per link), from :func:`assessment.links.capture.captures_for_record`."""
    desa_of: dict[int, str] = {
        participant_id: code
        for participant_id, code in db.session.execute(
            select(Participant.id, Participant.desa_code).where(
                Participant.competition_id == competition.id,
                _in_region(Participant.desa_code, _region_of(competition, region_code)),
            )
        )
    }
    items: list[LinkCaptureItem] = []
    for record in captures_for_record(list(desa_of)):
        if record["evidence_status"] != EvidenceStatus.aktif.value:
            continue
        feed = record["feed"] or {}
        activity = f"{feed.get('last_30', 0)}/{feed.get('last_90', 0)}/{feed.get('last_365', 0)}" if feed else ""
        items.append(
            LinkCaptureItem(
                desa_of[record["participant_id"]],
                record["indicator_code"],
                record["url"] or "",
                datetime.fromisoformat(record["fetched_at"]),
                record["outcome"],
                record["http_status"],
                record["final_url"] or "",
                record["body_sha256"] or "",
                record["archive_sha256"] or "",
                record["screenshot_sha256"] or "",
                activity,
            )
        )
    return items
