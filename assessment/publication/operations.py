"""Verbs of the results stages: publish the provisional results (the freeze), finalise them (the snapshot),
generate a berita acara. Each re-checks its stage and input itself and owns its commit."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from assessment.core.standing import Standing, withdrawable
from assessment.links.capture import captures_for_record
from assessment.models import (
    Assignment,
    BeritaAcara,
    BeritaAcaraKind,
    Competition,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    FieldLevel,
    FieldPhoto,
    FinalSnapshot,
    Objection,
    Participant,
    ProvisionalResult,
    PublicCheck,
    RankingWithdrawal,
    Reconciliation,
    Role,
    RoleGrant,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore
from assessment.platform.throttle import wait_until_below
from assessment.platform.wita import format_wita
from assessment.presentation.pdf import qr_svg_data_uri, render_template_pdf
from assessment.presentation.reportdata import unranked_detail
from assessment.publication.snapshot import (
    COMMITTEE_COPY,
    PROVISIONAL_FORMAT,
    PSEUDONYM_KEY_BYTES,
    SNAPSHOT_FORMAT,
    canonical_bytes,
    capture_rows,
    level_rows,
    public_copy,
    ranking_rows,
    sha256_hex,
    unranked_rows,
)
from assessment.repo import EngineRun, engine_run, rubric_of, verified_records
from assessment.scoring import ScoringInputError
from assessment.services.audit import chain_anchor, record_event
from assessment.services.fanout import enqueue_fanout
from assessment.services.notifications import notify, operators_of
from assessment.services.published import final_snapshot_of, late_changes
from assessment.services.security import region_within
from assessment.services.stages import Action, require_stage

KODE_BYTES = 10


class PublicationRefused(Exception):
    """``code``: ``already``, ``not_published``, ``open_objections``, ``no_scores``, ``no_field``, ``not_final``,
    ``scoring`` (the engine refused the levels; ``detail`` says why), ``blockers`` (desa that should be ranked
    are not finished, :func:`blockers`), or for a withdrawal from the ranking ``reason``, ``not_candidate``,
    ``withdrawn`` (one is already in force), ``finalised``."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def count_public_check(address: str, now: datetime) -> timedelta | None:
    """Count one PDF check on a public verification page, or refuse it: how long to wait, or None when counted.

    Anyone may check a document without signing in, and a check reads and hashes up to 20 MB, so checks are
    limited per client address: ``PUBLIC_CHECK_LIMIT`` (30) within ``PUBLIC_CHECK_WINDOW_MINUTES`` (15). Every
    check counts, whether or not the file matches or is a PDF; a refused one does not (so waiting is enough). The
    limit is loose because mobile carriers put a whole desa behind one address. The counts live in the database,
    so every app server sees the same ones; counts older than a day are deleted on the way. Commits.
    """
    limit = int(current_app.config.get("PUBLIC_CHECK_LIMIT", 30))
    window = timedelta(minutes=int(current_app.config.get("PUBLIC_CHECK_WINDOW_MINUTES", 15)))
    address = address[:64]
    wait = wait_until_below(PublicCheck.at, PublicCheck.address == address, limit, window, now)
    if wait is not None:
        return wait
    db.session.execute(delete(PublicCheck).where(PublicCheck.at < now - timedelta(days=1)))
    db.session.add(PublicCheck(address=address, at=now))
    db.session.commit()
    return None


def new_kode() -> str:
    """A short unguessable public code: 80 random bits in base32 (16 characters A-Z, 2-7)."""
    return base64.b32encode(secrets.token_bytes(KODE_BYTES)).decode("ascii").rstrip("=")


def current_results(competition: Competition, *, fresh: bool = False) -> EngineRun:
    """The results the engine gives now (:func:`assessment.repo.engine_run` over the whole competition): the same
    object every ranking page, export and the published documents read.

    Raises :class:`PublicationRefused` (``scoring``) when the engine refuses the levels.
    """
    try:
        return engine_run(competition, fresh=fresh)
    except ScoringInputError as error:
        raise PublicationRefused("scoring", str(error)) from error


