"""Deadline-day load test: 300 operators save levels and upload 1–3 MB photos while 40 assessors save desk scores,
against ``desa-digital serve`` (waitress, with the background worker beside it, as ``make run`` starts it) on
PostgreSQL; then every acknowledged write is counted in the database and the audit chain is verified.

Run with ``make load-deadline`` (a throw-away PostgreSQL cluster from ``pg_virtualenv``, loopback only), or by hand
with ``DATABASE_URL=postgresql+psycopg://... python -m bench.load_deadline --seconds 300``. The database at
DATABASE_URL is WIPED and migrated: never point it at real data. Results go into docs/performance.md by hand.

Two competitions in one database, since one competition is never in both stages at once (desk scoring starts
after the self-assessment has closed and each desa was found complete): one with ``--operators`` desa in its
self-assessment stage (the province's default rubric, one operator account per desa), one with ``--assessors``
complete desa in *penilaian dokumen* (the small test rubric, one assessor with TOTP and one assignment per desa).

An operator signs in through the real pages (CSRF tokens read from the forms) and loops over the rubric's
indicators: open the indicator page (CSRF token and the row's ``version``), save a level with an explanation
unique to that save, upload a 1–3 MB JPEG as evidence the way the page's script does (multipart, ``Accept:
application/json``), then pause up to ``--think`` seconds. Each photo is a fresh file: a pool of camera-sized
JPEGs (2048×1536 to 3264×2448 pixels of random content) each sent with a unique comment segment, so every upload
is new to the content-addressed store while the server still decodes and re-encodes a full photo. On purpose,
about 5% of uploads are sent twice in a row (a double tap: the second must answer "already there" with the same
evidence), and about 5% reuse a photo another desa uploaded (accepted, and both copies flagged as the same file as
another desa). An assessor does what ``bench/load_scores.py`` does (page, save level and unique note).

Afterwards, with SQL (:func:`count_operator_writes`, and :func:`bench.load_scores.check` for the desk scores):

- each acknowledged self-assessment save (302) has exactly one ``self_assessment.save`` event (its explanation is
  unique) and each row's ``version`` equals the number of acknowledged saves of that indicator, holding the last
  acknowledged explanation (one tab per desa, so the last acknowledged save is the one stored);
- each acknowledged upload (JSON ``ok``) names an active evidence row of that desa, indicator and SHA-256; there
  is exactly one active row per desa, indicator and file, no evidence row that no acknowledged upload named, one
  ``evidence.upload`` event per row, a double tap answered with the first upload's row, the stored file and its
  display copy present and hashing to their keys, and ``duplicate_of_other_desa`` set exactly on the files two
  desa uploaded;
- the audit chain verifies (:func:`assessment.services.audit.verify_chain`, what ``desa-digital audit verify`` runs).

The server runs under ``bench/lockwatch.py``, which times in each request the wait for the audit chain head's row
lock and how long the request then held it; the report gives that share of each save's time in the app.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask_migrate import upgrade
from sqlalchemy import text, update

from assessment import create_app
from assessment.auth.operations import GrantSpec, create_user
from assessment.criteria.files import load_rubric_bytes
from assessment.models import Role, User
from assessment.platform.extensions import db
from assessment.services.audit import verify_chain
from bench.load_scores import Tab, Tally, desk_scoring_tabs, percentile, run_tab
from bench.load_scores import check as check_desk_scores
from tests.support.competition import create_competition
from tests.support.live import PROJECT_DIR, WebClient, free_port, multipart

PASSWORD = "kata-sandi-beban-2026"  # noqa: S105 - throw-away accounts in a throw-away database
SECRET_KEY = "beban"  # noqa: S105 - the throw-away server's key (the audit chain's MAC key derives from it)
RUBRIC_FILE = PROJECT_DIR / "data" / "rubrics" / "desa-digital-kaltim-2026.yaml"
_VERSION = re.compile(r'name="version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="version"')
# Request kinds of the report, from the path the server logged.
_KINDS = (
    ("operator save", "POST", re.compile(r"^/desa/peserta/\d+/indikator/[^/]+$")),
    ("operator upload", "POST", re.compile(r"^/desa/peserta/\d+/indikator/[^/]+/bukti$")),
    ("operator page", "GET", re.compile(r"^/desa/peserta/\d+/indikator/[^/]+$")),
    ("assessor save", "POST", re.compile(r"^/asesor/penugasan/\d+/indikator/[^/]+$")),
    ("assessor page", "GET", re.compile(r"^/asesor/penugasan/\d+/indikator/[^/]+$")),
)
DOUBLE_TAP_SHARE = 0.05
SHARED_PHOTO_SHARE = 0.05


@dataclass(frozen=True)
class Operator:
    """One operator desa account and its participant in the self-assessment competition."""

    email: str
    participant_id: int
    name: str


@dataclass(frozen=True)
class Upload:
    """One acknowledged upload: what was sent and what the server answered."""

    participant_id: int
    indicator: str
    sha256: str
    evidence_id: int
    created: bool
    double_tap: bool = False  # one of two identical uploads sent at once


@dataclass
class OperatorTally:
    """What the virtual operators saw, merged under a lock (client-side times, in ms)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    saves: dict[tuple[int, str], list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    uploads: list[Upload] = field(default_factory=list)
    upload_bytes: int = 0
    shared: list[tuple[str, bytes]] = field(default_factory=list)  # (sha256, bytes) of uploads another desa may reuse
    errors: list[str] = field(default_factory=list)


class PhotoPool:
    """Camera-sized JPEGs of random content, each handed out with a unique comment so its bytes are new."""

    def __init__(self, count: int, seed: int = 7) -> None:
        import numpy as np
        from PIL import Image

        rng = np.random.default_rng(seed)
        sizes = [(2048, 1536), (2592, 1944), (3264, 2448)]
        self.photos: list[bytes] = []
        for number in range(count):
            width, height = sizes[number % len(sizes)]
            # Smooth random shapes (noise upscaled) plus fine grain: compresses like a photo, not like flat colour.
            coarse = Image.fromarray(rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8))
            pixels = np.asarray(coarse.resize((width, height), Image.Resampling.BICUBIC)).astype(np.int16)
            pixels += rng.integers(-10, 11, pixels.shape, dtype=np.int16)
            image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
            for quality in (92, 88, 84, 80, 75, 70):
                out = io.BytesIO()
                image.save(out, "JPEG", quality=quality)
                if out.tell() <= 3 * 1024 * 1024:
                    break
            data = out.getvalue()
            if not 1024 * 1024 <= len(data) <= 3 * 1024 * 1024:
                raise RuntimeError(f"photo {number} is {len(data)} bytes, outside 1–3 MB")
            self.photos.append(data)
        self._counter = 0
        self._lock = threading.Lock()

    def fresh(self, rng: random.Random) -> bytes:
        """A pool photo with a unique JPEG comment (COM segment) right after the start marker."""
        with self._lock:
            self._counter += 1
            number = self._counter
        payload = f"beban-tenggat {number} {rng.random()}".encode()
        base = rng.choice(self.photos)
        segment = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
        return base[:2] + segment + base[2:]


