"""Objections (sanggah): filed by the operator in the masa sanggah, answered by the committee, level precedence."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from assessment.models import (
    AuditEvent,
    LateChange,
    Notification,
    Objection,
    Reconciliation,
    Role,
    StageCode,
    StageException,
    User,
)
from assessment.objections.operations import answer_objection
from assessment.platform.extensions import db
from assessment.publication.operations import publish_provisional
from assessment.repo import OBJECTION_BY, RECONCILED_BY, rubric_of, verified_records
from assessment.services.stages import StageClosed
from tests.conftest import Login, MakeUser
from tests.support import files
from tests.support.published import ResultsWorld, open_exception, open_results_stage, results_world

PASER, BUKIT = "64.01.01.2001", "64.09.04.2002"


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    world = results_world(make_user)
    publish_provisional(world.competition, world.committee, datetime.now(UTC))
    open_results_stage(world.competition, StageCode.masa_sanggah)
    return world


@pytest.fixture
def operator(world: ResultsWorld, make_user: MakeUser) -> User:
    return make_user(Role.operator_desa, PASER, name="Operator Paser")


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _file(app: Flask, login: Login, user: User, world: ResultsWorld, **data: object) -> tuple[int, str]:
    client = login(app.test_client(), user)
    response = client.post(f"/sanggah/peserta/{world.desa[PASER].id}", data=data, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def test_objection_filed_in_window_notifies_committee(
    app: Flask, world: ResultsWorld, operator: User, login: Login
) -> None:
    status, _html = _file(app, login, operator, world, reason="Level A1 tidak sesuai bukti.", indicator="A1")
    assert status == 302
    [objection] = db.session.scalars(select(Objection)).all()
    assert (objection.indicator_code, objection.reason, objection.filed_by_id) == (
        "A1",
        "Level A1 tidak sesuai bukti.",
        operator.id,
    )
    inbox = db.session.scalars(
        select(Notification).where(Notification.user_id == world.committee.id, Notification.kind == "sanggah")
    ).all()
    assert len(inbox) == 1 and "Desa Paser" in inbox[0].message
    assert (
        _count(AuditEvent) > 0
        and db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "objection.file"))
        == 1
    )
    page = login(app.test_client(), operator).get(f"/sanggah/peserta/{world.desa[PASER].id}").get_data(as_text=True)
    assert "Level A1 tidak sesuai bukti." in page and "Belum dijawab." in page


def test_objection_after_window_refused(app: Flask, world: ResultsWorld, operator: User, login: Login) -> None:
    open_results_stage(world.competition, StageCode.penetapan)
    status, html = _file(app, login, operator, world, reason="Terlambat sedikit.")
    assert status == 409
    assert "Masa sanggah sudah ditutup" in html
    assert _count(Objection) == 0


def test_objection_before_publication_refused(app: Flask, make_user: MakeUser, login: Login) -> None:
    world = results_world(make_user, stage=StageCode.masa_sanggah)
    operator = make_user(Role.operator_desa, PASER)
    status, html = _file(app, login, operator, world, reason="Belum ada hasil.")
    assert status == 409 and "Hasil sementara belum diumumkan" in html
    assert _count(Objection) == 0


def test_objection_needs_reason(app: Flask, world: ResultsWorld, operator: User, login: Login) -> None:
    status, html = _file(app, login, operator, world, reason="   ")
    assert status == 400 and "Tulis alasan sanggah." in html
    status, _html = _file(app, login, operator, world, reason="x" * 2001)
    assert status == 400
    status, html = _file(app, login, operator, world, reason="Indikator salah.", indicator="Z9")
    assert status == 400 and "Indikator tidak dikenal" in html
    assert _count(Objection) == 0


def test_objection_evidence_is_content_checked(app: Flask, world: ResultsWorld, operator: User, login: Login) -> None:
    status, html = _file(
        app, login, operator, world, reason="Lihat bukti.", file=(io.BytesIO(b"%PDF-1.7\n%%EOF\n"), "palsu.pdf")
    )
    assert status == 400 and "PDF rusak" in html
    assert _count(Objection) == 0
    status, _html = _file(app, login, operator, world, reason="Lihat foto.", file=(io.BytesIO(files.png()), "foto.png"))
    assert status == 302
    [objection] = db.session.scalars(select(Objection)).all()
    assert objection.evidence_media_type == "image/png" and objection.evidence_sha256
    response = login(app.test_client(), world.committee).get(f"/sanggah/{objection.id}/bukti")
    assert response.status_code == 200 and response.data == files.png()
    response.close()


def test_objection_of_another_desa_forbidden(
    app: Flask, world: ResultsWorld, make_user: MakeUser, login: Login
) -> None:
    other = make_user(Role.operator_desa, BUKIT)
    status, _html = _file(app, login, other, world, reason="Bukan desa saya.")
    assert status == 403
    assert _count(Objection) == 0


def _objection(world: ResultsWorld, indicator: str | None = "A1") -> Objection:
    objection = Objection(
        participant_id=world.desa[PASER].id, indicator_code=indicator, reason="Nilai A1 terlalu rendah."
    )
    db.session.add(objection)
    db.session.commit()
    return objection


def _answer(app: Flask, login: Login, world: ResultsWorld, objection: Objection, **data: str) -> tuple[int, str]:
    client = login(app.test_client(), world.committee)
    response = client.post(f"/panitia/sanggah/lomba/{world.competition.id}/{objection.id}/jawab", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_answer_without_reason_refused(app: Flask, world: ResultsWorld, login: Login) -> None:
    objection = _objection(world)
    status, html = _answer(app, login, world, objection, reason="  ", indicator="A1", level="4")
    assert status == 400 and "Tulis alasan jawaban." in html
    db.session.refresh(objection)
    assert objection.answered_at is None and objection.new_level is None


def test_answer_without_level_change_keeps_levels(
    app: Flask, world: ResultsWorld, operator: User, login: Login
) -> None:
    objection = _objection(world)
    before = verified_records(world.competition)
    status, _html = _answer(app, login, world, objection, reason="Bukti tidak menunjukkan layanan daring.")
    assert status == 302
    db.session.refresh(objection)
    assert objection.answered_at is not None and not objection.changes_level
    assert verified_records(world.competition) == before
    [note] = db.session.scalars(
        select(Notification).where(Notification.user_id == operator.id, Notification.kind == "sanggah_dijawab")
    ).all()
    assert "Level tidak diubah" in note.message
    again = _answer(app, login, world, objection, reason="Kedua kali.")
    assert again[0] == 409 and "sudah dijawab" in again[1]


def test_answer_changing_level_needs_exception(app: Flask, world: ResultsWorld, operator: User, login: Login) -> None:
    """The rule itself (stage_gate rule 5): without an exception opened after publication, a level change is
    refused; an exception the committee opened makes it an "after the freeze" change with that reason."""
    objection = _objection(world)
    rubric = rubric_of(world.competition.rubric)
    with pytest.raises(StageClosed) as refused:
        answer_objection(objection, rubric, "Bukti baru meyakinkan.", "A1", 4, world.committee, datetime.now(UTC))
    assert refused.value.gate.reason == "frozen"
    db.session.rollback()
    assert _count(StageException) == 0
    open_exception(
        world.desa[PASER],
        StageCode.masa_sanggah,
        "Sanggah Desa Paser A1 diterima pleno.",
        world.committee,
        indicator_code="A1",
    )
    status, _html = _answer(app, login, world, objection, reason="Bukti baru meyakinkan.", indicator="A1", level="4")
    assert status == 302
    db.session.refresh(objection)
    # The level before the answer is the one that counted: the ketua tim's agreed level (tests/support/published.py).
    assert (objection.answer_indicator_code, objection.previous_level, objection.new_level) == ("A1", 2, 4)
    [mark] = db.session.scalars(select(LateChange)).all()
    assert mark.action == "answer_objection" and mark.exception.reason == "Sanggah Desa Paser A1 diterima pleno."
    paser_a1 = [r for r in verified_records(world.competition) if r[0] == PASER and r[1] == "A1"]
    assert paser_a1 == [(PASER, "A1", OBJECTION_BY, 4)]
    page = login(app.test_client(), operator).get(f"/sanggah/peserta/{world.desa[PASER].id}").get_data(as_text=True)
    assert "Diubah setelah pengumuman (A1)" in page and "Sanggah Desa Paser A1 diterima pleno." in page


def test_one_page_answer_opens_its_exception_with_the_same_reason(
    app: Flask, world: ResultsWorld, login: Login
) -> None:
    objection = _objection(world)
    client = login(app.test_client(), world.committee)
    page = client.get(f"/panitia/sanggah/lomba/{world.competition.id}").get_data(as_text=True)
    # The answer page shows the indicator's levels now, beside the form.
    assert "Level indikator A1 sekarang dan buktinya" in page and "Level dokumen" in page
    assert "Level kesepakatan (rekonsiliasi)" in page and "Level lapangan" in page
    status, _html = _answer(
        app, login, world, objection, reason="Bukti SK baru meyakinkan pleno.", indicator="A1", level="4"
    )
    assert status == 302
    [exception] = db.session.scalars(select(StageException)).all()
    assert (exception.participant_id, exception.stage, exception.indicator_code, exception.reason) == (
        world.desa[PASER].id,
        StageCode.masa_sanggah,
        "A1",
        "Bukti SK baru meyakinkan pleno.",
    )
    [mark] = db.session.scalars(select(LateChange)).all()
    assert mark.exception_id == exception.id
    opened = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stage_exception.open")).all()
    assert len(opened) == 1
    paser_a1 = [r for r in verified_records(world.competition) if r[0] == PASER and r[1] == "A1"]
    assert paser_a1 == [(PASER, "A1", OBJECTION_BY, 4)]


def test_a_refused_answer_opens_no_exception(app: Flask, world: ResultsWorld, login: Login) -> None:
    objection = _objection(world)
    status, _html = _answer(app, login, world, objection, reason="Bukti baru.", indicator="A1", level="9")
    assert status == 400
    assert _count(StageException) == 0


def test_answer_level_off_the_scale_refused(app: Flask, world: ResultsWorld, login: Login) -> None:
    objection = _objection(world)
    open_exception(world.desa[PASER], StageCode.masa_sanggah, "Pleno.", world.committee)
    for level in ("7", "tiga"):
        status, html = _answer(app, login, world, objection, reason="Naik.", indicator="A1", level=level)
        assert status == 400 and "skala rubrik" in html
    db.session.refresh(objection)
    assert objection.answered_at is None


def test_objection_answer_takes_precedence(app: Flask, world: ResultsWorld) -> None:
    """Objection answer > reconciliation > desk scores for one desa x indicator (the field level sits between)."""
    paser = world.desa[PASER]
    # The world's desk levels of Desa Paser A1 (1 and 3) were reconciled to 2 (tests/support/published.py).
    assert db.session.scalar(select(Reconciliation.level).where(Reconciliation.participant_id == paser.id)) == 2
    assert [r for r in verified_records(world.competition) if r[:2] == (PASER, "A1")] == [
        (PASER, "A1", RECONCILED_BY, 2)
    ]
    now = datetime.now(UTC)
    for level in (3, 4):
        db.session.add(
            Objection(
                participant_id=paser.id,
                reason="Sanggah.",
                answered_at=now,
                answer_reason="Ya.",
                answer_indicator_code="A1",
                new_level=level,
            )
        )
        db.session.commit()
    records = verified_records(world.competition)
    assert [r for r in records if r[:2] == (PASER, "A1")] == [(PASER, "A1", OBJECTION_BY, 4)]
    # Other items keep their desk rows (two assessors each).
    assert len([r for r in records if r[:2] == (PASER, "A2")]) == 2


def test_answer_in_another_competition_not_found(
    app: Flask, world: ResultsWorld, make_user: MakeUser, login: Login
) -> None:
    objection = _objection(world)
    outsider = make_user(Role.panitia, "63")
    client = login(app.test_client(), outsider)
    url = f"/panitia/sanggah/lomba/{world.competition.id}/{objection.id}/jawab"
    assert client.post(url, data={"reason": "Bukan wilayah saya."}).status_code == 403
    assert client.get(f"/sanggah/{objection.id}/bukti").status_code == 403
    committee = login(app.test_client(), world.committee)
    assert (
        committee.post(
            f"/panitia/sanggah/lomba/{world.competition.id + 1}/{objection.id}/jawab", data={"reason": "x"}
        ).status_code
        == 404
    )
    db.session.refresh(objection)
    assert objection.answered_at is None


def test_answer_outside_its_stages_refused(app: Flask, world: ResultsWorld, login: Login) -> None:
    objection = _objection(world)
    open_results_stage(world.competition, StageCode.pengumuman_sementara)
    status, html = _answer(app, login, world, objection, reason="Terlalu awal.")
    assert status == 409 and "hanya dapat dijawab pada masa sanggah atau penetapan" in html
    db.session.refresh(objection)
    assert objection.answered_at is None


def test_objections_are_limited_per_desa_and_per_indicator(
    app: Flask, world: ResultsWorld, operator: User, login: Login
) -> None:
    app.config.update(OBJECTION_LIMIT_PER_DESA=5, OBJECTION_LIMIT_PER_INDICATOR=2)
    for number in range(2):
        assert _file(app, login, operator, world, reason=f"A1 keberatan {number}", indicator="A1")[0] == 302
    status, html = _file(app, login, operator, world, reason="A1 lagi", indicator="A1")
    assert status == 429
    assert "Sanggah untuk indikator ini (atau untuk seluruh hasil) sudah mencapai batas" in html
    # Another indicator and the whole result still have room, up to the desa's limit.
    assert _file(app, login, operator, world, reason="A2 keberatan", indicator="A2")[0] == 302
    assert _file(app, login, operator, world, reason="Seluruh hasil", indicator="")[0] == 302
    assert _file(app, login, operator, world, reason="Seluruh hasil lagi", indicator="")[0] == 302
    status, html = _file(app, login, operator, world, reason="A2 lagi", indicator="A2")
    assert status == 429
    assert "sudah mengajukan sanggah sebanyak batas" in html
    assert _count(Objection) == 5


def test_parallel_objections_do_not_pass_the_limit_together(app: Flask, world: ResultsWorld, operator: User) -> None:
    import threading

    from flask.testing import FlaskClient

    app.config.update(OBJECTION_LIMIT_PER_DESA=30, OBJECTION_LIMIT_PER_INDICATOR=3)
    session_id = operator.get_id()
    url = f"/sanggah/peserta/{world.desa[PASER].id}"
    start = threading.Barrier(12)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(number: int) -> None:
        client = FlaskClient(app, app.response_class, use_cookies=True)
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        start.wait()
        response = client.post(
            url, data={"reason": f"Banjir sanggah {number}", "indicator": "A1"}, content_type="multipart/form-data"
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] * 3 + [429] * 9
    assert _count(Objection) == 3


def test_duplicate_objections_are_answered_together(
    app: Flask, world: ResultsWorld, operator: User, login: Login
) -> None:
    first, second, third = _objection(world), _objection(world), _objection(world)
    other = _objection(world, indicator="A2")
    whole = _objection(world, indicator=None)
    page = login(app.test_client(), world.committee).get(f"/panitia/sanggah/lomba/{world.competition.id}")
    html = page.get_data(as_text=True)
    assert f'name="also" value="{second.id}"' in html and "Jawab juga sanggah serupa" in html
    # Another indicator (or the whole result) is not a duplicate: refused, nothing answered.
    client = login(app.test_client(), world.committee)
    url = f"/panitia/sanggah/lomba/{world.competition.id}/{first.id}/jawab"
    refused = client.post(url, data={"reason": "Sama.", "also": [str(second.id), str(other.id)]})
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Objection).where(Objection.answered_at.is_not(None))) == 0
    answered = client.post(
        url, data={"reason": "Bukti A1 sudah dinilai ulang; level tetap.", "also": [str(second.id), str(third.id)]}
    )
    assert answered.status_code == 302
    db.session.expire_all()
    for objection in (first, second, third):
        assert objection.answered_at is not None
        assert objection.answer_reason == "Bukti A1 sudah dinilai ulang; level tetap."
    assert other.answered_at is None and whole.answered_at is None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "objection.answer")).all()
    assert len(events) == 3
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == operator.id, Notification.kind == "sanggah_dijawab")
    ).all()
    assert len(notes) == 1 and "3 sanggah dijawab bersama" in notes[0].message
