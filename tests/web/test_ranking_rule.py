"""Publish and finalise check first (issue 13): the committee sees what blocks the results, cannot publish or
finalise while a desa that should be ranked is unfinished, and may withdraw such a desa with a written reason that
is shown beside the results and stored in the snapshot."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from assessment.field.operations import finalists_of, set_finalist_rule
from assessment.models import (
    Assignment,
    AssignmentMethod,
    AuditEvent,
    DeskScore,
    FinalistScope,
    FinalSnapshot,
    Notification,
    Objection,
    ProvisionalResult,
    RankingWithdrawal,
    Reconciliation,
    Role,
    StageCode,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from assessment.publication.operations import (
    PublicationRefused,
    blockers,
    finalise_results,
    publish_provisional,
    restore_to_ranking,
    withdraw_from_ranking,
)
from tests.conftest import Login, MakeUser
from tests.support.outputs import BUKIT, DRAF, KUARO, PASER, SEMOI, TUNGGU, WITHDRAWAL, TruthWorld, truth_world
from tests.support.published import open_results_stage


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> TruthWorld:
    return truth_world(make_user)


def _now() -> datetime:
    return datetime.now(UTC)


def _block_more(world: TruthWorld) -> None:
    """Besides Desa Tunggu (assessors not submitted): Desa Kuaro's A1 two levels apart and unreconciled, Semoi Dua
    sent back to "diajukan" (never checked), Bukit Raya's agreement removed (its A1 1 vs 4 waits again)."""
    for score in db.session.scalars(
        select(DeskScore)
        .join(Assignment)
        .where(Assignment.participant_id == world.desa[KUARO].id, DeskScore.indicator_code == "A1")
    ):
        score.level = 1 if score.assignment.assessor_id == world.assessors[0].id else 3
    world.desa[SEMOI].status = SubmissionStatus.diajukan
    db.session.execute(db.delete(Reconciliation))
    db.session.commit()


def test_publish_refused_while_a_desa_that_should_be_ranked_is_unfinished(
    app: Flask, world: TruthWorld, login: Login
) -> None:
    _block_more(world)
    found = {b.participant.desa_code: b for b in blockers(world.competition)}
    assert {code: b.standing.state.value for code, b in found.items()} == {
        TUNGGU: "penilaian_belum_selesai",
        KUARO: "menunggu_rekonsiliasi",
        SEMOI: "belum_diperiksa",
        BUKIT: "menunggu_rekonsiliasi",
    }
    assert found[TUNGGU].open_assessors == ("Asesor Dua", "Asesor Satu")
    assert found[KUARO].standing.unreconciled == ("A1",)
    with pytest.raises(PublicationRefused) as refused:
        publish_provisional(world.competition, world.committee, _now())
    assert refused.value.code == "blockers"
    client = login(app.test_client(), world.committee)
    page = client.get(f"/panitia/hasil/lomba/{world.competition.id}").get_data(as_text=True)
    assert "4 desa belum selesai dinilai" in page
    assert "Umumkan hasil sementara</button>" not in page
    assert "Menunggu rekonsiliasi ketua tim: A1." in page
    assert "Kelengkapan penilaian mandiri belum diperiksa verifikator." in page
    # The draft desa is listed apart and blocks nothing.
    others = page[page.index("<caption>Tidak diperingkat</caption>") :]
    assert f'<tr data-kode="{DRAF}">' in others and "draf: penilaian mandiri belum diajukan" in others
    response = client.post(f"/panitia/hasil/lomba/{world.competition.id}/umumkan", follow_redirects=True)
    assert "Masih ada desa yang belum selesai dinilai" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProvisionalResult)) == 0


def test_a_desa_without_assessors_or_with_too_few_blocks_too(app: Flask, world: TruthWorld) -> None:
    for assignment in db.session.scalars(select(Assignment).where(Assignment.participant_id == world.desa[TUNGGU].id)):
        assignment.withdrawn_at = _now()
    db.session.commit()
    [blocker] = blockers(world.competition)
    assert (blocker.standing.state.value, blocker.standing.assigned, blocker.standing.required) == (
        "belum_ditugaskan",
        0,
        2,
    )
    db.session.add(
        Assignment(
            participant_id=world.desa[TUNGGU].id,
            assessor_id=world.lead.id,
            method=AssignmentMethod.manual,
            submitted_at=_now(),
        )
    )
    db.session.commit()
    [blocker] = blockers(world.competition)
    assert blocker.standing.state.value == "asesor_kurang"


