"""The stage gate: which action is allowed when, and the committee's exceptions for one desa or one indicator.

Every verification verb asks :func:`stage_gate` before it changes anything; pages ask it too, to show why a form
is closed. The rule is written once, in the docstring of :func:`stage_gate`; the freeze after the provisional
results is part of it (rule 5), so every action that changes a level is refused there, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select

from assessment.core.i18n import N_
from assessment.models import (
    Competition,
    FinalSnapshot,
    LateChange,
    Participant,
    StageCode,
    StageException,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.wita import visitor_wita

# The stages' names in words (Indonesian, translated where shown). Pages, messages and the schedule all read them
# here, next to the gate that decides what each stage allows.
STAGE_NAMES: dict[StageCode, str] = {
    StageCode.pendaftaran: N_("Pendaftaran"),
    StageCode.penilaian_mandiri: N_("Penilaian mandiri"),
    StageCode.verifikasi_kelengkapan: N_("Verifikasi kelengkapan"),
    StageCode.penilaian_dokumen: N_("Penilaian dokumen"),
    StageCode.rekonsiliasi: N_("Rekonsiliasi"),
    StageCode.klarifikasi_lapangan: N_("Klarifikasi lapangan"),
    StageCode.pleno: N_("Pleno"),
    StageCode.pengumuman_sementara: N_("Pengumuman sementara"),
    StageCode.masa_sanggah: N_("Masa sanggah"),
    StageCode.penetapan: N_("Penetapan"),
}


class GateReason(StrEnum):
    """Why a gate (:func:`stage_gate`) or a self-assessment window (``desa_codes.rules.self_assessment_window``) is
    open or closed. A ``StrEnum``, so the words stored or compared elsewhere stay the same strings."""

    open = "open"
    exception = "exception"
    not_started = "not_started"
    closed = "closed"
    no_schedule = "no_schedule"
    after_freeze = "after_freeze"
    frozen = "frozen"
    finalised = "finalised"
    locked = "locked"


class Action(StrEnum):
    """The actions of the verification workflow that the calendar governs."""

    assign = "assign"
    desk_score = "desk_score"
    reconcile = "reconcile"
    field_verify = "field_verify"
    publish_provisional = "publish_provisional"
    file_objection = "file_objection"
    answer_objection = "answer_objection"
    finalise = "finalise"


# The stages during which each action is allowed without an exception.
ACTION_STAGES: dict[Action, tuple[StageCode, ...]] = {
    Action.assign: (StageCode.verifikasi_kelengkapan, StageCode.penilaian_dokumen),
    Action.desk_score: (StageCode.penilaian_dokumen,),
    Action.reconcile: (StageCode.rekonsiliasi,),
    Action.field_verify: (StageCode.klarifikasi_lapangan,),
    Action.publish_provisional: (StageCode.pengumuman_sementara,),
    Action.file_objection: (StageCode.masa_sanggah,),
    Action.answer_objection: (StageCode.masa_sanggah, StageCode.penetapan),
    Action.finalise: (StageCode.penetapan,),
}

# The actions that change a level counted in the score (rule 5 of :func:`stage_gate`). Answering an objection
# changes a level only when the answer says so, and a field photo never does: their verbs pass ``changes_level``.
LEVEL_ACTIONS: frozenset[Action] = frozenset({Action.desk_score, Action.reconcile, Action.field_verify})


@dataclass(frozen=True, slots=True)
class Gate:
    """The answer of :func:`stage_gate`: allowed or not, why, and the exception that allowed it, if any.

    ``reason`` is ``open``, ``exception``, ``not_started``, ``closed``, ``no_schedule``, or, for a change of a
    level after the provisional results, ``after_freeze`` (allowed through ``exception``), ``frozen`` or
    ``finalised`` (refused). ``after_freeze`` asks the verb to mark its change (:func:`mark_change_after_freeze`).
    """

    allowed: bool
    reason: GateReason
    stages: tuple[StageCode, ...]
    exception: StageException | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None

    @property
    def after_freeze(self) -> bool:
        """The change is allowed only through an exception after the provisional results: it must be marked."""
        return self.reason == GateReason.after_freeze


class StageClosed(Exception):
    """An action was attempted outside its stage without an exception; ``gate`` says why."""

    def __init__(self, gate: Gate) -> None:
        super().__init__(gate.reason)
        self.gate = gate


def active_exceptions(participant: Participant, now: datetime) -> list[StageException]:
    """The participant's exceptions that are not revoked and not yet ended, oldest first."""
    rows = db.session.scalars(
        select(StageException)
        .where(StageException.participant_id == participant.id, StageException.revoked_at.is_(None))
        .order_by(StageException.created_at, StageException.id)
    )
    return [row for row in rows if row.ends_at > now]


