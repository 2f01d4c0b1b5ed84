"""Account operations: the verbs that change users and own the commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from assessment.auth import two_factor
from assessment.auth.passwords import MIN_LENGTH, password_problems
from assessment.models import (
    ROLE_SCOPE_KIND,
    LoginFailure,
    RecoveryCode,
    Region,
    RegionKind,
    Role,
    RoleGrant,
    User,
    normalise_email,
    utcnow,
)
from assessment.platform.extensions import db
from assessment.platform.keys import purpose_key
from assessment.platform.throttle import wait_until_below
from assessment.services.audit import record_event
from assessment.services.security import hash_password, password_needs_rehash, spend_password_time, verify_password


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
MIN_PASSWORD_LENGTH = MIN_LENGTH


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
        problems.append(
            f"Peran {spec.role.value} berlaku untuk wilayah {names}, bukan {region.kind.value} ({spec.region_code})."
        )
    if spec.home_region_code is not None:
        if spec.role is not Role.asesor:
            problems.append("Wilayah asal hanya untuk peran asesor.")
        elif db.session.scalar(select(Region.id).where(Region.code == spec.home_region_code)) is None:
            problems.append(f"Wilayah asal {spec.home_region_code} tidak dikenal.")
    return problems


# Committee and assessors decide results: their accounts need a second factor (TOTP) on top of the password.
SECOND_FACTOR_ROLES = (Role.panitia, Role.asesor, Role.ketua_tim)


class LoginThrottled(Exception):
    """Too many failed sign-ins for this account or from this address; ``retry_after`` says how long to wait."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__("throttled")
        self.retry_after = retry_after


def _limits() -> tuple[int, int, timedelta]:
    config = current_app.config
    return (
        int(config.get("LOGIN_ACCOUNT_LIMIT", 5)),
        int(config.get("LOGIN_ADDRESS_LIMIT", 100)),
        timedelta(minutes=int(config.get("LOGIN_WINDOW_MINUTES", 15))),
    )


def check_login_throttle(account: str, client_address: str, now: datetime, extra: int = 0) -> None:
    """Refuse a sign-in attempt (:class:`LoginThrottled`) while either limit is reached.

    - Per account (the e-mail typed, normalised, known or not): 5 failures within 15 minutes lock that account's
      sign-in until the oldest of them is 15 minutes old. Strict, because guessing targets one account.
    - Per address: 100 failures within 15 minutes from one address. Loose, because mobile carriers put a whole
      desa behind one address (CGNAT): one careless neighbour must not lock the desa out.
    - A refused attempt checks no password and is not counted, so nobody can extend a lock on someone else's
      account forever; a successful sign-in clears the account's failures. The counts live in the database, so
      every app server sees the same ones. (The three numbers are settings: LOGIN_ACCOUNT_LIMIT,
      LOGIN_ADDRESS_LIMIT, LOGIN_WINDOW_MINUTES.)
    - The count holds under parallel attempts: 30 wrong passwords sent at once check at most 5. Each attempt is
      first committed as a failure (:func:`_reserve_attempt`) and only then counted, itself included; one that
      finds more than the limit is refused and removes its row. Whichever of two attempts counts last sees the
      other's row, so no more than the limit can pass the check together; a right password removes the row again.

    ``extra``: rows of the attempt being checked that are already counted (1 from :func:`_reserve_attempt`).
    """
    account_limit, address_limit, window = _limits()
    for column, value, limit in (
        (LoginFailure.account, account, account_limit),
        (LoginFailure.address, client_address, address_limit),
    ):
        if not value:
            continue
        wait = wait_until_below(LoginFailure.at, column == value, limit + extra, window, now)
        if wait is not None:
            raise LoginThrottled(wait)


def _reserve_attempt(account: str, client_address: str, now: datetime) -> int:
    """Count this attempt as a failure before any password is checked, then check the limits with it included.

    Returns the id of the attempt's row (removed again when the password or code turns out right); raises
    :class:`LoginThrottled`, with the row removed, past a limit. Committed on its own, before the slow password
    check, so every parallel attempt sees it (see :func:`check_login_throttle`).
    """
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
    attempt = LoginFailure(account=account[:320], address=client_address[:64], at=now)
    db.session.add(attempt)
    db.session.commit()
    attempt_id = attempt.id
    try:
        check_login_throttle(account[:320], client_address[:64], now, extra=1)
    except LoginThrottled:
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
        db.session.commit()
        raise
    return attempt_id


def _attempt_succeeded(attempt_id: int) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))


