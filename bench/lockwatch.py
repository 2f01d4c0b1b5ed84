"""``python -m bench.lockwatch ARGS``: the ``desa-digital`` CLI, unchanged, with a stopwatch on the audit chain's
head lock; for the load test only (``bench/load_deadline.py``), never for a real server.

Every state change appends its audit events in ``before_commit`` (``assessment/services/audit.py``): a no-op
``UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1`` takes the head row's lock (PostgreSQL blocks the
statement until the transaction holding that lock commits), the events are hashed and inserted, the head moves,
and the commit releases the lock. This module times, per request and from the outside (SQLAlchemy and Flask
signals, no change to the app's code):

- ``lock_wait_ms``: how long that no-op UPDATE took to execute, i.e. the wait for the lock (plus one tiny
  update of a row already in memory);
- ``lock_held_ms``: from the moment the lock was granted until the commit finished (what the request made the
  next writer wait: hashing, inserting the events, moving the head, the commit's WAL flush);
- ``total_ms``: the request's time inside the app, from Flask's ``request_started`` to ``request_finished``;
- ``end``: when it finished (Unix time), to add up how long the lock was held within the measured window.

One JSON line per request goes to the file named by ``BENCH_LOCK_LOG`` (appended under a lock; waitress serves
with threads in one process). Without ``BENCH_LOCK_LOG`` nothing is installed and this is the plain CLI.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any

_LOCK_STATEMENT = re.compile(r"^\s*UPDATE audit_chain_head SET last_seq\s*=\s*audit_chain_head\.last_seq\b")
_local = threading.local()
_write_lock = threading.Lock()


def install(path: str) -> None:
    """Attach the stopwatch to every engine, session and Flask app of this process."""
    from flask import request, request_finished, request_started
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open for the life of the process

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if _LOCK_STATEMENT.match(statement):
            _local.lock_started = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        started = getattr(_local, "lock_started", None)
        if started is not None and _LOCK_STATEMENT.match(statement):
            now = time.perf_counter()
            _local.lock_started = None
            _local.lock_granted = now
            _local.lock_wait = getattr(_local, "lock_wait", 0.0) + (now - started)
            _local.locks = getattr(_local, "locks", 0) + 1

    @event.listens_for(Session, "after_commit")
    def _committed(_session: Any) -> None:
        granted = getattr(_local, "lock_granted", None)
        if granted is not None:
            _local.lock_held = getattr(_local, "lock_held", 0.0) + (time.perf_counter() - granted)
            _local.lock_granted = None

    @event.listens_for(Session, "after_rollback")
    def _rolled_back(_session: Any) -> None:
        granted = getattr(_local, "lock_granted", None)
        if granted is not None:
            _local.lock_held = getattr(_local, "lock_held", 0.0) + (time.perf_counter() - granted)
            _local.lock_granted = None

    def started(_sender: Any, **_extra: Any) -> None:
        _local.began = time.perf_counter()
        _local.lock_wait = 0.0
        _local.lock_held = 0.0
        _local.locks = 0
        _local.lock_granted = None

    def finished(_sender: Any, response: Any, **_extra: Any) -> None:
        began = getattr(_local, "began", None)
        if began is None:
            return
        line = {
            "end": round(time.time(), 3),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "total_ms": round((time.perf_counter() - began) * 1000, 3),
            "lock_wait_ms": round(_local.lock_wait * 1000, 3),
            "lock_held_ms": round(_local.lock_held * 1000, 3),
            "locks": _local.locks,
        }
        with _write_lock:
            log.write(json.dumps(line) + "\n")

    # weak=False: the receivers are local functions that must live as long as the process.
    request_started.connect(started, weak=False)
    request_finished.connect(finished, weak=False)


def main() -> None:
    path = os.environ.get("BENCH_LOCK_LOG")
    if path:
        install(path)
    from assessment.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