def stage_gate(
    competition: Competition,
    action: Action,
    now: datetime,
    *,
    participant: Participant | None = None,
    indicator_code: str | None = None,
    exceptions: Sequence[StageException] | None = None,
    changes_level: bool | None = None,
) -> Gate:
    """Whether ``action`` is allowed at ``now`` (for ``participant``, on ``indicator_code``).

    The rule:

    1. Each action belongs to stages (:data:`ACTION_STAGES`): assigning assessors to verifikasi kelengkapan and
       penilaian dokumen, desk scoring (and uji akses records) to penilaian dokumen, reconciliation to
       rekonsiliasi, field verification (field levels, notes, photos) to klarifikasi lapangan. It is allowed
       while one of its stages is open: from ``starts_at`` (included) to ``ends_at`` (excluded), compared in UTC
       and shown in WITA. At ``ends_at`` itself the stage is closed.
    2. Outside its stages an action is allowed for one desa only through a committee exception
       (:class:`~assessment.models.StageException`) for that desa and one of the action's stages, written with a
       reason, not revoked, and before the exception's own ``ends_at``.
    3. An exception for one indicator allows the action on that indicator only; an action on the whole desa
       (submitting a desk assessment, for example) needs an exception for the whole desa (no indicator).
    4. An exception never reaches another desa or another stage. A competition without any of the action's stages
       allows it only through an exception.
    5. **The freeze.** Once the committee has published the provisional results
       (``Competition.results_published_at``), an action that changes a level (:data:`LEVEL_ACTIONS`: a desk
       score, a reconciliation, a field level; an objection answer that changes a level, ``changes_level``) is
       refused (``frozen``) even inside its stage, unless an exception as in rules 2-4 exists that the committee
       opened *at or after* the publication (an older exception was granted for another purpose and never
       reaches past the freeze). Such a change is allowed (``after_freeze``) and marked on the result as
       "diubah setelah pengumuman" with that exception's reason (:func:`mark_change_after_freeze`). Once the
       final snapshot exists (penetapan) no level changes at all, exception or not (``finalised``).
    """
    gate = _calendar_gate(competition, action, now, participant, indicator_code, exceptions)
    if changes_level is None:
        changes_level = action in LEVEL_ACTIONS
    published = competition.results_published_at
    if not gate.allowed or not changes_level or published is None or now < published:
        return gate
    if db.session.scalar(select(FinalSnapshot.id).where(FinalSnapshot.competition_id == competition.id)):
        return Gate(False, GateReason.finalised, gate.stages)
    if participant is not None:
        candidates = exceptions if exceptions is not None else active_exceptions(participant, now)
        for exception in candidates:
            if (
                _exception_reaches(exception, participant, gate.stages, indicator_code, now)
                and exception.created_at >= published
            ):
                return Gate(
                    True, GateReason.after_freeze, gate.stages, exception=exception, closes_at=exception.ends_at
                )
    return Gate(False, GateReason.frozen, gate.stages)


def _exception_reaches(
    exception: StageException,
    participant: Participant,
    stages: tuple[StageCode, ...],
    indicator_code: str | None,
    now: datetime,
) -> bool:
    return (
        exception.participant_id == participant.id
        and exception.stage in stages
        and exception.revoked_at is None
        and now < exception.ends_at
        and exception.indicator_code in (None, indicator_code)
    )


