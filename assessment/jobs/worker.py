"""The worker process: scheduled work plus the queue, in a loop; and the supervisor that runs it beside the web
server (``make run``).

- :func:`run_once` enqueues the periodic jobs of the current slot (:mod:`assessment.jobs.schedule`) and runs
  every job that is due, including those the run itself enqueues (the reminders' e-mails), then returns; of the
  queues it is given (both by default: interleaved, see "Queues" in :mod:`assessment.jobs.queue`).
- :func:`run_forever` repeats it every ``WORKER_POLL_SECONDS`` (5) until SIGTERM or SIGINT: the job in hand is
  finished (or, between two jobs, the rest of the batch is handed back) and the process exits 0. Further
  signals change nothing (Ctrl+C reaches the worker both from the terminal and from the supervisor); a job is
  short (an SMTP exchange times out after 10 s), and a worker killed anyway leaves its job to be taken again
  after the lease (at-least-once).
- :func:`supervise` starts the worker and a server command as two child processes and stops both together: a
  signal to the supervisor (Ctrl+C, SIGTERM) is passed to both, and when either child ends, the other is
  stopped; the supervisor then exits with the first child's status (0 after a requested stop).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from types import FrameType

from flask import current_app

from assessment.jobs import queue, schedule
from assessment.platform.wita import now_utc

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
CHILD_GRACE_SECONDS = 20


def run_once(
    worker: str, stop: threading.Event | None = None, queues: Iterable[str] | None = None
) -> list[queue.Outcome]:
    """Schedule the current slot's periodic jobs and run every job due now in ``queues`` (all when None); the
    outcomes, in order."""
    schedule.schedule_due(now_utc())
    return queue.run_queues(worker, queues, should_stop=(stop.is_set if stop is not None else lambda: False))


def run_forever(worker: str, queues: Iterable[str] | None = None) -> None:
    """Run due jobs every ``WORKER_POLL_SECONDS`` until a stop signal (see the module docstring)."""
    stop = threading.Event()

    def request_stop(number: int, frame: FrameType | None) -> None:
        log.info("Worker %s: signal %d, stopping after the job in hand", worker, number)
        stop.set()

    for each in STOP_SIGNALS:
        signal.signal(each, request_stop)
    poll = float(current_app.config.get("WORKER_POLL_SECONDS") or 5)
    queues = list(queues) if queues is not None else None
    log.info(
        "Worker %s started (polling every %.0f s; queues: %s)", worker, poll, ", ".join(queues or queue.QUEUE_NAMES)
    )
    while not stop.is_set():
        try:
            run_once(worker, stop, queues)
        except Exception:
            # A database that is briefly away must not end the worker: log it and try again at the next poll.
            log.exception("Worker %s: the run failed; trying again in %.0f s", worker, poll)
        stop.wait(poll)
    log.info("Worker %s stopped", worker)


def supervise(server: Sequence[str], worker: Sequence[str] | None = None) -> int:
    """Run ``server`` and the worker (``worker``, default ``python -m assessment worker``) together; see the
    module docstring. Returns the exit status to leave with."""
    worker_command = list(worker) if worker is not None else [sys.executable, "-m", "assessment", "worker"]
    stopping = threading.Event()

    def request_stop(number: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {each: signal.signal(each, request_stop) for each in STOP_SIGNALS}
    children: list[subprocess.Popen[bytes]] = []
    status = 0
    try:
        # The commands come from the operator's own command line (the Makefile), never from a request.
        children.append(subprocess.Popen(worker_command))  # noqa: S603
        children.append(subprocess.Popen(list(server)))  # noqa: S603
        while not stopping.is_set():
            ended = next((child for child in children if child.poll() is not None), None)
            if ended is not None:
                # A child killed by a signal is reported as the shell does (128 + the signal's number).
                status = ended.returncode if ended.returncode >= 0 else 128 - ended.returncode
                name = "worker" if ended is children[0] else "server"
                print(
                    f"desa-digital: {name} berhenti (status {ended.returncode}); menghentikan yang lain.",
                    file=sys.stderr,
                    flush=True,
                )
                break
            stopping.wait(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + CHILD_GRACE_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for each, handler in previous.items():
            signal.signal(each, handler)
    return status
