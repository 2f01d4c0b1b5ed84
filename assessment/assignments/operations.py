"""Verbs of the committee's verification work; each owns its commit and re-checks every rule itself."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from assessment.assignments.planning import AssignmentPlan, plan_assignments
from assessment.core.i18n import N_
from assessment.models import (
    DEFAULT_ASSESSORS_PER_DESA,
    Assignment,
    AssignmentMethod,
    Competition,
    Participant,
    Role,
    StageCode,
    StageException,
    SubmissionStatus,
    User,
    VerificationSettings,
    normalise_email,
)
from assessment.platform.extensions import db
from assessment.platform.wita import format_wita
from assessment.services.audit import record_event
from assessment.services.fanout import USER_PREFIX, enqueue_fanout
from assessment.services.notifications import notify, operators_of
from assessment.services.security import conflict_of_interest, region_within, user_can_access_region
from assessment.services.stages import Action, StageClosed, require_stage, stage_gate

REASON_MAX = 2000
CSV_MAX_BYTES = 1024 * 1024
CSV_COLUMNS = ("kode_desa", "email_asesor")


class AssignmentRefused(Exception):
    """An assignment breaks a rule; ``code`` says which (``conflict:<reason>``, ``not_assessor``, ``duplicate``,
    ``not_complete``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """A problem in an uploaded assignment CSV: its line number (1 = the header) and what is wrong."""

    line: int
    message: str


class CsvRejected(Exception):
    """The CSV has problems; nothing was assigned. ``problems`` lists every one."""

    def __init__(self, problems: list[CsvProblem]) -> None:
        super().__init__(f"{len(problems)} masalah")
        self.problems = problems


def assessors_per_desa(competition: Competition) -> int:
    """How many independent assessors each desa of the competition needs (default 2)."""
    settings = db.session.scalar(
        select(VerificationSettings).where(VerificationSettings.competition_id == competition.id)
    )
    return settings.assessors_per_desa if settings else DEFAULT_ASSESSORS_PER_DESA


def set_assessors_per_desa(competition: Competition, count: int) -> None:
    """Set N, the number of independent assessors each desa needs (at least 1)."""
    if count < 1:
        raise ValueError("paling sedikit satu asesor per desa")
    settings = db.session.scalar(
        select(VerificationSettings).where(VerificationSettings.competition_id == competition.id)
    )
    if settings is None:
        settings = VerificationSettings(competition_id=competition.id)
        db.session.add(settings)
    before = settings.assessors_per_desa
    settings.assessors_per_desa = count
    record_event("verification.assessors_per_desa", target=f"competition:{competition.id}", before=before, after=count)
    db.session.commit()


def active_assignments(competition: Competition) -> list[Assignment]:
    """Every assignment of the competition not withdrawn, by desa code then assessor name."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Participant, Assignment.participant_id == Participant.id)
            .join(User, Assignment.assessor_id == User.id)
            .where(Participant.competition_id == competition.id, Assignment.withdrawn_at.is_(None))
            .order_by(Participant.desa_code, User.name, User.id)
        ).unique()
    )


def eligible_assessors(competition: Competition) -> list[User]:
    """Active accounts holding the asesor role over the competition's region, by id."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    return [
        user
        for user in users
        if any(
            grant.role == Role.asesor and region_within(competition.scope_region_code, grant.region_code)
            for grant in user.grants
        )
    ]


def _check_assignable(participant: Participant, assessor: User) -> None:
    """The rules one assignment must meet (the stage is checked by the caller once per request)."""
    if participant.status != SubmissionStatus.lengkap:
        raise AssignmentRefused("not_complete")
    if not any(grant.role == Role.asesor for grant in assessor.grants) or not assessor.active:
        raise AssignmentRefused("not_assessor")
    reason = conflict_of_interest(assessor, participant.desa_code)
    if reason is not None:
        raise AssignmentRefused(f"conflict:{reason}")
    if not user_can_access_region(assessor, participant.desa_code, (Role.asesor,)):
        raise AssignmentRefused("not_assessor")
    existing = db.session.scalar(
        select(Assignment).where(Assignment.participant_id == participant.id, Assignment.assessor_id == assessor.id)
    )
    if existing is not None:
        raise AssignmentRefused("duplicate")


def assignable_assessors(participant: Participant, assessors: list[User]) -> tuple[list[User], list[tuple[User, str]]]:
    """Split ``assessors`` into those who may be assigned to ``participant`` and those who may not, each with the
    reason (:data:`REFUSAL_MESSAGES`): the same rules as a hand assignment, so a list offers only what will pass."""
    allowed: list[User] = []
    refused: list[tuple[User, str]] = []
    for assessor in assessors:
        try:
            _check_assignable(participant, assessor)
        except AssignmentRefused as refusal:
            refused.append((assessor, REFUSAL_MESSAGES[refusal.code]))
        else:
            allowed.append(assessor)
    return allowed, refused


