"""Account operations: the verbs that change users and own the commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from assessment.audit import record_event
from assessment.extensions import db
from assessment.models import ROLE_SCOPE_KIND, Region, RegionKind, Role, RoleGrant, User, normalise_email, utcnow
from assessment.security import hash_password, password_needs_rehash, spend_password_time, verify_password


@dataclass(frozen=True)
class GrantSpec:
    """A role to grant in a region (and, for an asesor, a home region)."""

    role: Role
    region_code: str
    home_region_code: str | None = None


# The region kinds a grant of each role may name (a kota stands where a kabupaten does, a desa adat where a desa).
GRANT_REGION_KINDS: dict[str, tuple[RegionKind, ...]] = {
    "provinsi": (RegionKind.provinsi,),
    "kabupaten": (RegionKind.kabupaten, RegionKind.kota),
    "kecamatan": (RegionKind.kecamatan,),
    "desa": (RegionKind.desa, RegionKind.desa_adat),
}
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """An account that cannot be created as asked; ``problems`` lists every reason, in Indonesian."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def grant_problems(spec: GrantSpec) -> list[str]:
    """Why a grant is not allowed: the region must exist and be of the kind the role is scoped to."""
    problems: list[str] = []
    wanted = GRANT_REGION_KINDS[ROLE_SCOPE_KIND[spec.role]]
    region = db.session.scalar(select(Region).where(Region.code == spec.region_code))
    if region is None:
        problems.append(f"Wilayah {spec.region_code} tidak dikenal.")
    elif region.kind not in wanted:
        names = "/".join(kind.value for kind in wanted)
        problems.append(f"Peran {spec.role.value} berlaku untuk wilayah {names}, bukan {region.kind.value} "
                        f"({spec.region_code}).")
    if spec.home_region_code is not None:
        if spec.role is not Role.asesor:
            problems.append("Wilayah asal hanya untuk peran asesor.")
        elif db.session.scalar(select(Region.id).where(Region.code == spec.home_region_code)) is None:
            problems.append(f"Wilayah asal {spec.home_region_code} tidak dikenal.")
    return problems


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; a successful sign-in is recorded.

    Unknown e-mail, wrong password and inactive account all give None after the same amount of work, so the
    answer does not tell whether an account exists. Every attempt is in the audit trail (``auth.login`` or
    ``auth.login_failed`` with the reason, which only the committee's trail shows).
    """
    address = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        spend_password_time(password)
        _login_failed(f"email:{address[:190]}", "email_tidak_dikenal", None)
        return None
    if not verify_password(user.password_hash, password):
        _login_failed(f"user:{user.id}", "kata_sandi_salah", user)
        return None
    if not user.active:
        _login_failed(f"user:{user.id}", "akun_nonaktif", user)
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record_event("auth.login", target=f"user:{user.id}", actor=user)
    db.session.commit()
    return user


def _login_failed(target: str, reason: str, user: User | None) -> None:
    record_event("auth.login_failed", target=target, after={"reason": reason}, actor=user)
    db.session.commit()


def record_logout(user: User) -> None:
    """Note in the audit trail that ``user`` signed out."""
    record_event("auth.logout", target=f"user:{user.id}", actor=user)
    db.session.commit()


def create_user(name: str, email: str, password: str, grants: Iterable[GrantSpec] = (), *,
                check: bool = False) -> User:
    """Create an active account with its role grants.

    With ``check``, every rule is verified first and all broken ones are raised together as
    :class:`AccountError`: a name, a unique e-mail that looks like one, a password of at least
    :data:`MIN_PASSWORD_LENGTH` characters, and grants on regions of the right kind.
    """
    grants = list(grants)
    if check:
        problems: list[str] = []
        if not name.strip():
            problems.append("Nama wajib diisi.")
        address = normalise_email(email)
        local, _, domain = address.partition("@")
        if not local or "." not in domain or " " in address:
            problems.append(f"Email {email!r} tidak sah.")
        elif db.session.scalar(select(User.id).where(User.email == address)) is not None:
            problems.append(f"Email {address} sudah dipakai akun lain.")
        if len(password) < MIN_PASSWORD_LENGTH:
            problems.append(f"Kata sandi paling sedikit {MIN_PASSWORD_LENGTH} karakter.")
        for spec in grants:
            problems.extend(grant_problems(spec))
        if problems:
            raise AccountError(problems)
    user = User(name=name.strip(), email=email, password_hash=hash_password(password))
    user.grants = [
        RoleGrant(role=spec.role, region_code=spec.region_code, home_region_code=spec.home_region_code)
        for spec in grants
    ]
    db.session.add(user)
    db.session.flush()
    record_event("user.create", target=f"user:{user.id}", after={
        "name": user.name, "email": user.email, "active": True,
        "grants": [_grant_state(grant) for grant in user.grants],
    })
    db.session.commit()
    return user


def _grant_state(grant: RoleGrant) -> dict[str, str | None]:
    return {"role": grant.role.value, "region": grant.region_code, "home_region": grant.home_region_code}


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: every session cookie carries the old session version and stops working."""
    user.session_version += 1
    record_event("auth.sessions_ended", target=f"user:{user.id}", after={"session_version": user.session_version})
    db.session.commit()


def deactivate_user(user: User) -> None:
    """Close the account: it can no longer sign in, and every open session of it ends now."""
    user.active = False
    user.session_version += 1
    db.session.commit()


def find_user(email: str) -> User | None:
    """The account with this e-mail (compared lower-cased), if any."""
    found: User | None = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    return found


def load_user_from_session(user_id: str) -> User | None:
    """The user a session id ``"<id>:<session_version>"`` names, if the account is active and the version current."""
    raw_id, _, raw_version = user_id.partition(":")
    if not raw_id.isdigit() or not raw_version.isdigit():
        return None
    user: User | None = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_version != int(raw_version):
        return None
    return user
