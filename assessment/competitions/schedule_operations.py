"""The committee's verb on a competition's schedule: change stage dates (it owns its commit).

The rules of what may move are in :func:`assessment.competitions.rescheduling.plan_schedule_change`; who is told
is written in :func:`change_schedule`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import select, update

from assessment.competitions.rescheduling import ScheduleRefused, StageDates, StageMove, plan_schedule_change
from assessment.models import (
    Assignment,
    Competition,
    Participant,
    Role,
    RoleGrant,
    ScheduleChange,
    ScheduleChangeStage,
    Stage,
    StageCode,
    SubmissionStatus,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.wita import format_wita
from assessment.services.audit import record_event
from assessment.services.fanout import USER_PREFIX, enqueue_fanout
from assessment.services.security import region_within
from assessment.services.stages import STAGE_NAMES

# Who a moved stage concerns, besides the rest of the committee (see change_schedule).
OPERATORS, RETURNED_OPERATORS, REVIEWERS, ASSESSORS, ASSIGNED_ASSESSORS, TEAM_LEADS, DPMD = (
    "operators",
    "returned_operators",
    "reviewers",
    "assessors",
    "assigned_assessors",
    "team_leads",
    "dpmd",
)
AUDIENCES: dict[StageCode, tuple[str, ...]] = {
    StageCode.pendaftaran: (DPMD,),
    StageCode.penilaian_mandiri: (OPERATORS, REVIEWERS),
    StageCode.verifikasi_kelengkapan: (REVIEWERS, RETURNED_OPERATORS),
    StageCode.penilaian_dokumen: (ASSESSORS, TEAM_LEADS),
    StageCode.rekonsiliasi: (TEAM_LEADS,),
    StageCode.klarifikasi_lapangan: (ASSIGNED_ASSESSORS, TEAM_LEADS),
    StageCode.pleno: (TEAM_LEADS,),
    StageCode.pengumuman_sementara: (OPERATORS,),
    StageCode.masa_sanggah: (OPERATORS,),
    StageCode.penetapan: (OPERATORS,),
}
# Where each audience finds what the stage asks of it (app paths, as in every notification).
LINKS = {
    OPERATORS: "/desa/",
    RETURNED_OPERATORS: "/desa/",
    REVIEWERS: "/kelengkapan/",
    ASSESSORS: "/asesor/",
    ASSIGNED_ASSESSORS: "/asesor/",
    TEAM_LEADS: "/ketua-tim/",
    DPMD: "/beranda",
    "committee": "/panitia/lomba",
}


def current_schedule(competition: Competition) -> dict[StageCode, StageDates]:
    """The competition's stages as the planner reads them."""
    return {stage.code: StageDates(stage.starts_at, stage.ends_at) for stage in competition.stages}