def _open_for(competition: Competition, participants: list[Participant], now: datetime) -> set[int]:
    """The participants that may be assigned now: all of them while the assignment stages are open; otherwise only
    those with a committee exception, exactly as a hand assignment decides (:func:`stage_gate` per desa). Raises
    :class:`StageClosed` when none may."""
    gate = stage_gate(competition, Action.assign, now)
    if gate.allowed:
        return {p.id for p in participants}
    open_ids = {p.id for p in participants if stage_gate(competition, Action.assign, now, participant=p).allowed}
    if not open_ids:
        raise StageClosed(gate)
    return open_ids


def _notify_assigned(assignments: list[Assignment], competition: Competition | None = None) -> None:
    """Tell each assessor of a new assignment (inbox, and e-mail when configured). Many at once (automatic or CSV
    assignment, ``competition`` given) go through one fan-out job (:mod:`assessment.services.fanout`), so the request
    never waits for hundreds of messages; one by hand is written at once."""
    entries = []
    for assignment in assignments:
        participant = db.session.get(Participant, assignment.participant_id)
        assessor = db.session.get(User, assignment.assessor_id)
        if participant is None or assessor is None:
            continue
        entries.append(
            (
                assessor,
                f"Anda ditugaskan menilai Desa {participant.region.name} ({participant.desa_code}).",
                f"/asesor/penugasan/{assignment.id}",
            )
        )
    if competition is None:
        for assessor, text, link in entries:
            notify([assessor], "assignment", text, link)
    elif entries:
        enqueue_fanout(
            f"assign-fanout:{competition.id}:{min(a.id for a in assignments)}",
            "assignment",
            [(f"{USER_PREFIX}{assessor.id}", text, link) for assessor, text, link in entries],
            competition.id,
        )


def assign_assessor(
    participant: Participant,
    assessor: User,
    by: User,
    now: datetime,
    method: AssignmentMethod = AssignmentMethod.manual,
) -> Assignment:
    """Assign one assessor to one desa by hand.

    Refused (nothing changes) outside the assignment stages (:func:`assessment.services.stages.stage_gate`), for a desa
    whose submission is not ``lengkap``, for an account that is not an asesor over the desa, for an assessor with
    a conflict of interest (:func:`assessment.services.security.conflict_reason`), and for an assessor already assigned.
    """
    require_stage(participant.competition, Action.assign, now, participant=participant)
    _check_assignable(participant, assessor)
    assignment = Assignment(
        participant_id=participant.id, assessor_id=assessor.id, method=method, created_by_id=by.id, created_at=now
    )
    db.session.add(assignment)
    db.session.flush()
    record_event(
        "assignment.create",
        target=f"participant:{participant.id}",
        after={"assignment": assignment.id, "assessor": assessor.id, "method": method},
    )
    _notify_assigned([assignment])
    db.session.commit()
    return assignment


# Indonesian, marked for the catalogue: pages show them through _(), the CSV problem list as they are.
REFUSAL_MESSAGES = {
    "not_complete": N_("pengajuan desa belum dinyatakan lengkap"),
    "not_assessor": N_("akun ini bukan asesor untuk wilayah desa ini"),
    "duplicate": N_("asesor sudah ditugaskan ke desa ini"),
    "conflict:home_kabupaten": N_("konflik kepentingan: desa berada di kabupaten asal asesor"),
    "conflict:home_kecamatan": N_("konflik kepentingan: desa berada di kecamatan asal asesor"),
    "conflict:declared": N_("konflik kepentingan yang dinyatakan asesor"),
}


