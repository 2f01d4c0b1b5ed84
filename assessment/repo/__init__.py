"""The one place that turns rows into core values: a stored rubric back into a :class:`Rubric` (``rubrics``), the
verified rows and their precedence (``verified``), the engine's runs over them and their cache (``runs``), the
report values pages and exports read (``reports``), and the provenance of one desa's levels (``provenance``).

Callers import from ``assessment.repo``; the names below are the package's surface."""

from __future__ import annotations

from assessment.repo.provenance import (
    PROVENANCE_SOURCES as PROVENANCE_SOURCES,
)
from assessment.repo.provenance import (
    EvidenceRecord as EvidenceRecord,
)
from assessment.repo.provenance import (
    LevelSource as LevelSource,
)
from assessment.repo.provenance import (
    ProvenanceSource as ProvenanceSource,
)
from assessment.repo.provenance import (
    desa_evidence as desa_evidence,
)
from assessment.repo.provenance import (
    desk_provenance as desk_provenance,
)
from assessment.repo.provenance import (
    field_provenance as field_provenance,
)
from assessment.repo.provenance import (
    level_provenance as level_provenance,
)
from assessment.repo.provenance import (
    objection_provenance as objection_provenance,
)
from assessment.repo.provenance import (
    reconciliation_provenance as reconciliation_provenance,
)
from assessment.repo.reports import (
    capture_items as capture_items,
)
from assessment.repo.reports import (
    evidence_items as evidence_items,
)
from assessment.repo.reports import (
    results_report as results_report,
)
from assessment.repo.rubrics import (
    _parse as _parse,
)
from assessment.repo.rubrics import (
    rubric_of as rubric_of,
)
from assessment.repo.runs import (
    _DESK_COMPETITIONS as _DESK_COMPETITIONS,
)
from assessment.repo.runs import (
    _RUN_CACHE_SIZE as _RUN_CACHE_SIZE,
)
from assessment.repo.runs import (
    BOOTSTRAP_RESAMPLES as BOOTSTRAP_RESAMPLES,
)
from assessment.repo.runs import (
    RANK_KEYS as RANK_KEYS,
)
from assessment.repo.runs import (
    REPLACING_ROWS as REPLACING_ROWS,
)
from assessment.repo.runs import (
    SELF_ASSESSOR as SELF_ASSESSOR,
)
from assessment.repo.runs import (
    DeskState as DeskState,
)
from assessment.repo.runs import (
    EngineRun as EngineRun,
)
from assessment.repo.runs import (
    ParticipantRow as ParticipantRow,
)
from assessment.repo.runs import (
    _cached_run as _cached_run,
)
from assessment.repo.runs import (
    _compute_run as _compute_run,
)
from assessment.repo.runs import (
    _counted_records_of as _counted_records_of,
)
from assessment.repo.runs import (
    _desa_results as _desa_results,
)
from assessment.repo.runs import (
    _desk_lock as _desk_lock,
)
from assessment.repo.runs import (
    _final_results as _final_results,
)
from assessment.repo.runs import (
    _keep_run as _keep_run,
)
from assessment.repo.runs import (
    _kept_desk_rows as _kept_desk_rows,
)
from assessment.repo.runs import (
    _region_of as _region_of,
)
from assessment.repo.runs import (
    _run_cache as _run_cache,
)
from assessment.repo.runs import (
    _run_cache_lock as _run_cache_lock,
)
from assessment.repo.runs import (
    _sealed_source as _sealed_source,
)
from assessment.repo.runs import (
    _shown as _shown,
)
from assessment.repo.runs import (
    _stored_values as _stored_values,
)
from assessment.repo.runs import (
    _unranked as _unranked,
)
from assessment.repo.runs import (
    bootstrap_records as bootstrap_records,
)
from assessment.repo.runs import (
    data_fingerprint as data_fingerprint,
)
from assessment.repo.runs import (
    desk_ranking as desk_ranking,
)
from assessment.repo.runs import (
    desk_states as desk_states,
)
from assessment.repo.runs import (
    engine_run as engine_run,
)
from assessment.repo.runs import (
    kept_counted_records as kept_counted_records,
)
from assessment.repo.runs import (
    participant_rows as participant_rows,
)
from assessment.repo.runs import (
    rank_key as rank_key,
)
from assessment.repo.runs import (
    ranking_candidates as ranking_candidates,
)
from assessment.repo.runs import (
    region_standings as region_standings,
)
from assessment.repo.runs import (
    sealed_document as sealed_document,
)
from assessment.repo.runs import (
    sealed_run as sealed_run,
)
from assessment.repo.runs import (
    self_records as self_records,
)
from assessment.repo.verified import (
    FIELD_BY as FIELD_BY,
)
from assessment.repo.verified import (
    OBJECTION_BY as OBJECTION_BY,
)
from assessment.repo.verified import (
    RECONCILED_BY as RECONCILED_BY,
)
from assessment.repo.verified import (
    DeskRow as DeskRow,
)
from assessment.repo.verified import (
    ReconciledRow as ReconciledRow,
)
from assessment.repo.verified import (
    Record as Record,
)
from assessment.repo.verified import (
    _connection as _connection,
)
from assessment.repo.verified import (
    _counted as _counted,
)
from assessment.repo.verified import (
    _counted_records as _counted_records,
)
from assessment.repo.verified import (
    _in_region as _in_region,
)
from assessment.repo.verified import (
    _verified as _verified,
)
from assessment.repo.verified import (
    desk_rows as desk_rows,
)
from assessment.repo.verified import (
    field_level_rows as field_level_rows,
)
from assessment.repo.verified import (
    objection_level_rows as objection_level_rows,
)
from assessment.repo.verified import (
    reconciled_rows as reconciled_rows,
)
from assessment.repo.verified import (
    reconciliation_items as reconciliation_items,
)
from assessment.repo.verified import (
    verified_records as verified_records,
)
