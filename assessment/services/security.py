"""Passwords (argon2id) and access rules: every view checks a role AND the region scope of that role, on the server.

Region scope is hierarchical by Kemendagri code: a grant on ``64.09`` (a kabupaten) covers ``64.09`` itself and
every code that starts with ``64.09.`` (its kecamatan, desa and kelurahan), and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from assessment.models import ConflictDeclaration, Role, RoleGrant, User
from assessment.platform.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

# A hash of a random password, verified against when the e-mail is unknown so that both answers take as long.
_DUMMY_PASSWORD = "tidak-ada-akun-dengan-email-ini"  # noqa: S105


def _hasher() -> PasswordHasher:
    """argon2id with the library's defaults (RFC 9106 low-memory profile); tests may lower the cost in config."""
    params = current_app.config.get("ARGON2_PARAMS") or {}
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a malformed hash never matches."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the current ones."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=4)
def _dummy_hash(params: tuple[tuple[str, Any], ...]) -> str:
    return PasswordHasher(**dict(params)).hash(_DUMMY_PASSWORD)


def spend_password_time(password: str) -> None:
    """Verify against a throw-away hash, so a login for an unknown e-mail costs as much as a wrong password."""
    params = tuple(sorted((current_app.config.get("ARGON2_PARAMS") or {}).items()))
    verify_password(_dummy_hash(params), password)


def region_within(region_code: str, scope_code: str) -> bool:
    """Whether ``region_code`` is ``scope_code`` itself or lies below it in the Kemendagri tree.

    ``64.09`` covers ``64.09`` and ``64.09.04.2002`` but not ``64.091`` or ``64.1``: the match is on whole
    dot-separated parts, never on a bare string prefix.
    """
    return region_code == scope_code or region_code.startswith(scope_code + ".")


def grants_for(user: Any, roles: Iterable[Role] | None = None) -> list[RoleGrant]:
    """The user's grants of any of ``roles`` (all grants when ``roles`` is None); none for anonymous visitors."""
    if not getattr(user, "is_authenticated", False) or not isinstance(user, User):
        return []
    wanted = None if roles is None else set(roles)
    return [grant for grant in user.grants if wanted is None or grant.role in wanted]


def has_role(user: Any, roles: Iterable[Role]) -> bool:
    """Whether the user holds any of ``roles`` in any region."""
    return bool(grants_for(user, roles))


def user_can_access_region(user: Any, region_code: str, roles: Iterable[Role]) -> bool:
    """Whether the user holds one of ``roles`` with a scope that covers ``region_code``.

    An operator desa reaches only their desa, a verifikator kecamatan only their kecamatan and what lies in it,
    DPMD only their kabupaten, panitia/asesor/ketua tim their provinsi. An inactive account reaches nothing.
    An asesor or ketua tim with a conflict of interest with ``region_code`` (:func:`conflict_of_interest`)
    reaches nothing of it through those roles.
    """
    if not getattr(user, "is_active", False):
        return False
    for grant in grants_for(user, roles):
        if not region_within(region_code, grant.region_code):
            continue
        if grant.role in CONFLICT_BOUND_ROLES and conflict_of_interest(user, region_code) is not None:
            continue
        return True
    return False


# Roles whose access to a desa ends where a conflict of interest begins.
CONFLICT_BOUND_ROLES = frozenset({Role.asesor, Role.ketua_tim})


def conflict_reason(
    home_region_codes: Iterable[str], declared_region_codes: Iterable[str], region_code: str
) -> str | None:
    """Why an assessor has a conflict of interest with ``region_code`` (a desa), or None when there is none.

    The rule (enforced, not advised: a conflicted assessor cannot be assigned to the desa and cannot open anything
    of it):

    - ``home_kabupaten``: the assessor's home region (``RoleGrant.home_region_code`` of an asesor or ketua tim
      grant) lies in a kabupaten/kota, and the desa lies in that same kabupaten/kota;
    - ``home_kecamatan``: the home region lies in a kecamatan and the desa lies in that kecamatan (always also in
      its kabupaten: reported as the narrower reason);
    - ``declared``: the assessor declared a conflict with the desa itself, or with a region containing it.

    A home region at provinsi level (provincial staff) conflicts with no desa by itself.
    """
    for home in home_region_codes:
        parts = home.split(".")
        if len(parts) >= 3 and region_within(region_code, ".".join(parts[:3])):
            return "home_kecamatan"
        if len(parts) >= 2 and region_within(region_code, ".".join(parts[:2])):
            return "home_kabupaten"
    for declared in declared_region_codes:
        if region_within(region_code, declared):
            return "declared"
    return None


def conflict_of_interest(user: Any, region_code: str) -> str | None:
    """:func:`conflict_reason` for a stored user: home regions from their grants, declarations from the database."""
    if not isinstance(user, User):
        return None
    homes = [
        grant.home_region_code for grant in user.grants if grant.role in CONFLICT_BOUND_ROLES and grant.home_region_code
    ]
    declared = db.session.scalars(
        select(ConflictDeclaration.region_code).where(ConflictDeclaration.assessor_id == user.id)
    ).all()
    return conflict_reason(homes, declared, region_code)


def require_region_access(region_code: str, roles: Iterable[Role]) -> None:
    """Stop the request with the 403 page unless the signed-in user may act on ``region_code`` in one of ``roles``."""
    if not user_can_access_region(current_user, region_code, roles):
        abort(403)


def region_condition(column: InstrumentedAttribute[str], region_code: str) -> ColumnElement[bool]:
    """SQL for "the code in ``column`` lies within ``region_code``": the rule of :func:`region_within`, once."""
    return or_(column == region_code, column.startswith(region_code + ".", autoescape=True))


def scope_filter(column: InstrumentedAttribute[str], user: Any, roles: Iterable[Role]) -> ColumnElement[bool]:
    """A SQL condition keeping only rows whose region ``column`` lies within the user's scope for ``roles``.

    Lists use this so that a page never loads rows the user may not see (the same rule as
    :func:`region_within`, expressed in SQL).
    """
    conditions = [region_condition(column, grant.region_code) for grant in grants_for(user, roles)]
    if not conditions or not getattr(user, "is_active", False):
        return false()
    return or_(*conditions)


def signed_in(view: F) -> F:
    """Decorate a view that any signed-in user may open (Flask-Login's ``login_required``, typed)."""
    return cast(F, login_required(view))


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Decorate a view: sign-in required (else the login page), then one of ``roles`` in some region (else 403).

    The region scope of the object the view loads is checked inside the view with :func:`require_region_access`.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_user, roles):
                abort(403)
            return view(*args, **kwargs)

        return signed_in(cast(F, wrapped))

    return decorator
