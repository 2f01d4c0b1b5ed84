"""The verbs of registration: enrol a desa (DPMD's nomination, the committee's hand or file), withdraw it, set a
kabupaten's quota. Each owns its commit, records the history and the audit event, and tells those it concerns.

The rules are in :mod:`assessment.registration.rules`; this module loads what they need and applies them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from assessment.models import (
    Assignment,
    Competition,
    Evidence,
    KabupatenQuota,
    Participant,
    Region,
    RegistrationAction,
    RegistrationChannel,
    RegistrationEvent,
    Role,
    RoleGrant,
    SelfAssessment,
    StageCode,
    StageException,
    SubmissionStatus,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.tabular import LineProblem, TableRejected, read_table
from assessment.platform.wita import format_wita
from assessment.registration import rules
from assessment.registration.rules import Candidate, Refusal
from assessment.repo import rubric_of
from assessment.services.audit import record_event
from assessment.services.fanout import USER_PREFIX, enqueue_fanout
from assessment.services.notifications import notify, operators_of

REASON_MAX = 2000
ENROL_COLUMNS = ("kode_desa",)


class RegistrationRefused(Exception):
    """A registration change breaks a rule; ``problems`` says every reason, in Indonesian. Nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class KabupatenState:
    """One kabupaten/kota of a competition: its name, its quota (None: no cap) and its enrolled desa."""

    code: str
    name: str
    quota: int | None
    participants: list[Participant]

    @property
    def remaining(self) -> int | None:
        return None if self.quota is None else max(0, self.quota - len(self.participants))


def quotas_of(competition: Competition) -> dict[str, int]:
    return {quota.kabupaten_code: quota.quota for quota in competition.quotas}


def participants_of(competition: Competition) -> list[Participant]:
    return list(
        db.session.scalars(
            select(Participant).where(Participant.competition_id == competition.id).order_by(Participant.desa_code)
        )
    )


def kabupaten_states(competition: Competition, only: Iterable[str] | None = None) -> list[KabupatenState]:
    """Every kabupaten/kota of the competition's scope with a quota or an enrolled desa (or those of ``only``)."""
    quotas = quotas_of(competition)
    by_kabupaten: dict[str, list[Participant]] = {}
    for participant in participants_of(competition):
        by_kabupaten.setdefault(rules.kabupaten_of(participant.desa_code), []).append(participant)
    codes = set(only) if only is not None else set(quotas) | set(by_kabupaten)
    names = {
        code: name for code, name in db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    }
    return [
        KabupatenState(code, names.get(code, code), quotas.get(code), by_kabupaten.get(code, []))
        for code in sorted(codes)
    ]


def operator_less(participants: Iterable[Participant]) -> set[str]:
    """The desa codes among ``participants`` with no active operator desa account (flagged to DPMD)."""
    codes = [participant.desa_code for participant in participants]
    if not codes:
        return set()
    with_operator = set(
        db.session.scalars(
            select(RoleGrant.region_code)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == Role.operator_desa, RoleGrant.region_code.in_(codes), User.active.is_(True))
        )
    )
    return set(codes) - with_operator


def eligible_desa(competition: Competition, kabupaten_code: str) -> list[Region]:
    """The desa of a kabupaten that could be enrolled: eligible kinds, inside the scope, not yet enrolled."""
    eligible = rubric_of(competition.rubric).eligible
    enrolled = select(Participant.desa_code).where(Participant.competition_id == competition.id)
    if not rules.within(kabupaten_code, competition.scope_region_code):
        return []
    return list(
        db.session.scalars(
            select(Region)
            .where(
                Region.code.startswith(kabupaten_code + ".", autoescape=True),
                Region.kind.in_(list(eligible)),
                Region.code.not_in(enrolled),
            )
            .order_by(Region.code)
        )
    )


def _window(competition: Competition, channel: RegistrationChannel, now: datetime) -> Refusal | None:
    if channel is RegistrationChannel.dpmd:
        stage = competition.stage(StageCode.pendaftaran)
        return rules.nomination_window((stage.starts_at, stage.ends_at) if stage else None, now)
    stage = competition.stage(StageCode.penilaian_mandiri)
    return rules.committee_window(stage.ends_at if stage else None, now)


def _window_problem(competition: Competition, channel: RegistrationChannel, now: datetime) -> str | None:
    refusal = _window(competition, channel, now)
    if refusal is None:
        return None
    if channel is not RegistrationChannel.dpmd and refusal is Refusal.closed:
        return "tahap penilaian mandiri sudah berakhir; peserta lomba tidak dapat diubah lagi"
    return rules.message(refusal)


