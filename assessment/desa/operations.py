"""Verbs that change a desa's self-assessment; each owns its commit.

Every verb re-checks the window (:func:`assessment.desa.rules.self_assessment_window`) itself, so a form
posted after the deadline, or after the submission locked it, changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from assessment.criteria.model import Rubric
from assessment.desa.rules import EDITABLE_STATUSES, Window, indicator_progress, self_assessment_window
from assessment.links.capture import enqueue_capture
from assessment.models import (
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Participant,
    SelfAssessment,
    SubmissionStatus,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore
from assessment.platform.versioning import SaveConflict, compare_and_set
from assessment.services.audit import record_event
from assessment.services.evidence import inspect_upload

log = logging.getLogger(__name__)

EXPLANATION_MAX = 2000
URL_MAX = 500


class SelfAssessmentClosed(Exception):
    """The self-assessment cannot be changed now; ``window`` says why and until when."""

    def __init__(self, window: Window) -> None:
        super().__init__("closed")
        self.window = window


def _require_open(participant: Participant, now: datetime, *, hold: bool = True) -> None:
    """Refuse unless the window is open, and (``hold``) hold the participant row while this change is written.

    The conditional UPDATE changes nothing but takes the row's write lock and re-reads its status: a change that
    races a submission from another tab waits for it and is then refused, instead of slipping in after the lock.
    """
    window = self_assessment_window(participant.competition, participant, now)
    if not window.is_open:
        raise SelfAssessmentClosed(window)
    if not hold:
        return
    held = db.session.execute(
        update(Participant)
        .where(Participant.id == participant.id, Participant.status.in_(EDITABLE_STATUSES))
        .values(status=Participant.status)
        .execution_options(synchronize_session=False)
    )
    if held.rowcount == 0:  # type: ignore[attr-defined]
        db.session.rollback()
        db.session.refresh(participant)
        raise SelfAssessmentClosed(self_assessment_window(participant.competition, participant, now))


def save_self_assessment(
    participant: Participant,
    rubric: Rubric,
    indicator_code: str,
    level: int | None,
    explanation: str,
    user: User,
    now: datetime,
    expected_version: int | None = None,
) -> SelfAssessment:
    """Record the level the desa gives itself on one indicator and its explanation.

    The level must be on the rubric's scale (or empty while still undecided); the explanation is at most 2,000
    characters. Both are checked by the form; this verb checks them again so no caller can skip them.

    Version check (two operators, or two tabs, saving the same indicator): ``expected_version`` is the version of
    the row the form was loaded with (0: nothing saved yet). The save is a compare-and-set in the database
    (``UPDATE … WHERE id = ? AND version = ?``, or an INSERT that the unique index refuses when another save
    created the row first): it writes only if the stored version is still that one, and raises it by one.
    Otherwise nothing is written and :class:`SaveConflict` carries the row as the other person saved it. Without
    ``expected_version`` the version this request loaded is expected.
    """
    _require_open(participant, now)
    rubric.indicator(indicator_code)
    if level is not None and level not in rubric.scale.levels:
        raise ValueError(f"level {level} di luar skala")
    if len(explanation) > EXPLANATION_MAX:
        raise ValueError("penjelasan terlalu panjang")
    row = db.session.scalar(
        select(SelfAssessment).where(
            SelfAssessment.participant_id == participant.id, SelfAssessment.indicator_code == indicator_code
        )
    )
    values = {"level": level, "explanation": explanation.strip(), "updated_by_id": user.id, "updated_at": now}
    before = None
    if row is None:
        if expected_version:
            raise _conflict(participant, indicator_code)
        row = SelfAssessment(participant_id=participant.id, indicator_code=indicator_code, version=1, **values)
        db.session.add(row)
    else:
        before = {"level": row.level, "explanation": row.explanation}
        expected = row.version if expected_version is None else expected_version
        if not compare_and_set(SelfAssessment, row.id, expected, values):
            raise _conflict(participant, indicator_code)
    try:
        # A flush here (the audit event queries) may already meet the unique index: a simultaneous first save.
        record_event(
            "self_assessment.save",
            target=f"participant:{participant.id}/indicator:{indicator_code}",
            before=before,
            after={"level": level, "explanation": values["explanation"]},
            actor=user,
        )
        db.session.commit()
    except (IntegrityError, StaleDataError) as error:
        raise _conflict(participant, indicator_code) from error
    db.session.refresh(row)
    return row


def _conflict(participant: Participant, indicator_code: str) -> SaveConflict[SelfAssessment]:
    """Undo this save and return the conflict with the row as it is stored now."""
    db.session.rollback()
    current = db.session.scalar(
        select(SelfAssessment)
        .where(SelfAssessment.participant_id == participant.id, SelfAssessment.indicator_code == indicator_code)
        .execution_options(populate_existing=True)
    )
    return SaveConflict(current)


@dataclass(frozen=True, slots=True)
class UploadResult:
    """The evidence row of an upload and whether this request created it (False: the same file was there)."""

    evidence: Evidence
    created: bool


def add_evidence_file(
    participant: Participant,
    rubric: Rubric,
    indicator_code: str,
    data: bytes,
    filename: str | None,
    user: User,
    now: datetime,
    store: EvidenceStore,
    max_bytes: int,
) -> UploadResult:
    """Store an uploaded evidence file for one indicator.

    - The file is checked by :func:`assessment.services.evidence.inspect_upload`; a refused file stores nothing.
    - Uploading the same bytes again for the same indicator (a retry after a dropped connection, a double tap)
      returns the evidence already there: one row, one stored file.
    - The same bytes already uploaded by another desa (in any competition) flag both uploads
      (``duplicate_of_other_desa``) for the assessors; the upload is still accepted.
    - If saving the row fails, files this upload stored and no row refers to are removed again.
    """
    _require_open(participant, now)
    rubric.indicator(indicator_code)
    inspected = inspect_upload(data, filename, max_bytes=max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    existing = _active_copy(participant, indicator_code, sha256)
    if existing is not None:
        return UploadResult(existing, False)
    new_keys: list[str] = []
    try:
        # ``put`` also marks a copy already stored as just stored, so the sweep of unreferenced files
        # (assessment.services.sweep) leaves it alone until this upload's row refers to it.
        if not store.exists(sha256):
            new_keys.append(sha256)
        store.put(data)
        display_sha256 = None
        if inspected.display_copy is not None:
            display_key = hashlib.sha256(inspected.display_copy).hexdigest()
            if not store.exists(display_key):
                new_keys.append(display_key)
            store.put(inspected.display_copy)
            display_sha256 = display_key
        others = list(
            db.session.scalars(
                select(Evidence)
                .join(Participant, Evidence.participant_id == Participant.id)
                .where(
                    Evidence.sha256 == sha256,
                    Evidence.status == EvidenceStatus.aktif,
                    Participant.desa_code != participant.desa_code,
                )
            )
        )
        for other in others:
            other.duplicate_of_other_desa = True
        evidence = Evidence(
            participant_id=participant.id,
            indicator_code=indicator_code,
            kind=EvidenceKind.file,
            sha256=sha256,
            size=inspected.size,
            media_type=inspected.media_type,
            display_sha256=display_sha256,
            original_name=inspected.display_name,
            metadata_json=inspected.metadata or None,
            uploaded_by_id=user.id,
            uploaded_at=now,
            duplicate_of_other_desa=bool(others),
        )
        db.session.add(evidence)
        db.session.flush()
        record_event("evidence.upload", target=f"evidence:{evidence.id}", after=_evidence_state(evidence), actor=user)
        db.session.commit()
    except IntegrityError:
        # The index uq_evidence_active_file refused a second active copy: a simultaneous request (a double tap,
        # a retry racing the original) stored this file for this indicator first, so this upload is its retry.
        db.session.rollback()
        _remove_unreferenced(store, new_keys)
        existing = _active_copy(participant, indicator_code, sha256)
        if existing is None:
            raise
        return UploadResult(existing, False)
    except BaseException:
        db.session.rollback()
        _remove_unreferenced(store, new_keys)
        raise
    return UploadResult(evidence, True)


def _active_copy(participant: Participant, indicator_code: str, sha256: str) -> Evidence | None:
    return db.session.scalar(
        select(Evidence).where(
            Evidence.participant_id == participant.id,
            Evidence.indicator_code == indicator_code,
            Evidence.sha256 == sha256,
            Evidence.kind == EvidenceKind.file,
            Evidence.status == EvidenceStatus.aktif,
        )
    )


def _evidence_state(evidence: Evidence) -> dict[str, object]:
    return {
        "participant": evidence.participant_id,
        "indicator": evidence.indicator_code,
        "kind": evidence.kind,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "media_type": evidence.media_type,
        "name": evidence.original_name,
        "url": evidence.url,
        "status": evidence.status,
        "duplicate_of_other_desa": evidence.duplicate_of_other_desa,
    }


def _remove_unreferenced(store: EvidenceStore, keys: list[str]) -> None:
    for key in keys:
        try:
            referenced = db.session.scalar(
                select(Evidence.id).where((Evidence.sha256 == key) | (Evidence.display_sha256 == key)).limit(1)
            )
            if referenced is None:
                store.delete(key)
        except Exception:
            log.exception("Could not clean up stored evidence %s after a failed upload", key)


def add_evidence_link(
    participant: Participant, rubric: Rubric, indicator_code: str, url: str, user: User, now: datetime
) -> UploadResult:
    """Record a link as evidence (http or https only); the same link twice for one indicator is kept once."""
    _require_open(participant, now)
    rubric.indicator(indicator_code)
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > URL_MAX:
        raise ValueError("tautan tidak valid")
    existing = db.session.scalar(
        select(Evidence).where(
            Evidence.participant_id == participant.id,
            Evidence.indicator_code == indicator_code,
            Evidence.kind == EvidenceKind.url,
            Evidence.url == url,
            Evidence.status == EvidenceStatus.aktif,
        )
    )
    if existing is not None:
        return UploadResult(existing, False)
    evidence = Evidence(
        participant_id=participant.id,
        indicator_code=indicator_code,
        kind=EvidenceKind.url,
        url=url,
        uploaded_by_id=user.id,
        uploaded_at=now,
        status=EvidenceStatus.aktif,
        duplicate_of_other_desa=False,
    )
    db.session.add(evidence)
    db.session.flush()
    record_event("evidence.link", target=f"evidence:{evidence.id}", after=_evidence_state(evidence), actor=user)
    enqueue_capture(evidence.id)
    db.session.commit()
    return UploadResult(evidence, True)


def remove_evidence(evidence: Evidence, now: datetime) -> None:
    """Take evidence off the self-assessment; the row and the file stay for the audit trail (status ``dihapus``).

    The "same file as another desa" flag of the remaining copies is worked out again
    (:func:`refresh_duplicate_flags`): a copy whose only twin was this one loses it.
    """
    _require_open(evidence.participant, now)
    before = evidence.status
    evidence.status = EvidenceStatus.dihapus
    if evidence.sha256:
        db.session.flush()
        refresh_duplicate_flags(evidence.sha256)
    record_event(
        "evidence.remove",
        target=f"evidence:{evidence.id}",
        before={"status": before},
        after={
            "status": evidence.status,
            "participant": evidence.participant_id,
            "indicator": evidence.indicator_code,
            "sha256": evidence.sha256,
        },
    )
    db.session.commit()


def refresh_duplicate_flags(sha256: str) -> None:
    """Set ``duplicate_of_other_desa`` on every active copy of the file ``sha256``: true exactly when an active copy
    is held by another desa (removed copies no longer count). Written by the caller's commit."""
    copies = list(
        db.session.scalars(
            select(Evidence)
            .join(Participant, Evidence.participant_id == Participant.id)
            .where(
                Evidence.sha256 == sha256, Evidence.kind == EvidenceKind.file, Evidence.status == EvidenceStatus.aktif
            )
        )
    )
    for item in copies:
        others = any(other.participant.desa_code != item.participant.desa_code for other in copies)
        item.duplicate_of_other_desa = others


