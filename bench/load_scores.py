"""Load test: N assessors, each signed in (password + TOTP) in their own session, save desk scores against gunicorn
on PostgreSQL for a fixed time; then count in the database that no acknowledged save was lost.

Run with ``make load`` (a throw-away PostgreSQL cluster from ``pg_virtualenv``, loopback only), or by hand with
``DATABASE_URL=postgresql+psycopg://... python -m bench.load_scores --users 50 --seconds 120``. The database at
DATABASE_URL is WIPED and migrated: never point it at real data. Results go into docs/performance.md by hand.

One virtual assessor loops: open the indicator page (reads the CSRF token and the score's version), save a level and
a unique note with that version. ``--second-tabs K`` gives the first K assessors a second tab on the same score, so
some saves meet the version check (409, counted apart). Afterwards, with SQL:

- every acknowledged save (302) has its audit event (the note is unique per save);
- per score, the stored version equals 1 + the number of acknowledged saves after the first (each acknowledged
  save raised it by exactly one, and no unacknowledged one did);
- the stored note is an acknowledged one, and for a score with one tab it is the last one acknowledged.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pyotp
from flask_migrate import upgrade
from sqlalchemy import text

from assessment import create_app
from assessment.assignments.operations import assign_assessor
from assessment.auth.operations import GrantSpec, create_user
from assessment.models import Assignment, Competition, RegionKind, Role, SelfAssessment
from assessment.platform.extensions import db
from tests.support.competition import ensure_region
from tests.support.live import LiveServer, WebClient
from tests.support.verification import verification_competition

PASSWORD = "kata-sandi-beban-2026"  # noqa: S105 - throw-away accounts in a throw-away database
_VERSION = re.compile(r'name="version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="version"')


@dataclass
class Tab:
    """One browser tab of one assessor on one score."""

    email: str
    secret: str
    assignment_id: int
    indicator: str
    name: str


@dataclass
class Tally:
    """What the virtual assessors saw, merged under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    save_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    acked: dict[tuple[int, str], list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)


