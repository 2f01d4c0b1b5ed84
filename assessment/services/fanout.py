"""Notifying many people after one event (the provisional results published, the final results set, the schedule
changed, assessors assigned or desa enrolled in bulk): one job, run by the background worker, instead of a loop
in the request.

The rules, written once:

- **One job per event.** The operation that records the event enqueues, in its own transaction, one
  ``notify.fanout`` job whose key names the event (``publish-fanout:<competition>:<provisional result>``,
  ``final-fanout:<competition>:<final snapshot>``, ``schedule-fanout:<competition>:<schedule change>``,
  ``assign-fanout:<competition>:<first assignment>`` for automatic and CSV assignment,
  ``enrol-fanout:<competition>:<first participant>`` for an enrolment from a file). The job
  carries, per entry, the text and link of its message, composed by the operation from the data it froze (so the
  words are those of the moment of the event); the request writes no inbox row and no e-mail job, however many
  people are told.
- **Who is told.** An entry names a desa or one account (``user:<id>``, for a change whose audience the request
  already knows: a schedule change, new assignments). When the job runs, the active operator desa accounts of
  each desa (:func:`assessment.services.notifications.operators_of`), or the account if still active; each gets the
  inbox
  message and its copies (e-mail, WhatsApp/SMS) exactly as :func:`assessment.services.notifications.notify` does for one
  change.
- **Once per person, however often it runs.** Every message has its own idempotency key
  (``<job key>:<entry's position>:<entry>:<account>``, unique in the database). The job works through the entries
  in chunks; each chunk's messages, their e-mail/WhatsApp jobs and the progress shown to the committee (``n`` of
  ``m`` desa or accounts) are one commit. A worker killed mid-batch leaves whole chunks behind; the job is taken
  again after its lease, skips the messages that exist and writes the rest. Should two runs ever overlap (a lease
  that ran out), the unique key refuses the second copy and that run is retried, finding it written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from assessment.jobs import queue
from assessment.models import Notification, User
from assessment.platform.extensions import db
from assessment.services.notifications import notify, operators_of

log = logging.getLogger(__name__)
FANOUT_JOB = "notify.fanout"
CHUNK = 25
"""Entries (desa or accounts) per commit: small enough that a killed worker loses little work, large enough to
keep commits few."""
USER_PREFIX = "user:"


def enqueue_fanout(
    key: str, kind: str, messages: Sequence[tuple[str, str, str | None]], competition_id: int | None = None
) -> bool:
    """Queue the notification of the operators of every desa in ``messages`` (desa code, or ``user:<id>`` for
    one account; text; link), in the caller's transaction (written by its commit); once per ``key``.
    ``competition_id`` names the competition on the committee's delivery page."""
    payload: dict[str, Any] = {
        "kind": kind,
        "competition_id": competition_id,
        "messages": [list(item) for item in messages],
    }
    return queue.enqueue(FANOUT_JOB, key, payload)


def recipients(to: str) -> list[User]:
    """Who an entry reaches now: the account of ``user:<id>`` if active, else the operators of the desa ``to``."""
    if to.startswith(USER_PREFIX):
        user = db.session.get(User, int(to.removeprefix(USER_PREFIX)))
        return [user] if user is not None and user.active else []
    return operators_of(to)


def progress_of(result: str | None) -> int:
    """How many desa a fan-out job has done, from its recorded progress (0 before it started)."""
    return int(result) if result and result.isdigit() else 0


@queue.handler(FANOUT_JOB)
def run_fanout(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Write each recipient's message (see the module docstring); returns the number of desa done."""
    kind = str(payload["kind"])
    messages = [(str(code), str(text), link) for code, text, link in payload["messages"]]
    prefix = f"{context.key}:"
    written = set(
        db.session.scalars(
            select(Notification.idempotency_key).where(Notification.idempotency_key.startswith(prefix, autoescape=True))
        )
    )
    added = 0
    for start in range(0, len(messages), CHUNK):
        for position, (code, text, link) in enumerate(messages[start : start + CHUNK], start):
            for user in recipients(code):
                # The entry's place in the frozen list too: one person may have several entries (assignments).
                key = f"{prefix}{position}:{code}:{user.id}"
                if key not in written:
                    added += len(notify([user], kind, text, link, key=key))
                    written.add(key)
        queue.progress(context, str(min(start + CHUNK, len(messages))))
        db.session.commit()
    log.info("Fan-out %s: %d new messages for %d desa", context.key, added, len(messages))
    return str(len(messages))
