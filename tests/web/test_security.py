"""Access: a role AND a region scope, decided on the server; refusals are the Indonesian 403 page."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assessment.models import Region, Role
from assessment.platform.extensions import db
from assessment.services.security import region_within, require_region_access, roles_required, scope_filter
from tests.conftest import Login, MakeRegion, MakeUser

DESA = "64.09.04.2002"  # Bukit Raya, Sepaku, PPU
ALL_ROLES = tuple(Role)

# role -> (the region its grant is on, a region inside that scope, a region outside it)
SCOPES = {
    Role.operator_desa: (DESA, DESA, "64.09.04.2003"),
    Role.verifikator_kecamatan: ("64.09.04", DESA, "64.09.01.2001"),
    Role.dpmd: ("64.09", DESA, "64.01.01.2001"),
    Role.panitia: ("64", DESA, "63.01.01.2001"),
    Role.asesor: ("64", DESA, "63.01.01.2001"),
    Role.ketua_tim: ("64", DESA, "63.01.01.2001"),
}


@pytest.fixture
def region_page(app: Flask) -> str:
    """A page that, like every real one, checks the role and then the scope of the region it shows."""

    @app.get("/_uji/wilayah/<code>")
    @roles_required(*ALL_ROLES)
    def region_view(code: str) -> str:
        require_region_access(code, ALL_ROLES)
        return f"wilayah {code}"

    return "/_uji/wilayah/"


def test_region_within_matches_whole_code_parts() -> None:
    assert region_within("64.09", "64.09")
    assert region_within("64.09.04.2002", "64.09")
    assert region_within("64.09.04.2002", "64")
    assert not region_within("64.091", "64.09")
    assert not region_within("641.01", "64")
    assert not region_within("64", "64.09")
    assert not region_within("64.09.04", "64.09.04.2002")


@pytest.mark.parametrize("role", list(SCOPES))
def test_each_role_reaches_its_scope_and_gets_403_outside(
    role: Role, client: FlaskClient, region_page: str, make_user: MakeUser, make_region: MakeRegion, login: Login
) -> None:
    grant_code, inside, outside = SCOPES[role]
    make_region(inside)
    make_region(outside)
    login(client, make_user(role, grant_code))
    assert client.get(region_page + inside).status_code == 200
    refused = client.get(region_page + outside)
    assert refused.status_code == 403
    assert "Akses ditolak" in refused.get_data(as_text=True)


def test_operator_cannot_reach_the_kecamatan_above_their_desa(
    client: FlaskClient, region_page: str, make_user: MakeUser, login: Login
) -> None:
    login(client, make_user(Role.operator_desa, DESA))
    assert client.get(region_page + "64.09.04").status_code == 403


def test_anonymous_visitor_is_sent_to_login(client: FlaskClient, region_page: str) -> None:
    response = client.get(region_page + DESA)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


def test_role_without_the_right_role_gets_403(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    @app.get("/_uji/panitia")
    @roles_required(Role.panitia)
    def committee_only() -> str:
        return "panitia"

    login(client, make_user(Role.dpmd, "64.09"))
    assert client.get("/_uji/panitia").status_code == 403


def test_several_grants_add_up(
    client: FlaskClient, region_page: str, make_user: MakeUser, make_region: MakeRegion, login: Login
) -> None:
    make_region("64.02.01.2001")
    user = make_user(grants=[(Role.operator_desa, DESA), (Role.verifikator_kecamatan, "64.02.01")])
    login(client, user)
    assert client.get(region_page + DESA).status_code == 200
    assert client.get(region_page + "64.02.01.2001").status_code == 200
    assert client.get(region_page + "64.09.04.2003").status_code == 403


def test_scope_filter_lists_only_regions_in_scope(app: Flask, make_user: MakeUser, make_region: MakeRegion) -> None:
    for code in (DESA, "64.09.04.2003", "64.09.01.2001", "64.091.01.2001"):
        make_region(code)
    user = make_user(Role.verifikator_kecamatan, "64.09.04")
    in_scope = scope_filter(Region.code, user, [Role.verifikator_kecamatan])
    codes = db.session.scalars(db.select(Region.code).where(in_scope).order_by(Region.code)).all()
    assert codes == ["64.09.04", DESA, "64.09.04.2003"]
    assert db.session.scalars(db.select(Region.code).where(scope_filter(Region.code, user, [Role.dpmd]))).all() == []
