"""The objection verbs; each re-checks the stage, the window and the input itself and owns its commit."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update

from assessment.assignments.operations import add_exception
from assessment.criteria.model import Rubric
from assessment.models import Objection, Participant, Role, RoleGrant, StageException, User
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore
from assessment.repo import verified_records
from assessment.services.audit import record_event
from assessment.services.evidence import inspect_upload
from assessment.services.notifications import notify, operators_of
from assessment.services.security import region_within
from assessment.services.stages import (
    ACTION_STAGES,
    Action,
    GateReason,
    StageClosed,
    mark_change_after_freeze,
    require_stage,
    stage_gate,
)

REASON_MAX = 2000


class ObjectionRefused(Exception):
    """``code``: ``not_published``, ``indicator``, ``reason``, ``already``, ``level``, ``level_indicator``,
    ``limit_desa``, ``limit_indicator`` or ``duplicate``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _reason(text: str) -> str:
    text = text.strip()
    if not text or len(text) > REASON_MAX:
        raise ObjectionRefused("reason")
    return text


def committee_of(desa_code: str) -> list[User]:
    """The active panitia accounts whose scope covers ``desa_code``."""
    users = db.session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.panitia, User.active.is_(True))
    ).unique()
    return [
        u for u in users if any(g.role == Role.panitia and region_within(desa_code, g.region_code) for g in u.grants)
    ]


def file_objection(
    participant: Participant,
    rubric: Rubric,
    indicator_code: str | None,
    reason: str,
    upload: tuple[bytes, str | None] | None,
    by: User,
    now: datetime,
    store: EvidenceStore,
    max_bytes: int,
) -> Objection:
    """File an objection (sanggah) of a desa to the provisional results.

    Only during the masa sanggah (or under a committee exception for the desa in that stage), and only once the
    provisional results are published. A written reason (at most 2,000 characters) is required; the indicator is
    optional and must be one of the rubric's. An evidence file is optional and goes through the same content check
    as any evidence (:func:`assessment.services.evidence.inspect_upload`); a refused file refuses the objection and
    stores
    nothing. The committee members over the desa are notified.

    A desa may file several objections, within two limits counted over the competition (objections are filed only
    in its masa sanggah, so this is the window): at most ``OBJECTION_LIMIT_PER_DESA`` (30) in all, and at most
    ``OBJECTION_LIMIT_PER_INDICATOR`` (3) about one indicator, the whole result counting as one more "indicator".
    Answered objections count too: the limit is on filing, so a flood cannot be made by waiting for answers.
    Filings of one desa are taken one at a time (:func:`_one_filing_at_a_time`), so parallel requests cannot
    pass a limit together.
    """
    require_stage(
        participant.competition,
        Action.file_objection,
        now,
        participant=participant,
        indicator_code=indicator_code,
        changes_level=False,
    )
    if participant.competition.results_published_at is None:
        raise ObjectionRefused("not_published")
    if indicator_code is not None:
        try:
            rubric.indicator(indicator_code)
        except KeyError as error:
            raise ObjectionRefused("indicator") from error
    reason = _reason(reason)
    _one_filing_at_a_time(participant)
    _check_limits(participant, indicator_code)
    objection = Objection(
        participant_id=participant.id, indicator_code=indicator_code, reason=reason, filed_by_id=by.id, filed_at=now
    )
    if upload is not None:
        data, filename = upload
        inspected = inspect_upload(data, filename, max_bytes=max_bytes)
        objection.evidence_sha256 = hashlib.sha256(data).hexdigest()
        objection.evidence_name = inspected.display_name
        objection.evidence_media_type = inspected.media_type
        if not store.exists(objection.evidence_sha256):
            store.put(data)
    db.session.add(objection)
    db.session.flush()
    record_event(
        "objection.file",
        target=f"participant:{participant.id}",
        after={
            "objection": objection.id,
            "indicator": indicator_code,
            "reason": reason,
            "evidence_sha256": objection.evidence_sha256,
        },
    )
    notify(
        committee_of(participant.desa_code),
        "sanggah",
        f"Sanggah baru dari {participant.region.name}"
        + (f" (indikator {indicator_code})" if indicator_code else "")
        + f": {reason[:200]}",
        f"/panitia/sanggah/lomba/{participant.competition_id}",
    )
    db.session.commit()
    return objection


def _one_filing_at_a_time(participant: Participant) -> None:
    """Take the desa's write lock before counting its objections; a parallel filing waits until this one commits.

    A no-op UPDATE of the participant row: PostgreSQL locks that row until the commit, and SQLite takes its
    database write lock (the transaction begins here, so the count read after it sees every earlier filing).
    """
    db.session.execute(
        update(Participant)
        .where(Participant.id == participant.id)
        .values(id=Participant.id)
        .execution_options(synchronize_session=False)
    )


def _check_limits(participant: Participant, indicator_code: str | None) -> None:
    per_desa = int(current_app.config.get("OBJECTION_LIMIT_PER_DESA", 30))
    per_indicator = int(current_app.config.get("OBJECTION_LIMIT_PER_INDICATOR", 3))
    mine = Objection.participant_id == participant.id
    filed = db.session.scalar(select(func.count()).select_from(Objection).where(mine)) or 0
    if filed >= per_desa:
        raise ObjectionRefused("limit_desa")
    same = Objection.indicator_code.is_(None) if indicator_code is None else Objection.indicator_code == indicator_code
    if (db.session.scalar(select(func.count()).select_from(Objection).where(mine, same)) or 0) >= per_indicator:
        raise ObjectionRefused("limit_indicator")


