"""The audit trail: record every state change as a hash-chained event, and verify the chain.

How to record
    Call :func:`record_event` inside the operation that changes state, before that operation's commit. The event
    is written by the same commit, so a change and its event are stored together or not at all (a rolled-back
    change leaves no event). Who, acting as whom, when, request id and address are taken from the request (or,
    from the CLI, the operating-system account and one id per command).

The chain (what a contested result can be checked against)
    Events are numbered 1, 2, 3 ... (``seq``) in the order they were committed. Each event stores ``prev_hash``,
    the hash of the event before it (64 zeros for the first), and ``hash``, the SHA-256 (hex) of its canonical
    form. The canonical form is the UTF-8 bytes of the compact JSON array (``separators=(",", ":")``, non-ASCII
    kept as is)::

        ["desa-digital-audit/1", occurred_at, actor_id, actor_label, acting_as, action, target,
         before_json, after_json, request_id, address, prev_hash]

    where ``occurred_at`` is written ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC), absent values are ``null``, and
    ``before_json``/``after_json`` are the stored JSON texts themselves (sorted keys, compact), as strings. So an
    event's hash covers everything it says and, through ``prev_hash``, every event before it.

Serialised appends
    Numbers and hashes are assigned in the commit, after the chain head row (``audit_chain_head``, id 1) is
    locked by an UPDATE: a row lock on PostgreSQL, the database write lock on SQLite. A second writer waits for
    the first to commit and then links to its event, so two writers never fork the chain.

Verification (:func:`verify_chain`, ``desa-digital audit verify``)
    Walks the events in ``seq`` order and names the FIRST one at fault: an event whose content no longer matches
    its hash was altered; an event that links to a hash found elsewhere in the chain was moved (reordered); a
    missing number, or a link to a hash found nowhere, means an event was removed (or the one before it altered
    and re-hashed); events missing after the last one are caught against the chain head. On PostgreSQL a trigger
    also refuses every UPDATE, DELETE and TRUNCATE of the table.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, scoped_session

from assessment.extensions import db
from assessment.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent
from assessment.models.types import utcnow

CANONICAL_TAG = "desa-digital-audit/1"
_PENDING = "audit_pending_events"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp_text(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    raise TypeError(f"cannot record {type(value).__name__} in the audit trail")


def canonical_json(value: Any) -> str | None:
    """``value`` as compact JSON with sorted keys (None stays None); times in UTC, enums by value."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default,
                      allow_nan=False)


def timestamp_text(moment: datetime) -> str:
    """An aware timestamp as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (the form the hash covers)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_form(item: AuditEvent) -> bytes:
    """The bytes an event's hash covers (see the module docstring)."""
    fields = [
        CANONICAL_TAG,
        timestamp_text(item.occurred_at),
        item.actor_id,
        item.actor_label,
        item.acting_as,
        item.action,
        item.target,
        item.before_json,
        item.after_json,
        item.request_id,
        item.address,
        item.prev_hash,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_hash(item: AuditEvent) -> str:
    """SHA-256 (hex) of the event's canonical form."""
    return hashlib.sha256(canonical_form(item)).hexdigest()


def request_id() -> str:
    """The id of the current request (set by :mod:`assessment.http`), or one id per CLI command."""
    if has_request_context():
        value = g.get("request_id")
        if value:
            return str(value)
    if has_app_context():
        if "audit_cli_id" not in g:
            g.audit_cli_id = "cli-" + uuid.uuid4().hex
        return str(g.audit_cli_id)
    return "cli-" + uuid.uuid4().hex


def _os_account() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "?"


def _roles_text(user: Any) -> str:
    grants = sorted(f"{grant.role.value}@{grant.region_code}" for grant in getattr(user, "grants", []))
    return ", ".join(grants)[:320]


def _address() -> str | None:
    if not has_request_context() or not request.remote_addr:
        return None
    return request.remote_addr[:64]


def _signed_in_user() -> Any:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user._get_current_object()
    return None


def record_event(action: str, *, target: str, before: Any = None, after: Any = None, actor: Any = None,
                 acting_as: str | None = None) -> AuditEvent:
    """Append an event to the audit trail, written by the caller's next commit (see the module docstring).

    - ``action``: what happened, a dotted name such as ``evidence.upload`` (at most 100 characters).
    - ``target``: what it happened to, ``kind:id`` such as ``participant:12`` (at most 200 characters).
    - ``before``/``after``: the state before and after, JSON-able values (times become UTC text, enums their
      value, bytes their SHA-256); never pass passwords or secrets.
    - ``actor``: who acted; by default the signed-in user; from the CLI the operating-system account.
    - ``acting_as``: in what capacity; by default ``g.audit_acting_as`` if a view set it, else the actor's role
      grants (``role@region, ...``) at that moment.
    """
    if len(action) > 100 or not action:
        raise ValueError("audit action must be 1-100 characters")
    user = actor if actor is not None else _signed_in_user()
    if user is not None:
        actor_id: int | None = user.id
        actor_label = str(user.email)
    else:
        actor_id = None
        actor_label = "cli:" + _os_account() if not has_request_context() else "anonim"
    if acting_as is None:
        acting_as = (g.get("audit_acting_as") if has_app_context() else None) or (
            _roles_text(user) if user is not None else None)
    item = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id,
        actor_label=actor_label[:320],
        acting_as=acting_as[:320] if acting_as else None,
        action=action,
        target=target[:200],
        before_json=canonical_json(before),
        after_json=canonical_json(after),
        request_id=request_id()[:64],
        address=_address(),
    )
    # Begin the session's transaction now, so a rollback before the commit (which fires only on a begun
    # transaction) drops this event along with the change.
    db.session.connection()
    db.session.info.setdefault(_PENDING, []).append(item)
    return item