def current_ranking(competition: Competition, run: EngineRun | None = None) -> list[dict[str, Any]]:
    """The ranked desa of :func:`current_results` as published rows (not frozen)."""
    run = run or current_results(competition)
    return ranking_rows(run.ranking, {p.code: p.name for p in run.participants})


@dataclass(frozen=True)
class Blocker:
    """A desa that should be ranked but is not finished (:data:`assessment.core.standing.BLOCKING`), and what is left:
    the assessors whose active assignment is not submitted, the indicators without a verified level, the items
    waiting for reconciliation (its ``standing``)."""

    participant: Participant
    standing: Standing
    open_assessors: tuple[str, ...]


def blockers(competition: Competition, run: EngineRun | None = None) -> list[Blocker]:
    """What keeps the committee from publishing or finalising, desa by desa (by code).

    The rule: publishing the provisional results and finalising them are refused while any participant is in a
    blocking state of :func:`assessment.core.standing.who_is_ranked` (submitted but not checked for completeness, no
    assessor, a desk assessment not submitted, an indicator without a verified level, an item waiting for
    reconciliation). The committee finishes that work, or withdraws the desa from the ranking with a written
    reason (:func:`withdraw_from_ranking`), which is shown beside the results and stored in the snapshot.
    """
    run = run or current_results(competition)
    waiting = {s.code: s for s in run.standings if s.blocks}
    if not waiting:
        return []
    participants = {
        p.desa_code: p
        for p in db.session.scalars(
            select(Participant).where(
                Participant.competition_id == competition.id, Participant.desa_code.in_(list(waiting))
            )
        )
    }
    open_names: dict[str, list[str]] = {}
    for code, name in db.session.execute(
        select(Participant.desa_code, User.name)
        .join(Assignment, Assignment.participant_id == Participant.id)
        .join(User, Assignment.assessor_id == User.id)
        .where(
            Participant.competition_id == competition.id,
            Participant.desa_code.in_(list(waiting)),
            Assignment.withdrawn_at.is_(None),
            Assignment.submitted_at.is_(None),
        )
        .order_by(Participant.desa_code, User.name)
    ):
        open_names.setdefault(code, []).append(name)
    return [Blocker(participants[code], waiting[code], tuple(open_names.get(code, ()))) for code in sorted(waiting)]


def _refuse_while_blocked(competition: Competition, run: EngineRun) -> None:
    found = blockers(competition, run)
    if found:
        raise PublicationRefused(
            "blockers", ", ".join(b.participant.region.name for b in found[:10]) + (" …" if len(found) > 10 else "")
        )


