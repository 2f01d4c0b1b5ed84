"""Account operations: the verbs that change users and own the commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Role, RoleGrant, User, normalise_email, utcnow
from assessment.security import hash_password, password_needs_rehash, spend_password_time, verify_password


@dataclass(frozen=True)
class GrantSpec:
    """A role to grant in a region (and, for an asesor, a home region)."""

    role: Role
    region_code: str
    home_region_code: str | None = None


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; a successful sign-in is recorded.

    Unknown e-mail, wrong password and inactive account all give None after the same amount of work, so the
    answer does not tell whether an account exists.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        spend_password_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def create_user(name: str, email: str, password: str, grants: Iterable[GrantSpec] = ()) -> User:
    """Create an active account with its role grants."""
    user = User(name=name.strip(), email=email, password_hash=hash_password(password))
    user.grants = [
        RoleGrant(role=spec.role, region_code=spec.region_code, home_region_code=spec.home_region_code)
        for spec in grants
    ]
    db.session.add(user)
    db.session.commit()
    return user


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: every session cookie carries the old session version and stops working."""
    user.session_version += 1
    db.session.commit()


def load_user_from_session(user_id: str) -> User | None:
    """The user a session id ``"<id>:<session_version>"`` names, if the account is active and the version current."""
    raw_id, _, raw_version = user_id.partition(":")
    if not raw_id.isdigit() or not raw_version.isdigit():
        return None
    user: User | None = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_version != int(raw_version):
        return None
    return user
