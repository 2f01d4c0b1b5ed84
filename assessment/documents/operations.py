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
  (:mod:`assessment.platform.storage`); the job's result is its SHA-256. While the job is done its file is kept (the
  store
  sweep counts it as referenced); finished jobs are pruned after 30 days, and a document asked for after that, or
  whose file is missing, is simply made again.
- **Progress and failure.** The job records its step (``n/m``) as it goes; the progress page shows it and
  refreshes itself (no JavaScript). A failed attempt is tried once more after the queue's backoff, then the job is
  parked: the page says in words that the document could not be made (the error stays for the committee on the
  delivery page, never shown to the person), and offers to try again.
- **Access.** Every progress page and download checks the kind's own rule for the signed-in person on the
  document's parameters (role AND region scope), exactly as the page that offered it.
- **Sealed, once.** A kind marked ``once`` (the invitation letters, which carry working single-use links) is
  stored encrypted (AES-256-GCM under :func:`assessment.platform.keys.purpose_key` ``letters``, a random nonce, the
  job's
  key as associated data), so neither the store nor a backup of it holds the PDF or its links in the clear. It is
  served once: the first download marks the job ``diunduh`` (a compare-and-set, so two downloads at the same
  moment give one file) and deletes the stored file; a later download answers 410 with a message. A file not
  downloaded is deleted when its parameters' ``expires`` (the links' end) has passed, by the worker's purge
  (:func:`purge_expired`, every 15 minutes) or by the first look at it after that, whichever comes first. Asking
  again (a new click) makes a new one; only the person who asked may have it (the kind's rule).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import select, update

from assessment.jobs import queue
from assessment.models import Job, JobStatus, Role
from assessment.platform.extensions import db
from assessment.platform.keys import purpose_key
from assessment.platform.storage import check_key, get_store

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
    once: bool = False
    """Sealed and served once (see "Sealed, once" above); its parameters carry ``expires`` (ISO, UTC)."""


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


DOWNLOADED = "diunduh"
EXPIRED = "kedaluwarsa"
SEAL_PREFIX = b"DDS1"
"""The first bytes of a sealed file (format version 1: prefix, 12-byte nonce, AES-GCM ciphertext and tag)."""


def seal(data: bytes, job_key: str) -> bytes:
    nonce = os.urandom(12)
    return SEAL_PREFIX + nonce + AESGCM(purpose_key("letters")).encrypt(nonce, data, job_key.encode())


def unseal(blob: bytes, job_key: str) -> bytes | None:
    """The plaintext of a sealed file, or None when it is not one, was altered or the key changed."""
    if not blob.startswith(SEAL_PREFIX) or len(blob) < len(SEAL_PREFIX) + 12 + 16:
        return None
    nonce, body = blob[len(SEAL_PREFIX) : len(SEAL_PREFIX) + 12], blob[len(SEAL_PREFIX) + 12 :]
    try:
        return AESGCM(purpose_key("letters")).decrypt(nonce, body, job_key.encode())
    except InvalidTag:
        return None


def expires_of(params: dict[str, Any]) -> datetime | None:
    value = params.get("expires")
    return datetime.fromisoformat(str(value)) if value else None


def _forget(job: Job, sha256: str, outcome: str) -> bool:
    """Mark a sealed document ``outcome`` if its result is still ``sha256`` (compare-and-set) and delete its file;
    True for the caller that won. Commits."""
    written = db.session.execute(update(Job).where(Job.id == job.id, Job.result == sha256).values(result=outcome))
    changed = getattr(written, "rowcount", 0) == 1
    db.session.commit()
    db.session.refresh(job)
    if changed:
        get_store().delete(sha256)
    return bool(changed)


def take_once(job: Job, kind: DocumentKind, params: dict[str, Any], now: datetime) -> bytes | None:
    """The plaintext of a sealed document, for its one download (None: downloaded already, expired, or gone);
    its file is deleted in the same step."""
    sha256 = stored_file(job)
    if sha256 is None:
        return None
    expires = expires_of(params)
    if expires is not None and now >= expires:
        _forget(job, sha256, EXPIRED)
        return None
    with get_store().open(sha256) as handle:
        blob = handle.read()
    if not _forget(job, sha256, DOWNLOADED):
        return None  # another download took it at the same moment
    return unseal(blob, job.key)


def purge_expired(now: datetime) -> int:
    """Delete the sealed documents whose links have expired and were never downloaded; returns how many."""
    purged = 0
    jobs = db.session.scalars(select(Job).where(Job.kind == DOCUMENT_JOB, Job.status == JobStatus.done)).all()
    for job in jobs:
        found = params_of(job)
        if found is None or not found[0].once or not job.result or job.result in (DOWNLOADED, EXPIRED):
            continue
        expires = expires_of(found[1])
        if expires is not None and now >= expires:
            purged += _forget(job, job.result, EXPIRED)
    return purged


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
    return get_store().put(seal(pdf, context.key) if kind.once else pdf).sha256


PURGE_JOB = "documents.purge"


@queue.handler(PURGE_JOB)
def purge_sealed(payload: dict[str, Any], context: queue.RunContext) -> str:
    """The periodic purge of sealed documents past their links' end (:func:`purge_expired`)."""
    return f"{purge_expired(context.now)} dokumen dihapus"
