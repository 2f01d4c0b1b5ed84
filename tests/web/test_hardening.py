"""Abuse and small failures (issue 19, point 6): where sign-in may send you, what a failed CSRF check may touch,
control characters in what is typed, caching of downloaded documents, request ids and browser permissions."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from assessment.models import AuditEvent, DeskScore, Evidence, Participant, Role, SelfAssessment, StageCode, utcnow
from assessment.platform.extensions import db
from tests.conftest import TEST_PASSWORD, Login, MakeUser
from tests.support.competition import create_competition
from tests.support.documents import fetch_document
from tests.support.results import INJECTED, SEMOI, ResultsWorld, results_world

DESA = "64.09.04.2002"


# ------------------------------------------------------------------------------------------ next= after sign-in


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/",
        "/%0a/evil.example/",
        "/%0d/evil.example/",
        "/%5Cevil.example/",
        "//evil.example/",
        "https://evil.example/",
        "/\t/evil.example/",
        "/beranda%0d%0aSet-Cookie:%20x=1",
        "/%00/evil.example/",
        "%2F%2Fevil.example/",
    ],
)
def test_sign_in_follows_only_same_site_paths(client: FlaskClient, make_user: MakeUser, target: str) -> None:
    user = make_user(Role.operator_desa, DESA)
    page = client.get(f"/masuk?next={target}")
    assert page.status_code == 200
    response = client.post(
        "/masuk",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "next": target.replace("%09", "\t")
            .replace("%0a", "\n")
            .replace("%0d", "\r")
            .replace("%5C", "\\")
            .replace("%00", "\x00"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/beranda"


def test_sign_in_still_follows_a_page_of_this_site(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.operator_desa, DESA)
    response = client.post("/masuk", data={"email": user.email, "password": TEST_PASSWORD, "next": "/desa/?tahun=2026"})
    assert response.headers["Location"] == "/desa/?tahun=2026"


# ------------------------------------------------------------------------------------- CSRF failure and session


def _session_cookie_set(response) -> bool:  # type: ignore[no-untyped-def]
    return any(header.startswith("session=") for header in response.headers.getlist("Set-Cookie"))


def test_csrf_failure_leaves_an_existing_session_alone(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    login(client, make_user(Role.operator_desa, DESA))
    assert client.get("/beranda").status_code == 200
    app.config["WTF_CSRF_ENABLED"] = True
    # A cross-site form post: the browser does not send the SameSite=Lax cookie, but would keep any cookie set.
    forged = app.test_client().post("/keluar", data={"next": "/"})
    assert forged.status_code == 400
    assert not _session_cookie_set(forged)
    # The same post with the victim's cookie (a same-site attacker page): refused, and the session is untouched.
    with_cookie = client.post("/akun/kata-sandi", data={"current": "x", "new": "y", "repeat": "y"})
    assert with_cookie.status_code == 400
    assert not _session_cookie_set(with_cookie)
    assert client.get("/beranda").status_code == 200


# --------------------------------------------------------------------------------------------- control characters


def test_control_characters_are_removed_from_everything_typed(
    client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    _, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    operator = make_user(Role.operator_desa, DESA)
    # A NUL in the sign-in e-mail is no database error (PostgreSQL cannot hold it): a wrong sign-in.
    refused = client.post("/masuk", data={"email": "siti\x00@contoh.id", "password": "apa-saja-12345"})
    assert refused.status_code == 200
    assert "Email atau kata sandi salah." in refused.get_data(as_text=True)
    login(client, operator)
    page = f"/desa/peserta/{participant.id}"
    saved = client.post(f"{page}/indikator/A1", data={"level": "3", "explanation": "SID\x00 aktif\x07\x1b\n12 surat"})
    assert saved.status_code == 302
    row = db.session.scalar(db.select(SelfAssessment))
    assert row is not None and row.explanation == "SID aktif\n12 surat"
    linked = client.post(f"{page}/indikator/A1/tautan", data={"url": "https://bukitraya.desa.id/\x00layanan"})
    assert linked.status_code == 302
    link = db.session.scalar(db.select(Evidence).where(Evidence.url.is_not(None)))
    assert link is not None and link.url == "https://bukitraya.desa.id/layanan"
    assert client.get("/desa/?q=\x00x").status_code == 200
    # A control character in the path names no page: 404 before any view passes it to the database.
    for path in ("/hasil/1/desa/64.09%00", "/verifikasi/ABC%00DEF", "/desa/peserta/1%0a"):
        assert client.get(path).status_code == 404, path
    assert isinstance(participant, Participant)


@pytest.fixture
def desk_world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user, open_stage=StageCode.penilaian_dokumen)


def test_a_control_character_in_a_desk_note_keeps_the_offline_workbook_working(
    desk_world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, desk_world.first)
    assignment = desk_world.assignments[(INJECTED, 0)]
    typed = client.post(
        f"/asesor/penugasan/{assignment.id}/indikator/A1", data={"level": "1", "note": "Surat\x0b pindai\x01 buram"}
    )
    assert typed.status_code in (200, 302)
    score = db.session.scalar(
        db.select(DeskScore).where(DeskScore.assignment_id == assignment.id, DeskScore.indicator_code == "A1")
    )
    assert score is not None and score.note == "Surat pindai buram"
    # A note stored before input was cleaned (written straight into the database) still gives a workbook.
    score.note = "Lama\x0c tersimpan\x01"  # (no NUL: PostgreSQL cannot hold one at all)
    db.session.commit()
    response = client.get(f"/asesor/luring/{desk_world.competition.id}/penilaian.xlsx")
    assert response.status_code == 200
    notes = [
        row[5]
        for row in load_workbook(io.BytesIO(response.data))["Penilaian"].iter_rows(min_row=2, values_only=True)
        if row[0] == INJECTED and row[2] == "A1"
    ]
    assert notes == ["Lama tersimpan"]


# ------------------------------------------------------------------------------------- caching of documents


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    """The scored world with its provisional results published (certificates exist only then)."""
    world = results_world(make_user)
    world.competition.results_published_at = utcnow()
    db.session.commit()
    return world


def test_documents_sent_to_signed_in_users_are_never_stored_by_a_cache(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    competition = world.competition.id
    for url in (
        f"/hasil/{competition}/unduh/hasil-64.xlsx",
        f"/hasil/{competition}/laporan/64.09.pdf",
        f"/hasil/{competition}/sertifikat/{SEMOI}.pdf",
    ):
        response = fetch_document(client, url)  # the PDF report is made by the worker (assessment/documents)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    # Static files and deliberately public files keep their caching (nothing personal in them).
    with client.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_offline_workbook_is_never_stored_by_a_cache(
    desk_world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, desk_world.first)
    response = client.get(f"/asesor/luring/{desk_world.competition.id}/penilaian.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


# ------------------------------------------------------------------------- request id and browser permissions


def test_a_client_request_id_never_reaches_the_audit_trail(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.operator_desa, DESA)
    offered = "permintaan-pilihan-penyerang-01"
    response = client.post(
        "/masuk", data={"email": user.email, "password": "salah-salah-salah"}, headers={"X-Request-ID": offered}
    )
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))
    assert event is not None
    assert event.request_id != offered
    assert event.request_id == response.headers["X-Request-ID"]


def test_every_response_limits_browser_features(client: FlaskClient) -> None:
    policy = client.get("/").headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


# ------------------------------------------------------------------------------- parallel wrong passwords


def test_parallel_wrong_passwords_check_no_more_than_the_limit(
    app: Flask, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from assessment.auth import operations

    email = make_user(Role.operator_desa, DESA).email
    checked: list[str] = []
    lock = threading.Lock()
    real_verify = operations.verify_password

    def counting_verify(password_hash: str, password: str) -> bool:
        with lock:
            checked.append(password)
        return real_verify(password_hash, password)

    monkeypatch.setattr(operations, "verify_password", counting_verify)
    start = threading.Barrier(30)
    statuses: list[int] = []

    def attempt(number: int) -> None:
        # A plain client: each request in its thread gets its own app context and database session.
        client = FlaskClient(app, app.response_class, use_cookies=True)
        start.wait()
        response = client.post("/masuk", data={"email": email, "password": f"salah-{number:02d}-salah"})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(number,)) for number in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 30 and set(statuses) <= {200, 429}
    assert len(checked) <= 5
    assert statuses.count(429) >= 25
