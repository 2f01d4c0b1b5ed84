"""Registration (issue 12, point 2): DPMD nominates the desa of its kabupaten within the quota and withdraws a
nomination with a reason during the registration stage; the committee sees every nomination, enrols or removes
desa by hand or from a file (web and CLI, all or nothing, every problem with its line) and sets the quotas."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import Workbook

from assessment.models import (
    AuditEvent,
    Competition,
    KabupatenQuota,
    Notification,
    Participant,
    RegionKind,
    RegistrationAction,
    RegistrationEvent,
    Role,
    SelfAssessment,
    Stage,
    StageCode,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from assessment.services.audit import verify_chain
from tests.conftest import Login, MakeRegion, MakeUser
from tests.support.competition import create_competition

PPU = "64.09"
DESA = ["64.09.04.2001", "64.09.04.2002", "64.09.04.2003"]
KELURAHAN = "64.09.01.1001"
OTHER_KABUPATEN_DESA = "64.01.01.2001"


def competition_in_registration(
    make_region: MakeRegion,
    *,
    quota: int | None = 2,
    registration: tuple[timedelta, timedelta] = (timedelta(days=-1), timedelta(days=4)),
) -> Competition:
    """A competition over Kaltim whose registration stage is open now (self-assessment from day 5)."""
    for code in DESA:
        make_region(code, f"Desa {code[-4:]}")
    make_region(KELURAHAN, "Kelurahan Nipah-Nipah", RegionKind.kelurahan)
    make_region(OTHER_KABUPATEN_DESA, "Desa Paser")
    competition, _ = create_competition(opens=timedelta(days=5), closes=timedelta(days=20), desa={})
    now = datetime.now(UTC)
    competition.stages.append(
        Stage(code=StageCode.pendaftaran, starts_at=now + registration[0], ends_at=now + registration[1])
    )
    if quota is not None:
        competition.quotas.append(KabupatenQuota(kabupaten_code=PPU, quota=quota))
    db.session.commit()
    return competition


def enrolled(competition: Competition) -> list[str]:
    return sorted(
        db.session.scalars(db.select(Participant.desa_code).where(Participant.competition_id == competition.id))
    )


def nominate(client: FlaskClient, competition: Competition, code: str, kabupaten: str = PPU) -> tuple[int, str]:
    response = client.post(f"/pendaftaran/{competition.id}/{kabupaten}/usulkan", data={"desa_code": code})
    return response.status_code, response.get_data(as_text=True)


def test_dpmd_nominates_within_the_quota_and_one_over_is_refused(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region, quota=2)
    dpmd = make_user(Role.dpmd, PPU)
    operator = make_user(Role.operator_desa, DESA[0])
    client = login(app.test_client(), dpmd)
    page = client.get(f"/pendaftaran/{competition.id}/{PPU}").get_data(as_text=True)
    assert DESA[0] in page and "0 dari 2 desa terpakai" in page
    assert KELURAHAN not in page  # not eligible under the default rubric: not even offered
    assert nominate(client, competition, DESA[0])[0] == 302
    assert nominate(client, competition, DESA[1])[0] == 302
    status, body = nominate(client, competition, DESA[2])
    assert status == 422
    assert "melebihi kuota kabupaten 64.09 (2 desa)" in body
    assert enrolled(competition) == DESA[:2]
    events = db.session.scalars(db.select(RegistrationEvent).order_by(RegistrationEvent.id)).all()
    assert [(event.desa_code, event.action, event.by_id) for event in events] == [
        (DESA[0], RegistrationAction.daftar, dpmd.id),
        (DESA[1], RegistrationAction.daftar, dpmd.id),
    ]
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "registration.enrol")
        )
        == 2
    )
    assert verify_chain(db.session).intact
    # The enrolled desa appears on its operator's page and in the inbox.
    operator_client = login(app.test_client(), operator)
    assert "Lomba Desa Digital Uji" in operator_client.get("/desa/").get_data(as_text=True)
    assert db.session.scalar(db.select(Notification.message).where(Notification.user_id == operator.id)).startswith(
        "Desa Desa 2001 terdaftar sebagai peserta"
    )


def test_dpmd_cannot_nominate_another_kabupatens_desa(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region)
    client = login(app.test_client(), make_user(Role.dpmd, PPU))
    assert client.get(f"/pendaftaran/{competition.id}/64.01").status_code == 403
    assert nominate(client, competition, OTHER_KABUPATEN_DESA, kabupaten="64.01")[0] == 403
    status, body = nominate(client, competition, OTHER_KABUPATEN_DESA)
    assert status == 422 and "di luar kabupaten 64.09" in body
    assert enrolled(competition) == []


def test_only_eligible_region_kinds_inside_the_scope_can_take_part(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region, quota=None)
    client = login(app.test_client(), make_user(Role.dpmd, PPU))
    status, body = nominate(client, competition, KELURAHAN)
    assert status == 422 and "adalah kelurahan; rubrik lomba ini hanya untuk desa, desa_adat" in body
    status, body = nominate(client, competition, "64.09.04")
    assert status == 422 and "bukan desa atau kelurahan" in body
    assert enrolled(competition) == []


def test_dpmd_nominates_only_while_registration_is_open(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region, registration=(timedelta(days=-3), timedelta(hours=-1)))
    client = login(app.test_client(), make_user(Role.dpmd, PPU))
    status, body = nominate(client, competition, DESA[0])
    assert status == 422 and "tahap pendaftaran sudah berakhir" in body
    # The committee still enrols until the self-assessment stage ends.
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    assert nominate(committee, competition, DESA[0])[0] == 302
    assert enrolled(competition) == [DESA[0]]


def test_dpmd_withdraws_a_nomination_with_a_reason_and_the_history_keeps_it(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region)
    dpmd = make_user(Role.dpmd, PPU)
    client = login(app.test_client(), dpmd)
    nominate(client, competition, DESA[0])
    participant = db.session.scalar(db.select(Participant))
    assert participant is not None
    page = client.get(f"/pendaftaran/peserta/{participant.id}/tarik")
    assert page.status_code == 200 and "Tarik Desa 2001 dari lomba?" in page.get_data(as_text=True)
    assert client.post(f"/pendaftaran/peserta/{participant.id}/tarik", data={"reason": ""}).status_code == 400
    assert enrolled(competition) == [DESA[0]]
    response = client.post(
        f"/pendaftaran/peserta/{participant.id}/tarik", data={"reason": "Kepala desa mengundurkan diri."}
    )
    assert response.status_code == 302
    assert enrolled(competition) == []
    history = client.get(f"/pendaftaran/{competition.id}/{PPU}").get_data(as_text=True)
    assert "ditarik" in history and "Kepala desa mengundurkan diri." in history
    # The place is free again: the desa can be nominated anew.
    assert nominate(client, competition, DESA[0])[0] == 302


def test_another_kabupatens_dpmd_cannot_withdraw(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region)
    nominate(login(app.test_client(), make_user(Role.dpmd, PPU)), competition, DESA[0])
    participant = db.session.scalar(db.select(Participant))
    assert participant is not None
    other = login(app.test_client(), make_user(Role.dpmd, "64.01"))
    assert other.post(f"/pendaftaran/peserta/{participant.id}/tarik", data={"reason": "x"}).status_code == 403
    assert enrolled(competition) == [DESA[0]]


def test_a_desa_with_work_saved_is_not_removed(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region)
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    nominate(committee, competition, DESA[0])
    participant = db.session.scalar(db.select(Participant))
    assert participant is not None
    db.session.add(SelfAssessment(participant_id=participant.id, indicator_code="A1", level=2, explanation="x"))
    db.session.commit()
    response = committee.post(f"/pendaftaran/peserta/{participant.id}/tarik", data={"reason": "Salah daftar."})
    assert response.status_code == 422
    assert "sudah mengisi penilaian mandiri" in response.get_data(as_text=True)
    assert enrolled(competition) == [DESA[0]]
    # Submitted (even with nothing else saved): its place is not given up either.
    nominate(committee, competition, DESA[1])
    submitted = db.session.scalar(db.select(Participant).where(Participant.desa_code == DESA[1]))
    assert submitted is not None
    submitted.status = SubmissionStatus.diajukan
    db.session.commit()
    assert (
        committee.post(f"/pendaftaran/peserta/{submitted.id}/tarik", data={"reason": "Salah daftar."}).status_code
        == 422
    )
    assert enrolled(competition) == DESA[:2]


def test_a_desa_without_an_operator_account_is_flagged_to_dpmd(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region)
    dpmd = make_user(Role.dpmd, PPU)
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    assert nominate(committee, competition, DESA[1])[0] == 302
    page = login(app.test_client(), dpmd).get(f"/pendaftaran/{competition.id}/{PPU}").get_data(as_text=True)
    assert "Belum ada akun operator desa." in page
    message = db.session.scalar(db.select(Notification.message).where(Notification.user_id == dpmd.id))
    assert message is not None and "tanpa akun operator desa" in message and DESA[1] in message
    assert "belum ada akun operator" in committee.get(f"/pendaftaran/{competition.id}").get_data(as_text=True)


def test_the_committee_sets_quotas_never_below_the_enrolled(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region, quota=None)
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    nominate(committee, competition, DESA[0])
    nominate(committee, competition, DESA[1])
    response = committee.post(f"/pendaftaran/{competition.id}/kuota", data={"kabupaten_code": PPU, "quota": "1"})
    assert response.status_code == 422
    assert "lebih kecil dari 2 desa yang sudah terdaftar" in response.get_data(as_text=True)
    response = committee.post(f"/pendaftaran/{competition.id}/kuota", data={"kabupaten_code": PPU, "quota": "2"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(KabupatenQuota.quota)) == 2
    assert (
        committee.post(
            f"/pendaftaran/{competition.id}/kuota", data={"kabupaten_code": "63.01", "quota": "2"}
        ).status_code
        == 422
    )
    assert db.session.scalar(db.select(AuditEvent.action).where(AuditEvent.action == "competition.quota"))
    assert nominate(committee, competition, DESA[2])[0] == 422


def csv_file(text: str) -> dict[str, object]:
    return {"file": (io.BytesIO(text.encode()), "peserta.csv")}


def test_enrolment_from_a_file_applies_nothing_and_lists_every_problem_with_its_line(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login
) -> None:
    competition = competition_in_registration(make_region, quota=2)
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    nominate(committee, competition, DESA[0])
    text = (
        "kode_desa\n"
        f"{DESA[1]}\n"  # 2: fine
        "64.09.04.9999\n"  # 3: unknown
        "64.09.04\n"  # 4: not a desa
        "63.01.01.2001\n"  # 5: unknown here (outside the imported list)
        f"{DESA[0]}\n"  # 6: already enrolled
        f"{DESA[2]}\n"
    )  # 7: over the quota (2 with line 2)
    make_region("63.01.01.2001")
    response = committee.post(
        f"/pendaftaran/{competition.id}/berkas", data=csv_file(text), content_type="multipart/form-data"
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for line, words in [
        (3, "tidak dikenal"),
        (4, "bukan desa atau kelurahan"),
        (5, "di luar cakupan lomba"),
        (6, "sudah terdaftar"),
        (7, "melebihi kuota"),
    ]:
        assert f"Baris {line}: " in body and words in body, (line, words)
    assert "Baris 2:" not in body
    assert enrolled(competition) == [DESA[0]]


def test_enrolment_from_an_excel_file(app: Flask, make_region: MakeRegion, make_user: MakeUser, login: Login) -> None:
    competition = competition_in_registration(make_region, quota=None)
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Kode_Desa"])
    sheet.append([DESA[0]])
    sheet.append([None])
    sheet.append([DESA[1]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    response = committee.post(
        f"/pendaftaran/{competition.id}/berkas",
        data={"file": (io.BytesIO(data), "peserta.xlsx"), "dry_run": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "2 desa akan didaftarkan" in response.get_data(as_text=True)
    assert enrolled(competition) == []
    response = committee.post(
        f"/pendaftaran/{competition.id}/berkas",
        data={"file": (io.BytesIO(data), "peserta.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert enrolled(competition) == DESA[:2]


def test_cli_enrol(app: Flask, runner: FlaskCliRunner, make_region: MakeRegion, tmp_path: Path) -> None:
    competition = competition_in_registration(make_region, quota=None)
    bad = tmp_path / "salah.csv"
    bad.write_text(f"kode_desa\n{DESA[0]}\n{KELURAHAN}\n{DESA[0]}\n")
    result = runner.invoke(args=["competition", "enrol", "--competition", str(competition.id), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: {KELURAHAN} adalah kelurahan" in result.output
    assert f"{bad}:4: desa {DESA[0]} sudah disebut di baris 2" in result.output
    assert enrolled(competition) == []
    good = tmp_path / "peserta.csv"
    good.write_text(f"kode_desa\n{DESA[0]}\n{DESA[1]}\n")
    result = runner.invoke(args=["competition", "enrol", "--competition", str(competition.id), "--dry-run", str(good)])
    assert result.exit_code == 0 and enrolled(competition) == []
    result = runner.invoke(args=["competition", "enrol", "--competition", str(competition.id), str(good)])
    assert result.exit_code == 0, result.output
    assert "2 desa didaftarkan" in result.output
    assert enrolled(competition) == DESA[:2]
    events = db.session.scalars(db.select(RegistrationEvent.channel)).all()
    assert {event.value for event in events} == {"berkas"}
