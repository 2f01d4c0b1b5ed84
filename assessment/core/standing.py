"""Who is ranked: the one rule every results output obeys, written once in :func:`who_is_ranked`.

Pure (standard library, the rubric model and the scoring engine only): the database facts arrive as
:class:`Candidate` values and verified level rows, gathered by :func:`assessment.repo.engine_run`, which every
ranking page, dashboard, workbook, PDF, certificate, berita acara and snapshot reads. Tested under the rule's name
in ``tests/core/test_standing.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from assessment.core.i18n import N_
from assessment.criteria.model import Rubric
from assessment.scoring import NA_LEVEL, AssessmentRows, eligible_desa, reconciliation_flags

Record = tuple[str, str, str, int | None]
"""(desa code, indicator code, assessor, level or None for N/A): one verified row (see
:func:`assessment.repo.verified_records`)."""


class State(StrEnum):
    """Where a participating desa stands in the ranking; every state but ``diperingkat`` keeps it out."""

    diperingkat = "diperingkat"
    tidak_memenuhi_syarat = "tidak_memenuhi_syarat"
    draf = "draf"
    dikembalikan = "dikembalikan"
    dikeluarkan = "dikeluarkan"
    belum_diperiksa = "belum_diperiksa"
    belum_ditugaskan = "belum_ditugaskan"
    asesor_kurang = "asesor_kurang"
    penilaian_belum_selesai = "penilaian_belum_selesai"
    level_belum_lengkap = "level_belum_lengkap"
    menunggu_rekonsiliasi = "menunggu_rekonsiliasi"
    tanpa_indikator_berlaku = "tanpa_indikator_berlaku"


STATE_LABELS: dict[State, str] = {
    State.diperingkat: N_("diperingkat"),
    State.tidak_memenuhi_syarat: N_("tidak dilombakan (jenis wilayah tidak memenuhi syarat rubrik)"),
    State.draf: N_("draf: penilaian mandiri belum diajukan"),
    State.dikembalikan: N_("dikembalikan untuk perbaikan dan belum diajukan lagi"),
    State.dikeluarkan: N_("dikeluarkan dari peringkat oleh panitia"),
    State.belum_diperiksa: N_("diajukan, kelengkapan belum diperiksa"),
    State.belum_ditugaskan: N_("belum dinilai: belum ada asesor yang ditugaskan"),
    State.asesor_kurang: N_("belum dinilai: asesor yang ditugaskan kurang dari yang diwajibkan"),
    State.penilaian_belum_selesai: N_("belum dinilai: penilaian asesor belum semua diajukan"),
    State.level_belum_lengkap: N_("belum dinilai: ada indikator tanpa level terverifikasi"),
    State.menunggu_rekonsiliasi: N_("menunggu rekonsiliasi ketua tim"),
    State.tanpa_indikator_berlaku: N_("tidak ada indikator yang berlaku baginya, sehingga tidak berindeks"),
}
"""Each state in words (Indonesian; pages translate them with ``_()``, the workbook and PDFs print them)."""


def state_label(value: str) -> str:
    """The words of a state given by its value (as stored in a snapshot); an unknown value is shown as it is."""
    for state, label in STATE_LABELS.items():
        if state.value == value:
            return label
    return value


BLOCKING: frozenset[State] = frozenset(
    {
        State.belum_diperiksa,
        State.belum_ditugaskan,
        State.asesor_kurang,
        State.penilaian_belum_selesai,
        State.level_belum_lengkap,
        State.menunggu_rekonsiliasi,
    }
)
"""The states of a desa that should be ranked but is not yet: publishing and finalising wait for it (or for the
committee to withdraw it with a reason). Draf, dikembalikan and a region kind the rubric leaves out are the desa's
own standing, not unfinished work, and block nothing."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """The facts the rule reads about one participating desa.

    ``kind`` is its region kind, ``status`` its :class:`~assessment.models.SubmissionStatus` value, ``assigned``
    its active (not withdrawn) assessor assignments, ``submitted`` how many of those are submitted, ``required``
    the independent assessors the competition requires per desa (its verification setting), and ``withdrawal``
    the committee's written reason when it withdrew the desa from the ranking.
    """

    code: str
    kind: str
    status: str
    assigned: int = 0
    submitted: int = 0
    required: int = 1
    withdrawal: str | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """One desa's place under the rule: its state and what keeps it out (indicator codes in rubric order)."""

    code: str
    state: State
    assigned: int = 0
    submitted: int = 0
    required: int = 0
    missing: tuple[str, ...] = ()
    unreconciled: tuple[str, ...] = ()
    reason: str = ""

    @property
    def ranked(self) -> bool:
        return self.state is State.diperingkat

    @property
    def blocks(self) -> bool:
        """Whether the desa holds up publishing and finalising (:data:`BLOCKING`)."""
        return self.state in BLOCKING


