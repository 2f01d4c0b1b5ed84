"""Approaching-deadline reminders: inbox items (and e-mail when SMTP is configured) to whoever must still act.

Two rules, each written once in its function's docstring:

- :func:`plan_deadline_reminders`, the reminders before every deadline (H-7, H-3, H-1 by default): the background
  worker runs it every 15 minutes (no cron), and ``desa-digital notifications deadlines`` runs it at once.
- :func:`send_deadline_reminders`, the older "a stage ends within N hours" pass, kept for
  ``desa-digital notifications deadlines --hours N`` run from cron.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from assessment.field.operations import finalists_of
from assessment.jobs.settings import DEFAULT_REMINDER_DAYS
from assessment.models import (
    Assignment,
    Competition,
    FieldLevel,
    Notification,
    Participant,
    Reconciliation,
    Role,
    RoleGrant,
    SelfAssessment,
    Stage,
    StageCode,
    SubmissionStatus,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.wita import WITA, format_wita
from assessment.repo import reconciliation_items, rubric_of
from assessment.services.audit import record_event
from assessment.services.notifications import notify, operators_of
from assessment.services.security import region_within, user_can_access_region

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
                    people.setdefault(
                        user.id,
                        (
                            user,
                            f"ajukan penilaian mandiri Desa {participant.region.name}",
                            f"/desa/peserta/{participant.id}",
                        ),
                    )
        return people
    assignments = db.session.scalars(
        select(Assignment)
        .join(Participant, Assignment.participant_id == Participant.id)
        .where(Participant.competition_id == competition.id, Assignment.withdrawn_at.is_(None))
        .order_by(Assignment.id)
    ).unique()
    if stage is StageCode.penilaian_dokumen:
        for assignment in assignments:
            if assignment.submitted_at is None:
                people.setdefault(
                    assignment.assessor_id,
                    (
                        assignment.assessor,
                        f"ajukan penilaian dokumen Desa {assignment.participant.region.name}",
                        f"/asesor/penugasan/{assignment.id}",
                    ),
                )
        return people
    finalists = set(finalists_of(competition))
    indicator_count = len(rubric_of(competition.rubric).indicators)
    recorded: dict[int, int] = {}
    for participant_id in db.session.scalars(select(FieldLevel.participant_id).where(FieldLevel.level.is_not(None))):
        recorded[participant_id] = recorded.get(participant_id, 0) + 1
    for assignment in assignments:
        participant = assignment.participant
        if participant.desa_code in finalists and recorded.get(participant.id, 0) < indicator_count:
            people.setdefault(
                assignment.assessor_id,
                (
                    assignment.assessor,
                    f"lengkapi klarifikasi lapangan Desa {participant.region.name}",
                    f"/lapangan/penugasan/{assignment.id}",
                ),
            )
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
      (:mod:`assessment.services.notifications`). Committee exceptions past a stage's end are not reminded.

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
            done = set(
                db.session.scalars(
                    select(Notification.user_id).where(Notification.kind.in_([kind, f"deadline:{stage.id}"]))
                )
            )
            people = _still_to_act(competition, stage.code)
            for user_id in sorted(people):
                user, task, link = people[user_id]
                if user_id in done or not user.active:
                    continue
                notify(
                    [user],
                    kind,
                    f"Tenggat {STAGE_WORDS[stage.code]} {competition.name}: "
                    f"{format_wita(stage.ends_at)}. Mohon {task} sebelum tenggat.",
                    link,
                )
                sent.append(Reminder(user_id, competition.id, stage.code))
    if sent:
        record_event(
            "notification.deadlines",
            target="notification:deadline",
            after={"hours": hours, "sent": [[r.user_id, r.competition_id, r.stage] for r in sent]},
        )
    db.session.commit()
    return sent


# --------------------------------------------------------------------------------------------------------------
# Reminders before every deadline (issue 15), run by the background worker
# --------------------------------------------------------------------------------------------------------------

REMINDER_JOB = "deadline.reminders"
REMINDER_HOUR = time(8, 0)
"""The WITA time of day a reminder becomes due: the start of the office day, never at night."""

PLANNED_STAGES = (
    StageCode.penilaian_mandiri,
    StageCode.verifikasi_kelengkapan,
    StageCode.penilaian_dokumen,
    StageCode.rekonsiliasi,
    StageCode.klarifikasi_lapangan,
)
PLANNED_STAGE_WORDS = {
    **STAGE_WORDS,
    StageCode.verifikasi_kelengkapan: "verifikasi kelengkapan",
    StageCode.rekonsiliasi: "rekonsiliasi",
}
REVIEWER_ROLES = (Role.verifikator_kecamatan, Role.dpmd)


def last_day(stage: Stage) -> date:
    """The last day of a stage as people in Kalimantan Timur count it: the WITA date of the last moment it is open
    (a stage ending at 00:00 WITA on 15 December has 14 December, "pukul 24.00", as its last day)."""
    return (stage.ends_at - timedelta(microseconds=1)).astimezone(WITA).date()


def reminder_due_at(stage: Stage, days: int) -> datetime:
    """When the reminder ``days`` before ``stage``'s deadline is due: 08.00 WITA on the last day minus ``days``."""
    return datetime.combine(last_day(stage) - timedelta(days=days), REMINDER_HOUR, tzinfo=WITA)