def publish_provisional(competition: Competition, by: User, now: datetime) -> ProvisionalResult:
    """Publish the provisional results (pengumuman sementara) and freeze them.

    Only during pengumuman sementara; once per competition (a second publication is refused); never while
    :func:`blockers` lists a desa. The ranking of :func:`current_results` at this moment (its ranked desa, and
    the others with their state) is stored as canonical JSON that never changes
    (:class:`~assessment.models.ProvisionalResult`, append-only in the database), and
    ``Competition.results_published_at`` is set: from then on result pages are public and every change of a level
    needs an exception opened after this moment (rule 5 of :func:`assessment.services.stages.stage_gate`). The operators
    of
    every participating desa are notified: of its rank, or of why it is not ranked (by the background worker,
    :mod:`assessment.services.fanout`; the job is enqueued by this commit).
    """
    require_stage(competition, Action.publish_provisional, now)
    if competition.results_published_at is not None or db.session.scalar(
        select(ProvisionalResult.id).where(ProvisionalResult.competition_id == competition.id)
    ):
        raise PublicationRefused("already")
    run = current_results(competition, fresh=True)
    _refuse_while_blocked(competition, run)
    rows = current_ranking(competition, run)
    others = unranked_rows(run.unranked)
    document = {
        "format": PROVISIONAL_FORMAT,
        "kompetisi": competition.id,
        "peringkat": rows,
        "tidak_diperingkat": others,
    }
    result = ProvisionalResult(
        competition_id=competition.id,
        ranking_json=canonical_bytes(document).decode("utf-8"),
        records_sha256=sha256_hex(canonical_bytes(level_rows(run.records))),
        published_at=now,
        published_by_id=by.id,
    )
    db.session.add(result)
    competition.results_published_at = now
    record_event(
        "results.publish_provisional",
        target=f"competition:{competition.id}",
        after={
            "published_at": now,
            "records_sha256": result.records_sha256,
            "ranked": len(rows),
            "unranked": len(others),
        },
    )
    messages = [
        (
            row["kode"],
            f"Hasil sementara {competition.name} diumumkan: peringkat {row['peringkat']} dari {len(rows)} desa, "
            f"indeks {(row['indeks'] or '-').replace('.', ',')}, predikat {row['predikat'] or '-'}. "
            "Sanggah dapat diajukan pada masa sanggah.",
            "/sanggah/",
        )
        for row in rows
    ]
    messages += [
        (
            desa.code,
            f"Hasil sementara {competition.name} diumumkan. Desa Anda tidak diperingkat: {unranked_detail(desa)}.",
            "/sanggah/",
        )
        for desa in run.unranked
    ]
    try:
        db.session.flush()  # a second publication fails here; the fan-out's key names this one
        # One job tells every operator (assessment.services.fanout): the request writes no per-person message.
        enqueue_fanout(f"publish-fanout:{competition.id}:{result.id}", "hasil_sementara", messages, competition.id)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise PublicationRefused("already") from error
    return result