def test_withdrawal_needs_a_written_reason_and_a_submitted_desa(
    app: Flask, world: TruthWorld, login: Login, make_user: MakeUser
) -> None:
    tunggu = world.desa[TUNGGU]
    for reason in ("", "   ", "Sakit.", "x" * 1001):
        with pytest.raises(PublicationRefused, match="reason"):
            withdraw_from_ranking(tunggu, reason, world.committee, _now())
    with pytest.raises(PublicationRefused, match="not_candidate"):
        withdraw_from_ranking(world.desa[DRAF], WITHDRAWAL, world.committee, _now())
    client = login(app.test_client(), world.committee)
    url = f"/panitia/hasil/lomba/{world.competition.id}/peserta/{tunggu.id}/keluarkan"
    page = client.post(url, data={"reason": "Singkat"}, follow_redirects=True).get_data(as_text=True)
    assert "Tulis alasan 10 sampai 1.000 karakter." in page
    assert db.session.scalar(select(func.count()).select_from(RankingWithdrawal)) == 0
    # A committee member outside the desa's region cannot withdraw it.
    outsider = login(app.test_client(), make_user(Role.panitia, "63"))
    assert outsider.post(url, data={"reason": WITHDRAWAL}).status_code == 403
    assert client.post(url, data={"reason": f"  {WITHDRAWAL}  "}).status_code == 303
    [row] = db.session.scalars(select(RankingWithdrawal)).all()
    assert (row.reason, row.created_by_id, row.revoked_at) == (WITHDRAWAL, world.committee.id, None)
    with pytest.raises(PublicationRefused, match="withdrawn"):
        withdraw_from_ranking(tunggu, WITHDRAWAL, world.committee, _now())
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "results.withdraw_from_ranking"))
    assert json.loads(event.after_json or "{}")["reason"] == WITHDRAWAL
    assert blockers(world.competition) == []


def test_withdrawn_desa_is_shown_with_its_reason_and_stored_in_the_snapshot(
    app: Flask, world: TruthWorld, login: Login, make_user: MakeUser
) -> None:
    operator = make_user(Role.operator_desa, TUNGGU)
    withdraw_from_ranking(world.desa[TUNGGU], WITHDRAWAL, world.committee, _now())
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == operator.id))
    assert WITHDRAWAL in note.message
    publish_provisional(world.competition, world.committee, _now())
    public = app.test_client()
    ranking = public.get(f"/hasil/{world.competition.id}/peringkat/64.09").get_data(as_text=True)
    unranked = ranking[ranking.index('id="unranked-title"') :]
    assert re.search(
        rf'<tr data-kode="{TUNGGU}">.*?dikeluarkan dari peringkat oleh panitia: {re.escape(WITHDRAWAL)}', unranked, re.S
    )
    why = public.get(f"/hasil/{world.competition.id}/desa/{TUNGGU}").get_data(as_text=True)
    assert WITHDRAWAL in why and "dari 5 desa" not in why
    open_results_stage(world.competition, StageCode.penetapan)
    snapshot = finalise_results(world.competition, world.committee, _now())
    document = json.loads(snapshot.canonical_json)
    assert {"kode": TUNGGU, "nama": "Desa Tunggu", "keadaan": "dikeluarkan", "alasan": WITHDRAWAL} in document[
        "tidak_diperingkat"
    ]
    assert TUNGGU not in {row[0] for row in document["level"]}  # the levels of the ranked desa only
    # Sealed: the withdrawal can no longer be taken back, nor another desa withdrawn.
    [row] = db.session.scalars(select(RankingWithdrawal)).all()
    with pytest.raises(PublicationRefused, match="finalised"):
        restore_to_ranking(row, "Pleno meninjau ulang keputusan.", world.committee, _now())
    with pytest.raises(PublicationRefused, match="finalised"):
        withdraw_from_ranking(world.desa[KUARO], WITHDRAWAL, world.committee, _now())