def _calendar_gate(
    competition: Competition,
    action: Action,
    now: datetime,
    participant: Participant | None,
    indicator_code: str | None,
    exceptions: Sequence[StageException] | None,
) -> Gate:
    """Rules 1-4 of :func:`stage_gate`."""
    stages = ACTION_STAGES[action]
    scheduled = [stage for stage in competition.stages if stage.code in stages]
    for stage in scheduled:
        if stage.is_open(now):
            return Gate(True, GateReason.open, stages, opens_at=stage.starts_at, closes_at=stage.ends_at)
    if participant is not None:
        candidates = exceptions if exceptions is not None else active_exceptions(participant, now)
        for exception in candidates:
            if _exception_reaches(exception, participant, stages, indicator_code, now):
                return Gate(True, GateReason.exception, stages, exception=exception, closes_at=exception.ends_at)
    if not scheduled:
        return Gate(False, GateReason.no_schedule, stages)
    opens_at = min(stage.starts_at for stage in scheduled)
    closes_at = max(stage.ends_at for stage in scheduled)
    if now < opens_at:
        return Gate(False, GateReason.not_started, stages, opens_at=opens_at, closes_at=closes_at)
    return Gate(False, GateReason.closed, stages, opens_at=opens_at, closes_at=closes_at)


def require_stage(
    competition: Competition,
    action: Action,
    now: datetime,
    *,
    participant: Participant | None = None,
    indicator_code: str | None = None,
    changes_level: bool | None = None,
) -> Gate:
    """:func:`stage_gate`, raising :class:`StageClosed` when the action is not allowed."""
    gate = stage_gate(
        competition, action, now, participant=participant, indicator_code=indicator_code, changes_level=changes_level
    )
    if not gate.allowed:
        raise StageClosed(gate)
    return gate


def freeze_message(gate: Gate) -> str | None:
    """Why a change of a level is refused by the freeze (rule 5 of :func:`stage_gate`), or None for another reason."""
    if gate.reason == GateReason.frozen:
        return str(
            _(
                "Hasil sementara sudah diumumkan: perubahan level hanya dapat dilakukan dengan pengecualian "
                "panitia yang dibuka setelah pengumuman untuk desa atau indikator ini."
            )
        )
    if gate.reason == GateReason.finalised:
        return str(_("Hasil akhir sudah ditetapkan: tidak ada level yang dapat diubah lagi."))
    return None


def gate_text(gate: Gate) -> str:
    """Why an action is refused, in words: the one text every page shows for a closed form or a refused change.

    The stage is named by the gate's own stages in words (:data:`STAGE_NAMES`: "Masa sanggah"). The freeze (rule 5
    of :func:`stage_gate`) speaks for itself (:func:`freeze_message`); otherwise the text says that the stage has not
    opened yet (and when it opens), has no dates yet, or has closed (and when), and names the way out of a closed
    stage: a committee exception.
    """
    frozen = freeze_message(gate)
    if frozen:
        return frozen
    name = ", ".join(str(_(STAGE_NAMES[code])) for code in gate.stages)
    if gate.reason == GateReason.not_started:
        return str(_("%(stage)s belum dibuka (mulai %(when)s).", stage=name, when=visitor_wita(gate.opens_at)))
    if gate.reason == GateReason.no_schedule:
        return str(_("%(stage)s belum dijadwalkan panitia.", stage=name))
    return str(
        _(
            "%(stage)s sudah ditutup (%(when)s); perubahan hanya dapat dilakukan dengan pengecualian panitia.",
            stage=name,
            when=visitor_wita(gate.closes_at),
        )
    )


def mark_change_after_freeze(
    gate: Gate, participant: Participant, indicator_code: str | None, action: Action, by: User | None, now: datetime
) -> LateChange | None:
    """Record, in the caller's commit, that a level changed after the freeze under ``gate.exception`` (rule 5 of
    :func:`stage_gate`); nothing for a change before the freeze. Call it just before the verb's commit."""
    if not gate.after_freeze or gate.exception is None:
        return None
    mark = LateChange(
        participant_id=participant.id,
        indicator_code=indicator_code,
        action=action.value,
        exception_id=gate.exception.id,
        changed_at=now,
        changed_by_id=by.id if by else None,
    )
    db.session.add(mark)
    return mark