class SubmissionIncomplete(Exception):
    """Some indicators have no level yet; ``codes`` lists them."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


def submit_self_assessment(participant: Participant, rubric: Rubric, now: datetime) -> bool:
    """Submit the self-assessment for the completeness check; it then locks. True if this call submitted it.

    - Only before the deadline (:func:`~assessment.desa.rules.self_assessment_window`).
    - Every indicator must have a level.
    - A double submit (two taps, two tabs, a resent form) gives one result: the second finds the submission
      already made (or loses the optimistic-lock race on ``Participant.version``) and changes nothing.
    """
    if participant.status not in (SubmissionStatus.draf, SubmissionStatus.dikembalikan):
        return False
    # No row hold here: the submission itself is the guarded write (the version check on ``Participant``).
    _require_open(participant, now, hold=False)
    levels = {row.indicator_code: row.level for row in participant.self_assessments}
    explanations = {row.indicator_code: row.explanation for row in participant.self_assessments}
    progress = indicator_progress(rubric, levels, explanations, {})
    blocking = [item.indicator.code for item in progress if item.blocks_submission]
    if blocking:
        raise SubmissionIncomplete(blocking)
    before = participant.status
    participant.status = SubmissionStatus.diajukan
    participant.submitted_at = now
    record_event(
        "self_assessment.submit",
        target=f"participant:{participant.id}",
        before={"status": before},
        after={"status": participant.status, "submitted_at": now, "desa": participant.desa_code},
    )
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True
