"""Slow documents, made by the background worker and reused while their inputs are unchanged.

The rules, written once:

- **Which.** A kind of document whose making can take seconds is registered here (:func:`register`) with what
  it is made from and who may have it; the click that asks for it never waits for WeasyPrint. A PDF that takes a
  fraction of a second (one certificate, one desa's berita acara) stays in the request.
- **One job per version of the data.** The request computes a fingerprint of everything the document is made
  from (:func:`fingerprint`: the data as the document shows it, the language, and the report templates and
  stylesheets, so a changed layout makes a new one) and enqueues one ``document.pdf`` job with the key
  ``document:<kind>:<fingerprint>``. Asking again while the data is the same finds that job (waiting, or done:
  the stored file is served at once); changed data gives a new fingerprint and a new job.
- **Stored by content.** The worker renders the PDF and puts it in the content-addressed store
  (:mod:`assessment.storage`); the job's result is its SHA-256. While the job is done its file is kept (the store
  sweep counts it as referenced); finished jobs are pruned after 30 days, and a document asked for after that, or
  whose file is missing, is simply made again.
- **Progress and failure.** The job records its step (``n/m``) as it goes; the progress page shows it and
  refreshes itself (no JavaScript). A failed attempt is tried once more after the queue's backoff, then the job is
  parked: the page says in words that the document could not be made (the error stays for the committee on the
  delivery page, never shown to the person), and offers to try again.
- **Access.** Every progress page and download checks the kind's own rule for the signed-in person on the
  document's parameters (role AND region scope), exactly as the page that offered it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from assessment.extensions import db
from assessment.jobs import queue
from assessment.models import Job, JobStatus, Role
from assessment.storage import check_key, get_store

DOCUMENT_JOB = "document.pdf"
DOCUMENT_ATTEMPTS = 2
"""A rendering error is seldom mended by waiting: one retry, then the job is parked."""
LAYOUT_FILES = (("template", "reports"), ("static", "css/laporan.css"))
"""What a document's layout is made of, besides its data (in the app's template and static folders)."""

Step = Callable[[int, int], None]


@dataclass(frozen=True)
class DocumentKind:
    """A kind of slow document: its title, who may ask for it, what it is called, and how the worker makes it
    (``build(params, step)``: PDF bytes, calling ``step(n, m)`` as it goes)."""

    name: str
    title: Any
    roles: tuple[Role, ...]
    allowed: Callable[[Any, dict[str, Any]], bool]
    filename: Callable[[dict[str, Any]], str]
    build: Callable[[dict[str, Any], Step], bytes]


KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> DocumentKind:
    KINDS[kind.name] = kind
    return kind


@cache
def layout_digest() -> str:
    """The SHA-256 over the report templates and stylesheet (read once per process: they change on deploy)."""
    folders = {"template": current_app.template_folder, "static": current_app.static_folder}
    digest = hashlib.sha256()
    for folder, entry in LAYOUT_FILES:
        path = Path(current_app.root_path, str(folders[folder] or ""), entry)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(f"{folder}/{file.name}".encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(kind: str, params: dict[str, Any], data: object) -> str:
    """The fingerprint of one document's inputs: its kind and parameters (language included), ``data`` (its
    ``repr``: frozen dataclasses of the values the document prints) and :func:`layout_digest`."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"kind": kind, "params": params}, sort_keys=True).encode())
    digest.update(repr(data).encode())
    digest.update(layout_digest().encode())
    return digest.hexdigest()


def request_document(kind: str, params: dict[str, Any], inputs: str) -> Job:
    """The job that makes (or made) the document of ``kind`` with ``params`` from inputs with fingerprint
    ``inputs``: enqueued if new, due again if done but its file is gone. Commits."""
    key = f"document:{kind}:{inputs}"
    queue.enqueue(DOCUMENT_JOB, key, {"kind": kind, "params": params}, max_attempts=DOCUMENT_ATTEMPTS)
    db.session.commit()
    job = db.session.scalars(select(Job).where(Job.key == key)).one()
    if job.status is JobStatus.done and stored_file(job) is None:
        db.session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobStatus.done)
            .values(status=JobStatus.pending, attempts=0, result=None, finished_at=None, run_at=job.created_at)
        )
        db.session.commit()
        db.session.refresh(job)
    return job


def stored_file(job: Job) -> str | None:
    """The SHA-256 of a finished document whose file is in the store, else None."""
    if job.kind != DOCUMENT_JOB or job.status is not JobStatus.done or not job.result:
        return None
    try:
        key = check_key(job.result)
    except Exception:
        return None
    return key if get_store().exists(key) else None


def params_of(job: Job) -> tuple[DocumentKind, dict[str, Any]] | None:
    """The kind and parameters of a document job (None for any other job, or a kind no longer known)."""
    if job.kind != DOCUMENT_JOB:
        return None
    payload = json.loads(job.payload or "{}")
    kind = KINDS.get(str(payload.get("kind")))
    return (kind, dict(payload.get("params") or {})) if kind is not None else None


def step_of(job: Job) -> tuple[int, int] | None:
    """How far a running document job has come (``n`` of ``m`` steps), when it said so."""
    done, _sep, total = (job.result or "").partition("/")
    return (int(done), int(total)) if done.isdigit() and total.isdigit() else None


def references() -> set[str]:
    """The stored files of finished documents (kept by the store sweep)."""
    return {
        result
        for result in db.session.scalars(
            select(Job.result).where(Job.kind == DOCUMENT_JOB, Job.status == JobStatus.done)
        )
        if result
    }


@queue.handler(DOCUMENT_JOB)
def make_document(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Render one document and store it; returns its SHA-256 (the job's result)."""
    kind = KINDS.get(str(payload.get("kind")))
    if kind is None:
        raise queue.Permanent(f"unknown document kind {payload.get('kind')!r}")

    def step(done: int, total: int) -> None:
        queue.progress(context, f"{done}/{total}")
        db.session.commit()

    pdf = kind.build(dict(payload.get("params") or {}), step)
    return get_store().put(pdf).sha256
