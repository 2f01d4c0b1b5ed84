"""Filters of the audit-trail page, read from the query string, and the query they give."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from assessment.models import AuditEvent

WITA = ZoneInfo("Asia/Makassar")
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

    def query(self) -> Select[AuditEvent]:
        """Matching events, newest first: actor and target match from their start, action exactly."""
        query = select(AuditEvent).order_by(AuditEvent.seq.desc())
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
                AuditEvent.occurred_at < datetime.combine(self.date_to + timedelta(days=1), time(), WITA))
        return query

    def page_query(self) -> Select[AuditEvent]:
        """One page of :meth:`query`, starting below ``before_seq``."""
        query = self.query()
        if self.before_seq is not None:
            query = query.where(AuditEvent.seq < self.before_seq)
        return query.limit(PAGE_SIZE)

    def as_args(self) -> dict[str, str]:
        """The filter as query-string arguments (for the next page and the export link)."""
        args = {"pelaku": self.actor, "aksi": self.action, "sasaran": self.target,
                "dari": self.date_from.isoformat() if self.date_from else "",
                "sampai": self.date_to.isoformat() if self.date_to else ""}
        return {key: value for key, value in args.items() if value}