def test_withdrawal_taken_back_puts_the_desa_under_the_rule_again(app: Flask, world: TruthWorld, login: Login) -> None:
    withdraw_from_ranking(world.desa[KUARO], "Dugaan bukti A2 bukan milik desa.", world.committee, _now())
    assert KUARO not in {b.participant.desa_code for b in blockers(world.competition)}
    client = login(app.test_client(), world.committee)
    page = client.get(f"/panitia/hasil/lomba/{world.competition.id}").get_data(as_text=True)
    [withdrawal_id] = re.findall(r"/dikeluarkan/(\d+)/batalkan", page)
    response = client.post(
        f"/panitia/hasil/lomba/{world.competition.id}/dikeluarkan/{withdrawal_id}/batalkan",
        data={"reason": "Klarifikasi: bukti A2 memang milik desa."},
        follow_redirects=True,
    )
    assert "kembali dinilai menurut aturan peringkat" in response.get_data(as_text=True)
    row = db.session.get(RankingWithdrawal, int(withdrawal_id))
    assert row is not None and row.revoked_at is not None and row.revoke_reason
    page = client.get(f"/panitia/hasil/lomba/{world.competition.id}").get_data(as_text=True)
    assert "Pengeluaran yang dibatalkan" in page and "Dugaan bukti A2 bukan milik desa." in page
    # Kuaro is fully assessed: ranked again; a second withdrawal is possible.
    withdraw_from_ranking(world.desa[KUARO], "Keputusan pleno kedua.", world.committee, _now())
    assert db.session.scalar(select(func.count()).select_from(RankingWithdrawal)) == 2