def authenticate(email: str, password: str, client_address: str = "", now: datetime | None = None) -> User | None:
    """The active user with this e-mail and password, or None; raises :class:`LoginThrottled` past the limits.

    Unknown e-mail, wrong password and inactive account all give None after the same amount of work, so the
    answer does not tell whether an account exists. Every attempt is in the audit trail (``auth.login``, or
    ``auth.password_ok`` when a second factor must follow, or ``auth.login_failed`` with the reason, which only
    the committee's trail shows).
    """
    now = now or utcnow()
    account = normalise_email(email)
    attempt_id = _reserve_attempt(account, client_address, now)
    user = db.session.scalar(select(User).where(User.email == account))
    if user is None:
        spend_password_time(password)
        _login_failed(f"email:{account[:190]}", "email_tidak_dikenal", None)
        return None
    if not verify_password(user.password_hash, password):
        _login_failed(f"user:{user.id}", "kata_sandi_salah", user)
        return None
    if not user.active:
        _login_failed(f"user:{user.id}", "akun_nonaktif", user)
        return None
    _attempt_succeeded(attempt_id)
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if has_second_factor(user):
        record_event("auth.password_ok", target=f"user:{user.id}", actor=user)
    else:
        _signed_in(user, now)
    db.session.commit()
    return user


def _signed_in(user: User, now: datetime) -> None:
    user.last_login_at = now
    db.session.execute(delete(LoginFailure).where(LoginFailure.account == user.email))
    record_event("auth.login", target=f"user:{user.id}", actor=user)


def _login_failed(target: str, reason: str, user: User | None) -> None:
    """A failed sign-in: its row, written by :func:`_reserve_attempt`, stays and counts; the trail notes why."""
    record_event("auth.login_failed", target=target, after={"reason": reason}, actor=user)
    db.session.commit()


def needs_second_factor(user: User) -> bool:
    """Whether the account holds a role that must sign in with a TOTP code (panitia, asesor, ketua tim)."""
    return any(grant.role in SECOND_FACTOR_ROLES for grant in user.grants)


def has_second_factor(user: User) -> bool:
    """Whether the account has confirmed a TOTP enrolment."""
    return user.totp_secret is not None and user.totp_confirmed_at is not None


def _totp_key() -> bytes:
    return purpose_key("totp")


def totp_secret_of(user: User) -> str | None:
    """The account's confirmed TOTP secret, decrypted (rules in :mod:`assessment.auth.two_factor`)."""
    return two_factor.unseal(user.totp_secret, _totp_key(), user.id)


def verify_second_factor(user: User, code: str, client_address: str = "", now: datetime | None = None) -> bool:
    """Finish a sign-in with the TOTP code, or one of the account's unused recovery codes; a wrong code counts as
    a failed sign-in of the account.

    A code is accepted for the current 30-second step or the one before or after (clock drift), and never twice:
    a step at or before the last one accepted is refused, so an overheard code cannot be replayed. A recovery code
    works once (``auth.recovery_code_used``, with how many remain, in the audit trail).
    """
    now = now or utcnow()
    attempt_id = _reserve_attempt(user.email, client_address, now)
    secret = totp_secret_of(user)
    step = two_factor.matching_step(secret or "", code, now, after=user.totp_last_step)
    recovery = None if step is not None or not user.active else _unused_recovery_code(user, code)
    if (step is None and recovery is None) or not user.active:
        _login_failed(f"user:{user.id}", "kode_salah", user)
        return False
    _attempt_succeeded(attempt_id)
    if step is not None:
        user.totp_last_step = step
        if secret is not None and user.totp_secret and not user.totp_secret.startswith(two_factor.SEALED_PREFIX):
            user.totp_secret = two_factor.seal(secret, _totp_key(), user.id)  # stored before encryption
    if recovery is not None:
        recovery.used_at = now
        remaining = db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None), RecoveryCode.id != recovery.id)
        )
        record_event("auth.recovery_code_used", target=f"user:{user.id}", actor=user, after={"remaining": remaining})
    _signed_in(user, now)
    db.session.commit()
    return True


def code_already_used(user: User, code: str, now: datetime | None = None) -> bool:
    """Whether a refused ``code`` is the app's right code for a step already used to sign in (typed again within
    the same 30 seconds): the person should wait for the next code, not think they mistyped."""
    secret = totp_secret_of(user)
    if secret is None or user.totp_last_step is None:
        return False
    step = two_factor.matching_step(secret, code, now or utcnow(), after=None)
    return step is not None and step <= user.totp_last_step


def _unused_recovery_code(user: User, code: str) -> RecoveryCode | None:
    normalised = two_factor.normalise_recovery_code(code)
    if normalised is None:
        return None
    return db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == two_factor.recovery_code_hash(normalised, _totp_key()),
        )
    )