def final_document(competition: Competition, now: datetime, run: EngineRun | None = None) -> dict[str, Any]:
    """The committee's copy of the final snapshot, format 3 (see :mod:`assessment.publication.snapshot` for the
    canonical form, the public copy and its privacy rule).

    The competition; the rubric: its fingerprint and its canonical content (``kanonik``, whose SHA-256 is the
    fingerprint); the kind of every ranked region (``jenis_wilayah``, as the engine was given it); every level the
    engine was run on for the ranked desa (:func:`assessment.repo.verified_records` after its precedence, one row
    per desa x indicator x assessor by account id, ``rekonsiliasi``/``lapangan``/``sanggah`` for replaced items);
    the key of the assessors' pseudonyms in the public copy (``pseudonim``, drawn at random for each snapshot); the
    SHA-256 of every active evidence file; every capture of the link evidence (``tautan``: SHA-256 of the body and
    of the archived copy, time, outcome, addresses, title); the ranking of :func:`current_results` with exact and
    shown indices, ranks and ties; every other participant with its state and, when the committee withdrew it, the
    reason; every objection with its reason and answer; every change made after the freeze with its exception's
    reason; when it was finalised (UTC); and the audit trail's anchor at that moment (``jejak_audit``: event count
    and last hash, :func:`assessment.services.audit.chain_anchor`), so the trail can be checked later against this
    published document (``audit verify --anchor``).
    """
    run = current_results(competition, fresh=True) if run is None else run
    records = run.records
    participants = list(db.session.scalars(select(Participant).where(Participant.competition_id == competition.id)))
    ids = [p.id for p in participants]
    evidence = db.session.execute(
        select(Participant.desa_code, Evidence.indicator_code, Evidence.sha256)
        .join(Participant, Evidence.participant_id == Participant.id)
        .where(
            Evidence.participant_id.in_(ids),
            Evidence.kind == EvidenceKind.file,
            Evidence.status == EvidenceStatus.aktif,
        )
        .order_by(Participant.desa_code, Evidence.indicator_code, Evidence.sha256)
    )
    objections = db.session.scalars(
        select(Objection).where(Objection.participant_id.in_(ids)).order_by(Objection.filed_at, Objection.id)
    )
    anchor = chain_anchor(db.session)
    key = secrets.token_bytes(PSEUDONYM_KEY_BYTES)
    return {
        "format": SNAPSHOT_FORMAT,
        "salinan": COMMITTEE_COPY,
        "kompetisi": {
            "id": competition.id,
            "nama": competition.name,
            "tahun": competition.year,
            "wilayah": competition.scope_region_code,
        },
        "rubrik": {
            "fingerprint": competition.rubric.fingerprint,
            "judul": competition.rubric.title,
            # The stored canonical bytes themselves: their SHA-256 is the fingerprint.
            "kanonik": json.loads(competition.rubric.rubric_json),
        },
        "jenis_wilayah": {p.code: p.kind for p in run.participants},
        "ditetapkan_pada": now.isoformat(),
        "hasil_sementara_diumumkan_pada": (
            competition.results_published_at.isoformat() if competition.results_published_at else None
        ),
        "level": level_rows(records),
        "pseudonim": {"kunci": key.hex()},
        "bukti": [{"desa": code, "indikator": indicator, "sha256": sha256} for code, indicator, sha256 in evidence],
        "tautan": capture_rows(captures_for_record(ids), {p.id: p.desa_code for p in participants}),
        "peringkat": current_ranking(competition, run),
        "tidak_diperingkat": unranked_rows(run.unranked),
        "sanggah": [
            {
                "desa": o.participant.desa_code,
                "indikator": o.indicator_code,
                "alasan": o.reason,
                "bukti_sha256": o.evidence_sha256,
                "diajukan_pada": o.filed_at.isoformat(),
                "jawaban": None
                if o.answered_at is None
                else {
                    "alasan": o.answer_reason,
                    "indikator": o.answer_indicator_code,
                    "level_sebelumnya": o.previous_level,
                    "level_baru": o.new_level,
                    "dijawab_pada": o.answered_at.isoformat(),
                },
            }
            for o in objections
        ],
        "diubah_setelah_pengumuman": [
            {
                "desa": mark.participant.desa_code,
                "indikator": mark.indicator_code,
                "tindakan": mark.action,
                "alasan_pengecualian": mark.exception.reason,
                "pada": mark.changed_at.isoformat(),
            }
            for mark in late_changes(competition)
        ],
        "jejak_audit": {"jumlah": anchor.count, "hash_terakhir": anchor.head_hash},
    }


def finalise_results(competition: Competition, by: User, now: datetime) -> FinalSnapshot:
    """Finalise the results (penetapan): an immutable snapshot with its own SHA-256 under a public code.

    Only during penetapan, only after the provisional results were published, only when every objection has been
    answered and :func:`blockers` lists no desa, and once: a second final snapshot is refused (and the database
    refuses any UPDATE or DELETE of it). The SHA-256 is taken over exactly the canonical JSON bytes the public page
    serves for download. From then on every results output shows the snapshot's values
    (:func:`assessment.repo.sealed_run`).

    Two copies are sealed together (:mod:`assessment.publication.snapshot`): the committee's complete copy
    (:func:`final_document`, ``committee_json``) and the public copy derived from it (``canonical_json``, served
    by ``/verifikasi/<kode>/cuplikan.json``). ``sha256``, the hash printed on the berita acara pleno and the
    verification page, is the public copy's, so anyone can check the file they downloaded against the printed
    hash and recompute it (``desa-digital snapshot verify``); the committee's copy has its own hash, recorded with
    the other in the audit event. The operators of every participating desa are told its final rank, or
    why it is not ranked, by the background worker (:mod:`assessment.services.fanout`; enqueued by this commit).
    """
    require_stage(competition, Action.finalise, now)
    if final_snapshot_of(competition) is not None:
        raise PublicationRefused("already")
    if competition.results_published_at is None:
        raise PublicationRefused("not_published")
    open_objections = db.session.scalar(
        select(Objection.id)
        .join(Participant, Objection.participant_id == Participant.id)
        .where(Participant.competition_id == competition.id, Objection.answered_at.is_(None))
        .limit(1)
    )
    if open_objections is not None:
        raise PublicationRefused("open_objections")
    run = current_results(competition, fresh=True)
    _refuse_while_blocked(competition, run)
    committee = final_document(competition, now, run)
    full = canonical_bytes(committee)
    data = canonical_bytes(public_copy(committee))
    snapshot = FinalSnapshot(
        competition_id=competition.id,
        kode=new_kode(),
        canonical_json=data.decode("utf-8"),
        sha256=sha256_hex(data),
        committee_json=full.decode("utf-8"),
        committee_sha256=sha256_hex(full),
        created_at=now,
        created_by_id=by.id,
    )
    db.session.add(snapshot)
    record_event(
        "results.finalise",
        target=f"competition:{competition.id}",
        after={"sha256": snapshot.sha256, "committee_sha256": snapshot.committee_sha256, "kode": snapshot.kode},
    )
    try:
        db.session.flush()  # a second snapshot fails here; the fan-out's key names this one
        enqueue_fanout(
            f"final-fanout:{competition.id}:{snapshot.id}",
            "hasil_akhir",
            final_messages(competition, run, snapshot.kode),
            competition.id,
        )
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise PublicationRefused("already") from error
    return snapshot


