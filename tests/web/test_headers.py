"""Headers on signed-in pages and under HTTPS, and a form that outlived its CSRF token."""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient

from assessment.models import Role, SelfAssessment
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition

DESA = "64.09.04.2002"


def test_signed_in_pages_are_not_stored_by_any_cache(client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(client, make_user(Role.operator_desa, DESA))
    for path in ("/", "/beranda", "/desa/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_hsts_only_under_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://desa.contoh.id")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_expired_form_keeps_what_was_typed_and_can_be_sent_again(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    _, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    login(client, make_user(Role.operator_desa, DESA))
    app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=1)
    page = client.get(f"/desa/peserta/{participant.id}/indikator/A1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    time.sleep(2.1)
    typed = "Surat keterangan domisili & usaha dilayani daring <sejak 2025>"
    expired = client.post(
        f"/desa/peserta/{participant.id}/indikator/A1",
        data={"csrf_token": token.group(1), "level": "3", "explanation": typed},
    )
    html = expired.get_data(as_text=True)
    assert expired.status_code == 400
    assert "Surat keterangan domisili &amp; usaha dilayani daring &lt;sejak 2025&gt;" in html
    assert db.session.scalar(db.select(SelfAssessment)) is None
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert fresh and fresh.group(1) != token.group(1)
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    again = client.post(
        f"/desa/peserta/{participant.id}/indikator/A1",
        data={"csrf_token": fresh.group(1), "level": "3", "explanation": typed},
    )
    assert again.status_code == 302
    row = db.session.scalar(db.select(SelfAssessment))
    assert row is not None and (row.level, row.explanation) == (3, typed)


def test_expired_sign_in_form_never_echoes_the_password(app: Flask, client: FlaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client.get("/masuk")  # the sign-in page put a CSRF token in this browser's session
    response = client.post(
        "/masuk", data={"email": "siti@contoh.id", "password": "rahasia-sekali-123", "csrf_token": "kedaluwarsa"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "siti@contoh.id" in html
    assert "rahasia-sekali-123" not in html