def test_finalise_refused_when_a_desa_became_unfinished_after_publication(
    app: Flask, world: TruthWorld, login: Login
) -> None:
    withdraw_from_ranking(world.desa[TUNGGU], WITHDRAWAL, world.committee, _now())
    publish_provisional(world.competition, world.committee, _now())
    # A third assessor assigned to Desa Kuaro after the publication has not submitted yet.
    db.session.add(
        Assignment(participant_id=world.desa[KUARO].id, assessor_id=world.lead.id, method=AssignmentMethod.manual)
    )
    db.session.commit()
    open_results_stage(world.competition, StageCode.penetapan)
    client = login(app.test_client(), world.committee)
    page = client.post(f"/panitia/hasil/lomba/{world.competition.id}/tetapkan", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Masih ada desa yang belum selesai dinilai" in page and "Penetapan menunggu" in page
    assert db.session.scalar(select(func.count()).select_from(FinalSnapshot)) == 0


def test_finalists_are_chosen_among_the_desa_the_rule_ranks(app: Flask, world: TruthWorld) -> None:
    set_finalist_rule(world.competition, FinalistScope.provinsi, 1)
    assert finalists_of(world.competition) == (PASER,)  # 95 at the desk
    # Desa Paser's A1 levels now lie three apart and wait for the ketua tim: not ranked, so not a finalist; the
    # next desk result (Bukit Raya, 70 with its agreed A1) is.
    for score in db.session.scalars(
        select(DeskScore)
        .join(Assignment)
        .where(Assignment.participant_id == world.desa[PASER].id, DeskScore.indicator_code == "A1")
    ):
        score.level = 1 if score.assignment.assessor_id == world.assessors[0].id else 4
    db.session.commit()
    assert finalists_of(world.competition) == (BUKIT,)


def test_a_desa_withdrawn_after_publication_is_told_beside_its_frozen_result(
    app: Flask, world: TruthWorld, login: Login, make_user: MakeUser
) -> None:
    withdraw_from_ranking(world.desa[TUNGGU], WITHDRAWAL, world.committee, _now())
    publish_provisional(world.competition, world.committee, _now())
    reason = "Bukti A2 terbukti milik desa lain (hasil klarifikasi)."
    withdraw_from_ranking(world.desa[KUARO], reason, world.committee, _now())
    operator = login(app.test_client(), make_user(Role.operator_desa, KUARO))
    page = operator.get(f"/sanggah/peserta/{world.desa[KUARO].id}").get_data(as_text=True)
    assert "Peringkat 3 dari 5 desa" in page  # the frozen provisional result stays as published
    assert re.search(
        r'data-testid="keadaan-sekarang">Sejak pengumuman, desa ini tidak lagi diperingkat: '
        rf"dikeluarkan dari peringkat oleh panitia: {re.escape(reason)}",
        page,
    )
    ranking = app.test_client().get(f"/hasil/{world.competition.id}/peringkat/64").get_data(as_text=True)
    assert f'<tr data-kode="{KUARO}">' in ranking[ranking.index('id="unranked-title"') :]


def test_publish_confirmation_page_says_what_happens_what_blocks_and_who_was_withdrawn(
    app: Flask, world: TruthWorld, login: Login
) -> None:
    """Publishing asks first on its own page (works without JavaScript): the ranking freezes, the operators are
    told, the pages become public; every desa still blocking is named, every withdrawn desa with its reason; the
    page offers no button while anything blocks, and opening it changes nothing."""
    client = login(app.test_client(), world.committee)
    page = client.get(f"/panitia/hasil/lomba/{world.competition.id}/umumkan").get_data(as_text=True)
    assert "Yang akan terjadi" in page and "diberi tahu di kotak masuknya" in page and "dibekukan" in page
    assert '<li data-kode="' + TUNGGU + '">' in page and "Asesor Dua, Asesor Satu" in page
    assert "Ya, umumkan hasil sementara" not in page
    withdraw_from_ranking(world.desa[TUNGGU], WITHDRAWAL, world.committee, _now())
    results = client.get(f"/panitia/hasil/lomba/{world.competition.id}").get_data(as_text=True)
    assert f'href="/panitia/hasil/lomba/{world.competition.id}/umumkan"' in results
    page = client.get(f"/panitia/hasil/lomba/{world.competition.id}/umumkan").get_data(as_text=True)
    withdrawn = page[page.index("Desa yang dikeluarkan dari peringkat") :]
    assert f'<li data-kode="{TUNGGU}">' in withdrawn and WITHDRAWAL in withdrawn
    assert "Ya, umumkan hasil sementara" in page
    assert f'action="/panitia/hasil/lomba/{world.competition.id}/umumkan"' in page
    assert db.session.scalar(select(func.count()).select_from(ProvisionalResult)) == 0
    client.post(f"/panitia/hasil/lomba/{world.competition.id}/umumkan")
    assert db.session.scalar(select(func.count()).select_from(ProvisionalResult)) == 1


def test_finalise_confirmation_page_says_it_cannot_be_undone_and_names_open_objections(
    app: Flask, world: TruthWorld, login: Login
) -> None:
    """Finalising asks first: the sealed snapshot cannot be undone; before publication, during another stage or
    with an objection unanswered the page says so and offers no button."""
    withdraw_from_ranking(world.desa[TUNGGU], WITHDRAWAL, world.committee, _now())
    client = login(app.test_client(), world.committee)
    url = f"/panitia/hasil/lomba/{world.competition.id}/tetapkan"
    page = client.get(url).get_data(as_text=True)
    assert "tidak dapat dibatalkan" in page and "Hasil sementara belum diumumkan." in page
    assert "Ya, tetapkan hasil akhir" not in page
    publish_provisional(world.competition, world.committee, _now())
    db.session.add(Objection(participant_id=world.desa[PASER].id, reason="Nilai A1 terlalu rendah."))
    db.session.commit()
    open_results_stage(world.competition, StageCode.penetapan)
    page = client.get(url).get_data(as_text=True)
    assert "1 sanggah belum dijawab." in page and "Ya, tetapkan hasil akhir" not in page
    assert WITHDRAWAL in page
    db.session.execute(db.delete(Objection))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Ya, tetapkan hasil akhir" in page and f'action="{url}"' in page
    assert db.session.scalar(select(func.count()).select_from(FinalSnapshot)) == 0
