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

Signed with a key kept outside the database (a keyed MAC)
    Every event also stores ``mac``, HMAC-SHA256 under the audit key (``AUDIT_KEY``, else derived from
    ``SECRET_KEY``: :mod:`assessment.platform.keys`) of ``"desa-digital-audit-mac/1:" + hash``; the chain head stores
    the MAC
    of ``"desa-digital-audit-head/1:<last_seq>:<last_hash>:<signed_from>"``. Someone who can write the database but
    does not hold the key can no longer re-hash the events after an edit, nor delete the tail and move the head
    back. Events written before signing began (``seq < signed_from``, set by the migration) carry no MAC; they are
    still covered, through ``prev_hash``, by the first signed event after them.

Anchored outside the database
    :func:`chain_anchor` gives the head's count and hash; printed on paper (a berita acara, the final snapshot)
    they let :func:`verify_chain` check later that the chain still holds that event with that hash, so a chain
    rebuilt from scratch or cut back with a stolen key is caught too (``desa-digital audit verify --anchor``).

Serialised appends
    Numbers and hashes are assigned in the commit, after the chain head row (``audit_chain_head``, id 1) is
    locked by an UPDATE: a row lock on PostgreSQL, the database write lock on SQLite. A second writer waits for
    the first to commit and then links to its event, so two writers never fork the chain.

Verification (:func:`verify_chain`, ``desa-digital audit verify``)
    Walks the events in ``seq`` order and names the FIRST one at fault: an event whose content no longer matches
    its hash was altered; an event that links to a hash found elsewhere in the chain was moved (reordered); a
    missing number, or a link to a hash found nowhere, means an event was removed (or the one before it altered
    and re-hashed); a signed event whose MAC does not match was forged (or written with another key); events
    missing after the last one are caught against the chain head and its MAC; an anchor the chain no longer holds
    names the event. Triggers also refuse every UPDATE and DELETE of the table (and TRUNCATE on PostgreSQL).
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, scoped_session

from assessment.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent
from assessment.models.types import utcnow
from assessment.platform.extensions import db
from assessment.platform.keys import purpose_key

CANONICAL_TAG = "desa-digital-audit/1"
MAC_TAG = "desa-digital-audit-mac/1:"
HEAD_TAG = "desa-digital-audit-head/1:"
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
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default, allow_nan=False
    )


def timestamp_text(moment: datetime) -> str:
    """An aware timestamp as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (the form the hash covers)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hashed_fields(item: AuditEvent) -> list[Any]:
    """The event's fields its hash covers, in the canonical order (the trail's export lists the same, in the same
    order, between the sequence number and the hash)."""
    return [
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


def canonical_form(item: AuditEvent) -> bytes:
    """The bytes an event's hash covers (see the module docstring)."""
    fields = [CANONICAL_TAG, *hashed_fields(item)]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_hash(item: AuditEvent) -> str:
    """SHA-256 (hex) of the event's canonical form."""
    return hashlib.sha256(canonical_form(item)).hexdigest()


def audit_key() -> bytes:
    """The key that signs the chain (never stored in the database)."""
    return purpose_key("audit")


