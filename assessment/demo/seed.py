"""Seed a demo ready to explore. Everything it writes is marked as demo data (``[DEMO]`` texts, ``is_demo`` rows,
``@demo.example`` accounts) so that it is never mistaken for a real desa's submission.

Three editions: this year's competition with its self-assessment stage open, and the two before it, finished (desk
scores by two independent assessors, provisional results published, final snapshot with its public verification
page), so that the result pages, the DPMD dashboard with its trend across editions and the public check have
something to show."""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from assessment.auth.operations import GrantSpec, create_user
from assessment.competitions.operations import create_competition, read_rubric_upload
from assessment.competitions.schedule import default_schedule
from assessment.demo.evidence import demo_pdf, demo_png
from assessment.demo.regions_ppu import DECREE, PPU_CODE, PPU_REGIONS
from assessment.desa.operations import add_evidence_file, add_evidence_link
from assessment.jobs import queue
from assessment.models import (
    Assignment,
    AssignmentMethod,
    Competition,
    DeskScore,
    Notification,
    Participant,
    RegionKind,
    ReviewDecision,
    Role,
    SelfAssessment,
    StageCode,
    SubmissionReview,
    SubmissionStatus,
    User,
    utcnow,
)
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore
from assessment.publication.operations import finalise_results, publish_provisional
from assessment.regions.importing import RegionRow, parent_of
from assessment.regions.operations import import_boundaries, import_regions, parse_boundaries
from assessment.regions.shipped import BOUNDARY_LAYERS, boundary_features
from assessment.repo import rubric_of
from assessment.services.fanout import FANOUT_JOB

DEMO_EMAIL_DOMAIN = "demo.example"
DEMO_LABEL = "[DEMO]"
PARTICIPANT_COUNT = 20
FILES_PER_DESA = 3
# The self-assessment stage opened this many days ago (and stays open for the rest of its 21 days).
SELF_ASSESSMENT_OPENED_DAYS_AGO = 7


@dataclass
class DemoAccount:
    """An account the demo created, with its password in clear (shown once, written to the accounts file)."""

    role: str
    region: str
    email: str
    password: str


@dataclass
class DemoResult:
    """What the demo seeded."""

    competition: Competition
    accounts: list[DemoAccount] = field(default_factory=list)
    participants: int = 0
    regions_added: int = 0
    evidence_files: int = 0
    evidence_links: int = 0
    boundaries: int = 0
    previous: Competition | None = None
    finished: list[Competition] = field(default_factory=list)


def database_has_data() -> bool:
    """Whether any account or competition exists (the demo then stays away)."""
    users = db.session.scalar(select(func.count()).select_from(User)) or 0
    competitions = db.session.scalar(select(func.count()).select_from(Competition)) or 0
    return bool(users or competitions)


def import_demo_boundaries() -> int:
    """Import PPU's boundaries (kabupaten, kecamatan, desa) from the data shipped in ``data/wilayah/``.

    The same parse and import as ``desa-digital regions import-boundaries``, so the demo's dashboards draw their map
    (simplified and stored once by the caller's ``warm_display_geojson``). Returns the number of regions outlined.
    """
    imported = 0
    for layer in BOUNDARY_LAYERS:
        pairs, problems = parse_boundaries(json.dumps(boundary_features(layer, PPU_CODE)))
        if problems:
            raise ValueError(f"shipped boundaries of {layer} are broken: {problems[0]}")
        result = import_boundaries(pairs)
        imported += result.added + result.updated
    return imported


def _password() -> str:
    return secrets.token_urlsafe(12)


def _account(result: DemoResult, name: str, local_part: str, role: Role, region: str, home: str | None = None) -> User:
    password = _password()
    email = f"{local_part}@{DEMO_EMAIL_DOMAIN}"
    user = create_user(f"{name} {DEMO_LABEL}", email, password, [GrantSpec(role, region, home)])
    result.accounts.append(DemoAccount(role.value, region, email, password))
    return user


def _explanation(rng: random.Random, desa_name: str, level: int) -> str:
    openings = (
        "Sudah berjalan sejak tahun lalu",
        "Dikelola oleh operator desa",
        "Didukung anggaran dana desa",
        "Dikerjakan bersama karang taruna",
        "Masih dalam tahap uji coba",
    )
    return f"{DEMO_LABEL} Data contoh, bukan data nyata Desa {desa_name}. {rng.choice(openings)}; level {level}."