def check_enrolment(
    competition: Competition,
    lines: list[tuple[int, str]],
    channel: RegistrationChannel,
    now: datetime,
    *,
    kabupaten_code: str | None = None,
) -> list[LineProblem]:
    """Every problem of enrolling the desa ``lines`` (line number, code) together, line by line.

    Each desa must pass :func:`~assessment.registration.rules.desa_may_take_part`, lie in ``kabupaten_code`` when
    given (DPMD nominates only in its own kabupaten), not be enrolled already (nor named twice), and the desa of
    each kabupaten must fit its quota (:func:`~assessment.registration.rules.quota_allows`, counted in file
    order: the line that would pass the quota is the one reported). The time window is checked once (line 0).
    """
    problems: list[LineProblem] = []
    window = _window_problem(competition, channel, now)
    if window is not None:
        problems.append(LineProblem(0, window))
    codes = [code for _, code in lines]
    regions = {region.code: region for region in db.session.scalars(select(Region).where(Region.code.in_(codes)))}
    enrolled = {participant.desa_code for participant in participants_of(competition)}
    counts = Counter(rules.kabupaten_of(code) for code in enrolled)
    quotas = quotas_of(competition)
    eligible = rubric_of(competition.rubric).eligible
    seen: dict[str, int] = {}
    for line, code in lines:
        if not code:
            problems.append(LineProblem(line, "kode desa kosong"))
            continue
        region = regions.get(code)
        refusal = rules.desa_may_take_part(
            Candidate(code, region.kind.value if region else None), competition.scope_region_code, eligible
        )
        if refusal is None and kabupaten_code is not None and not rules.within(code, kabupaten_code):
            refusal = Refusal.outside_kabupaten
        if refusal is None and code in enrolled:
            refusal = Refusal.already_enrolled
        if refusal is not None:
            problems.append(
                LineProblem(
                    line,
                    rules.message(
                        refusal,
                        code=code,
                        kind=region.kind.value if region else "",
                        eligible=", ".join(eligible),
                        scope=competition.scope_region_code,
                        kabupaten=kabupaten_code,
                    ),
                )
            )
            continue
        if code in seen:
            problems.append(LineProblem(line, f"desa {code} sudah disebut di baris {seen[code]}"))
            continue
        seen[code] = line
        kabupaten = rules.kabupaten_of(code)
        if not rules.quota_allows(counts[kabupaten], quotas.get(kabupaten)):
            problems.append(
                LineProblem(
                    line,
                    f"desa {code}: "
                    + rules.message(Refusal.over_quota, kabupaten=kabupaten, quota=quotas.get(kabupaten)),
                )
            )
            continue
        counts[kabupaten] += 1
    return problems


def _notify_enrolled(competition: Competition, participants: list[Participant], key: str | None = None) -> None:
    """Each enrolled desa's operators are told (inbox, e-mail when set); a desa without an operator account is
    flagged to the DPMD of its kabupaten, who creates one (the account import). With ``key`` (an enrolment from a
    file, possibly hundreds of desa) the messages are written by one fan-out job (:mod:`assessment.services.fanout`)."""
    stage = competition.stage(StageCode.penilaian_mandiri)
    opens = f" Penilaian mandiri dibuka {format_wita(stage.starts_at)}." if stage else ""
    without_operator = operator_less(participants)
    entries: list[tuple[str, str, str | None]] = []
    missing: dict[str, list[Participant]] = {}
    for participant in participants:
        name = participant.region.name if participant.region else participant.desa_code
        if participant.desa_code not in without_operator:
            entries.append(
                (
                    participant.desa_code,
                    f"Desa {name} terdaftar sebagai peserta {competition.name} {competition.year}.{opens}",
                    "/desa/",
                )
            )
        else:
            missing.setdefault(rules.kabupaten_of(participant.desa_code), []).append(participant)
    flags: list[tuple[list[User], str, str]] = []
    for kabupaten, without in missing.items():
        names = ", ".join(f"{p.region.name if p.region else ''} ({p.desa_code})" for p in without)
        flags.append(
            (
                _dpmd_of(kabupaten),
                f"Desa peserta {competition.name} {competition.year} tanpa akun operator "
                f"desa: {names}. Buatkan akunnya lewat impor akun.",
                f"/pendaftaran/{competition.id}/{kabupaten}",
            )
        )
    if key is not None:
        entries += [(f"{USER_PREFIX}{user.id}", text, link) for users, text, link in flags for user in users]
        if entries:
            enqueue_fanout(key, "registration", entries, competition.id)
        return
    for code, text, link in entries:
        notify(operators_of(code), "registration", text, link)
    for users, text, link in flags:
        notify(users, "registration", text, link)