def _app(database_url: str) -> Any:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            "TESTING": False,
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        }
    )


def prepare(operators: int, assessors: int, database_url: str) -> tuple[list[Operator], list[str], list[Tab]]:
    """Wipe and migrate the database; seed both competitions and their accounts (see the module docstring)."""
    app = _app(database_url)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        source = RUBRIC_FILE.read_text(encoding="utf-8")
        indicators = [item.code for item in load_rubric_bytes(source.encode(), RUBRIC_FILE.name).indicators]
        desa = {
            f"64.09.{1 + number // 100:02d}.{2001 + number % 100}": f"Desa Tenggat {number + 1}"
            for number in range(operators)
        }
        competition, participants = create_competition(
            opens=timedelta(days=-5), closes=timedelta(days=1), desa=desa, source=source
        )
        competition.name = "Lomba Desa Digital (beban tenggat: penilaian mandiri)"
        people: list[Operator] = []
        for number, participant in enumerate(participants):
            email = f"operator{number + 1:03d}@beban.contoh.id"
            create_user(
                f"Operator Beban {number + 1}", email, PASSWORD, [GrantSpec(Role.operator_desa, participant.desa_code)]
            )
            people.append(Operator(email, participant.id, f"o{number + 1}"))
        db.session.commit()

        scored = {f"64.08.01.{2001 + number}": f"Desa Dinilai {number + 1}" for number in range(assessors)}
        scoring, tabs = desk_scoring_tabs(scored, "a")
        scoring.name = "Lomba Desa Digital (beban tenggat: penilaian dokumen)"
        # One hash at the server's own (default) cost for every account: sign-ins then verify only, instead of
        # each re-hashing a cheap seed hash (the sign-ins come before the clock starts, but 340 of them took minutes).
        db.session.execute(update(User).values(password_hash=PasswordHasher().hash(PASSWORD)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return people, indicators, tabs


def _record(tally: OperatorTally, kind: str, status: int, began: float, problem: str | None = None) -> float:
    finished = time.perf_counter()
    with tally.lock:
        tally.statuses[(kind, status)] += 1
        tally.ms[kind].append((finished - began) * 1000)
        if problem:
            tally.errors.append(problem)
    return finished


def _upload(client: WebClient, url: str, token: str, data: bytes, number: int) -> tuple[int, dict[str, Any]]:
    body, content_type = multipart({"csrf_token": token}, "file", f"foto-{number}.jpg", data, "image/jpeg")
    answer = client.request("POST", url, body, {"Content-Type": content_type, "Accept": "application/json"})
    try:
        parsed = json.loads(answer.body) if answer.body else {}
    except ValueError:
        parsed = {}
    return answer.status, parsed if isinstance(parsed, dict) else {}


def _upload_into(
    answers: list[tuple[int, dict[str, Any]]], client: WebClient, url: str, token: str, data: bytes, number: int
) -> None:
    answers.append(_upload(client, url, token, data, number))


def run_operator(
    person: Operator,
    indicators: list[str],
    port: int,
    clock: dict[str, float],
    tally: OperatorTally,
    photos: PhotoPool,
    think: float,
    start: threading.Barrier,
) -> None:
    """Sign in, then loop over the indicators until ``clock["stop"]`` (set once everyone has signed in)."""
    rng = random.Random(person.name)
    client = WebClient(port, timeout=600)
    client.login(person.email, PASSWORD)
    start.wait()
    start.wait()
    stop_at = clock["stop"]
    sequence = 0
    position = rng.randrange(len(indicators))
    while time.monotonic() < stop_at:
        code = indicators[position % len(indicators)]
        position += 1
        page_url = f"/desa/peserta/{person.participant_id}/indikator/{code}"
        began = time.perf_counter()
        page = client.get(page_url)
        _record(
            tally,
            "operator page",
            page.status,
            began,
            None if page.status == 200 else f"GET {page_url} -> {page.status}",
        )
        # After the stop no new request starts (the step in hand finishes), so the run drains in one round.
        if page.status != 200 or time.monotonic() >= stop_at:
            continue
        found = _VERSION.search(page.text)
        token = client.csrf(page.text)
        sequence += 1
        explanation = f"mandiri {person.name} #{sequence}"
        fields = {
            "csrf_token": token,
            "level": str(rng.randint(0, 4)),
            "explanation": explanation,
            "version": (found.group(1) or found.group(2)) if found else "",
        }
        began = time.perf_counter()
        saved = client.post(page_url, fields)
        finished = _record(
            tally,
            "operator save",
            saved.status,
            began,
            None if saved.status == 302 else f"POST {page_url} -> {saved.status}",
        )
        if saved.status == 302:
            with tally.lock:
                tally.saves[(person.participant_id, code)].append((finished, explanation))
        if time.monotonic() >= stop_at:
            break
        upload_url = f"{page_url}/bukti"
        shared_source = None
        with tally.lock:
            if tally.shared and rng.random() < SHARED_PHOTO_SHARE:
                shared_source = rng.choice(tally.shared)
        data = shared_source[1] if shared_source else photos.fresh(rng)
        sha256 = hashlib.sha256(data).hexdigest()
        double_tap = shared_source is None and rng.random() < DOUBLE_TAP_SHARE
        answers: list[tuple[int, dict[str, Any]]] = []
        began = time.perf_counter()
        if double_tap:
            # Two taps at once: a second connection with the same cookies sends the same file concurrently.
            twin = WebClient(port, timeout=client.timeout)
            twin.cookies = dict(client.cookies)
            second: list[tuple[int, dict[str, Any]]] = []
            other = threading.Thread(target=_upload_into, args=(second, twin, upload_url, token, data, sequence))
            other.start()
            answers.append(_upload(client, upload_url, token, data, sequence))
            other.join()
            twin.close()
            answers += second
        else:
            answers.append(_upload(client, upload_url, token, data, sequence))
        ids: list[int] = []
        for status, answer in answers:
            ok = status in (200, 201) and answer.get("ok") is True
            _record(
                tally,
                "operator upload",
                status,
                began,
                None if ok else f"POST {upload_url} -> {status}: {str(answer.get('message'))[:200]}",
            )
            if ok:
                ids.append(int(answer["evidence_id"]))
                with tally.lock:
                    tally.upload_bytes += len(data)
                    tally.uploads.append(
                        Upload(person.participant_id, code, sha256, ids[-1], bool(answer.get("created")), double_tap)
                    )
        if ids and not double_tap and shared_source is None:
            with tally.lock:
                if len(tally.shared) < 50 and rng.random() < 0.2:
                    tally.shared.append((sha256, data))
        if think:
            time.sleep(rng.uniform(0, think))
    client.close()


def count_operator_writes(
    database_url: str,
    saves: dict[tuple[int, str], list[tuple[float, str]]],
    uploads: list[Upload],
    evidence_dir: Path | None,
    secret_key: str = SECRET_KEY,
) -> dict[str, int]:
    """Count with SQL that every acknowledged self-assessment save and upload is stored exactly once with its audit
    event (the rules in the module docstring), and verify the audit chain (signed with the key derived from
    ``secret_key``, the server's). Every ``problem_*`` count must be 0."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key})
    problems = Counter[str]()
    with app.app_context():
        acked = [note for notes in saves.values() for _when, note in notes]
        events = (
            db.session.execute(text("SELECT after_json FROM audit_event WHERE action = 'self_assessment.save'"))
            .scalars()
            .all()
        )
        logged = Counter(json.loads(after or "{}").get("explanation") for after in events)
        problems["problem_acked_save_without_one_event"] = sum(1 for note in acked if logged[note] != 1)
        problems["problem_save_event_not_acked"] = sum(logged.values()) - sum(logged[note] for note in set(acked))
        rows = db.session.execute(
            text("SELECT participant_id, indicator_code, explanation, version FROM self_assessment")
        ).all()
        stored = {(row.participant_id, row.indicator_code): (row.explanation, row.version) for row in rows}
        for key, notes in saves.items():
            explanation, version = stored.get(key, (None, 0))
            ordered = [note for _when, note in sorted(notes)]
            if version != len(ordered):
                problems["problem_version_not_equal_to_acked_saves"] += 1
            if explanation != ordered[-1]:
                problems["problem_last_acked_save_not_stored"] += 1
        wanted_ids = {item.evidence_id for item in uploads}
        evidence = {
            row.id: row
            for row in db.session.execute(
                text(
                    "SELECT e.id, e.participant_id, e.indicator_code, e.sha256, e.display_sha256, e.status, "
                    "e.duplicate_of_other_desa, p.desa_code "
                    "FROM evidence e JOIN participant p ON p.id = e.participant_id "
                    "WHERE e.kind = 'file'"
                )
            ).all()
        }
        for item in uploads:
            row = evidence.get(item.evidence_id)
            if row is None or (row.participant_id, row.indicator_code, row.sha256, row.status) != (
                item.participant_id,
                item.indicator,
                item.sha256,
                "aktif",
            ):
                problems["problem_acked_upload_not_stored_as_sent"] += 1
        taps: dict[tuple[int, str, str], list[Upload]] = defaultdict(list)
        for item in uploads:
            if item.double_tap:
                taps[(item.participant_id, item.indicator, item.sha256)].append(item)
        # Both taps acknowledged with one row, created by exactly one of them.
        problems["problem_double_tap_not_one_row"] = sum(
            1
            for pair in taps.values()
            if len(pair) != 2
            or len({item.evidence_id for item in pair}) != 1
            or sum(item.created for item in pair) != 1
        )
        copies = Counter(
            (row.participant_id, row.indicator_code, row.sha256) for row in evidence.values() if row.status == "aktif"
        )
        problems["problem_duplicate_active_rows"] = sum(count - 1 for count in copies.values() if count > 1)
        problems["problem_row_no_acked_upload_named"] = len(set(evidence) - wanted_ids)
        upload_events = Counter(
            db.session.execute(text("SELECT target FROM audit_event WHERE action = 'evidence.upload'")).scalars().all()
        )
        problems["problem_upload_without_one_event"] = sum(
            1 for evidence_id in wanted_ids if upload_events[f"evidence:{evidence_id}"] != 1
        )
        desa_per_file: dict[str, set[str]] = defaultdict(set)
        for row in evidence.values():
            desa_per_file[row.sha256].add(row.desa_code)
        problems["problem_same_file_flag_wrong"] = sum(
            1 for row in evidence.values() if bool(row.duplicate_of_other_desa) != (len(desa_per_file[row.sha256]) > 1)
        )
        if evidence_dir is not None:
            for key in {row.sha256 for row in evidence.values()} | {
                row.display_sha256 for row in evidence.values() if row.display_sha256
            }:
                path = evidence_dir / key[:2] / key[2:4] / key
                if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != key:
                    problems["problem_stored_file_missing_or_altered"] += 1
        report = verify_chain(db.session)
        head = db.session.execute(text("SELECT last_seq FROM audit_chain_head WHERE id = 1")).scalar_one()
        problems["problem_audit_chain_broken"] = 0 if report.intact else 1
        counts = {
            "acked_saves": len(acked),
            "save_events": len(events),
            "self_assessment_rows": len(stored),
            "acked_uploads": len(uploads),
            "evidence_rows": len(evidence),
            "double_taps": len(taps),
            "files_shared_by_two_desa": sum(1 for desas in desa_per_file.values() if len(desas) > 1),
            "audit_events": report.count,
            "audit_head_seq": int(head),
        }
        if report.problem is not None:
            print("audit chain:", report.problem.message)
        db.session.remove()
        db.engine.dispose()
    return {**counts, **{name: problems[name] for name in sorted(problems)}}


def lock_utilisation(path: Path, window: tuple[float, float]) -> float:
    """The share of the measured window (Unix times) during which some request held the audit chain head's lock:
    near 1 would mean the writes are serialised by it; requests finishing inside the window are counted."""
    held = 0.0
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if window[0] <= entry.get("end", 0.0) <= window[1]:
                held += entry["lock_held_ms"] / 1000
    return held / (window[1] - window[0]) if window[1] > window[0] else 0.0


def read_lock_log(path: Path) -> dict[str, dict[str, float]]:
    """Per request kind, from the server's stopwatch: time in the app, lock wait and hold, and their shares."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            for kind, method, pattern in _KINDS:
                if entry["method"] == method and pattern.match(entry["path"]):
                    grouped[kind].append(entry)
                    break
    summary: dict[str, dict[str, float]] = {}
    for kind, entries in grouped.items():
        total = [entry["total_ms"] for entry in entries]
        wait = [entry["lock_wait_ms"] for entry in entries]
        held = [entry["lock_held_ms"] for entry in entries]
        shares = [entry["lock_wait_ms"] / entry["total_ms"] for entry in entries if entry["total_ms"] > 0]
        summary[kind] = {
            "requests": len(entries),
            "with_lock": sum(1 for entry in entries if entry["locks"]),
            "app_p50": percentile(total, 0.5),
            "app_p90": percentile(total, 0.9),
            "app_mean": statistics.fmean(total),
            "wait_p50": percentile(wait, 0.5),
            "wait_p90": percentile(wait, 0.9),
            "wait_p99": percentile(wait, 0.99),
            "wait_max": max(wait),
            "wait_mean": statistics.fmean(wait),
            "held_p50": percentile(held, 0.5),
            "held_p90": percentile(held, 0.9),
            "held_mean": statistics.fmean(held),
            "share_of_sum": sum(wait) / sum(total) if sum(total) else 0.0,
            "share_p50": percentile(shares, 0.5),
            "share_p90": percentile(shares, 0.9),
            "share_p99": percentile(shares, 0.99),
            "share_max": max(shares, default=0.0),
            "errors_5xx": sum(1 for entry in entries if entry["status"] >= 500),
        }
    return summary


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _start_server(database_url: str, folder: Path, port: int) -> subprocess.Popen[bytes]:
    """``desa-digital worker -- desa-digital serve`` as ``make run`` starts them, the server under the stopwatch."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "EVIDENCE_DIR": str(folder / "bukti"),
        "LOGIN_ADDRESS_LIMIT": "100000",
        "LOGIN_ACCOUNT_LIMIT": "1000",
        "SESSION_IDLE_MINUTES": "600",
        "BENCH_LOCK_LOG": str(folder / "lock.jsonl"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "assessment",
        "worker",
        "--",
        sys.executable,
        "-m",
        "bench.lockwatch",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    output = (folder / "server.log").open("ab")
    try:
        # Its own process group, so the stop reaches the supervisor, the worker and the server and nothing else.
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        output.close()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"desa-digital serve exited with {process.returncode}")
        try:
            WebClient(port, timeout=5).get("/masuk")
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("desa-digital serve did not start in time")


def _stop_server(process: subprocess.Popen[bytes]) -> None:
    # SIGTERM to the supervisor alone: it stops the worker and the server as a Ctrl+C under `make run` would.
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(timeout=10)


def _latency(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: none"
    return (
        f"{label} ms (n={len(values)}): p50 {percentile(values, 0.5):.0f}, p90 {percentile(values, 0.9):.0f}, "
        f"p99 {percentile(values, 0.99):.0f}, max {max(values):.0f}, mean {statistics.fmean(values):.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--operators", type=int, default=300)
    parser.add_argument("--assessors", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument(
        "--think",
        type=float,
        default=10.0,
        help="operators and assessors pause a random 0..THINK seconds after each loop",
    )
    parser.add_argument("--photos", type=int, default=24, help="distinct photos in the pool")
    parser.add_argument("--keep", type=Path, help="copy the server's logs (server.log, lock.jsonl) here")
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        print("DATABASE_URL must name a throw-away PostgreSQL database (use `make load-deadline`).", file=sys.stderr)
        return 2
    if args.seconds > 600 or args.operators > 100 * 99 or args.operators < 1 or not 1 <= args.assessors <= 999:
        print("--seconds is bounded at 600, --operators at 9900, --assessors at 999.", file=sys.stderr)
        return 2
    began = time.perf_counter()
    photos = PhotoPool(args.photos)
    print(
        f"{len(photos.photos)} photos, {min(map(len, photos.photos)) / 2**20:.2f}–"
        f"{max(map(len, photos.photos)) / 2**20:.2f} MB, in {time.perf_counter() - began:.1f} s"
    )
    began = time.perf_counter()
    people, indicators, tabs = prepare(args.operators, args.assessors, database_url)
    print(
        f"prepared {len(people)} operators ({len(indicators)} indicators) and {len(tabs)} assessors "
        f"in {time.perf_counter() - began:.1f} s"
    )
    operators = OperatorTally()
    assessors = Tally()
    with tempfile.TemporaryDirectory(prefix="beban-tenggat-") as name:
        folder = Path(name)
        port = free_port()
        server = _start_server(database_url, folder, port)
        try:
            start = threading.Barrier(len(people) + len(tabs) + 1)
            clock = {"stop": 0.0}
            sessions: dict[str, WebClient] = {}
            sessions_lock = threading.Lock()

            def guarded(label: str, work: Any, *work_args: Any) -> None:
                try:
                    work(*work_args)
                except threading.BrokenBarrierError:
                    pass
                except Exception as error:  # one broken client is reported, the others go on
                    with operators.lock:
                        operators.errors.append(f"{label}: {error!r}")
                    start.abort()

            threads = [
                threading.Thread(
                    target=guarded,
                    daemon=True,
                    args=(
                        person.name,
                        run_operator,
                        person,
                        indicators,
                        port,
                        clock,
                        operators,
                        photos,
                        args.think,
                        start,
                    ),
                )
                for person in people
            ]
            threads += [
                threading.Thread(
                    target=guarded,
                    daemon=True,
                    args=(
                        tab.name,
                        run_tab,
                        tab,
                        port,
                        clock,
                        assessors,
                        args.think,
                        start,
                        sessions,
                        sessions_lock,
                        600,
                    ),
                )
                for tab in tabs
            ]
            for thread in threads:
                thread.start()
            # Sign-ins happen before the barrier; the clock starts when every client is signed in.
            start.wait(timeout=900)
            load_before = _load_average()
            clock["stop"] = time.monotonic() + args.seconds
            window = (time.time(), time.time() + args.seconds)
            measured_from = time.perf_counter()
            start.wait(timeout=60)  # lets the clients read the stop time only after it is set
            for thread in threads:
                thread.join(timeout=max(1.0, args.seconds + 900 - (time.perf_counter() - measured_from)))
            elapsed = time.perf_counter() - measured_from
            load_after = _load_average()
        finally:
            _stop_server(server)
        server_log = (folder / "server.log").read_text(errors="replace")
        locks = read_lock_log(folder / "lock.jsonl")
        utilisation = lock_utilisation(folder / "lock.jsonl", window)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for each in ("server.log", "lock.jsonl"):
                if (folder / each).exists():
                    (args.keep / each).write_bytes((folder / each).read_bytes())
        operator_counts = count_operator_writes(database_url, operators.saves, operators.uploads, folder / "bukti")
    desk_counts = check_desk_scores(database_url, assessors, tabs)
    server_errors = sum(n for (_kind, status), n in operators.statuses.items() if status >= 500) + sum(
        n for status, n in assessors.statuses.items() if status >= 500
    )
    logged_5xx = len(re.findall(r"^\S+ \S+ (?:GET|POST|HEAD) \S+ 5\d\d ", server_log, re.MULTILINE))
    requests = sum(len(values) for values in operators.ms.values()) + len(assessors.save_ms) + len(assessors.page_ms)
    print(
        f"duration {elapsed:.1f} s; load average {load_before} before, {load_after} after; "
        f"{args.operators} operators, {len(tabs)} assessors, think 0..{args.think:g} s; "
        f"desa-digital serve (waitress, 8 threads) with the worker"
    )
    print(
        f"requests {requests} ({requests / elapsed:.1f}/s); operator saves {len(operators.ms['operator save'])} "
        f"({len(operators.ms['operator save']) / elapsed:.2f}/s), uploads {len(operators.ms['operator upload'])} "
        f"({len(operators.ms['operator upload']) / elapsed:.2f}/s, {operators.upload_bytes / 2**20:.0f} MB "
        f"acknowledged), desk saves {len(assessors.save_ms)} ({len(assessors.save_ms) / elapsed:.2f}/s)"
    )
    print(f"statuses operators {dict(sorted(operators.statuses.items()))}, assessors {dict(assessors.statuses)}")
    print(f"server errors (5xx) seen by clients {server_errors}, in the server's access log {logged_5xx}")
    for kind in ("operator page", "operator save", "operator upload"):
        print(_latency(kind, operators.ms[kind]))
    print(_latency("assessor page", assessors.page_ms))
    print(_latency("assessor save", assessors.save_ms))
    for kind, values in sorted(locks.items()):
        print(
            f"lock [{kind}] n={values['requests']:.0f} (took the lock {values['with_lock']:.0f}); app ms p50 "
            f"{values['app_p50']:.0f} p90 {values['app_p90']:.0f} mean {values['app_mean']:.0f}; lock wait ms p50 "
            f"{values['wait_p50']:.1f} p90 {values['wait_p90']:.1f} p99 {values['wait_p99']:.1f} max "
            f"{values['wait_max']:.0f} mean {values['wait_mean']:.1f}; held ms p50 {values['held_p50']:.1f} p90 "
            f"{values['held_p90']:.1f} mean {values['held_mean']:.1f}; wait share of app time: of the sums "
            f"{values['share_of_sum']:.1%}, per request p50 {values['share_p50']:.1%} p90 {values['share_p90']:.1%} "
            f"p99 {values['share_p99']:.1%} max {values['share_max']:.1%}; 5xx {values['errors_5xx']:.0f}"
        )
    client_ms = {
        "operator save": operators.ms["operator save"],
        "operator upload": operators.ms["operator upload"],
        "assessor save": assessors.save_ms,
    }
    for kind, values in client_ms.items():
        if kind in locks and values:
            waited = locks[kind]["wait_mean"] * locks[kind]["requests"]
            print(f"lock wait as a share of the client-observed {kind} time (sums): {waited / sum(values):.1%}")
    print(f"the audit chain head lock was held {utilisation:.1%} of the {args.seconds:g} s window")
    print("database check (operators):", operator_counts)
    print("database check (assessors):", desk_counts)
    errors = operators.errors + assessors.errors
    if errors:
        print(f"{len(errors)} errors; first:", errors[:8])
        print("server log tail:", server_log[-3000:])
    lost = sum(value for name, value in operator_counts.items() if name.startswith("problem_"))
    lost += sum(
        desk_counts[name]
        for name in (
            "acked_save_without_event",
            "version_not_equal_to_acked_saves",
            "stored_note_not_acked",
            "last_acked_save_not_stored",
        )
    )
    return 1 if server_errors or logged_5xx or lost or errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
