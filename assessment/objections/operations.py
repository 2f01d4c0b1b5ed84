"""The objection verbs; each re-checks the stage, the window and the input itself and owns its commit."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from assessment.audit import record_event
from assessment.criteria.model import Rubric
from assessment.evidence import inspect_upload
from assessment.extensions import db
from assessment.models import Objection, Participant, Role, RoleGrant, User
from assessment.notifications import notify, operators_of
from assessment.repo import verified_records
from assessment.security import region_within
from assessment.stages import Action, mark_change_after_freeze, require_stage
from assessment.storage import EvidenceStore

REASON_MAX = 2000


class ObjectionRefused(Exception):
    """``code``: ``not_published``, ``indicator``, ``reason``, ``already``, ``level`` or ``level_indicator``."""

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
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.panitia, User.active.is_(True))).unique()
    return [u for u in users if any(g.role == Role.panitia and region_within(desa_code, g.region_code)
                                    for g in u.grants)]


def file_objection(participant: Participant, rubric: Rubric, indicator_code: str | None, reason: str,
                   upload: tuple[bytes, str | None] | None, by: User, now: datetime, store: EvidenceStore,
                   max_bytes: int) -> Objection:
    """File an objection (sanggah) of a desa to the provisional results.

    Only during the masa sanggah (or under a committee exception for the desa in that stage), and only once the
    provisional results are published. A written reason (at most 2,000 characters) is required; the indicator is
    optional and must be one of the rubric's. An evidence file is optional and goes through the same content check
    as any evidence (:func:`assessment.evidence.inspect_upload`); a refused file refuses the objection and stores
    nothing. A desa may file several objections. The committee members over the desa are notified.
    """
    require_stage(participant.competition, Action.file_objection, now, participant=participant,
                  indicator_code=indicator_code, changes_level=False)
    if participant.competition.results_published_at is None:
        raise ObjectionRefused("not_published")
    if indicator_code is not None:
        try:
            rubric.indicator(indicator_code)
        except KeyError as error:
            raise ObjectionRefused("indicator") from error
    reason = _reason(reason)
    objection = Objection(participant_id=participant.id, indicator_code=indicator_code, reason=reason,
                          filed_by_id=by.id, filed_at=now)
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
    record_event("objection.file", target=f"participant:{participant.id}",
                 after={"objection": objection.id, "indicator": indicator_code, "reason": reason,
                        "evidence_sha256": objection.evidence_sha256})
    notify(committee_of(participant.desa_code), "sanggah",
           f"Sanggah baru dari {participant.region.name}"
           + (f" (indikator {indicator_code})" if indicator_code else "") + f": {reason[:200]}",
           f"/panitia/sanggah/lomba/{participant.competition_id}")
    db.session.commit()
    return objection


def _current_level(participant: Participant, indicator_code: str) -> int | None:
    """The one level the item counts with now, when every counted row agrees on one (else None)."""
    levels = {level for code, indicator, _by, level in verified_records(participant.competition)
              if code == participant.desa_code and indicator == indicator_code}
    return levels.pop() if len(levels) == 1 else None


def answer_objection(objection: Objection, rubric: Rubric, reason: str, indicator_code: str | None,
                     new_level: int | None, by: User, now: datetime) -> Objection:
    """Answer an objection: with a written reason (required, at most 2,000 characters), changing a level or not.

    - Only during the masa sanggah or penetapan, and once per objection (a second answer is refused).
    - A level change names the indicator (the objection's own when none is given) and a level on the scale; it
      replaces every other level of that desa x indicator in the score (:func:`assessment.repo.verified_records`)
      and, being a change after the freeze, needs a committee exception for the desa or that indicator opened
      after the publication (rule 5 of :func:`assessment.stages.stage_gate`); it is marked as changed after the
      announcement. An answer without a level change changes nothing in the score.
    - The desa's operators are notified.
    """
    participant = objection.participant
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
    gate = require_stage(participant.competition, Action.answer_objection, now, participant=participant,
                         indicator_code=indicator_code, changes_level=new_level is not None)
    if objection.answered_at is not None:
        raise ObjectionRefused("already")
    reason = _reason(reason)
    if new_level is not None and new_level not in rubric.scale.levels:
        raise ObjectionRefused("level")
    if indicator_code is not None:
        objection.previous_level = _current_level(participant, indicator_code)
    objection.answered_at = now
    objection.answered_by_id = by.id
    objection.answer_reason = reason
    objection.answer_indicator_code = indicator_code
    objection.new_level = new_level
    mark_change_after_freeze(gate, participant, indicator_code, Action.answer_objection, by, now)
    record_event("objection.answer", target=f"participant:{participant.id}",
                 after={"objection": objection.id, "reason": reason, "indicator": indicator_code,
                        "previous_level": objection.previous_level, "new_level": new_level})
    change = (f" Level indikator {indicator_code} diubah menjadi {new_level}." if new_level is not None
              else " Level tidak diubah.")
    notify(operators_of(participant.desa_code), "sanggah_dijawab",
           f"Sanggah Anda telah dijawab panitia.{change} Alasan: {reason[:200]}", f"/sanggah/peserta/{participant.id}")
    db.session.commit()
    return objection