def who_is_ranked(
    rubric: Rubric, candidates: Sequence[Candidate], records: Iterable[Record] | AssessmentRows
) -> dict[str, Standing]:
    """Rule (who is ranked). A participating desa is ranked when, and only when, all of these hold:

    1. its region kind is one the rubric makes eligible (scoring rule 5; a kelurahan usually is not);
    2. its self-assessment was submitted and found complete (*lengkap*) in the completeness check;
    3. the committee has not withdrawn it from the ranking (a withdrawal carries a written reason);
    4. it has at least as many active (not withdrawn) assessor assignments as the competition requires per desa
       (the committee's N independent assessors, 2 by default), and every active assignment is submitted: a
       draft desk assessment never counts, so a desa still waiting for one of its assessors is not ranked on the
       others' levels alone;
    5. every indicator of the rubric has a verified level (``records``: the counted desk levels, or the one
       level that replaced them, :func:`assessment.repo.verified_records`; "not applicable" is a level; the
       same records already converted to :class:`~assessment.scoring.AssessmentRows` are read alike);
    6. no item waits for reconciliation: wherever the assessors' levels of an indicator are at least the
       rubric's ``disagreement_threshold`` apart (scoring rule 7), the ketua tim's agreed level (or a field level,
       or an objection answer, which replace it) is recorded;
    7. at least one indicator applies to it (not every level "not applicable"), so it has an index.

    Every other participant is listed apart with the first condition it fails as its state, in the order above
    (``tidak_memenuhi_syarat``; ``draf``, ``dikembalikan`` or ``belum_diperiksa`` for a submission still waiting
    for its completeness check; ``dikeluarkan`` with the committee's reason; ``belum_ditugaskan``,
    ``asesor_kurang``, ``penilaian_belum_selesai``; ``level_belum_lengkap``; ``menunggu_rekonsiliasi``;
    ``tanpa_indikator_berlaku``). An unranked desa never gets
    an index, a predikat or a rank, and is never counted in a ranking's number of desa ("dari N desa"), its rank
    intervals or a dashboard's means: the engine scores the ranked desa only. A committee withdrawal applies only
    to a desa whose submission reached the completeness check (diajukan or lengkap).

    Returns a :class:`Standing` for every candidate, in the candidates' order; ``missing`` and ``unreconciled``
    list every indicator concerned (in rubric order) whatever the state, so the committee sees all the work left.
    """
    kinds = {c.code: c.kind for c in candidates}
    codes = [c.code for c in candidates]
    eligible = {codes[int(i)] for i in eligible_desa(rubric, codes, kinds)} if codes else set()
    assessed = {c.code for c in candidates if c.code in eligible and c.status == "lengkap"}
    if isinstance(records, AssessmentRows):
        rows = records.only([code for code in records.desa_codes if code in assessed])
    else:
        rows = AssessmentRows.from_records(rubric, [r for r in records if r[0] in assessed])
    indicators = [indicator.code for indicator in rubric.indicators]
    present: dict[str, set[str]] = {}
    applies: set[str] = set()
    disputed: dict[str, set[str]] = {}
    if len(rows):
        # Which indicators each desa has a row for, and which desa have a level other than N/A, from the rows'
        # integer codes (a province has 50,000 rows; the desa x indicator cells are a third of that).
        count = len(indicators)
        for cell in np.unique(rows.desa * count + rows.indicator).tolist():
            present.setdefault(rows.desa_codes[cell // count], set()).add(indicators[cell % count])
        applies = {rows.desa_codes[v] for v in np.unique(rows.desa[rows.level != NA_LEVEL]).tolist()}
        flags = reconciliation_flags(rubric, rows)
        for v, i in zip(flags.desa.tolist(), flags.indicator.tolist(), strict=True):
            disputed.setdefault(rows.desa_codes[v], set()).add(indicators[i])
    standings: dict[str, Standing] = {}
    for c in candidates:
        missing = tuple(i for i in indicators if i not in present.get(c.code, ()))
        unreconciled = tuple(i for i in indicators if i in disputed.get(c.code, ()))
        state = _state(c, c.code in eligible, missing, unreconciled, c.code in applies)
        standings[c.code] = Standing(
            c.code,
            state,
            c.assigned,
            c.submitted,
            c.required,
            missing if c.code in assessed else (),
            unreconciled,
            c.withdrawal or "" if state is State.dikeluarkan else "",
        )
    return standings


def _state(
    c: Candidate, eligible: bool, missing: tuple[str, ...], unreconciled: tuple[str, ...], applies: bool
) -> State:
    """The first condition of :func:`who_is_ranked` that ``c`` fails, or ``diperingkat``."""
    if not eligible:
        return State.tidak_memenuhi_syarat
    if c.status in (State.draf.value, State.dikembalikan.value):
        return State(c.status)
    if c.withdrawal is not None:
        return State.dikeluarkan
    if c.status != "lengkap":
        return State.belum_diperiksa
    if c.assigned == 0:
        return State.belum_ditugaskan
    if c.assigned < c.required:
        return State.asesor_kurang
    if c.submitted < c.assigned:
        return State.penilaian_belum_selesai
    if missing:
        return State.level_belum_lengkap
    if unreconciled:
        return State.menunggu_rekonsiliasi
    if not applies:
        return State.tanpa_indikator_berlaku
    return State.diperingkat


def withdrawable(status: str) -> bool:
    """Whether the committee may withdraw a desa with this submission status from the ranking (rule 3 of
    :func:`who_is_ranked`): only a submission that reached the completeness check."""
    return status in ("diajukan", "lengkap")