def change_schedule(
    competition: Competition,
    requested: Mapping[StageCode, tuple[date, date]],
    reason: str,
    now: datetime,
    *,
    by: User | None = None,
    shift_later: bool = False,
) -> ScheduleChange:
    """Move stages of ``competition`` to the ``requested`` days, for a written ``reason``.

    Refused with :class:`~assessment.competitions.rescheduling.ScheduleRefused` (nothing changes) when a rule of
    :func:`~assessment.competitions.rescheduling.plan_schedule_change` is broken. Otherwise, in one commit: the
    stages move (a stage not scheduled before is added), the change is kept in the schedule's history
    (:class:`~assessment.models.ScheduleChange`, before and after of each stage), the audit trail records
    ``competition.schedule`` with the same before/after and reason, and the people each moved stage concerns are
    told in their inbox (and by e-mail when SMTP is set), once each, with every moved stage and the reason:

    - pendaftaran: DPMD of the kabupaten/kota in the competition's scope;
    - penilaian mandiri: the operators of every participating desa, and the verifikator kecamatan and DPMD over
      them;
    - verifikasi kelengkapan: the verifikator kecamatan and DPMD over the participating desa, and the operators of
      a desa whose self-assessment was returned (its revision deadline follows this stage);
    - penilaian dokumen: every active asesor over the scope and the ketua tim;
    - rekonsiliasi and pleno: the ketua tim; klarifikasi lapangan: the assigned assessors and the ketua tim;
    - pengumuman sementara, masa sanggah and penetapan: the operators of every participating desa;
    - every change: the other committee members over the scope.
    """
    # Hold the competition row while deciding, so two committee members changing the schedule at once are
    # decided one after the other, each on the schedule the other left.
    db.session.execute(
        update(Competition)
        .where(Competition.id == competition.id)
        .values(name=Competition.name)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(competition, ["stages"])
    for held in competition.stages:
        db.session.refresh(held)
    current = current_schedule(competition)
    try:
        moves = plan_schedule_change(current, requested, reason, now, shift_later=shift_later)
    except ScheduleRefused:
        db.session.rollback()  # let go of the row held above
        raise
    reason = reason.strip()

    def dates(move_dates: StageDates | None) -> list[datetime] | None:
        return [move_dates.starts_at, move_dates.ends_at] if move_dates else None

    # The event first: the history row is append-only, so it is written once, already naming who made it.
    event = record_event(
        "competition.schedule",
        target=f"competition:{competition.id}",
        before={move.code.value: dates(move.before) for move in moves},
        after={
            "stages": {move.code.value: dates(move.after) for move in moves},
            "shifted": [move.code.value for move in moves if move.shifted],
            "reason": reason,
        },
        actor=by,
    )
    change = ScheduleChange(
        competition_id=competition.id,
        reason=reason,
        changed_by_id=by.id if by else None,
        changed_by_label=event.actor_label,
        changed_at=now,
    )
    db.session.add(change)
    for move in moves:
        stage = competition.stage(move.code)
        if stage is None:
            competition.stages.append(Stage(code=move.code, starts_at=move.after.starts_at, ends_at=move.after.ends_at))
        else:
            stage.starts_at, stage.ends_at = move.after.starts_at, move.after.ends_at
        change.stages.append(
            ScheduleChangeStage(
                stage=move.code,
                before_starts_at=move.before.starts_at if move.before else None,
                before_ends_at=move.before.ends_at if move.before else None,
                after_starts_at=move.after.starts_at,
                after_ends_at=move.after.ends_at,
                shifted=move.shifted,
            )
        )
    db.session.flush()  # the fan-out's key names the change
    _notify(competition, moves, reason, by, f"schedule-fanout:{competition.id}:{change.id}")
    db.session.commit()
    return change


def describe_moves(competition: Competition, moves: Iterable[StageMove], reason: str) -> str:
    """The inbox text of a change (stored as written: Indonesian, like every notification)."""
    lines = [f"Panitia mengubah jadwal {competition.name} {competition.year}."]
    for move in moves:
        name = STAGE_NAMES[move.code]
        was = (
            f" (sebelumnya {move.before.first_day:%d-%m-%Y} s.d. {move.before.last_day:%d-%m-%Y})"
            if move.before
            else ""
        )
        lines.append(
            f"{name}: {move.after.first_day:%d-%m-%Y} s.d. {move.after.last_day:%d-%m-%Y}, "
            f"berakhir {format_wita(move.after.ends_at)}{was}."
        )
    lines.append(f"Alasan: {reason}")
    return "\n".join(lines)


def _notify(competition: Competition, moves: list[StageMove], reason: str, by: User | None, key: str) -> None:
    """Enqueue the message to everyone the change concerns: one job (:mod:`assessment.services.fanout`) writes each
    person's inbox message and copies, so a change that reaches every operator never makes the request wait."""
    audiences = {"committee"} | {audience for move in moves for audience in AUDIENCES[move.code]}
    people: dict[int, tuple[User, str]] = {}
    for audience in sorted(audiences, key=lambda name: name != "committee"):
        for user in _audience(competition, audience):
            if by is None or user.id != by.id:
                # The first audience decides the link: the committee's page for a colleague, else the role's page.
                people.setdefault(user.id, (user, LINKS[audience]))
    message = describe_moves(competition, moves, reason)
    entries = []
    for user, link in sorted(people.values(), key=lambda item: item[0].id):
        if link == LINKS["committee"]:
            link = f"/panitia/lomba/{competition.id}"
        entries.append((f"{USER_PREFIX}{user.id}", message, link))
    enqueue_fanout(key, "schedule_change", entries, competition.id)


def _holders(roles: Iterable[Role]) -> list[tuple[User, RoleGrant]]:
    """Every active account's grants of ``roles``."""
    wanted = set(roles)
    users = db.session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_(wanted), User.active.is_(True))
        .order_by(User.id)
    ).unique()
    return [(user, grant) for user in users for grant in user.grants if grant.role in wanted]


def _audience(competition: Competition, audience: str) -> list[User]:
    scope = competition.scope_region_code
    participants = list(db.session.scalars(select(Participant).where(Participant.competition_id == competition.id)))
    desa = {participant.desa_code for participant in participants}
    if audience in (OPERATORS, RETURNED_OPERATORS):
        codes = (
            desa
            if audience == OPERATORS
            else {
                participant.desa_code
                for participant in participants
                if participant.status == SubmissionStatus.dikembalikan
            }
        )
        return [user for user, grant in _holders([Role.operator_desa]) if grant.region_code in codes]
    if audience == REVIEWERS:
        return [
            user
            for user, grant in _holders([Role.verifikator_kecamatan, Role.dpmd])
            if any(region_within(code, grant.region_code) for code in desa)
        ]
    if audience == DPMD:
        return [user for user, grant in _holders([Role.dpmd]) if region_within(grant.region_code, scope)]
    if audience == ASSIGNED_ASSESSORS:
        return list(
            db.session.scalars(
                select(User)
                .join(Assignment, Assignment.assessor_id == User.id)
                .join(Participant, Assignment.participant_id == Participant.id)
                .where(
                    Participant.competition_id == competition.id,
                    Assignment.withdrawn_at.is_(None),
                    User.active.is_(True),
                )
            ).unique()
        )
    role = {ASSESSORS: Role.asesor, TEAM_LEADS: Role.ketua_tim, "committee": Role.panitia}[audience]
    return [
        user
        for user, grant in _holders([role])
        if region_within(scope, grant.region_code) or region_within(grant.region_code, scope)
    ]
