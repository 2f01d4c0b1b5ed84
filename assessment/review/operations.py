"""Verbs of the completeness check; each owns its commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from assessment.models import Participant, ReviewDecision, SubmissionReview, SubmissionStatus, User
from assessment.platform.extensions import db
from assessment.services.audit import record_event
from assessment.services.notifications import notify, operators_of

REASON_MAX = 2000


class NotReviewable(Exception):
    """The submission is not waiting for a completeness check (not submitted, or already decided)."""


def _decide(
    participant: Participant, reviewer: User, decision: ReviewDecision, reason: str, now: datetime
) -> SubmissionReview:
    """Record a completeness decision on a submitted self-assessment.

    - Only a submission that is ``diajukan`` can be decided; a decision on one already decided (a second tap, a
      colleague faster) raises :class:`NotReviewable` and changes nothing.
    - ``lengkap`` keeps the self-assessment locked; ``dikembalikan`` unlocks it for the operator, who sees the
      reason and may fix and resubmit; the desa's operators also find it in their inbox.
    """
    if participant.status != SubmissionStatus.diajukan:
        raise NotReviewable
    review = SubmissionReview(
        participant_id=participant.id, decision=decision, reason=reason, reviewer_id=reviewer.id, created_at=now
    )
    db.session.add(review)
    before = participant.status
    participant.status = (
        SubmissionStatus.lengkap if decision == ReviewDecision.lengkap else SubmissionStatus.dikembalikan
    )
    record_event(
        f"review.{decision.value}",
        target=f"participant:{participant.id}",
        before={"status": before},
        after={"status": participant.status, "reason": reason, "desa": participant.desa_code},
        actor=reviewer,
    )
    if decision == ReviewDecision.dikembalikan:
        notify(
            operators_of(participant.desa_code),
            "submission_returned",
            f"Penilaian mandiri Desa {participant.region.name} dikembalikan untuk perbaikan: {reason}",
            f"/desa/peserta/{participant.id}",
        )
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise NotReviewable from error
    return review


def mark_complete(participant: Participant, reviewer: User, now: datetime) -> SubmissionReview:
    """Mark a submission complete (``lengkap``)."""
    return _decide(participant, reviewer, ReviewDecision.lengkap, "", now)


def return_for_revision(participant: Participant, reviewer: User, reason: str, now: datetime) -> SubmissionReview:
    """Return a submission to the desa for revision; the reason (required, at most 2,000 characters) is shown to it."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValueError("alasan wajib diisi, paling panjang 2000 karakter")
    return _decide(participant, reviewer, ReviewDecision.dikembalikan, reason, now)
