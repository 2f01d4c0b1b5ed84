"""Approaching-deadline reminders: inbox items (and e-mail when SMTP is configured) to whoever must still act.

The rule is written once, in the docstring of :func:`send_deadline_reminders`; ``desa-digital notifications
deadlines`` runs it (from cron, for example every hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from assessment.audit import record_event
from assessment.extensions import db
from assessment.field.operations import finalists_of
from assessment.models import (
    Assignment,
    Competition,
    FieldLevel,
    Notification,
    Participant,
    Stage,
    StageCode,
    SubmissionStatus,
    User,
)
from assessment.notifications import notify, operators_of
from assessment.repo import rubric_of
from assessment.wita import format_wita

REMINDED_STAGES = (StageCode.penilaian_mandiri, StageCode.penilaian_dokumen, StageCode.klarifikasi_lapangan)
STAGE_WORDS = {
    StageCode.penilaian_mandiri: "penilaian mandiri",
    StageCode.penilaian_dokumen: "penilaian dokumen",
    StageCode.klarifikasi_lapangan: "klarifikasi lapangan",
}


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder sent: to whom, for which stage of which competition."""

    user_id: int
    competition_id: int
    stage: StageCode


def reminder_kind(stage: Stage) -> str:
    """The inbox kind that marks a reminder for one stage's deadline (of one competition): at most one per person
    and deadline. The deadline is part of it (seconds since the epoch), so a deadline the committee moves
    (:func:`assessment.competitions.schedule_operations.change_schedule`) is reminded again before its new end."""
    return f"deadline:{stage.id}:{int(stage.ends_at.timestamp())}"


def _still_to_act(competition: Competition, stage: StageCode) -> dict[int, tuple[User, str, str]]:
    """Who must still act before ``stage`` ends: user id -> (user, what they must do, link)."""
    people: dict[int, tuple[User, str, str]] = {}
    participants = list(db.session.scalars(select(Participant).where(Participant.competition_id == competition.id)))
    if stage is StageCode.penilaian_mandiri:
        for participant in participants:
            if participant.status in (SubmissionStatus.draf, SubmissionStatus.dikembalikan):
                for user in operators_of(participant.desa_code):
                    people.setdefault(user.id, (user, f"ajukan penilaian mandiri Desa {participant.region.name}",
                                                f"/desa/peserta/{participant.id}"))
        return people
    assignments = db.session.scalars(
        select(Assignment).join(Participant, Assignment.participant_id == Participant.id)
        .where(Participant.competition_id == competition.id, Assignment.withdrawn_at.is_(None))
        .order_by(Assignment.id)).unique()
    if stage is StageCode.penilaian_dokumen:
        for assignment in assignments:
            if assignment.submitted_at is None:
                people.setdefault(assignment.assessor_id, (
                    assignment.assessor, f"ajukan penilaian dokumen Desa {assignment.participant.region.name}",
                    f"/asesor/penugasan/{assignment.id}"))
        return people
    finalists = set(finalists_of(competition))
    indicator_count = len(rubric_of(competition.rubric).indicators)
    recorded: dict[int, int] = {}
    for participant_id in db.session.scalars(
            select(FieldLevel.participant_id).where(FieldLevel.level.is_not(None))):
        recorded[participant_id] = recorded.get(participant_id, 0) + 1
    for assignment in assignments:
        participant = assignment.participant
        if participant.desa_code in finalists and recorded.get(participant.id, 0) < indicator_count:
            people.setdefault(assignment.assessor_id, (
                assignment.assessor, f"lengkapi klarifikasi lapangan Desa {participant.region.name}",
                f"/lapangan/penugasan/{assignment.id}"))
    return people


def send_deadline_reminders(now: datetime, hours: int) -> list[Reminder]:
    """Remind the people who still have to act before a stage ends.

    The rule:

    - A stage is *ending* when it is open at ``now`` and ends within ``hours`` (``ends_at - now <= hours``).
    - Who is reminded: for penilaian mandiri, the operators of every desa whose self-assessment is a draft or was
      returned; for penilaian dokumen, every assessor with an active assignment not yet submitted; for
      klarifikasi lapangan, every assessor with an active assignment to a finalist desa that does not yet have a
      field level on every indicator.
    - Never twice: a person gets at most one reminder per stage deadline of a competition, however often this
      runs (the inbox item's kind ``deadline:<stage id>:<deadline>`` is the mark). A deadline the committee moves
      is a new deadline: it is reminded again before its new end (the change itself was announced to the same
      people when it was made).
    - Inactive accounts get nothing. E-mail follows the inbox item when SMTP is configured
      (:mod:`assessment.notifications`). Committee exceptions past a stage's end are not reminded.

    Returns the reminders sent, in competition, stage, user order; the run is audited when it sent any.
    """
    if hours < 1:
        raise ValueError("hours must be at least 1")
    horizon = now + timedelta(hours=hours)
    sent: list[Reminder] = []
    for competition in db.session.scalars(select(Competition).order_by(Competition.id)):
        for stage in competition.stages:
            if stage.code not in REMINDED_STAGES or not stage.is_open(now) or stage.ends_at > horizon:
                continue
            kind = reminder_kind(stage)
            # ``deadline:<stage id>`` marks a reminder sent before deadlines could move (one per stage then).
            done = set(db.session.scalars(select(Notification.user_id).where(
                Notification.kind.in_([kind, f"deadline:{stage.id}"]))))
            people = _still_to_act(competition, stage.code)
            for user_id in sorted(people):
                user, task, link = people[user_id]
                if user_id in done or not user.active:
                    continue
                notify([user], kind, f"Tenggat {STAGE_WORDS[stage.code]} {competition.name}: "
                                     f"{format_wita(stage.ends_at)}. Mohon {task} sebelum tenggat.", link)
                sent.append(Reminder(user_id, competition.id, stage.code))
    if sent:
        record_event("notification.deadlines", target="notification:deadline",
                     after={"hours": hours, "sent": [[r.user_id, r.competition_id, r.stage] for r in sent]})
    db.session.commit()
    return sent
