"""The registration history of a competition: every nomination, enrolment, withdrawal and removal of a desa.

A :class:`~assessment.models.participant.Participant` row is the desa's place in the competition; this table keeps
who put it there (or took it out), how, when and why, so a withdrawn nomination is never lost. The audit trail
records the same events (``registration.enrol``, ``registration.withdraw``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model


class RegistrationAction(StrEnum):
    """A desa entered the competition (``daftar``) or left it (``tarik``)."""

    daftar = "daftar"
    tarik = "tarik"


class RegistrationChannel(StrEnum):
    """How: nominated by DPMD, enrolled by the committee by hand, or from the committee's file."""

    dpmd = "dpmd"
    panitia = "panitia"
    berkas = "berkas"


class RegistrationEvent(Model):
    """One entry or exit of one desa, with the person and the reason (required for an exit)."""

    __tablename__ = "registration_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    desa_code: Mapped[str] = mapped_column(String(20), ForeignKey("region.code"), index=True)
    action: Mapped[RegistrationAction] = mapped_column(str_enum(RegistrationAction, "registration_action"))
    channel: Mapped[RegistrationChannel] = mapped_column(str_enum(RegistrationChannel, "registration_channel"))
    reason: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