def final_messages(competition: Competition, run: EngineRun, kode: str) -> list[tuple[str, str, str | None]]:
    """Per participating desa, the message its operators get when the results are finalised: its final rank,
    index and predikat, or why it is not ranked; with the public code of the snapshot."""
    rows = current_ranking(competition, run)
    messages: list[tuple[str, str, str | None]] = [
        (
            row["kode"],
            f"Hasil akhir {competition.name} ditetapkan: peringkat {row['peringkat']} dari {len(rows)} "
            f"desa, indeks {(row['indeks'] or '-').replace('.', ',')}, predikat {row['predikat'] or '-'}. "
            f"Kode verifikasi hasil akhir: {kode}.",
            f"/hasil/{competition.id}/desa/{row['kode']}",
        )
        for row in rows
    ]
    messages += [
        (
            desa.code,
            f"Hasil akhir {competition.name} ditetapkan. Desa Anda tidak diperingkat: "
            f"{unranked_detail(desa)}. Kode verifikasi hasil akhir: {kode}.",
            f"/hasil/{competition.id}/desa/{desa.code}",
        )
        for desa in run.unranked
    ]
    return messages


WITHDRAWAL_REASON = (10, 1000)
"""The shortest and longest written reason for withdrawing a desa from the ranking or taking it back."""


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    low, high = WITHDRAWAL_REASON
    if not low <= len(reason) <= high:
        raise PublicationRefused("reason")
    return reason


def withdraw_from_ranking(participant: Participant, reason: str, by: User, now: datetime) -> RankingWithdrawal:
    """Withdraw one desa from the ranking (rule 3 of :func:`assessment.core.standing.who_is_ranked`).

    The rule: the committee may withdraw a desa whose submission reached the completeness check (diajukan or
    lengkap), with a written reason of 10 to 1,000 characters, at any time until the final snapshot exists (then
    nothing changes: ``finalised``); at most one withdrawal is in force per desa (``withdrawn``). From then on the
    desa is listed apart as *dikeluarkan dari peringkat* with the reason on every results page and export, in the
    provisional results and the final snapshot; the ranks of the others close up. The desa's operators are told
    in their inbox. Audited (``results.withdraw_from_ranking``); taken back with :func:`restore_to_ranking`.
    """
    competition = participant.competition
    if final_snapshot_of(competition) is not None:
        raise PublicationRefused("finalised")
    text = _reason(reason)
    if not withdrawable(participant.status.value):
        raise PublicationRefused("not_candidate")
    if db.session.scalar(
        select(RankingWithdrawal.id).where(
            RankingWithdrawal.participant_id == participant.id, RankingWithdrawal.revoked_at.is_(None)
        )
    ):
        raise PublicationRefused("withdrawn")
    row = RankingWithdrawal(participant_id=participant.id, reason=text, created_at=now, created_by_id=by.id)
    db.session.add(row)
    record_event(
        "results.withdraw_from_ranking",
        target=f"participant:{participant.id}",
        after={"reason": text, "competition": competition.id},
    )
    notify(
        operators_of(participant.desa_code),
        "hasil_dikeluarkan",
        f"Panitia {competition.name} mengeluarkan desa Anda dari peringkat. Alasan: {text}",
        "/sanggah/",
    )
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise PublicationRefused("withdrawn") from error
    return row