def unused_recovery_codes(user: User) -> int:
    """How many recovery codes of the account are still unused."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _replace_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = two_factor.new_recovery_codes()
    key = _totp_key()
    db.session.add_all(
        RecoveryCode(
            user_id=user.id, created_at=now, code_hash=two_factor.recovery_code_hash(code.replace("-", ""), key)
        )
        for code in codes
    )
    return codes


def regenerate_recovery_codes(
    user: User, code: str, client_address: str = "", now: datetime | None = None
) -> list[str] | None:
    """New recovery codes for an account with a second factor, after a current TOTP code proves the phone is at
    hand (a stolen session alone cannot mint them); the old codes stop working. None when the code is wrong; a
    wrong code counts against the account's sign-in limit (:class:`LoginThrottled` past it), so the code cannot
    be guessed from a stolen session either."""
    now = now or utcnow()
    attempt_id = _reserve_attempt(user.email, client_address, now)
    step = two_factor.matching_step(totp_secret_of(user) or "", code, now, after=user.totp_last_step)
    if step is None or not has_second_factor(user):
        record_event(
            "auth.recovery_codes_refused", target=f"user:{user.id}", actor=user, after={"reason": "kode_salah"}
        )
        db.session.commit()
        return None
    _attempt_succeeded(attempt_id)
    user.totp_last_step = step
    codes = _replace_recovery_codes(user, now)
    record_event("auth.recovery_codes_new", target=f"user:{user.id}", actor=user, after={"count": len(codes)})
    db.session.commit()
    return codes


def pending_totp_secret(user: User) -> str:
    """The secret being enrolled for the account: kept encrypted in its row (never in the session cookie), the
    same on every visit of the enrolment page until it is confirmed."""
    key = _totp_key()
    secret = two_factor.unseal(user.totp_pending_secret, key, user.id)
    if secret is None:
        secret = two_factor.new_secret()
        user.totp_pending_secret = two_factor.seal(secret, key, user.id)
        db.session.commit()
    return secret


def confirm_totp_enrolment(user: User, code: str, now: datetime | None = None) -> list[str] | None:
    """Keep the pending secret as the account's second factor once a code made from it is shown to be right, and
    give the account its recovery codes (returned to be shown once). None when the code is wrong."""
    now = now or utcnow()
    secret = two_factor.unseal(user.totp_pending_secret, _totp_key(), user.id)
    step = two_factor.matching_step(secret or "", code, now, after=None)
    if step is None:
        return None
    user.totp_secret = user.totp_pending_secret
    user.totp_pending_secret = None
    user.totp_confirmed_at = now
    user.totp_last_step = step
    codes = _replace_recovery_codes(user, now)
    record_event(
        "auth.totp_enrol",
        target=f"user:{user.id}",
        before={"enrolled": False},
        after={"enrolled": True, "recovery_codes": len(codes)},
    )
    db.session.commit()
    return codes


def reset_second_factor(user: User) -> None:
    """Forget the account's TOTP secret and recovery codes (a lost phone): every session ends and the next sign-in
    enrols again."""
    before = has_second_factor(user)
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    user.session_version += 1
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_event("auth.totp_reset", target=f"user:{user.id}", before={"enrolled": before}, after={"enrolled": False})
    db.session.commit()


def sign_out(user: User) -> None:
    """Sign the user out of every session (the session version moves on) and note it in the audit trail."""
    user.session_version += 1
    record_event("auth.logout", target=f"user:{user.id}", actor=user, after={"session_version": user.session_version})
    db.session.commit()


def change_password(user: User, current: str, new: str) -> list[str]:
    """Change the password after checking the current one; every session of the account then ends.

    Returns the problems (in Indonesian) that stopped the change; an empty list means it was made. The new
    password follows :mod:`assessment.auth.passwords`.
    """
    if not verify_password(user.password_hash, current):
        return ["Kata sandi saat ini salah."]
    problems = password_problems(new, email=user.email, name=user.name)
    if verify_password(user.password_hash, new):
        problems.append("Kata sandi baru harus berbeda dari yang lama.")
    if problems:
        return problems
    user.password_hash = hash_password(new)
    user.session_version += 1
    record_event(
        "auth.password_change", target=f"user:{user.id}", actor=user, after={"session_version": user.session_version}
    )
    db.session.commit()
    return []


def set_active(user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends every session of it at once."""
    before = user.active
    user.active = active
    if not active:
        user.session_version += 1
    record_event(
        "user.enable" if active else "user.disable",
        target=f"user:{user.id}",
        before={"active": before},
        after={"active": active},
    )
    db.session.commit()


def create_user(name: str, email: str, password: str, grants: Iterable[GrantSpec] = (), *, check: bool = False) -> User:
    """Create an active account with its role grants.

    With ``check``, every rule is verified first and all broken ones are raised together as
    :class:`AccountError`: a name, a unique e-mail that looks like one, a password the rules of
    :mod:`assessment.auth.passwords` accept, and grants on regions of the right kind.
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
        problems.extend(password_problems(password, email=address, name=name))
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
    record_event(
        "user.create",
        target=f"user:{user.id}",
        after={
            "name": user.name,
            "email": user.email,
            "active": True,
            "grants": [_grant_state(grant) for grant in user.grants],
        },
    )
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
    set_active(user, False)


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