def _current_level(participant: Participant, indicator_code: str) -> int | None:
    """The one level the item counts with now, when every counted row agrees on one (else None)."""
    levels = {
        level
        for code, indicator, _by, level in verified_records(participant.competition)
        if code == participant.desa_code and indicator == indicator_code
    }
    return levels.pop() if len(levels) == 1 else None


def _open_exception_with_answer(
    objection: Objection, indicator_code: str, reason: str, by: User, now: datetime
) -> StageException | None:
    """The exception a level-changing answer needs after the freeze (see :func:`answer_objection`), not committed;
    None when no answering stage is open now (the answer was allowed by an older exception only)."""
    participant = objection.participant
    stage = next(
        (
            s
            for s in participant.competition.stages
            if s.code in ACTION_STAGES[Action.answer_objection] and s.is_open(now)
        ),
        None,
    )
    if stage is None:
        return None
    return add_exception(
        participant, stage.code, indicator_code, reason, stage.ends_at, by, now, with_answer=objection.id
    )


def duplicates_of(objection: Objection) -> list[Objection]:
    """The other unanswered objections of the same desa about the same indicator (or both about the whole
    result): the committee may answer them together with ``objection``."""
    same = (
        Objection.indicator_code.is_(None)
        if objection.indicator_code is None
        else Objection.indicator_code == objection.indicator_code
    )
    return list(
        db.session.scalars(
            select(Objection)
            .where(
                Objection.participant_id == objection.participant_id,
                same,
                Objection.answered_at.is_(None),
                Objection.id != objection.id,
            )
            .order_by(Objection.filed_at, Objection.id)
        )
    )


def answer_objection(
    objection: Objection,
    rubric: Rubric,
    reason: str,
    indicator_code: str | None,
    new_level: int | None,
    by: User,
    now: datetime,
    duplicates: list[Objection] | None = None,
    open_exception: bool = False,
) -> Objection:
    """Answer an objection: with a written reason (required, at most 2,000 characters), changing a level or not.

    - Only during the masa sanggah or penetapan, and once per objection (a second answer is refused).
    - A level change names the indicator (the objection's own when none is given) and a level on the scale; it
      replaces every other level of that desa x indicator in the score (:func:`assessment.repo.verified_records`)
      and, being a change after the freeze, needs a committee exception for the desa or that indicator opened
      after the publication (rule 5 of :func:`assessment.services.stages.stage_gate`); it is marked as changed after the
      announcement. An answer without a level change changes nothing in the score.
    - ``duplicates``: other objections answered together with this one, with the same answer. Each must be a
      duplicate (:func:`duplicates_of`: same desa, same indicator or both about the whole result, unanswered),
      else nothing is answered (``duplicate``). Each keeps its own answer record and audit event, with the level
      before the change as it was before this answer; the operators get one notice.
    - ``open_exception``: a level change refused only by the freeze opens the exception it needs as part of the
      answer, in the same transaction: for that desa and indicator, in the stage open now (masa sanggah or
      penetapan), until that stage ends, with the answer's own reason; it is audited and shown like any other
      exception. Nothing is opened when the answer is refused for any other reason.
    - The desa's operators are notified.
    """
    participant = objection.participant
    together = list(duplicates or [])
    allowed = {item.id for item in duplicates_of(objection)} if together else set()
    if any(item.id not in allowed for item in together):
        raise ObjectionRefused("duplicate")
    if new_level is not None:
        indicator_code = indicator_code or objection.indicator_code
        if indicator_code is None:
            raise ObjectionRefused("level_indicator")
        try:
            rubric.indicator(indicator_code)
        except KeyError as error:
            raise ObjectionRefused("level_indicator") from error
    else:
        indicator_code = None
    if objection.answered_at is not None:
        raise ObjectionRefused("already")
    reason = _reason(reason)
    if new_level is not None and new_level not in rubric.scale.levels:
        raise ObjectionRefused("level")
    gate = stage_gate(
        participant.competition,
        Action.answer_objection,
        now,
        participant=participant,
        indicator_code=indicator_code,
        changes_level=new_level is not None,
    )
    if not gate.allowed and gate.reason == GateReason.frozen and open_exception and indicator_code is not None:
        _open_exception_with_answer(objection, indicator_code, reason, by, now)
        gate = stage_gate(
            participant.competition,
            Action.answer_objection,
            now,
            participant=participant,
            indicator_code=indicator_code,
            changes_level=True,
        )
    if not gate.allowed:
        raise StageClosed(gate)
    previous_level = _current_level(participant, indicator_code) if indicator_code is not None else None
    for item in [objection, *together]:
        item.previous_level = previous_level
        item.answered_at = now
        item.answered_by_id = by.id
        item.answer_reason = reason
        item.answer_indicator_code = indicator_code
        item.new_level = new_level
        record_event(
            "objection.answer",
            target=f"participant:{participant.id}",
            after={
                "objection": item.id,
                "reason": reason,
                "indicator": indicator_code,
                "previous_level": previous_level,
                "new_level": new_level,
                **({"answered_with": objection.id} if item is not objection else {}),
            },
        )
    mark_change_after_freeze(gate, participant, indicator_code, Action.answer_objection, by, now)
    change = (
        f" Level indikator {indicator_code} diubah menjadi {new_level}."
        if new_level is not None
        else " Level tidak diubah."
    )
    count = f" ({len(together) + 1} sanggah dijawab bersama.)" if together else ""
    notify(
        operators_of(participant.desa_code),
        "sanggah_dijawab",
        f"Sanggah Anda telah dijawab panitia.{change}{count} Alasan: {reason[:200]}",
        f"/sanggah/peserta/{participant.id}",
    )
    db.session.commit()
    return objection