def prepare(users: int, second_tabs: int, database_url: str) -> list[Tab]:
    """Wipe and migrate the database, then a competition in penilaian dokumen with one desa per assessor."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "beban",
            "TESTING": False,
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        }
    )
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        desa = {f"64.09.04.{2001 + i}": f"Desa Beban {i + 1}" for i in range(users)}
        _competition, tabs = desk_scoring_tabs(desa, "u")
        tabs += [replace(tab, name=tab.name + "b") for tab in tabs[:second_tabs]]
        db.session.remove()
        db.engine.dispose()
    return tabs


def desk_scoring_tabs(desa: dict[str, str], prefix: str) -> tuple[Competition, list[Tab]]:
    """A competition in desk scoring with these desa (code: name), each with one level of its own and its own
    assessor (a TOTP secret the bench knows, so it computes codes as the assessor's phone would), and a committee
    member who assigned them: one tab per assessor, on A1 or A2 in turn, labelled ``prefix`` + number."""
    competition, participants = verification_competition(desa=desa)
    ensure_region("64.72", "Kota Samarinda", RegionKind.kabupaten)
    for participant in participants:
        db.session.add(
            SelfAssessment(participant_id=participant.id, indicator_code="A1", level=2, explanation="penilaian mandiri")
        )
    committee = create_user("Panitia Beban", "panitia.beban@contoh.id", PASSWORD, [GrantSpec(Role.panitia, "64")])
    tabs: list[Tab] = []
    now = datetime.now(UTC)
    for number, participant in enumerate(participants):
        email = f"asesor{number + 1:02d}@beban.contoh.id"
        assessor = create_user(f"Asesor Beban {number + 1}", email, PASSWORD, [GrantSpec(Role.asesor, "64", "64.72")])
        assessor.totp_secret = pyotp.random_base32(32)
        assessor.totp_confirmed_at = now
        db.session.commit()
        assignment: Assignment = assign_assessor(participant, assessor, committee, now)
        indicator = "A1" if number % 2 == 0 else "A2"
        tabs.append(Tab(email, assessor.totp_secret, assignment.id, indicator, f"{prefix}{number + 1}"))
    return competition, tabs


def run_tab(
    tab: Tab,
    port: int,
    clock: dict[str, float],
    tally: Tally,
    think: float,
    start: threading.Barrier,
    sessions: dict[str, WebClient],
    sessions_lock: threading.Lock,
    timeout: float = 60,
) -> None:
    """Sign in (once per assessor: a second tab shares the first tab's cookies), then save until ``clock["stop"]``
    (set once every tab has signed in and passed ``start``); ``timeout`` bounds each response's wait."""
    rng = random.Random(tab.name)
    client = WebClient(port, timeout=timeout)
    with sessions_lock:
        first = sessions.get(tab.email)
        if first is None:
            client.login(tab.email, PASSWORD, tab.secret)
            # The first form after sign-in puts the CSRF secret into the session cookie; both tabs then share it
            # (two tabs racing to create it would each get their own, and one would meet the resubmit page).
            client.get(f"/asesor/penugasan/{tab.assignment_id}/indikator/{tab.indicator}")
            sessions[tab.email] = client
        else:
            client.cookies = first.cookies
    start.wait()
    start.wait()
    stop_at = clock["stop"]
    url = f"/asesor/penugasan/{tab.assignment_id}/indikator/{tab.indicator}"
    sequence = 0
    while time.monotonic() < stop_at:
        began = time.perf_counter()
        page = client.get(url)
        page_ms = (time.perf_counter() - began) * 1000
        if page.status != 200:
            with tally.lock:
                tally.statuses[page.status] += 1
                tally.errors.append(f"GET {url} -> {page.status}")
            continue
        found = _VERSION.search(page.text)
        version = (found.group(1) or found.group(2)) if found else ""
        sequence += 1
        note = f"beban {tab.name} #{sequence}"
        fields = {
            "csrf_token": client.csrf(page.text),
            "level": str(rng.randint(0, 4)),
            "note": note,
            "version": version,
        }
        began = time.perf_counter()
        saved = client.post(url, fields)
        finished = time.perf_counter()
        with tally.lock:
            tally.page_ms.append(page_ms)
            tally.save_ms.append((finished - began) * 1000)
            tally.statuses[saved.status] += 1
            if saved.status == 302:
                tally.acked[(tab.assignment_id, tab.indicator)].append((finished, note))
            elif saved.status == 409:
                tally.conflicts += 1
            else:
                flashed = re.findall(r'class="(?:flash|error)[^"]*"[^>]*>([^<]{0,200})', saved.text)
                tally.errors.append(f"POST {url} -> {saved.status}: {flashed[:3]}")
        if think:
            time.sleep(rng.uniform(0, think))
    client.close()


def check(database_url: str, tally: Tally, tabs: list[Tab]) -> dict[str, int]:
    """Count with SQL that every acknowledged save is in the database (see the module docstring)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "beban"})
    two_tabs = Counter((tab.assignment_id, tab.indicator) for tab in tabs)
    problems = Counter[str]()
    with app.app_context():
        acked_notes = {note for saves in tally.acked.values() for _when, note in saves}
        events = (
            db.session.execute(text("SELECT after_json FROM audit_event WHERE action = 'desk_score.save'"))
            .scalars()
            .all()
        )
        logged = Counter(json.loads(after or "{}").get("note") for after in events)
        problems["acked_save_without_event"] = sum(1 for note in acked_notes if logged[note] != 1)
        rows = db.session.execute(text("SELECT assignment_id, indicator_code, note, version FROM desk_score")).all()
        stored = {(row.assignment_id, row.indicator_code): (row.note, row.version) for row in rows}
        for key, saves in tally.acked.items():
            note, version = stored.get(key, (None, 0))
            ordered = [n for _when, n in sorted(saves)]
            if version != len(saves):
                problems["version_not_equal_to_acked_saves"] += 1
            if note not in ordered:
                problems["stored_note_not_acked"] += 1
            elif two_tabs[key] == 1 and note != ordered[-1]:
                problems["last_acked_save_not_stored"] += 1
        db.session.remove()
        db.engine.dispose()
    return {
        "acked_saves": len(acked_notes),
        "audit_events": len(events),
        "scores": len(stored),
        **{
            name: problems[name]
            for name in (
                "acked_save_without_event",
                "version_not_equal_to_acked_saves",
                "stored_note_not_acked",
                "last_acked_save_not_stored",
            )
        },
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--second-tabs", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, default=0.0, help="random pause up to this many seconds per loop")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        print("DATABASE_URL must name a throw-away PostgreSQL database (use `make load`).", file=sys.stderr)
        return 2
    if args.seconds > 600:
        print("--seconds is bounded at 600.", file=sys.stderr)
        return 2
    began = time.perf_counter()
    tabs = prepare(args.users, args.second_tabs, database_url)
    print(f"prepared {args.users} assessors, {len(tabs)} tabs in {time.perf_counter() - began:.1f} s")
    with tempfile.TemporaryDirectory(prefix="beban-") as folder:
        server = LiveServer(
            {
                "DATABASE_URL": database_url,
                "SECRET_KEY": "beban",
                "EVIDENCE_DIR": folder,
                "LOGIN_ADDRESS_LIMIT": "100000",
                "LOGIN_ACCOUNT_LIMIT": "1000",
                "SESSION_IDLE_MINUTES": "600",
            },
            workers=args.workers,
            threads=args.threads,
            log=Path(folder) / "gunicorn.log",
        )
        server.start()
        tally = Tally()
        try:
            start = threading.Barrier(len(tabs) + 1)
            sessions: dict[str, WebClient] = {}
            sessions_lock = threading.Lock()
            clock = {"stop": 0.0}

            def target(tab: Tab) -> None:
                try:
                    run_tab(tab, server.port, clock, tally, args.think, start, sessions, sessions_lock)
                except Exception as error:  # one broken tab is reported, the others go on
                    with tally.lock:
                        tally.errors.append(f"{tab.name}: {error!r}")
                    start.abort()

            # Sign-ins happen before the barrier; the clock starts when every tab is signed in.
            threads = [threading.Thread(target=target, args=(tab,), daemon=True) for tab in tabs]
            for thread in threads:
                thread.start()
            start.wait(timeout=300)
            clock["stop"] = time.monotonic() + args.seconds
            measured_from = time.perf_counter()
            # The second barrier lets the tabs read the stop time only after it is set.
            start.wait(timeout=60)
            for thread in threads:
                thread.join(timeout=args.seconds + 120)
            elapsed = time.perf_counter() - measured_from
        finally:
            server.stop()
        log_tail = (Path(folder) / "gunicorn.log").read_text(errors="replace")[-2000:]
    counts = check(database_url, tally, tabs)
    saves = len(tally.save_ms)
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    print(f"duration {elapsed:.1f} s, tabs {len(tabs)}, gunicorn {args.workers} workers x {args.threads} threads")
    print(f"saves {saves} ({saves / elapsed:.1f}/s), page loads {len(tally.page_ms)}; statuses {dict(tally.statuses)}")
    print(f"conflicts (409) {tally.conflicts}; server errors (5xx) {server_errors}")
    for label, values in (("save POST", tally.save_ms), ("page GET", tally.page_ms)):
        print(
            f"{label} ms: p50 {percentile(values, 0.5):.0f}, p90 {percentile(values, 0.9):.0f}, "
            f"p99 {percentile(values, 0.99):.0f}, max {max(values, default=float('nan')):.0f}, "
            f"mean {statistics.fmean(values) if values else float('nan'):.0f}"
        )
    print("database check:", counts)
    if tally.errors:
        print("first errors:", tally.errors[:5])
        print("gunicorn log tail:", log_tail)
    lost = sum(
        counts[k]
        for k in (
            "acked_save_without_event",
            "version_not_equal_to_acked_saves",
            "stored_note_not_acked",
            "last_acked_save_not_stored",
        )
    )
    return 1 if server_errors or lost or tally.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