def _spread(desa: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """``count`` desa taken in turn from each kecamatan, so every kecamatan has participants."""
    by_kecamatan: dict[str, list[tuple[str, str]]] = {}
    for code, name in desa:
        by_kecamatan.setdefault(code.rsplit(".", 1)[0], []).append((code, name))
    chosen: list[tuple[str, str]] = []
    while len(chosen) < min(count, len(desa)):
        for members in by_kecamatan.values():
            if members and len(chosen) < count:
                chosen.append(members.pop(0))
    return sorted(chosen)


def seed_demo(
    rubric_source: bytes, rubric_filename: str, today: date, store: EvidenceStore, max_upload_bytes: int
) -> DemoResult:
    """Seed the demo; the caller checks first that the database holds no accounts or competitions.

    ``today`` is the calendar day in WITA: the self-assessment stage opened a week before it, so it is open now.
    Levels and texts come from a random generator seeded by the desa code, so two demos look alike. Evidence goes
    through the operators' own operations (and so through the evidence store and its upload checks): a few
    generated PNG/PDF files per desa, and a demo link for every other indicator above the lowest level.
    """
    rows = [
        RegionRow(line=number, code=code, name=name, kind=RegionKind(kind), parent_code=parent_of(code))
        for number, (code, name, kind) in enumerate(PPU_REGIONS, start=1)
    ]
    counts = import_regions(rows, decree=DECREE)
    boundaries = import_demo_boundaries()
    first_day = today - timedelta(days=SELF_ASSESSMENT_OPENED_DAYS_AGO + 14)
    competition = create_competition(
        name=f"Lomba Desa Digital Kalimantan Timur {today.year} {DEMO_LABEL}",
        year=today.year,
        scope_code="64",
        rubric=read_rubric_upload(rubric_source, rubric_filename),
        stages=default_schedule(first_day),
        quotas={"64.09": 25},
    )
    result = DemoResult(competition=competition, regions_added=counts.added, boundaries=boundaries)

    kecamatan = [(code, name) for code, name, kind in PPU_REGIONS if kind == "kecamatan"]
    desa = [(code, name) for code, name, kind in PPU_REGIONS if kind == "desa"]
    committee = _account(result, "Panitia Provinsi", "panitia", Role.panitia, "64")
    _account(result, "Ketua Tim Asesor", "ketua-tim", Role.ketua_tim, "64")
    _account(result, "Asesor Satu", "asesor1", Role.asesor, "64", home="64.09.04")
    _account(result, "Asesor Dua", "asesor2", Role.asesor, "64", home="64.09.01")
    # Provincial staff (home region the provinsi itself) have no conflict of interest with a PPU desa; the two
    # assessors above live in PPU, so the conflict rule keeps them away from every demo desa.
    independent = [
        _account(result, "Asesor Tiga", "asesor3", Role.asesor, "64", home="64"),
        _account(result, "Asesor Empat", "asesor4", Role.asesor, "64", home="64"),
    ]
    dpmd = _account(result, "DPMD Penajam Paser Utara", "dpmd-ppu", Role.dpmd, "64.09")
    for code, name in kecamatan:
        _account(
            result, f"Verifikator Kecamatan {name}", f"verifikator-{name.lower()}", Role.verifikator_kecamatan, code
        )

    rubric = rubric_of(competition.rubric)
    indicators = rubric.indicators
    now = utcnow()
    operators: dict[str, User] = {}
    for number, (code, name) in enumerate(_spread(desa, PARTICIPANT_COUNT)):
        slug = code.replace(".", "")
        operator = _account(result, f"Operator Desa {name}", f"operator-{slug}", Role.operator_desa, code)
        operators[code] = operator
        rng = random.Random(code)  # noqa: S311 (demo texts, not security)
        # A spread of states: most still drafting, some submitted, two complete, one returned for revision.
        status = (
            SubmissionStatus.draf
            if number < 12
            else SubmissionStatus.diajukan
            if number < 17
            else SubmissionStatus.lengkap
            if number < 19
            else SubmissionStatus.dikembalikan
        )
        filled = len(indicators) if status is not SubmissionStatus.draf else rng.randint(3, len(indicators) - 2)
        participant = Participant(competition=competition, desa_code=code, is_demo=True)
        for indicator in indicators[:filled]:
            level = rng.choice(rubric.scale.levels)
            participant.self_assessments.append(
                SelfAssessment(
                    indicator_code=indicator.code,
                    level=level,
                    explanation=_explanation(rng, name, level),
                    updated_by_id=operator.id,
                )
            )
        db.session.add(participant)
        db.session.commit()
        result.participants += 1

        # Evidence while the self-assessment is still a draft (the operations refuse a locked one).
        with_level = [a for a in participant.self_assessments if a.level is not None and a.level > rubric.scale.min]
        for index, assessment in enumerate(with_level):
            indicator = rubric.indicator(assessment.indicator_code)
            if index < FILES_PER_DESA:
                make = demo_pdf if index % 2 else demo_png
                extension = "pdf" if index % 2 else "png"
                add_evidence_file(
                    participant,
                    rubric,
                    indicator.code,
                    make(name, indicator.code, indicator.name),
                    f"contoh-demo-{indicator.code}.{extension}",
                    operator,
                    now,
                    store,
                    max_upload_bytes,
                )
                result.evidence_files += 1
            else:
                add_evidence_link(
                    participant,
                    rubric,
                    indicator.code,
                    f"https://{slug}.desa.example/demo/{indicator.code.lower()}",
                    operator,
                    now,
                )
                result.evidence_links += 1

        if status is not SubmissionStatus.draf:
            participant.status = status
            participant.submitted_at = now
        if status is SubmissionStatus.lengkap:
            participant.reviews.append(
                SubmissionReview(decision=ReviewDecision.lengkap, reason="", reviewer_id=dpmd.id)
            )
            # Complete desa already have their two independent assessors for the desk stage.
            for assessor in independent:
                db.session.add(
                    Assignment(
                        participant=participant,
                        assessor_id=assessor.id,
                        method=AssignmentMethod.otomatis,
                        created_at=now,
                    )
                )
        if status is SubmissionStatus.dikembalikan:
            participant.reviews.append(
                SubmissionReview(
                    decision=ReviewDecision.dikembalikan,
                    reason=(
                        f"{DEMO_LABEL} Bukti indikator {indicators[0].code} belum menunjukkan nomor registrasi surat."
                    ),
                    reviewer_id=dpmd.id,
                )
            )
        db.session.commit()
    # Two finished editions (the later one a little better), so the dashboard has a trend to draw.
    result.finished = [
        _finished_edition(
            rubric_source,
            rubric_filename,
            today.year - back,
            committee,
            dpmd,
            independent,
            operators,
            progress=2 - back,
        )
        for back in (2, 1)
    ]
    result.previous = result.finished[-1]
    return result


def _at(competition: Competition, code: StageCode) -> datetime:
    """An hour into a stage of ``competition`` (the moment the demo acts in it)."""
    stage = competition.stage(code)
    if stage is None:
        raise RuntimeError(f"the demo schedule has no stage {code.value}")
    return stage.starts_at + timedelta(hours=1)


def _finished_edition(
    rubric_source: bytes,
    rubric_filename: str,
    year: int,
    committee: User,
    dpmd: User,
    assessors: list[User],
    operators: dict[str, User],
    progress: int,
) -> Competition:
    """A past edition, over: the same desa, complete, scored by the two independent assessors (who never differ by
    more than one level, so nothing waits for reconciliation), results published and finalised at the moments the
    schedule gave, through the same operations the committee uses. Each desa keeps its own level from edition to
    edition, ``progress`` levels better for most of them in a later one."""
    competition = create_competition(
        name=f"Lomba Desa Digital Kalimantan Timur {year} {DEMO_LABEL}",
        year=year,
        scope_code="64",
        rubric=read_rubric_upload(rubric_source, rubric_filename),
        stages=default_schedule(date(year, 6, 2)),
        quotas={"64.09": 25},
    )
    rubric = rubric_of(competition.rubric)
    low, high = rubric.scale.min, rubric.scale.max
    submitted_at = _at(competition, StageCode.penilaian_mandiri)
    scored_at = _at(competition, StageCode.penilaian_dokumen)
    names = {code: name for code, name, _kind in PPU_REGIONS}
    for code, operator in operators.items():
        rng = random.Random(f"{code}/{year}")  # noqa: S311 (demo levels, not security)
        base = random.Random(code).randint(low, max(low, high - 1))  # noqa: S311 (demo levels, not security)
        quality = min(high, base + (progress if rng.random() < 0.7 else 0))
        participant = Participant(
            competition=competition,
            desa_code=code,
            is_demo=True,
            status=SubmissionStatus.lengkap,
            submitted_at=submitted_at,
        )
        for indicator in rubric.indicators:
            level = min(high, max(low, quality + rng.choice((-1, 0, 0, 1))))
            participant.self_assessments.append(
                SelfAssessment(
                    indicator_code=indicator.code,
                    level=level,
                    explanation=_explanation(rng, names[code], level),
                    updated_by_id=operator.id,
                )
            )
        participant.reviews.append(SubmissionReview(decision=ReviewDecision.lengkap, reason="", reviewer_id=dpmd.id))
        db.session.add(participant)
        # The first assessor's level near the desa's quality, the others' within one level of it.
        first = [min(high, max(low, quality + rng.choice((-1, 0, 0, 0, 1)))) for _ in rubric.indicators]
        for number, assessor in enumerate(assessors):
            assignment = Assignment(
                participant=participant,
                assessor_id=assessor.id,
                method=AssignmentMethod.otomatis,
                created_at=submitted_at,
                submitted_at=scored_at,
            )
            db.session.add(assignment)
            for indicator, own in zip(rubric.indicators, first, strict=True):
                level = own if number == 0 else min(high, max(low, own + rng.choice((-1, 0, 0, 1))))
                assignment.scores.append(
                    DeskScore(
                        indicator_code=indicator.code,
                        level=level,
                        note=f"{DEMO_LABEL} Catatan contoh.",
                        updated_at=scored_at,
                    )
                )
    db.session.commit()
    for code, verb in ((StageCode.pengumuman_sementara, publish_provisional), (StageCode.penetapan, finalise_results)):
        moment = _at(competition, code)
        last_notice = db.session.scalar(select(func.max(Notification.id))) or 0
        verb(competition, committee, moment)
        # The operators' messages are written by a fan-out job (assessment.services.fanout); a past edition's are
        # written
        # here, at once, so that they can be dated below.
        queue.run_due(queue.worker_name(), kinds=[FANOUT_JOB])
        # A past edition's notices carry the moment they belong to, not the day the demo was seeded, so an
        # inbox never shows last year's results as news of today.
        db.session.execute(update(Notification).where(Notification.id > last_notice).values(created_at=moment))
        db.session.commit()
    return competition