@event.listens_for(Session, "before_commit")
def _chain_pending_events(session: Session) -> None:
    """Link the events recorded in this transaction to the chain, under the head lock, just before the commit."""
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    if not pending:
        return
    # The change's own rows first, so the head lock is the last lock taken and held only until the commit.
    session.flush()
    head = AuditChainHead
    plain = {"synchronize_session": False}
    # A no-op UPDATE takes the lock: a row lock on PostgreSQL, the write lock on SQLite (a SELECT would not).
    locked = session.execute(update(head).where(head.id == 1).values(last_seq=head.last_seq)
                             .execution_options(**plain))
    row = session.execute(select(head.last_seq, head.last_hash).where(head.id == 1)).one_or_none()
    if row is None or locked.rowcount != 1:  # type: ignore[attr-defined]
        raise RuntimeError("audit_chain_head has no row 1: run `desa-digital db upgrade`")
    seq, previous = int(row.last_seq), str(row.last_hash)
    for item in pending:
        seq += 1
        item.seq = seq
        item.prev_hash = previous
        item.hash = event_hash(item)
        previous = item.hash
        session.add(item)
    session.execute(update(head).where(head.id == 1).values(last_seq=seq, last_hash=previous)
                    .execution_options(**plain))


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending_events(session: Session, _transaction: object) -> None:
    """Events of a rolled-back change are dropped with it."""
    session.info.pop(_PENDING, None)


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """The first fault found in the chain: the event number and what happened to it, in Indonesian."""

    seq: int
    kind: str  # "diubah" (altered), "dihapus" (removed), "urutan" (reordered), "ditambah" (added outside)
    message: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a verification: how many events, the last hash, and the first problem (None: intact)."""

    count: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _events_in_order(session: Session | scoped_session[Any], batch: int = 1000) -> Iterator[AuditEvent]:
    """Every event by ``seq``, in batches (a server-side cursor would stay open when verification stops early)."""
    last = 0
    while True:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq)
                                    .limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq


def verify_chain(session: Session | scoped_session[Any]) -> ChainReport:
    """Check every event's hash and link in order and name the first event altered, removed or reordered."""
    known = set(session.scalars(select(AuditEvent.hash)))
    expected_seq = 1
    previous = GENESIS_HASH
    count = 0
    for item in _events_in_order(session):
        count += 1
        if event_hash(item) != item.hash:
            return ChainReport(count, previous, ChainProblem(
                item.seq, "diubah", f"Peristiwa #{item.seq} diubah: isinya tidak cocok lagi dengan hash-nya."))
        if item.prev_hash != previous:
            if item.prev_hash in known:
                return ChainReport(count, previous, ChainProblem(
                    item.seq, "urutan",
                    f"Urutan diubah: peristiwa #{item.seq} seharusnya berada di posisi lain dalam rantai."))
            if item.seq != expected_seq:
                return ChainReport(count, previous, ChainProblem(
                    expected_seq, "dihapus", f"Peristiwa #{expected_seq} hilang (dihapus) sebelum #{item.seq}."))
            if expected_seq > 1:
                return ChainReport(count, previous, ChainProblem(
                    expected_seq - 1, "diubah",
                    f"Peristiwa #{expected_seq - 1} diubah: hash-nya tidak cocok dengan tautan di #{item.seq}."))
            return ChainReport(count, previous, ChainProblem(
                item.seq, "dihapus", f"Peristiwa sebelum #{item.seq} hilang (dihapus)."))
        if item.seq != expected_seq:
            return ChainReport(count, previous, ChainProblem(
                expected_seq, "dihapus", f"Nomor peristiwa #{expected_seq} hilang sebelum #{item.seq}."))
        previous = item.hash
        expected_seq += 1
    head = session.get(AuditChainHead, 1)
    if head is None:
        return ChainReport(count, previous, ChainProblem(expected_seq, "dihapus", "Kepala rantai audit hilang."))
    if head.last_seq != expected_seq - 1 or head.last_hash != previous:
        if head.last_seq >= expected_seq:
            return ChainReport(count, previous, ChainProblem(
                expected_seq, "dihapus",
                f"Peristiwa #{expected_seq} sampai #{head.last_seq} hilang (dihapus) dari ujung rantai."))
        if head.last_seq < expected_seq - 1:
            return ChainReport(count, previous, ChainProblem(
                head.last_seq + 1, "ditambah",
                f"Peristiwa #{head.last_seq + 1} dan sesudahnya ditambahkan di luar rantai."))
        return ChainReport(count, previous, ChainProblem(
            head.last_seq, "diubah", f"Peristiwa #{head.last_seq} tidak cocok dengan kepala rantai audit."))
    return ChainReport(count, previous, None)