def restore_to_ranking(withdrawal: RankingWithdrawal, reason: str, by: User, now: datetime) -> RankingWithdrawal:
    """Take back a withdrawal from the ranking, with a written reason (10 to 1,000 characters), until the final
    snapshot exists. The row stays (``revoked_at``, by whom, why) and the desa is under the rule of
    :func:`assessment.core.standing.who_is_ranked` again. Audited (``results.restore_to_ranking``); the desa's
    operators are told."""
    participant = withdrawal.participant
    if final_snapshot_of(participant.competition) is not None:
        raise PublicationRefused("finalised")
    if withdrawal.revoked_at is not None:
        raise PublicationRefused("already")
    text = _reason(reason)
    withdrawal.revoked_at = now
    withdrawal.revoked_by_id = by.id
    withdrawal.revoke_reason = text
    record_event(
        "results.restore_to_ranking",
        target=f"participant:{participant.id}",
        before={"reason": withdrawal.reason},
        after={"reason": text},
    )
    notify(
        operators_of(participant.desa_code),
        "hasil_dikeluarkan",
        f"Panitia {participant.competition.name} membatalkan pengeluaran desa Anda dari peringkat. Alasan: {text}",
        "/sanggah/",
    )
    db.session.commit()
    return withdrawal


def withdrawals(competition: Competition) -> list[RankingWithdrawal]:
    """Every withdrawal from the ranking of the competition, in force or taken back, oldest first."""
    return list(
        db.session.scalars(
            select(RankingWithdrawal)
            .join(Participant, RankingWithdrawal.participant_id == Participant.id)
            .where(Participant.competition_id == competition.id)
            .order_by(RankingWithdrawal.created_at, RankingWithdrawal.id)
        )
    )


def committee_members(competition: Competition) -> list[User]:
    """The active panitia and ketua tim accounts whose scope covers the competition's region, by name."""
    users = db.session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_((Role.panitia, Role.ketua_tim)), User.active.is_(True))
    ).unique()
    return sorted(
        (
            u
            for u in users
            if any(
                region_within(competition.scope_region_code, g.region_code)
                for g in u.grants
                if g.role in (Role.panitia, Role.ketua_tim)
            )
        ),
        key=lambda u: (u.name, u.id),
    )


@dataclass(frozen=True)
class DeskRecord:
    """What the desk berita acara of one desa shows: assessors, their levels, the reconciled levels."""

    assessors: list[str]
    indicators: list[tuple[str, str, list[str], str, str]]


def berita_acara_blockers(participants: list[Participant]) -> dict[int, dict[BeritaAcaraKind, str | None]]:
    """Per desa, why each kind of desa berita acara cannot be generated yet (None: it can), by the same rules as
    :func:`generate_berita_acara`: ``no_scores`` without a submitted desk assessment (withdrawn ones excluded),
    ``no_field`` when the field team recorded no level or note for it. Two queries, whatever the number of desa."""
    ids = [p.id for p in participants]
    scored = set(
        db.session.scalars(
            select(Assignment.participant_id).where(
                Assignment.participant_id.in_(ids),
                Assignment.withdrawn_at.is_(None),
                Assignment.submitted_at.is_not(None),
            )
        )
    )
    visited = set(db.session.scalars(select(FieldLevel.participant_id).where(FieldLevel.participant_id.in_(ids))))
    return {
        p.id: {
            BeritaAcaraKind.penilaian_dokumen: None if p.id in scored else "no_scores",
            BeritaAcaraKind.klarifikasi_lapangan: None if p.id in visited else "no_field",
        }
        for p in participants
    }


