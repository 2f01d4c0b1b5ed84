"""The history of a competition's schedule: every change the committee made, with its reason, stage by stage.

Both tables are append-only (the database refuses UPDATE and DELETE; their foreign keys therefore never cascade,
and accounts are deactivated, never deleted): the history of a schedule is what a desa points to when it asks why
a deadline moved. The audit trail records the same change (``competition.schedule``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import CheckConstraint, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment.models.competition import StageCode
from assessment.models.guards import install_append_only
from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model

if TYPE_CHECKING:
    from assessment.models.user import User


class ScheduleChange(Model):
    """One change of a competition's schedule: who, when, why; ``stages`` says what moved."""

    __tablename__ = "schedule_change"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Who made it as the trail names them: the account, or the operating-system account on the command line.
    changed_by_label: Mapped[str] = mapped_column(String(320), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship()
    stages: Mapped[list[ScheduleChangeStage]] = relationship(
        back_populates="change",
        order_by="ScheduleChangeStage.id",
    )


class ScheduleChangeStage(Model):
    """One stage's dates before (none: it was not scheduled) and after a change; ``shifted``: moved along with
    the stages before it rather than asked for."""

    __tablename__ = "schedule_change_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("schedule_change.id"), index=True)
    stage: Mapped[StageCode] = mapped_column(str_enum(StageCode, "stage_code"))
    before_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    before_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    after_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    after_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shifted: Mapped[bool] = mapped_column(default=False)

    change: Mapped[ScheduleChange] = relationship(back_populates="stages")


install_append_only(cast(Table, ScheduleChange.__table__))
install_append_only(cast(Table, ScheduleChangeStage.__table__))
