"""People management: find the accounts one may manage, and the verbs on them that are not in
:mod:`assessment.auth.operations` (add or remove a grant). Every verb is audited and owns its commit.

Who manages whom is one rule, :func:`assessment.accounts.importing.manageable_by`: the committee every account all
of whose roles lie in its region; DPMD the operator desa and verifikator kecamatan accounts of its kabupaten (an
account that also holds any other role is not DPMD's to touch).
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from assessment.accounts.importing import may_grant, may_invite
from assessment.auth.operations import GrantSpec, grant_problems
from assessment.models import Role, RoleGrant, User
from assessment.platform.extensions import db
from assessment.services.audit import record_event
from assessment.services.security import grants_for, scope_filter

LIST_LIMIT = 200


class PeopleRefused(Exception):
    """A change that breaks a rule; ``problems`` says every reason, in Indonesian. Nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def find_people(manager: User, text: str = "", role: Role | None = None, region: str = "") -> list[User]:
    """The accounts ``manager`` may manage (or, a verifikator kecamatan, invite:
    :func:`~assessment.accounts.importing.may_invite`), filtered by a part of the name or e-mail, a role and a
    region (the grant's region or one below it), by name; at most 200."""
    query = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(scope_filter(RoleGrant.region_code, manager, (Role.panitia, Role.dpmd, Role.verifikator_kecamatan)))
    )
    text = text.strip()
    if text:
        query = query.where(
            or_(
                User.email.contains(text.lower(), autoescape=True),
                func.lower(User.name).contains(text.lower(), autoescape=True),
            )
        )
    if role is not None:
        query = query.where(RoleGrant.role == role)
    region = region.strip()
    if region:
        query = query.where(
            or_(RoleGrant.region_code == region, RoleGrant.region_code.startswith(region + ".", autoescape=True))
        )
    users = db.session.scalars(query.order_by(User.name, User.id)).unique().all()
    return [user for user in users if may_invite(manager, user)][:LIST_LIMIT]


def add_grant(user: User, spec: GrantSpec, by: User) -> None:
    """Give ``user`` a role in a region: a region of the right kind (as everywhere), a grant ``by`` may give
    (:func:`~assessment.accounts.importing.may_grant`), not one the account already holds."""
    problems = [problem.rstrip(".") for problem in grant_problems(spec)]
    if not problems and not may_grant(by, spec.role, spec.region_code):
        problems.append(f"Anda tidak berwenang memberi peran {spec.role.value} di wilayah {spec.region_code}")
    if any(grant.role is spec.role and grant.region_code == spec.region_code for grant in user.grants):
        problems.append(f"akun ini sudah berperan {spec.role.value} di {spec.region_code}")
    if problems:
        raise PeopleRefused(problems)
    user.grants.append(RoleGrant(role=spec.role, region_code=spec.region_code, home_region_code=spec.home_region_code))
    record_event(
        "user.grant",
        target=f"user:{user.id}",
        actor=by,
        after={"added": [{"role": spec.role.value, "region": spec.region_code, "home_region": spec.home_region_code}]},
    )
    db.session.commit()


def remove_grant(user: User, grant: RoleGrant, by: User) -> None:
    """Take a role away; its sessions end (what a page showed under that role is no longer the person's to see).
    Nobody removes their own roles here (a committee member cannot lock themselves out by a slip)."""
    if user.id == by.id:
        raise PeopleRefused(["peran akun Anda sendiri tidak diubah di sini"])
    if not may_grant(by, grant.role, grant.region_code):
        raise PeopleRefused([f"Anda tidak berwenang mencabut peran {grant.role.value} di {grant.region_code}"])
    before = {"role": grant.role.value, "region": grant.region_code, "home_region": grant.home_region_code}
    user.grants.remove(grant)
    user.session_version += 1
    record_event(
        "user.revoke",
        target=f"user:{user.id}",
        actor=by,
        before=before,
        after={"session_version": user.session_version},
    )
    db.session.commit()


def manager_roles(manager: User) -> set[Role]:
    """The roles among panitia and DPMD ``manager`` holds (the page explains what each may do)."""
    return {grant.role for grant in grants_for(manager, (Role.panitia, Role.dpmd))}