def desk_record(participant: Participant) -> DeskRecord:
    """The submitted desk assessments of a desa (withdrawn ones excluded) and its reconciled levels.

    Per indicator: code, name, each assessor's level (in the order of ``assessors``; ``N/A`` or ``-``), the
    reconciled level and its reason (empty when not reconciled).
    """
    rubric = rubric_of(participant.competition.rubric)
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(
                Assignment.participant_id == participant.id,
                Assignment.withdrawn_at.is_(None),
                Assignment.submitted_at.is_not(None),
            )
            .order_by(Assignment.id)
        ).unique()
    )
    if not assignments:
        raise PublicationRefused("no_scores")
    agreed = {
        r.indicator_code: r
        for r in db.session.scalars(select(Reconciliation).where(Reconciliation.participant_id == participant.id))
    }
    indicators = []
    for indicator in rubric.indicators:
        levels = []
        for assignment in assignments:
            score = next((s for s in assignment.scores if s.indicator_code == indicator.code), None)
            levels.append("-" if score is None else "N/A" if score.not_applicable else str(score.level))
        reconciled = agreed.get(indicator.code)
        indicators.append(
            (
                indicator.code,
                indicator.name,
                levels,
                "" if reconciled is None else str(reconciled.level),
                "" if reconciled is None else reconciled.reason,
            )
        )
    return DeskRecord([a.assessor.name for a in assignments], indicators)


@dataclass(frozen=True)
class FieldRecord:
    """What the field berita acara of one desa shows: the visiting team and, per indicator, the level before the
    field stage, the field level, its note and the number of photos taken on site."""

    team: list[str]
    indicators: list[tuple[str, str, str, str, str, int]]


def field_record(participant: Participant) -> FieldRecord:
    """The field verification of a finalist desa: the visitors (assessors whose assignment to the desa is active)
    and, per indicator, the levels that counted before the field stage (:func:`assessment.repo.verified_records`
    with ``field_levels=False``), the field level (``-`` when only a note was made), the note and the photo count.

    Refused (``no_field``) when the team recorded nothing for the desa.
    """
    rubric = rubric_of(participant.competition.rubric)
    levels = {
        row.indicator_code: row
        for row in db.session.scalars(select(FieldLevel).where(FieldLevel.participant_id == participant.id))
    }
    if not levels:
        raise PublicationRefused("no_field")
    photos: dict[str, int] = {}
    for code in db.session.scalars(
        select(FieldPhoto.indicator_code).where(
            FieldPhoto.participant_id == participant.id, FieldPhoto.removed_at.is_(None)
        )
    ):
        photos[code] = photos.get(code, 0) + 1
    before: dict[str, list[str]] = {}
    for code, indicator_code, _by, level in verified_records(participant.competition, field_levels=False):
        if code == participant.desa_code:
            before.setdefault(indicator_code, []).append("N/A" if level is None else str(level))
    team = [
        a.assessor.name
        for a in db.session.scalars(
            select(Assignment)
            .where(Assignment.participant_id == participant.id, Assignment.withdrawn_at.is_(None))
            .order_by(Assignment.id)
        ).unique()
    ]
    indicators = []
    for indicator in rubric.indicators:
        row = levels.get(indicator.code)
        field_level = "-" if row is None or row.level is None else str(row.level)
        indicators.append(
            (
                indicator.code,
                indicator.name,
                ", ".join(before.get(indicator.code, [])) or "-",
                field_level,
                row.note if row is not None else "",
                photos.get(indicator.code, 0),
            )
        )
    return FieldRecord(team, indicators)