def _dpmd_of(kabupaten_code: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.dpmd, RoleGrant.region_code == kabupaten_code, User.active.is_(True))
        ).unique()
    )


def _enrol(
    competition: Competition, codes: list[str], channel: RegistrationChannel, by: User | None, now: datetime
) -> list[Participant]:
    created = [Participant(competition_id=competition.id, desa_code=code, created_at=now) for code in codes]
    db.session.add_all(created)
    db.session.add_all(
        [
            RegistrationEvent(
                competition_id=competition.id,
                desa_code=code,
                action=RegistrationAction.daftar,
                channel=channel,
                reason="",
                by_id=by.id if by else None,
                at=now,
            )
            for code in codes
        ]
    )
    db.session.flush()
    for participant in created:
        db.session.refresh(participant)
    record_event(
        "registration.enrol",
        target=f"competition:{competition.id}",
        after={"desa": codes, "channel": channel.value},
        actor=by,
    )
    # A file may enrol hundreds of desa: their messages go through the worker (one desa by hand is told at once).
    _notify_enrolled(
        competition,
        created,
        f"enrol-fanout:{competition.id}:{min(p.id for p in created)}"
        if channel is RegistrationChannel.berkas and created
        else None,
    )
    return created


def enrol_desa(
    competition: Competition,
    desa_code: str,
    channel: RegistrationChannel,
    by: User | None,
    now: datetime,
    *,
    kabupaten_code: str | None = None,
) -> Participant:
    """Enrol one desa (DPMD's nomination within ``kabupaten_code``, or the committee's enrolment): the rules of
    :func:`check_enrolment`; refused with every reason as :class:`RegistrationRefused`."""
    problems = check_enrolment(competition, [(1, desa_code.strip())], channel, now, kabupaten_code=kabupaten_code)
    if problems:
        raise RegistrationRefused([problem.message for problem in problems])
    [participant] = _enrol(competition, [desa_code.strip()], channel, by, now)
    db.session.commit()
    return participant


def enrol_from_file(
    competition: Competition, data: bytes, filename: str, by: User | None, now: datetime, *, dry_run: bool = False
) -> list[str]:
    """Enrol every desa of a CSV or .xlsx file with the column ``kode_desa``; the codes enrolled (or, with
    ``dry_run``, that would be).

    All or nothing: any problem of any line (:func:`check_enrolment`, or the file itself:
    :func:`assessment.platform.tabular.read_table`) is raised as :class:`~assessment.platform.tabular.TableRejected`
    with its line,
    every one of them, and no desa is enrolled.
    """
    rows = read_table(data, filename, ENROL_COLUMNS)
    lines = [(row.line, row.get("kode_desa")) for row in rows]
    problems = check_enrolment(competition, lines, RegistrationChannel.berkas, now)
    if problems:
        raise TableRejected(problems)
    codes = [code for _, code in lines]
    if not dry_run:
        _enrol(competition, codes, RegistrationChannel.berkas, by, now)
        db.session.commit()
    return codes


def participant_has_work(participant: Participant) -> bool:
    """Whether anything hangs on the desa's place: a level, an explanation or a piece of evidence (even removed)
    saved by its operator, a submission or a completeness decision, an exception or an assignment."""
    saved = db.session.scalar(
        select(func.count(SelfAssessment.id)).where(
            SelfAssessment.participant_id == participant.id,
            (SelfAssessment.level.is_not(None)) | (SelfAssessment.explanation != ""),
        )
    )
    evidence = db.session.scalar(select(func.count(Evidence.id)).where(Evidence.participant_id == participant.id))
    exceptions = db.session.scalar(
        select(func.count(StageException.id)).where(StageException.participant_id == participant.id)
    )
    assignments = db.session.scalar(
        select(func.count(Assignment.id)).where(Assignment.participant_id == participant.id)
    )
    return bool(
        saved
        or evidence
        or exceptions
        or assignments
        or participant.reviews
        or participant.status is not SubmissionStatus.draf
    )