def current_offset(stage: Stage, now: datetime, offsets: Sequence[int]) -> int | None:
    """The offset whose reminder is due now: the latest one already due (smallest number of days), or None."""
    due = [days for days in offsets if reminder_due_at(stage, days) <= now]
    return min(due) if due else None


def planned_kind(stage: Stage, days: int) -> str:
    """The inbox kind marking one planned reminder: the stage, its last day and the offset
    (``deadline:12:2026-12-14:3``)."""
    return f"deadline:{stage.id}:{last_day(stage).isoformat()}:{days}"


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One planned reminder sent: to whom, for which stage, how many days before its last day."""

    user_id: int
    competition_id: int
    stage: StageCode
    days: int


def _users_with(roles: Iterable[Role]) -> list[tuple[User, RoleGrant]]:
    rows = db.session.execute(
        select(User, RoleGrant)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_(list(roles)), User.active.is_(True))
        .order_by(User.id, RoleGrant.id)
    ).all()
    return [(user, grant) for user, grant in rows]


def _tasks(competition: Competition, stage: StageCode) -> dict[int, tuple[User, str, str]]:
    """Who has unfinished work in ``stage`` and what: user id -> (user, the task in words, the page to act on)."""
    people: dict[int, tuple[User, str, str]] = {}
    participants = list(
        db.session.scalars(
            select(Participant).where(Participant.competition_id == competition.id).order_by(Participant.desa_code)
        )
    )
    if stage is StageCode.penilaian_mandiri:
        indicators = len(rubric_of(competition.rubric).indicators)
        filled: dict[int, int] = dict(
            db.session.execute(
                select(SelfAssessment.participant_id, func.count(SelfAssessment.id))
                .join(Participant, SelfAssessment.participant_id == Participant.id)
                .where(Participant.competition_id == competition.id, SelfAssessment.level.is_not(None))
                .group_by(SelfAssessment.participant_id)
            ).all()
        )
        for participant in participants:
            if participant.status not in (SubmissionStatus.draf, SubmissionStatus.dikembalikan):
                continue
            missing = max(indicators - filled.get(participant.id, 0), 0)
            task = (
                f"Desa {participant.region.name} masih kurang {missing} dari {indicators} indikator: "
                "lengkapi lalu ajukan penilaian mandiri"
                if missing
                else f"Semua indikator Desa {participant.region.name} sudah terisi: ajukan penilaian mandiri"
            )
            for user in operators_of(participant.desa_code):
                people.setdefault(user.id, (user, task, f"/desa/peserta/{participant.id}"))
        return people
    if stage is StageCode.verifikasi_kelengkapan:
        waiting = [p.desa_code for p in participants if p.status is SubmissionStatus.diajukan]
        reviewers: dict[int, User] = {}
        theirs: dict[int, set[str]] = {}
        for user, grant in _users_with(REVIEWER_ROLES):
            reviewers[user.id] = user
            theirs.setdefault(user.id, set()).update(code for code in waiting if region_within(code, grant.region_code))
        for user_id, codes in theirs.items():
            if codes:
                people[user_id] = (
                    reviewers[user_id],
                    f"{len(codes)} pengajuan menunggu verifikasi kelengkapan",
                    "/kelengkapan/?status=diajukan",
                )
        return people
    if stage is StageCode.penilaian_dokumen:
        open_work: dict[int, list[Assignment]] = {}
        for assignment in db.session.scalars(
            select(Assignment)
            .join(Participant, Assignment.participant_id == Participant.id)
            .where(
                Participant.competition_id == competition.id,
                Assignment.withdrawn_at.is_(None),
                Assignment.submitted_at.is_(None),
            )
            .order_by(Assignment.id)
        ).unique():
            open_work.setdefault(assignment.assessor_id, []).append(assignment)
        for assignments in open_work.values():
            first = assignments[0]
            if len(assignments) == 1:
                people[first.assessor_id] = (
                    first.assessor,
                    f"Mohon ajukan penilaian dokumen Desa {first.participant.region.name}",
                    f"/asesor/penugasan/{first.id}",
                )
            else:
                people[first.assessor_id] = (
                    first.assessor,
                    f"{len(assignments)} penilaian dokumen belum diajukan",
                    "/asesor/",
                )
        return people
    if stage is StageCode.rekonsiliasi:
        agreed = {
            (r.participant_id, r.indicator_code)
            for r in db.session.scalars(
                select(Reconciliation)
                .join(Participant, Reconciliation.participant_id == Participant.id)
                .where(Participant.competition_id == competition.id)
            )
        }
        by_code = {p.desa_code: p.id for p in participants}
        pending = [
            code
            for code, indicator, _spread in reconciliation_items(competition, rubric_of(competition.rubric))
            if (by_code.get(code), indicator) not in agreed
        ]
        leads = {user.id: user for user, _grant in _users_with((Role.ketua_tim,))}
        for lead in leads.values():
            # A conflict of interest takes a desa out of a lead's hands (and out of the count).
            count = sum(user_can_access_region(lead, code, (Role.ketua_tim,)) for code in pending)
            if count:
                people[lead.id] = (lead, f"{count} butir menunggu rekonsiliasi", f"/ketua-tim/lomba/{competition.id}")
        return people
    return {
        user_id: (user, f"Mohon {task}", link)
        for user_id, (user, task, link) in _still_to_act(competition, stage).items()
    }


def plan_deadline_reminders(now: datetime, offsets: Sequence[int] = DEFAULT_REMINDER_DAYS) -> list[PlannedReminder]:
    """Remind, before each deadline, everyone who still has unfinished work in an open stage.

    The rule:

    - **When.** The last day of a stage is the WITA date of its last open moment (:func:`last_day`). The reminder
      ``d`` days before (``REMINDER_DAYS``, default 7, 3 and 1: H-7, H-3, H-1 as offices count) is due from
      08.00 WITA on the last day minus ``d`` days (:func:`reminder_due_at`).
    - **Only the latest due offset.** At any moment only the offset most recently due is sent
      (:func:`current_offset`): whoever missed H-7 (a stage that opened five days before its end, a worker that
      was stopped) gets H-3 at H-3, never two reminders at once.
    - **Open stages only.** Only stages open at ``now`` (started, not ended); nobody is reminded of a closed stage.
    - **Unfinished work only, checked when due.** Operators of a desa whose self-assessment is a draft or was
      returned (naming how many indicators still have no level) in penilaian mandiri; verifikator kecamatan and
      DPMD with submitted self-assessments in their region waiting for the completeness check (how many) in
      verifikasi kelengkapan; assessors with active assignments not yet submitted in penilaian dokumen; the ketua
      tim with flagged items not yet reconciled (how many, desa they have a conflict with left out) in
      rekonsiliasi; visiting assessors of finalists without every field level in klarifikasi lapangan. Work done
      before the reminder is due means no reminder.
    - **Once per person per offset.** The inbox kind ``deadline:<stage id>:<last day>:<d>`` (:func:`planned_kind`)
      marks each one sent, however often this runs and however many workers run it.
    - **Re-planned from the stage dates.** Nothing is stored ahead: each run reads the stages as they are, so a
      schedule change needs nothing special. A deadline moved to another day has a new last day, so its
      reminders are sent again from the new dates; moving it back to a day already reminded repeats nothing.
    - Inactive accounts get nothing. E-mail follows the inbox item when SMTP is configured.

    Returns the reminders sent (competition, stage, user order) and commits; audited when it sent any.
    """
    offsets = sorted({days for days in offsets if days > 0}, reverse=True)
    sent: list[PlannedReminder] = []
    for competition in db.session.scalars(select(Competition).order_by(Competition.id)):
        for stage in competition.stages:
            if stage.code not in PLANNED_STAGES or not stage.is_open(now):
                continue
            days = current_offset(stage, now, offsets)
            if days is None:
                continue
            kind = planned_kind(stage, days)
            done = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))
            people = _tasks(competition, stage.code)
            for user_id in sorted(people):
                user, task, link = people[user_id]
                if user_id in done or not user.active:
                    continue
                notify(
                    [user],
                    kind,
                    f"Pengingat H-{days}: tenggat {PLANNED_STAGE_WORDS[stage.code]} "
                    f"{competition.name} {format_wita(stage.ends_at)}. {task}.",
                    link,
                )
                sent.append(PlannedReminder(user_id, competition.id, stage.code, days))
    if sent:
        record_event(
            "notification.reminders",
            target="notification:deadline",
            after={"sent": [[r.user_id, r.competition_id, r.stage, r.days] for r in sent]},
        )
    db.session.commit()
    return sent
