"""The audit trail: hash-chained events that are only ever appended, and the head of their chain.

The rules of the chain (what is hashed, how it is checked) are written in :mod:`assessment.services.audit`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Table, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from assessment.models.competition import ImmutableRowError
from assessment.models.guards import sqlite_statements
from assessment.models.types import UTCDateTime
from assessment.platform.extensions import Model

# The hash the first event links to.
GENESIS_HASH = "0" * 64

# PostgreSQL refuses every UPDATE, DELETE and TRUNCATE on the trail, whoever connects, and SQLite every UPDATE and
# DELETE (the migrations install the same triggers; this copy serves databases built with ``create_all``, as in the
# tests).
APPEND_ONLY_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'audit_event hanya boleh ditambah (append-only): ' || TG_OP || ' ditolak',
        ERRCODE = 'insufficient_privilege';
END
$$
"""
APPEND_ONLY_TRIGGER_SQL = """
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
"""


class AuditEvent(Model):
    """One state change: who (acting as whom), when, what, on which target, before → after; linked by hash."""

    __tablename__ = "audit_event"

    # The position in the chain, 1, 2, 3 ... without gaps; assigned when the event is committed.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # No foreign key: an account deleted later must not change (or block) the trail.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_label: Mapped[str] = mapped_column(String(320), default="")
    acting_as: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str] = mapped_column(String(200), index=True)
    # Canonical JSON text (sorted keys, no spaces), hashed exactly as stored.
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # HMAC-SHA256 of the hash under AUDIT_KEY (kept outside the database): whoever can write the table but does
    # not hold the key cannot re-hash an edited event. None for events written before signing began.
    mac: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq} {self.action} {self.target}>"


class AuditChainHead(Model):
    """The single row (id 1) holding the last position and hash; appends lock it, so writers never fork the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    # The first event number signed with a MAC (events before it were written before signing began), and the MAC
    # of (last_seq, last_hash, signed_from): moving the head back over deleted events needs the key.
    signed_from: Mapped[int] = mapped_column(default=1, server_default="1")
    mac: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(AuditChainHead.__table__, "after_create")
def _insert_head_row(target: Table, connection: Connection, **_kw: object) -> None:
    connection.execute(target.insert().values(id=1, last_seq=0, last_hash=GENESIS_HASH))


@event.listens_for(AuditEvent.__table__, "after_create")
def _append_only_in_the_database(_target: Table, connection: Connection, **_kw: object) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(APPEND_ONLY_FUNCTION_SQL)
        connection.exec_driver_sql(APPEND_ONLY_TRIGGER_SQL)
    elif connection.dialect.name == "sqlite":
        # SQLite has no TRUNCATE; its triggers refuse UPDATE and DELETE (as for the other append-only tables).
        for statement in sqlite_statements(AuditEvent.__tablename__):
            connection.exec_driver_sql(statement)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: object, _instances: object) -> None:
    """On every database, the application itself never updates or deletes an audit event."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableRowError(f"audit event {obj.seq} is immutable")
