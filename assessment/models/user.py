"""Accounts and their region-scoped role grants."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model


class Role(StrEnum):
    """What a person may do; each grant of a role is scoped to one region (see ``ROLE_SCOPE_KIND``)."""

    panitia = "panitia"
    asesor = "asesor"
    ketua_tim = "ketua_tim"
    dpmd = "dpmd"
    verifikator_kecamatan = "verifikator_kecamatan"
    operator_desa = "operator_desa"


# The level of the region a grant of each role is scoped to (provinsi, kabupaten, kecamatan or desa).
ROLE_SCOPE_KIND: dict[Role, str] = {
    Role.panitia: "provinsi",
    Role.asesor: "provinsi",
    Role.ketua_tim: "provinsi",
    Role.dpmd: "kabupaten",
    Role.verifikator_kecamatan: "kecamatan",
    Role.operator_desa: "desa",
}


def normalise_email(email: str) -> str:
    """E-mail addresses are compared lower-cased and without surrounding spaces."""
    return email.strip().lower()


class User(Model):
    """A person who signs in. ``session_version`` is part of the session id: bumping it ends every session."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP two-factor (RFC 6238): the secret, encrypted (assessment.auth.two_factor.seal), when its enrolment was
    # confirmed, and the last time step accepted (a code is never accepted twice). The secret being enrolled waits,
    # encrypted too, in totp_pending_secret: never in the session cookie.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]
    # Where notifications go besides the inbox (assessment.services.notifications): e-mail unless turned off;
    # WhatsApp/SMS
    # through the gateway only after the person opted in with a checked mobile number (E.164, +62...).
    phone: Mapped[str | None] = mapped_column(String(20))
    notify_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_whatsapp: Mapped[bool] = mapped_column(default=False, server_default=false())
    totp_pending_secret: Mapped[str | None] = mapped_column(String(255))

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RoleGrant.id",
        foreign_keys="RoleGrant.user_id",
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    # The four members Flask-Login expects of a user (written out rather than inherited from UserMixin).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def roles(self) -> set[Role]:
        """Every role this person holds, in any region."""
        return {grant.role for grant in self.grants}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleGrant(Model):
    """One role of one person in one region (``region_code``); an asesor also has a home region for conflicts."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "region_code", name="uq_role_grant_user_role_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    region_code: Mapped[str] = mapped_column(String(20), ForeignKey("region.code"), index=True)
    home_region_code: Mapped[str | None] = mapped_column(String(20), ForeignKey("region.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<RoleGrant {self.role} {self.region_code}>"


class RecoveryCode(Model):
    """A one-time code that stands in for a TOTP code (a lost phone): only its keyed hash is stored."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_hash", name="uq_recovery_code_user_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