def event_mac(event_hash_hex: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of an event's hash under the audit key."""
    return hmac.new(key, (MAC_TAG + event_hash_hex).encode("ascii"), hashlib.sha256).hexdigest()


def head_mac(last_seq: int, last_hash: str, signed_from: int, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the chain head under the audit key."""
    text = f"{HEAD_TAG}{last_seq}:{last_hash}:{signed_from}"
    return hmac.new(key, text.encode("ascii"), hashlib.sha256).hexdigest()


def request_id() -> str:
    """The id of the current request (set by :mod:`assessment.platform.http`), or one id per CLI command."""
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


def record_event(
    action: str, *, target: str, before: Any = None, after: Any = None, actor: Any = None, acting_as: str | None = None
) -> AuditEvent:
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
            _roles_text(user) if user is not None else None
        )
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
    locked = session.execute(update(head).where(head.id == 1).values(last_seq=head.last_seq).execution_options(**plain))
    row = session.execute(select(head.last_seq, head.last_hash, head.signed_from).where(head.id == 1)).one_or_none()
    if row is None or locked.rowcount != 1:  # type: ignore[attr-defined]
        raise RuntimeError("audit_chain_head has no row 1: run `desa-digital db upgrade`")
    seq, previous = int(row.last_seq), str(row.last_hash)
    key = audit_key()
    for item in pending:
        seq += 1
        item.seq = seq
        item.prev_hash = previous
        item.hash = event_hash(item)
        item.mac = event_mac(item.hash, key)
        previous = item.hash
        session.add(item)
    session.execute(
        update(head)
        .where(head.id == 1)
        .values(last_seq=seq, last_hash=previous, mac=head_mac(seq, previous, int(row.signed_from), key))
        .execution_options(**plain)
    )


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
class ChainAnchor:
    """The chain's head at one moment (number of events and the last hash), to print outside the database."""

    count: int
    head_hash: str

    def __str__(self) -> str:
        return f"{self.count}:{self.head_hash}"

    @classmethod
    def parse(cls, text: str) -> ChainAnchor:
        """``COUNT:HASH`` as printed (``ValueError`` when it is not)."""
        count_text, _, head_hash = text.strip().partition(":")
        head_hash = head_hash.strip().lower()
        if not count_text.isdigit() or len(head_hash) != 64 or any(c not in "0123456789abcdef" for c in head_hash):
            raise ValueError(f"jangkar tidak sah: {text!r} (tulis JUMLAH:HASH)")
        return cls(int(count_text), head_hash)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a verification: how many events, the last hash, the first problem (None: intact), and how
    many events were written before signing began (no MAC; covered by the links of the signed ones)."""

    count: int
    head_hash: str
    problem: ChainProblem | None
    unsigned: int = 0

    @property
    def intact(self) -> bool:
        return self.problem is None


def chain_anchor(session: Session | scoped_session[Any]) -> ChainAnchor:
    """The head of the chain now (count and last hash): what a berita acara or a final snapshot prints."""
    head = session.get(AuditChainHead, 1)
    if head is None:
        return ChainAnchor(0, GENESIS_HASH)
    return ChainAnchor(int(head.last_seq), str(head.last_hash))


def _events_in_order(session: Session | scoped_session[Any], batch: int = 1000) -> Iterator[AuditEvent]:
    """Every event by ``seq``, in batches (a server-side cursor would stay open when verification stops early)."""
    last = 0
    while True:
        rows = list(
            session.scalars(select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch))
        )
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq


def verify_chain(
    session: Session | scoped_session[Any], *, key: bytes | None = None, anchors: Iterable[ChainAnchor] = ()
) -> ChainReport:
    """Check every event's hash, MAC and link in order, the head and its MAC, and every anchor; name the first event
    altered, removed or reordered (rules in the module docstring). ``key`` defaults to the app's audit key."""
    key = key if key is not None else audit_key()
    wanted = {anchor.count: anchor.head_hash for anchor in anchors}
    head = session.get(AuditChainHead, 1)
    signed_from = int(head.signed_from) if head is not None else 1
    known = set(session.scalars(select(AuditEvent.hash)))
    expected_seq = 1
    previous = GENESIS_HASH
    count = 0
    unsigned = 0

    def report(problem: ChainProblem | None) -> ChainReport:
        return ChainReport(count, previous, problem, unsigned)

    for item in _events_in_order(session):
        count += 1
        if event_hash(item) != item.hash:
            return report(
                ChainProblem(
                    item.seq, "diubah", f"Peristiwa #{item.seq} diubah: isinya tidak cocok lagi dengan hash-nya."
                )
            )
        if item.seq < signed_from:
            unsigned += 1
        elif item.mac is None or not hmac.compare_digest(item.mac, event_mac(item.hash, key)):
            return report(
                ChainProblem(
                    item.seq,
                    "diubah",
                    f"Peristiwa #{item.seq} tidak bertanda tangan sah (MAC): diubah lalu di-hash ulang tanpa kunci "
                    f"audit, atau ditulis dengan kunci audit lain (AUDIT_KEY/SECRET_KEY).",
                )
            )
        if item.prev_hash != previous:
            if item.prev_hash in known:
                return report(
                    ChainProblem(
                        item.seq,
                        "urutan",
                        f"Urutan diubah: peristiwa #{item.seq} seharusnya berada di posisi lain dalam rantai.",
                    )
                )
            if item.seq != expected_seq:
                return report(
                    ChainProblem(
                        expected_seq, "dihapus", f"Peristiwa #{expected_seq} hilang (dihapus) sebelum #{item.seq}."
                    )
                )
            if expected_seq > 1:
                return report(
                    ChainProblem(
                        expected_seq - 1,
                        "diubah",
                        f"Peristiwa #{expected_seq - 1} diubah: hash-nya tidak cocok dengan tautan di #{item.seq}.",
                    )
                )
            return report(ChainProblem(item.seq, "dihapus", f"Peristiwa sebelum #{item.seq} hilang (dihapus)."))
        if item.seq != expected_seq:
            return report(
                ChainProblem(expected_seq, "dihapus", f"Nomor peristiwa #{expected_seq} hilang sebelum #{item.seq}.")
            )
        if item.seq in wanted and wanted[item.seq] != item.hash:
            return report(
                ChainProblem(
                    item.seq,
                    "diubah",
                    f"Peristiwa #{item.seq} tidak cocok dengan jangkar yang tercetak (hash {wanted[item.seq]}).",
                )
            )
        previous = item.hash
        expected_seq += 1
    beyond = [number for number in wanted if number > expected_seq - 1]
    if beyond:
        return report(
            ChainProblem(
                expected_seq,
                "dihapus",
                f"Rantai hanya sampai peristiwa #{expected_seq - 1}, padahal jangkar yang tercetak menyebut "
                f"#{max(beyond)}: peristiwa #{expected_seq} dan sesudahnya hilang.",
            )
        )
    if head is None:
        return report(ChainProblem(expected_seq, "dihapus", "Kepala rantai audit hilang."))
    if head.last_seq != expected_seq - 1 or head.last_hash != previous:
        if head.last_seq >= expected_seq:
            return report(
                ChainProblem(
                    expected_seq,
                    "dihapus",
                    f"Peristiwa #{expected_seq} sampai #{head.last_seq} hilang (dihapus) dari ujung rantai.",
                )
            )
        if head.last_seq < expected_seq - 1:
            return report(
                ChainProblem(
                    head.last_seq + 1,
                    "ditambah",
                    f"Peristiwa #{head.last_seq + 1} dan sesudahnya ditambahkan di luar rantai.",
                )
            )
        return report(
            ChainProblem(head.last_seq, "diubah", f"Peristiwa #{head.last_seq} tidak cocok dengan kepala rantai audit.")
        )
    signed_head = head.last_seq >= signed_from or head.mac is not None
    if signed_head and (
        head.mac is None
        or not hmac.compare_digest(head.mac, head_mac(int(head.last_seq), str(head.last_hash), signed_from, key))
    ):
        return report(
            ChainProblem(
                head.last_seq + 1,
                "dihapus",
                f"Kepala rantai audit tidak bertanda tangan sah (MAC): peristiwa sesudah #{head.last_seq} bisa jadi "
                f"dihapus dan kepala rantai dipindah, atau kunci audit (AUDIT_KEY/SECRET_KEY) berbeda.",
            )
        )
    return report(None)
