"""Every state change leaves its audit event (who, what, before → after), and the committee's trail page."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from assessment.competitions.operations import create_competition as create_competition_operation
from assessment.competitions.operations import read_rubric_upload
from assessment.models import AuditEvent, Participant, Role, StageCode, SubmissionStatus
from assessment.platform.extensions import db
from assessment.services.audit import record_event, verify_chain
from assessment.trail.export import spreadsheet_safe
from tests.conftest import TEST_PASSWORD, Login, MakeRegion, MakeUser
from tests.support import files
from tests.support.competition import SMALL_RUBRIC, create_competition

DESA = "64.09.04.2002"


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def state(text: str | None) -> object:
    return None if text is None else json.loads(text)


def test_login_and_failed_logins_are_recorded(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.dpmd, "64.09", email="dpmd@contoh.id")
    client.post(
        "/masuk",
        data={"email": "dpmd@contoh.id", "password": "salah-sekali-123"},
        environ_base={"REMOTE_ADDR": "198.51.100.4"},
    )
    client.post("/masuk", data={"email": "tidak.ada@contoh.id", "password": "apa-saja-12345"})
    client.post("/masuk", data={"email": "DPMD@contoh.id", "password": TEST_PASSWORD})
    failed = events("auth.login_failed")
    assert [(row.target, state(row.after_json)) for row in failed] == [
        (f"user:{user.id}", {"reason": "kata_sandi_salah"}),
        ("email:tidak.ada@contoh.id", {"reason": "email_tidak_dikenal"}),
    ]
    assert failed[0].address == "198.51.100.4"
    assert TEST_PASSWORD not in "".join(row.after_json or "" for row in db.session.scalars(db.select(AuditEvent)))
    [login] = events("auth.login")
    assert (login.actor_id, login.target) == (user.id, f"user:{user.id}")
    client.post("/keluar")
    assert [row.actor_id for row in events("auth.logout")] == [user.id]


def test_account_creation_records_its_grants_without_the_password(
    runner: FlaskCliRunner, make_region: MakeRegion
) -> None:
    make_region(DESA)
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--name",
            "Siti",
            "--email",
            "siti@contoh.id",
            "--role",
            "operator_desa",
            "--region",
            DESA,
            "--password-stdin",
        ],
        input="kata-sandi-panjang-1\n",
    )
    assert result.exit_code == 0, result.output
    [row] = events("user.create")
    after = state(row.after_json)
    assert isinstance(after, dict)
    assert after["grants"] == [{"role": "operator_desa", "region": DESA, "home_region": None}]
    assert "kata-sandi-panjang-1" not in (row.after_json or "")
    assert row.actor_label.startswith("cli:")


def test_rubric_and_competition_creation_are_recorded(app: Flask, make_region: MakeRegion, make_user: MakeUser) -> None:
    make_region("64")
    panitia = make_user(Role.panitia, "64")
    upload = read_rubric_upload(SMALL_RUBRIC.encode(), "rubrik.yaml")
    competition = create_competition_operation(
        name="Lomba Uji",
        year=2026,
        scope_code="64",
        rubric=upload,
        created_by=panitia,
        stages={StageCode.penilaian_mandiri: (date(2026, 12, 1), date(2026, 12, 21))},
    )
    [rubric_event] = events("rubric.store")
    assert state(rubric_event.after_json)["fingerprint"] == upload.fingerprint  # type: ignore[index]
    [row] = events("competition.create")
    assert row.target == f"competition:{competition.id}"
    assert row.actor_id == panitia.id
    after = state(row.after_json)
    assert isinstance(after, dict)
    assert (after["name"], after["scope"]) == ("Lomba Uji", "64")
    assert after["stages"]["penilaian_mandiri"][0].endswith("Z")


@pytest.fixture
def operator_client(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> tuple[FlaskClient, Participant]:
    _, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    login(client, make_user(Role.operator_desa, DESA))
    return client, participant


def test_self_assessment_changes_record_before_and_after(operator_client: tuple[FlaskClient, Participant]) -> None:
    client, participant = operator_client
    base = f"/desa/peserta/{participant.id}"
    client.post(f"{base}/indikator/A1", data={"level": "1", "explanation": "lewat WA"})
    client.post(f"{base}/indikator/A1", data={"level": "3", "explanation": "sepuluh surat daring"})
    saves = events("self_assessment.save")
    assert [(state(row.before_json), state(row.after_json)) for row in saves] == [
        (None, {"level": 1, "explanation": "lewat WA"}),
        ({"level": 1, "explanation": "lewat WA"}, {"level": 3, "explanation": "sepuluh surat daring"}),
    ]
    assert saves[0].target == f"participant:{participant.id}/indicator:A1"


def test_uploads_links_removals_and_submission_are_recorded(operator_client: tuple[FlaskClient, Participant]) -> None:
    client, participant = operator_client
    base = f"/desa/peserta/{participant.id}"
    pdf = files.pdf()
    client.post(
        f"{base}/indikator/A1/bukti", data={"file": (io.BytesIO(pdf), "surat.pdf")}, content_type="multipart/form-data"
    )
    client.post(
        f"{base}/indikator/A1/bukti", data={"file": (io.BytesIO(pdf), "surat.pdf")}, content_type="multipart/form-data"
    )
    [upload] = events("evidence.upload")
    after = state(upload.after_json)
    assert isinstance(after, dict)
    assert (after["name"], after["indicator"], after["status"]) == ("surat.pdf", "A1", "aktif")
    client.post(f"{base}/indikator/A2/tautan", data={"url": "https://desa.contoh.id/layanan"})
    [link] = events("evidence.link")
    assert state(link.after_json)["url"] == "https://desa.contoh.id/layanan"  # type: ignore[index]
    client.post(f"{base}/bukti/{upload.target.split(':')[1]}/hapus")
    [removal] = events("evidence.remove")
    assert (removal.target, state(removal.before_json)) == (upload.target, {"status": "aktif"})
    for code in ("A1", "A2"):
        client.post(f"{base}/indikator/{code}", data={"level": "2", "explanation": "ada"})
    client.post(f"{base}/ajukan")
    client.post(f"{base}/ajukan")
    [submission] = events("self_assessment.submit")
    assert state(submission.before_json) == {"status": "draf"}
    assert state(submission.after_json)["status"] == "diajukan"  # type: ignore[index]
    assert verify_chain(db.session).intact


def test_completeness_decisions_are_recorded(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    _, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    participant.status = SubmissionStatus.diajukan
    db.session.commit()
    reviewer = make_user(Role.verifikator_kecamatan, "64.09.04")
    login(client, reviewer)
    client.post(f"/kelengkapan/peserta/{participant.id}/kembalikan", data={"reason": "Bukti A2 kosong."})
    [row] = events("review.dikembalikan")
    assert row.actor_id == reviewer.id
    assert state(row.before_json) == {"status": "diajukan"}
    assert state(row.after_json) == {"status": "dikembalikan", "reason": "Bukti A2 kosong.", "desa": DESA}


@pytest.fixture
def committee(client: FlaskClient, make_user: MakeUser, login: Login) -> FlaskClient:
    return login(client, make_user(Role.panitia, "64", email="panitia@contoh.id"))


def listed(client: FlaskClient, query: str) -> str:
    """The table body of the trail page (the filter form lists every action and is left out)."""
    html = client.get("/panitia/jejak-audit/" + query).get_data(as_text=True)
    return html[html.index("<tbody>") : html.index("</tbody>")]


def test_trail_page_filters_by_actor_action_target_and_date(
    app: Flask, committee: FlaskClient, make_user: MakeUser
) -> None:
    asesor = make_user(Role.asesor, "64", email="asesor.satu@contoh.id")
    _competition, (one, two) = create_competition(desa={DESA: "Bukit Raya", "64.09.04.2003": "Semoi Dua"})
    record_event("uji.satu", target=f"participant:{one.id}/indicator:A1", actor=asesor)
    record_event("uji.dua", target=f"participant:{two.id}")
    db.session.commit()
    rows = listed(committee, "?aksi=uji.dua")
    assert f"participant:{two.id}" in rows and f"participant:{one.id}" not in rows
    rows = listed(committee, f"?sasaran=participant:{one.id}")
    assert f"participant:{one.id}/indicator:A1" in rows and f"participant:{two.id}" not in rows
    rows = listed(committee, "?pelaku=asesor.satu@")
    assert "uji.satu" in rows and "uji.dua" not in rows
    rows = listed(committee, f"?pelaku={asesor.id}")
    assert "uji.satu" in rows and "uji.dua" not in rows
    assert "uji.dua" in listed(committee, "?dari=2020-01-01")
    assert "uji." not in listed(committee, "?dari=2001-01-01&sampai=2001-01-02")
    bad = committee.get("/panitia/jejak-audit/?dari=kemarin").get_data(as_text=True)
    assert "tidak sah" in bad


def test_trail_export_is_spreadsheet_safe_and_itself_recorded(app: Flask, committee: FlaskClient) -> None:
    record_event("uji.rumus", target='=HYPERLINK("http://jahat")', after={"x": 1})
    db.session.commit()
    response = committee.get("/panitia/jejak-audit/unduh.csv?aksi=uji.rumus")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:3] == ["seq", "waktu_utc", "pelaku_id"]
    [row] = table[1:]
    assert row[6] == '\'=HYPERLINK("http://jahat")'
    assert [event.after_json for event in events("audit.export")] == ['{"aksi":"uji.rumus"}']


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_spreadsheet_safe_escapes_formula_starts(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


def test_spreadsheet_safe_keeps_plain_text() -> None:
    assert spreadsheet_safe("participant:812") == "participant:812"
    assert spreadsheet_safe(None) == ""


@pytest.mark.parametrize("role,region", [(Role.dpmd, "64.09"), (Role.asesor, "64"), (Role.operator_desa, DESA)])
def test_only_the_committee_reads_the_trail(
    client: FlaskClient, make_user: MakeUser, login: Login, role: Role, region: str
) -> None:
    login(client, make_user(role, region))
    assert client.get("/panitia/jejak-audit/").status_code == 403
    assert client.get("/panitia/jejak-audit/unduh.csv").status_code == 403


def test_trail_of_one_province_closed_to_another_provinces_committee(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    """A committee reads the events of its own province only, on the page and in the CSV export: events about a
    desa, an evidence file, a competition or an account of another province are left out."""
    _competition, (kaltim, kalsel) = create_competition(desa={DESA: "Bukit Raya", "63.01.01.2001": "Desa Banjar"})
    kaltim_operator = make_user(Role.operator_desa, DESA, email="op.kaltim@contoh.id")
    kalsel_operator = make_user(Role.operator_desa, "63.01.01.2001", email="op.kalsel@contoh.id")
    record_event("uji.desa", target=f"participant:{kaltim.id}", actor=kaltim_operator)
    record_event("uji.desa", target=f"participant:{kalsel.id}", actor=kalsel_operator)
    record_event("uji.akun", target=f"user:{kalsel_operator.id}")
    record_event("uji.tanpa_wilayah", target="rubric:1", actor=kalsel_operator)
    db.session.commit()
    kaltim_committee = login(app.test_client(), make_user(Role.panitia, "64"))
    kalsel_committee = login(app.test_client(), make_user(Role.panitia, "63"))
    rows = listed(kaltim_committee, "")
    assert f"participant:{kaltim.id}" in rows
    assert f"participant:{kalsel.id}" not in rows and "op.kalsel@contoh.id" not in rows
    assert "uji.akun" not in rows and "uji.tanpa_wilayah" not in rows
    rows = listed(kalsel_committee, "")
    assert f"participant:{kalsel.id}" in rows and "uji.akun" in rows and "uji.tanpa_wilayah" in rows
    assert f"participant:{kaltim.id}" not in rows
    exported = kaltim_committee.get("/panitia/jejak-audit/unduh.csv").get_data(as_text=True)
    assert f"participant:{kaltim.id}" in exported
    assert "op.kalsel@contoh.id" not in exported and f"participant:{kalsel.id}" not in exported
