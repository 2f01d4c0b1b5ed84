"""Conflicts of interest (:func:`assessment.services.security.conflict_reason`): enforced on assignment and on every
page."""

from __future__ import annotations

from flask import Flask

from assessment.models import ConflictDeclaration, Role
from assessment.platform.extensions import db
from assessment.services.security import conflict_of_interest, conflict_reason, user_can_access_region
from tests.conftest import MakeUser


def test_conflict_home_kabupaten_contains_desa() -> None:
    assert conflict_reason(["64.09"], [], "64.09.04.2002") == "home_kabupaten"
    assert conflict_reason(["64.09.01.2001"], [], "64.09.04.2002") == "home_kabupaten"
    assert conflict_reason(["64.01"], [], "64.09.04.2002") is None


def test_conflict_home_kecamatan_contains_desa() -> None:
    assert conflict_reason(["64.09.04"], [], "64.09.04.2002") == "home_kecamatan"
    assert conflict_reason(["64.09.04.2005"], [], "64.09.04.2002") == "home_kecamatan"


def test_conflict_provincial_home_conflicts_with_no_desa() -> None:
    assert conflict_reason(["64"], [], "64.09.04.2002") is None


def test_conflict_declared_with_desa_or_containing_region() -> None:
    assert conflict_reason([], ["64.09.04.2002"], "64.09.04.2002") == "declared"
    assert conflict_reason([], ["64.09.04"], "64.09.04.2003") == "declared"
    assert conflict_reason([], ["64.09.04.2002"], "64.09.04.2003") is None
    # Whole code parts, never a bare string prefix.
    assert conflict_reason(["64.0"], ["64.09.04.200"], "64.09.04.2002") is None


def test_conflicted_assessor_reaches_nothing_of_that_desa(app: Flask, make_user: MakeUser) -> None:
    assessor = make_user(Role.asesor, "64", home_region_code="64.09.04")
    assert not user_can_access_region(assessor, "64.09.04.2002", (Role.asesor,))
    assert user_can_access_region(assessor, "64.01.01.2001", (Role.asesor,))
    assert conflict_of_interest(assessor, "64.09.04.2002") == "home_kecamatan"


def test_declared_conflict_is_read_from_the_database(app: Flask, make_user: MakeUser, make_region: object) -> None:
    assessor = make_user(Role.asesor, "64", home_region_code="64")
    make_user(Role.operator_desa, "64.01.01.2001")
    db.session.add(ConflictDeclaration(assessor_id=assessor.id, region_code="64.01.01.2001", reason="Kerabat."))
    db.session.commit()
    assert conflict_of_interest(assessor, "64.01.01.2001") == "declared"
    assert not user_can_access_region(assessor, "64.01.01.2001", (Role.asesor,))


def test_committee_role_is_not_bound_by_home_region(app: Flask, make_user: MakeUser) -> None:
    panitia = make_user(grants=[(Role.panitia, "64")])
    assert user_can_access_region(panitia, "64.09.04.2002", (Role.panitia,))