def withdraw_participant(
    participant: Participant, reason: str, channel: RegistrationChannel, by: User | None, now: datetime
) -> None:
    """Take a desa out of the competition with a written reason (DPMD: a nomination while registration is open;
    the committee: until the self-assessment stage ends).

    Refused (:class:`RegistrationRefused`) without a reason, outside the window, or when the desa has work saved
    (:func:`~assessment.registration.rules.removal_allowed`). The history keeps the entry and the exit; the
    desa's operators (and, when the committee removes it, the DPMD of its kabupaten) are told.
    """
    reason = reason.strip()
    problems: list[str] = []
    if not reason:
        problems.append("alasan wajib diisi")
    elif len(reason) > REASON_MAX:
        problems.append("alasan paling panjang 2.000 karakter")
    competition = participant.competition
    window = _window_problem(competition, channel, now)
    if window is not None:
        problems.append(window)
    refusal = rules.removal_allowed(participant_has_work(participant))
    if refusal is not None:
        problems.append(rules.message(refusal, code=participant.desa_code))
    if problems:
        raise RegistrationRefused(problems)
    code = participant.desa_code
    name = participant.region.name if participant.region else code
    db.session.add(
        RegistrationEvent(
            competition_id=competition.id,
            desa_code=code,
            action=RegistrationAction.tarik,
            channel=channel,
            reason=reason,
            by_id=by.id if by else None,
            at=now,
        )
    )
    record_event(
        "registration.withdraw",
        target=f"competition:{competition.id}",
        before={"desa": code, "participant": participant.id},
        after={"channel": channel.value, "reason": reason},
        actor=by,
    )
    message = f"Desa {name} ditarik dari {competition.name} {competition.year}. Alasan: {reason}"
    audience = operators_of(code)
    if channel is not RegistrationChannel.dpmd:
        audience += _dpmd_of(rules.kabupaten_of(code))
    notify(audience, "registration", message, "/desa/")
    db.session.delete(participant)
    db.session.commit()


def set_quota(competition: Competition, kabupaten_code: str, quota: int | None, by: User | None) -> None:
    """Set (or, with None, remove) a kabupaten/kota's quota: the kabupaten must lie in the competition's scope, and
    the quota may not fall below the desa already enrolled
    (:func:`~assessment.registration.rules.quota_may_become`)."""
    region = db.session.scalar(select(Region).where(Region.code == kabupaten_code))
    problems: list[str] = []
    if region is None or region.kind.value not in ("kabupaten", "kota"):
        problems.append(f"{kabupaten_code} bukan kabupaten/kota yang dikenal")
    elif not rules.within(kabupaten_code, competition.scope_region_code):
        problems.append(f"{kabupaten_code} di luar cakupan lomba ({competition.scope_region_code})")
    enrolled = sum(1 for p in participants_of(competition) if rules.kabupaten_of(p.desa_code) == kabupaten_code)
    if quota is not None and quota < 0:
        problems.append("kuota tidak boleh negatif")
    elif quota is not None and not rules.quota_may_become(quota, enrolled):
        problems.append(f"kuota {quota} lebih kecil dari {enrolled} desa yang sudah terdaftar; tarik desa dulu")
    if problems:
        raise RegistrationRefused(problems)
    row = next((item for item in competition.quotas if item.kabupaten_code == kabupaten_code), None)
    before = row.quota if row else None
    if before == quota:
        return
    if quota is None:
        if row is not None:
            competition.quotas.remove(row)
    elif row is None:
        competition.quotas.append(KabupatenQuota(kabupaten_code=kabupaten_code, quota=quota))
    else:
        row.quota = quota
    record_event(
        "competition.quota",
        target=f"competition:{competition.id}",
        before={"kabupaten": kabupaten_code, "quota": before},
        after={"kabupaten": kabupaten_code, "quota": quota},
        actor=by,
    )
    notify(
        _dpmd_of(kabupaten_code),
        "registration",
        f"Kuota {competition.name} {competition.year} untuk {kabupaten_code}: "
        f"{'tanpa batas' if quota is None else f'{quota} desa'}.",
        f"/pendaftaran/{competition.id}/{kabupaten_code}",
    )
    db.session.commit()


def history(competition: Competition, kabupaten_code: str | None = None) -> list[RegistrationEvent]:
    """The registration history, newest first (of one kabupaten when given)."""
    query = select(RegistrationEvent).where(RegistrationEvent.competition_id == competition.id)
    if kabupaten_code is not None:
        query = query.where(RegistrationEvent.desa_code.startswith(kabupaten_code + ".", autoescape=True))
    return list(db.session.scalars(query.order_by(RegistrationEvent.at.desc(), RegistrationEvent.id.desc())))
