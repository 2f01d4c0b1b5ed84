"""People management in the browser (issue 12, point 4, in part): the committee manages every account of its
region, DPMD the operator desa and verifikator kecamatan accounts of its kabupaten: search, add or remove a grant,
deactivate and activate, end sessions, reset the second factor, send a new invitation; every action audited."""

from __future__ import annotations

from flask import Flask

from assessment.auth import two_factor
from assessment.models import AccountInvitation, AuditEvent, Role, User, utcnow
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support.documents import fetch_document


def actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action)))


def test_dpmd_finds_only_the_operator_and_verifikator_accounts_of_its_kabupaten(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    operator = make_user(Role.operator_desa, "64.09.04.2002", name="Siti Bukit Raya")
    verifikator = make_user(Role.verifikator_kecamatan, "64.09.04", name="Budi Sepaku")
    elsewhere = make_user(Role.operator_desa, "64.01.01.2001", name="Operator Paser")
    mixed = make_user(grants=[(Role.operator_desa, "64.09.04.2003"), (Role.panitia, "64")], name="Ganda")
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    page = dpmd.get("/pengguna/").get_data(as_text=True)
    assert operator.name in page and verifikator.name in page
    assert elsewhere.name not in page and mixed.name not in page
    assert dpmd.get(f"/pengguna/{elsewhere.id}").status_code == 403
    assert dpmd.get(f"/pengguna/{mixed.id}").status_code == 403
    searched = dpmd.get("/pengguna/", query_string={"q": "sepaku", "role": "verifikator_kecamatan"})
    assert verifikator.name in searched.get_data(as_text=True)
    assert operator.name not in searched.get_data(as_text=True)
    by_region = dpmd.get("/pengguna/", query_string={"region": "64.09.04.2002"}).get_data(as_text=True)
    assert operator.name in by_region and verifikator.name not in by_region
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    everyone = committee.get("/pengguna/").get_data(as_text=True)
    assert all(user.name in everyone for user in (operator, verifikator, elsewhere, mixed))


def test_deactivate_activate_end_sessions_and_reset_the_second_factor(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    operator = make_user(Role.operator_desa, "64.09.04.2002")
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    version = operator.session_version
    assert dpmd.post(f"/pengguna/{operator.id}/akhiri-sesi").status_code == 302
    assert db.session.get(User, operator.id).session_version == version + 1  # type: ignore[union-attr]
    assert dpmd.post(f"/pengguna/{operator.id}/nonaktifkan").status_code == 302
    assert not db.session.get(User, operator.id).active  # type: ignore[union-attr]
    assert dpmd.post(f"/pengguna/{operator.id}/aktifkan").status_code == 302
    assert db.session.get(User, operator.id).active  # type: ignore[union-attr]
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    assessor.totp_secret, assessor.totp_confirmed_at = two_factor.new_secret(), utcnow()
    db.session.commit()
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    assert committee.post(f"/pengguna/{assessor.id}/reset-2fa").status_code == 302
    assert db.session.get(User, assessor.id).totp_secret is None  # type: ignore[union-attr]
    assert {"auth.sessions_ended", "user.disable", "user.enable", "auth.totp_reset"} <= set(actions())
    assert committee.post(f"/pengguna/{assessor.id}/hapus-semua").status_code == 404


def test_nobody_deactivates_themselves_here(app: Flask, make_user: MakeUser, login: Login) -> None:
    member = make_user(Role.panitia, "64")
    client = login(app.test_client(), member)
    assert client.post(f"/pengguna/{member.id}/nonaktifkan").status_code == 422
    assert db.session.get(User, member.id).active  # type: ignore[union-attr]


def test_a_new_invitation_replaces_the_old_one(app: Flask, make_user: MakeUser, login: Login) -> None:
    operator = make_user(Role.operator_desa, "64.09.04.2002")
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    first = dpmd.post(f"/pengguna/{operator.id}/undang")
    assert first.status_code == 200 and "Cetak surat undangan (PDF)" in first.get_data(as_text=True)
    dpmd.post(f"/pengguna/{operator.id}/undang")
    rows = db.session.scalars(db.select(AccountInvitation).order_by(AccountInvitation.id)).all()
    assert [row.revoked_at is None for row in rows] == [False, True]
    letters = fetch_document(dpmd, f"/pengguna/undangan.pdf?batch={rows[1].batch}")
    assert letters.status_code == 200 and letters.mimetype == "application/pdf"


def test_grants_are_added_and_removed_within_what_the_manager_may_give(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    operator = make_user(Role.operator_desa, "64.09.04.2002")
    make_user(Role.operator_desa, "64.09.04.2003")  # the region exists
    dpmd_user = make_user(Role.dpmd, "64.09")
    dpmd = login(app.test_client(), dpmd_user)
    refused = dpmd.post(f"/pengguna/{operator.id}/peran", data={"role": "panitia", "region": "64"})
    assert refused.status_code == 422 and "tidak berwenang" in refused.get_data(as_text=True)
    assert (
        dpmd.post(
            f"/pengguna/{operator.id}/peran", data={"role": "operator_desa", "region": "64.09.04.2003"}
        ).status_code
        == 302
    )
    user = db.session.get(User, operator.id)
    assert user is not None and sorted(g.region_code for g in user.grants) == ["64.09.04.2002", "64.09.04.2003"]
    grant = next(g for g in user.grants if g.region_code == "64.09.04.2003")
    version = user.session_version
    assert dpmd.post(f"/pengguna/{operator.id}/peran/hapus", data={"grant_id": str(grant.id)}).status_code == 302
    user = db.session.get(User, operator.id)
    assert user is not None and [g.region_code for g in user.grants] == ["64.09.04.2002"]
    assert user.session_version == version + 1
    assert {"user.grant", "user.revoke"} <= set(actions())
    own = db.session.get(User, dpmd_user.id)
    assert own is not None
    # DPMD's own account is not among those it manages.
    assert dpmd.post(f"/pengguna/{own.id}/peran/hapus", data={"grant_id": str(own.grants[0].id)}).status_code == 403


def test_a_verifikator_sends_a_new_invitation_to_an_operator_of_its_kecamatan_only(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    operator = make_user(Role.operator_desa, "64.09.04.2002", name="Siti Bukit Raya")
    other = make_user(Role.operator_desa, "64.09.01.2001", name="Operator Waru")
    dpmd = make_user(Role.dpmd, "64.09")
    client = login(app.test_client(), make_user(Role.verifikator_kecamatan, "64.09.04"))
    page = client.get("/pengguna/").get_data(as_text=True)
    assert operator.name in page and other.name not in page and dpmd.name not in page
    detail = client.get(f"/pengguna/{operator.id}").get_data(as_text=True)
    assert "Kirim undangan baru" in detail and "Nonaktifkan akun" not in detail and "Tambah peran" not in detail
    assert client.post(f"/pengguna/{operator.id}/undang").status_code == 200
    assert db.session.scalar(db.select(AccountInvitation.user_id)) == operator.id
    assert client.post(f"/pengguna/{operator.id}/nonaktifkan").status_code == 403
    assert (
        client.post(
            f"/pengguna/{operator.id}/peran", data={"role": "operator_desa", "region": "64.09.04.2003"}
        ).status_code
        == 403
    )
    assert client.get(f"/pengguna/{other.id}").status_code == 403
