"""Verbs of the field stage; each re-checks the stage gate, the finalist list and its input and owns its commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from assessment.criteria.model import Rubric
from assessment.field.rules import SCOPES, field_level_problems, select_finalists
from assessment.models import (
    DEFAULT_FINALISTS,
    Assignment,
    Competition,
    FieldLevel,
    FieldPhoto,
    FinalistScope,
    Participant,
    User,
    VerificationSettings,
)
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore
from assessment.repo import desk_ranking
from assessment.services.audit import record_event
from assessment.services.evidence import UploadRejected, inspect_upload
from assessment.services.stages import Action, Gate, mark_change_after_freeze, require_stage

FINALISTS_MAX = 50


class FieldRefused(Exception):
    """The field action is not allowed for this desa or assignment; ``code``: ``not_finalist``, ``withdrawn`` or
    ``not_uploader`` (a photo is withdrawn only by whoever took it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class FieldRejected(Exception):
    """The input breaks a rule of :mod:`assessment.field.rules`; ``problems`` names each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


class FieldConflict(Exception):
    """Someone saved this indicator's field level in between (the version the form was loaded with is stale)."""


@dataclass(frozen=True, slots=True)
class FinalistRule:
    """Where finalists are counted and how many per scope."""

    scope: FinalistScope
    count: int


def finalist_rule(competition: Competition) -> FinalistRule:
    """The competition's finalist rule; top 3 of each kabupaten when the committee has not set one."""
    settings = db.session.scalar(
        select(VerificationSettings).where(VerificationSettings.competition_id == competition.id)
    )
    if settings is None:
        return FinalistRule(FinalistScope.kabupaten, DEFAULT_FINALISTS)
    return FinalistRule(settings.finalist_scope, settings.finalists)


def set_finalist_rule(competition: Competition, scope: FinalistScope, count: int) -> None:
    """Set the finalist rule (top ``count`` of the provinsi or of each kabupaten, 1-50); audited."""
    if scope.value not in SCOPES or not 1 <= count <= FINALISTS_MAX:
        raise ValueError("cakupan provinsi atau kabupaten, 1-50 finalis")
    settings = db.session.scalar(
        select(VerificationSettings).where(VerificationSettings.competition_id == competition.id)
    )
    if settings is None:
        settings = VerificationSettings(competition_id=competition.id)
        db.session.add(settings)
        db.session.flush()
    before = {"scope": settings.finalist_scope, "count": settings.finalists}
    settings.finalist_scope = scope
    settings.finalists = count
    record_event(
        "field.finalist_rule",
        target=f"competition:{competition.id}",
        before=before,
        after={"scope": scope, "count": count},
    )
    db.session.commit()


def finalists_of(competition: Competition) -> tuple[str, ...]:
    """The desa codes of the competition's finalists (:func:`assessment.field.rules.select_finalists`) under its
    finalist rule, computed from the desk ranking of the desa that the one rule of who is ranked admits
    (:func:`assessment.repo.desk_ranking`); empty while no desa is ranked."""
    ranking = desk_ranking(competition)
    if ranking is None:
        return ()
    rule = finalist_rule(competition)
    return select_finalists(ranking, rule.scope.value, rule.count)


def _require_field_work(
    assignment: Assignment, now: datetime, indicator_code: str | None, changes_level: bool = True
) -> tuple[Participant, Gate]:
    """The stage gate (with the freeze for a level: rule 5 of :func:`assessment.services.stages.stage_gate`), an active
    assignment, and a finalist desa: what every field verb needs."""
    participant = assignment.participant
    gate = require_stage(
        participant.competition,
        Action.field_verify,
        now,
        participant=participant,
        indicator_code=indicator_code,
        changes_level=changes_level,
    )
    if assignment.withdrawn_at is not None:
        raise FieldRefused("withdrawn")
    if participant.desa_code not in finalists_of(participant.competition):
        raise FieldRefused("not_finalist")
    return participant, gate


def save_field_level(
    assignment: Assignment,
    rubric: Rubric,
    indicator_code: str,
    level: int | None,
    note: str,
    loaded_version: int,
    by: User,
    now: datetime,
) -> FieldLevel:
    """Save the field level and note of one indicator of a finalist desa, for the visiting team.

    Only during klarifikasi lapangan (or under a committee exception for the desa or this indicator), only by an
    assessor whose assignment to the desa is active, only for a finalist, and only with input that meets
    :func:`~assessment.field.rules.field_level_problems`. One field level per desa x indicator, shared by the team:
    ``loaded_version`` is the version the form showed (0 when there was none); if someone saved in between, the
    save is refused with :class:`FieldConflict` and nothing changes.
    """
    participant, gate = _require_field_work(assignment, now, indicator_code)
    rubric.indicator(indicator_code)
    problems = field_level_problems(rubric, level, note)
    if problems:
        raise FieldRejected(problems)
    row = db.session.scalar(
        select(FieldLevel).where(
            FieldLevel.participant_id == participant.id, FieldLevel.indicator_code == indicator_code
        )
    )
    current = row.version if row is not None else 0
    if current != loaded_version:
        raise FieldConflict
    before = None if row is None else {"level": row.level, "note": row.note, "version": row.version}
    if row is None:
        row = FieldLevel(participant_id=participant.id, indicator_code=indicator_code)
        db.session.add(row)
    row.level = level
    row.note = note.strip()
    row.updated_by_id = by.id
    row.updated_at = now
    mark_change_after_freeze(gate, participant, indicator_code, Action.field_verify, by, now)
    record_event(
        "field_level.save",
        target=f"participant:{participant.id}",
        before=before,
        after={"indicator": indicator_code, "level": level, "note": row.note},
    )
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as error:
        db.session.rollback()
        raise FieldConflict from error
    return row


def add_field_photo(
    assignment: Assignment,
    rubric: Rubric,
    indicator_code: str,
    data: bytes,
    filename: str | None,
    by: User,
    now: datetime,
    store: EvidenceStore,
    max_bytes: int,
) -> FieldPhoto:
    """Store a photo taken on site for one indicator of a finalist desa (same stage and finalist rules as a level).

    The file is checked by :func:`assessment.services.evidence.inspect_upload` (the content decides, never the name) and
    must be an image: the original is kept private, pages show the copy without EXIF. The same photo sent twice
    for the same indicator (a retry on a weak connection) is stored once.
    """
    participant, _gate = _require_field_work(assignment, now, indicator_code, changes_level=False)
    rubric.indicator(indicator_code)
    inspected = inspect_upload(data, filename, max_bytes=max_bytes)
    if inspected.display_copy is None:
        raise UploadRejected("not_image", _l("Klarifikasi lapangan hanya menerima foto (JPEG, PNG, WebP, HEIC)."))
    sha256 = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(
        select(FieldPhoto).where(
            FieldPhoto.participant_id == participant.id,
            FieldPhoto.indicator_code == indicator_code,
            FieldPhoto.sha256 == sha256,
            FieldPhoto.removed_at.is_(None),
        )
    )
    if existing is not None:
        return existing
    store.put(data)
    display = store.put(inspected.display_copy).sha256
    photo = FieldPhoto(
        participant_id=participant.id,
        indicator_code=indicator_code,
        sha256=sha256,
        display_sha256=display,
        media_type=inspected.media_type,
        size=inspected.size,
        metadata_json=inspected.metadata or None,
        uploaded_by_id=by.id,
        uploaded_at=now,
    )
    db.session.add(photo)
    db.session.flush()
    record_event(
        "field_photo.add",
        target=f"participant:{participant.id}",
        after={
            "photo": photo.id,
            "indicator": indicator_code,
            "sha256": sha256,
            "media_type": inspected.media_type,
            "size": inspected.size,
        },
    )
    db.session.commit()
    return photo


REMOVAL_REASON_MAX = 500


def remove_field_photo(assignment: Assignment, photo: FieldPhoto, reason: str, by: User, now: datetime) -> None:
    """Withdraw a wrong photo of a finalist desa: only by whoever took it, under the same stage and finalist rules
    as taking it, with a reason (3 to 500 characters).

    Nothing is deleted: the row keeps both files' hashes and gets ``removed_at``, ``removed_by`` and the reason;
    every page and berita acara leaves it out from then on; the stored files stay (the sweep keeps every field
    photo's files); the audit trail records the withdrawal. A photo already withdrawn is left as it is.
    """
    if photo.participant_id != assignment.participant_id:
        raise LookupError("photo of another desa")
    _require_field_work(assignment, now, photo.indicator_code, changes_level=False)
    if photo.uploaded_by_id != by.id:
        raise FieldRefused("not_uploader")
    reason = reason.strip()
    if not 3 <= len(reason) <= REMOVAL_REASON_MAX:
        raise FieldRejected([str(_l("Tulis alasan menghapus foto (3 sampai 500 karakter)."))])
    if photo.removed_at is not None:
        return
    photo.removed_at = now
    photo.removed_by_id = by.id
    photo.removed_reason = reason
    record_event(
        "field_photo.remove",
        target=f"participant:{assignment.participant_id}",
        before={"photo": photo.id, "indicator": photo.indicator_code, "sha256": photo.sha256},
        after={"reason": reason},
    )
    db.session.commit()