def generate_berita_acara(
    kind: BeritaAcaraKind,
    competition: Competition,
    participant: Participant | None,
    by: User,
    now: datetime,
    verify_url_for: Callable[[str], str],
    store: EvidenceStore,
    kode: str | None = None,
) -> BeritaAcara:
    """Generate a berita acara PDF from the data, store it and register it under a new public code.

    - ``penilaian_dokumen`` (one desa): the assessors' names, each one's level per indicator, the reconciled
      levels with their reasons, the date; needs at least one submitted desk assessment.
    - ``pleno`` (the competition): the final ranking from the final snapshot (with its SHA-256), the desa it left
      out with their state and the committee's reasons, and the members; needs the final snapshot.
    - ``klarifikasi_lapangan`` (one finalist desa): the visiting team, per indicator the level before the field
      stage, the field level, the note and the photo count (:func:`field_record`), the date; needs a field record.

    Every PDF carries a QR code and the printed URL of ``/verifikasi/<kode>``, where anyone can check whether a
    PDF's SHA-256 matches the registered one, and the audit trail's anchor when it was made (event count and last
    hash: ``audit verify --anchor COUNT:HASH`` checks the trail against it later). The PDF is kept byte for byte
    in the evidence store (downloads serve those bytes). Generating again makes a new document with a new code;
    the earlier one stays registered. ``kode`` is the new document's public code when the caller chose it ahead
    (the worker's berita acara pleno, :mod:`assessment.publication.documents`).
    """
    kode = kode or new_kode()
    verify_url = verify_url_for(kode)
    context: dict[str, Any] = {
        "competition": competition,
        "verify_url": verify_url,
        "kode": kode,
        "qr_data_uri": qr_svg_data_uri(verify_url),
        "date": format_wita(now),
        "created_by": by.name,
        "audit_anchor": chain_anchor(db.session),
    }
    if kind is BeritaAcaraKind.penilaian_dokumen:
        if participant is None or participant.competition_id != competition.id:
            raise PublicationRefused("no_scores")
        template = "reports/berita_acara_penilaian_dokumen.html"
        context.update(participant=participant, record=desk_record(participant))
    elif kind is BeritaAcaraKind.pleno:
        snapshot = final_snapshot_of(competition)
        if snapshot is None:
            raise PublicationRefused("not_final")
        participant = None
        template = "reports/berita_acara_pleno.html"
        document = json.loads(snapshot.canonical_json)
        context.update(
            snapshot=snapshot,
            ranking=document["peringkat"],
            unranked=document.get("tidak_diperingkat", []),
            members=committee_members(competition),
        )
    else:
        if participant is None or participant.competition_id != competition.id:
            raise PublicationRefused("no_field")
        template = "reports/berita_acara_klarifikasi_lapangan.html"
        context.update(participant=participant, record=field_record(participant))
    pdf = render_template_pdf(template, **context)
    sha256 = hashlib.sha256(pdf).hexdigest()
    store.put(pdf)
    row = BeritaAcara(
        kind=kind,
        competition_id=competition.id,
        participant_id=participant.id if participant else None,
        kode=kode,
        sha256=sha256,
        created_at=now,
        created_by_id=by.id,
    )
    db.session.add(row)
    record_event(
        "berita_acara.generate",
        target=f"competition:{competition.id}",
        after={"kind": kind, "participant": row.participant_id, "sha256": sha256, "kode": kode},
        actor=by,
    )
    db.session.commit()
    return row


def open_objection_count(competition: Competition) -> int:
    """How many objections of the competition still wait for an answer (each one stops finalisation)."""
    return int(
        db.session.scalar(
            select(func.count(Objection.id))
            .join(Participant, Objection.participant_id == Participant.id)
            .where(Participant.competition_id == competition.id, Objection.answered_at.is_(None))
        )
        or 0
    )