def import_assignments_csv(competition: Competition, data: bytes, by: User, now: datetime) -> list[Assignment]:
    """Assign from a CSV with the columns ``kode_desa,email_asesor`` (UTF-8, a BOM is fine, ``,`` or ``;``).

    Every row is checked like a hand assignment, the stage included: outside the assignment stages only desa with
    a committee exception may be assigned. Every problem is reported with its line number and, if there is any,
    nothing is assigned. A pair listed twice is one problem (the second line); so is a line with more fields than
    the header.
    """
    participants = {
        p.desa_code: p
        for p in db.session.scalars(select(Participant).where(Participant.competition_id == competition.id))
    }
    open_ids = _open_for(competition, list(participants.values()), now)
    if len(data) > CSV_MAX_BYTES:
        raise CsvRejected([CsvProblem(0, "berkas terlalu besar (paling besar 1 MB)")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRejected([CsvProblem(0, "berkas bukan teks UTF-8")]) from None
    sample = text.splitlines()[0] if text else ""
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise CsvRejected([CsvProblem(1, "kolom wajib tidak ada: " + ", ".join(missing))])
    reader.fieldnames = header
    users = {user.email: user for user in db.session.scalars(select(User))}
    problems: list[CsvProblem] = []
    planned: list[tuple[Participant, User]] = []
    seen: set[tuple[str, str]] = set()
    for row in reader:
        line = reader.line_num
        if None in row:
            # More fields than the header: a shifted or mis-delimited line, never guessed at.
            problems.append(CsvProblem(line, "jumlah kolom lebih banyak dari tajuk"))
            continue
        code = (row.get("kode_desa") or "").strip()
        email = normalise_email(row.get("email_asesor") or "")
        participant = participants.get(code)
        assessor = users.get(email)
        if participant is None:
            problems.append(CsvProblem(line, f"desa {code or '(kosong)'} bukan peserta lomba ini"))
            continue
        if assessor is None:
            problems.append(CsvProblem(line, f"tidak ada akun dengan email {email or '(kosong)'}"))
            continue
        if (code, email) in seen:
            problems.append(CsvProblem(line, f"pasangan {code} – {email} tertulis dua kali"))
            continue
        seen.add((code, email))
        if participant.id not in open_ids:
            problems.append(
                CsvProblem(line, f"{code}: tahap penugasan sudah ditutup untuk desa ini (tanpa pengecualian panitia)")
            )
            continue
        try:
            _check_assignable(participant, assessor)
        except AssignmentRefused as refused:
            problems.append(CsvProblem(line, f"{code} – {email}: {REFUSAL_MESSAGES[refused.code]}"))
            continue
        planned.append((participant, assessor))
    if not planned and not problems:
        problems.append(CsvProblem(1, "tidak ada baris penugasan"))
    if problems:
        raise CsvRejected(problems)
    created = [
        Assignment(
            participant_id=p.id, assessor_id=a.id, method=AssignmentMethod.csv, created_by_id=by.id, created_at=now
        )
        for p, a in planned
    ]
    db.session.add_all(created)
    db.session.flush()
    _notify_assigned(created, competition)
    record_event(
        "assignment.import_csv",
        target=f"competition:{competition.id}",
        after=[{"desa": p.desa_code, "assessor": a.id} for p, a in planned],
    )
    db.session.commit()
    return created


def assign_automatically(competition: Competition, by: User, now: datetime) -> AssignmentPlan:
    """Fill every complete desa up to N independent assessors (:func:`~.planning.plan_assignments`) and save it.

    Outside the assignment stages only the complete desa with a committee exception are filled, as by hand.
    """
    complete = list(
        db.session.scalars(
            select(Participant).where(
                Participant.competition_id == competition.id, Participant.status == SubmissionStatus.lengkap
            )
        )
    )
    open_ids = _open_for(competition, complete, now)
    participants = {p.desa_code: p for p in complete if p.id in open_ids}
    assessors = {user.id: user for user in eligible_assessors(competition)}
    existing: dict[str, set[int]] = {}
    load: dict[int, int] = {}
    all_rows = db.session.scalars(
        select(Assignment)
        .join(Participant, Assignment.participant_id == Participant.id)
        .where(Participant.competition_id == competition.id)
    ).unique()
    for assignment in all_rows:
        code = assignment.participant.desa_code
        # A withdrawn assignment still blocks the same pair (the assessor left that desa) but carries no load.
        existing.setdefault(code, set())
        if assignment.active:
            existing[code].add(assignment.assessor_id)
            load[assignment.assessor_id] = load.get(assignment.assessor_id, 0) + 1
    withdrawn = {
        (a.participant.desa_code, a.assessor_id)
        for a in db.session.scalars(
            select(Assignment)
            .join(Participant, Assignment.participant_id == Participant.id)
            .where(Participant.competition_id == competition.id, Assignment.withdrawn_at.is_not(None))
        ).unique()
    }

    def conflicted(assessor_id: int, desa_code: str) -> bool:
        return (desa_code, assessor_id) in withdrawn or conflict_of_interest(
            assessors[assessor_id], desa_code
        ) is not None

    plan = plan_assignments(
        sorted(participants), sorted(assessors), existing, assessors_per_desa(competition), conflicted, load
    )
    created = [
        Assignment(
            participant_id=participants[code].id,
            assessor_id=assessor_id,
            method=AssignmentMethod.otomatis,
            created_by_id=by.id,
            created_at=now,
        )
        for code, assessor_id in plan.pairs
    ]
    db.session.add_all(created)
    db.session.flush()
    _notify_assigned(created, competition)
    record_event(
        "assignment.automatic",
        target=f"competition:{competition.id}",
        after={"pairs": [list(pair) for pair in plan.pairs], "short": [list(s) for s in plan.short]},
    )
    db.session.commit()
    return plan


def open_exception(
    participant: Participant,
    stage: StageCode,
    indicator_code: str | None,
    reason: str,
    ends_at: datetime,
    by: User,
    now: datetime,
) -> StageException:
    """Open a committee exception: ``participant`` (or one indicator of it) may act in ``stage`` until ``ends_at``.

    A written reason is required (at most 2,000 characters) and the end must lie in the future; the exception is
    shown wherever the desa's results appear and is revoked, never deleted. An exception in the self-assessment
    stage (``penilaian_mandiri``) is for the whole desa (it opens the submission too); its operators are told
    the new deadline in their inbox.
    """
    exception = add_exception(participant, stage, indicator_code, reason, ends_at, by, now)
    db.session.commit()
    return exception


def add_exception(
    participant: Participant,
    stage: StageCode,
    indicator_code: str | None,
    reason: str,
    ends_at: datetime,
    by: User,
    now: datetime,
    **audit: object,
) -> StageException:
    """:func:`open_exception` inside the caller's transaction (not committed): the same rules, the same audit
    event (``audit`` adds to its record, e.g. the objection answer that opened it)."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValueError("alasan wajib diisi, paling panjang 2000 karakter")
    if ends_at <= now:
        raise ValueError("akhir pengecualian harus di masa depan")
    if stage is StageCode.penilaian_mandiri and indicator_code:
        raise ValueError("pengecualian penilaian mandiri berlaku untuk seluruh desa")
    exception = StageException(
        participant_id=participant.id,
        stage=stage,
        indicator_code=indicator_code or None,
        reason=reason,
        ends_at=ends_at,
        created_by_id=by.id,
        created_at=now,
    )
    db.session.add(exception)
    db.session.flush()
    record_event(
        "stage_exception.open",
        target=f"participant:{participant.id}",
        after={
            "exception": exception.id,
            "stage": stage,
            "indicator": exception.indicator_code,
            "reason": reason,
            "ends_at": ends_at,
            **audit,
        },
    )
    if stage is StageCode.penilaian_mandiri:
        notify(
            operators_of(participant.desa_code),
            "self_assessment_exception",
            f"Panitia memperpanjang penilaian mandiri Desa {participant.region.name} sampai "
            f"{format_wita(ends_at)}. Alasan: {reason}",
            f"/desa/peserta/{participant.id}",
        )
    return exception


def revoke_exception(exception: StageException, now: datetime) -> None:
    """End an exception now; the row stays, marked revoked."""
    if exception.revoked_at is None:
        exception.revoked_at = now
        record_event(
            "stage_exception.revoke",
            target=f"participant:{exception.participant_id}",
            after={"exception": exception.id},
        )
        db.session.commit()


class WithdrawalRefused(Exception):
    """An assignment cannot be withdrawn; ``code``: ``submitted`` or ``already``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def withdraw_assignment(assignment: Assignment, by: User, now: datetime) -> None:
    """The committee removes an assessor from a desa before the assessor submits.

    Allowed in the assignment stages (or under a committee exception for the desa); refused once the desk
    assessment is submitted (its scores are final: only a declared conflict ends a submitted one) and for an
    assignment already withdrawn. The row stays, marked withdrawn: its draft scores never count, the assessor can
    no longer open the desa, and the same assessor is not assigned to that desa again. The assessor is notified.
    """
    participant = assignment.participant
    require_stage(participant.competition, Action.assign, now, participant=participant)
    if assignment.withdrawn_at is not None:
        raise WithdrawalRefused("already")
    if assignment.submitted_at is not None:
        raise WithdrawalRefused("submitted")
    assignment.withdrawn_at = now
    record_event(
        "assignment.withdraw",
        target=f"participant:{participant.id}",
        after={"assignment": assignment.id, "assessor": assignment.assessor_id, "by": by.id},
    )
    notify(
        [assignment.assessor],
        "assignment_withdrawn",
        f"Penugasan Anda menilai Desa {participant.region.name} ({participant.desa_code}) ditarik panitia.",
        "/asesor/",
    )
    db.session.commit()
