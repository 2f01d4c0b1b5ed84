"""Filters of the audit-trail page, read from the query string, and the query they give."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, literal, not_, or_, select

from assessment.models import Assignment, AuditEvent, Competition, Evidence, Participant, Region, Role, RoleGrant
from assessment.platform.wita import WITA
from assessment.services.security import scope_filter

PAGE_SIZE = 100


@dataclass(frozen=True)
class TrailFilter:
    """What the committee asked to see; dates are whole days in WITA, both included."""

    actor: str = ""
    action: str = ""
    target: str = ""
    date_from: date | None = None
    date_to: date | None = None
    before_seq: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> tuple[TrailFilter, list[str]]:
        """The filter in ``args`` and the problems found (a bad value is ignored and reported, in Indonesian)."""
        problems: list[str] = []
        days: dict[str, date | None] = {}
        for key, label in (("dari", "Tanggal mulai"), ("sampai", "Tanggal akhir")):
            text = (args.get(key) or "").strip()
            days[key] = None
            if text:
                try:
                    days[key] = date.fromisoformat(text)
                except ValueError:
                    problems.append(f"{label} {text!r} tidak sah; tulis YYYY-MM-DD.")
        before_text = (args.get("sebelum") or "").strip()
        return cls(
            actor=(args.get("pelaku") or "").strip()[:320],
            action=(args.get("aksi") or "").strip()[:100],
            target=(args.get("sasaran") or "").strip()[:200],
            date_from=days["dari"],
            date_to=days["sampai"],
            before_seq=int(before_text) if before_text.isdigit() else None,
        ), problems

    def query(self, reader: Any) -> Select[AuditEvent]:
        """Matching events within the reader's province (:func:`readable_by`), newest first: actor and target
        match from their start, action exactly."""
        query = select(AuditEvent).where(readable_by(reader)).order_by(AuditEvent.seq.desc())
        if self.actor:
            if self.actor.isdigit():
                query = query.where(AuditEvent.actor_id == int(self.actor))
            else:
                query = query.where(AuditEvent.actor_label.startswith(self.actor.lower(), autoescape=True))
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.target:
            query = query.where(AuditEvent.target.startswith(self.target, autoescape=True))
        if self.date_from:
            query = query.where(AuditEvent.occurred_at >= datetime.combine(self.date_from, time(), WITA))
        if self.date_to:
            query = query.where(
                AuditEvent.occurred_at < datetime.combine(self.date_to + timedelta(days=1), time(), WITA)
            )
        return query

    def page_query(self, reader: Any) -> Select[AuditEvent]:
        """One page of :meth:`query`, starting below ``before_seq``."""
        query = self.query(reader)
        if self.before_seq is not None:
            query = query.where(AuditEvent.seq < self.before_seq)
        return query.limit(PAGE_SIZE)

    def as_args(self) -> dict[str, str]:
        """The filter as query-string arguments (for the next page and the export link)."""
        args = {
            "pelaku": self.actor,
            "aksi": self.action,
            "sasaran": self.target,
            "dari": self.date_from.isoformat() if self.date_from else "",
            "sampai": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in args.items() if value}


READERS = (Role.panitia,)


def _target_is(kind: str, key: Any, *, with_suffix: bool = False) -> ColumnElement[bool]:
    """``audit_event.target`` names the row ``key`` of ``kind`` (``kind:key``, or ``kind:key/...``)."""
    text = literal(kind + ":") + cast(key, String)
    if with_suffix:
        return or_(AuditEvent.target == text, AuditEvent.target.like(text + "/%"))
    return AuditEvent.target == text


def readable_by(reader: Any) -> ColumnElement[bool]:
    """The events a committee member may read: those about their province only, like every other page.

    An event belongs to the region of its target: a participant, an evidence file or an assignment to its desa,
    a competition to its scope, a region to itself, an account to the regions of its grants. An event whose target
    has no region (a stored rubric, the region import, a failed sign-in with an unknown e-mail, the export of the
    trail itself) belongs to the regions of its actor's grants; one with neither (the CLI, an anonymous visitor)
    is shown only when it is not a sign-in event, since a mistyped e-mail is personal data of an unknown person.
    """

    def within(column: Any) -> ColumnElement[bool]:
        return scope_filter(column, reader, READERS)

    by_target = or_(
        exists().where(_target_is("participant", Participant.id, with_suffix=True), within(Participant.desa_code)),
        exists().where(
            _target_is("evidence", Evidence.id),
            Evidence.participant_id == Participant.id,
            within(Participant.desa_code),
        ),
        exists().where(
            _target_is("assignment", Assignment.id),
            Assignment.participant_id == Participant.id,
            within(Participant.desa_code),
        ),
        exists().where(_target_is("competition", Competition.id), within(Competition.scope_region_code)),
        exists().where(_target_is("region", Region.code), within(Region.code)),
        exists().where(_target_is("user", RoleGrant.user_id), within(RoleGrant.region_code)),
    )
    has_region = or_(
        *(
            AuditEvent.target.startswith(kind + ":")
            for kind in ("participant", "evidence", "assignment", "competition", "region", "user")
        )
    )
    user_with_grants = exists().where(_target_is("user", RoleGrant.user_id))
    by_actor = and_(
        not_(has_region) | (AuditEvent.target.startswith("user:") & not_(user_with_grants)),
        or_(
            exists().where(RoleGrant.user_id == AuditEvent.actor_id, within(RoleGrant.region_code)),
            and_(AuditEvent.actor_id.is_(None), not_(AuditEvent.action.startswith("auth."))),
        ),
    )
    return or_(by_target, by_actor)
