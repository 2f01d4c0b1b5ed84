"""Cleaning up after a server that was killed mid-upload: unfinished writes and stored files no row refers to.

An upload stores its file(s) first and then commits the evidence row; the database transaction makes the row all
or nothing, and the store writes each file to a temporary name and renames it into place. So a process killed at
any point leaves at worst a temporary file (killed while writing) or a complete file that no evidence row refers
to (killed between the file and the commit) — never a row without its file, and never half a file under a key.
:func:`sweep_evidence_store` removes both kinds once they are older than a grace period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from assessment.documents.operations import references as document_references
from assessment.models import BeritaAcara, Evidence, FieldPhoto, LinkCapture, Objection
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore

DEFAULT_GRACE = timedelta(hours=1)


def other_references() -> set[str]:
    """The stored files that other rows than evidence name: field photos (original and display copy), files
    attached to objections, the berita acara PDFs and the finished slow documents (:mod:`assessment.documents`).
    Neither the sweep nor the retention purge may take them (captures of link evidence,
    :func:`capture_references`, follow their evidence's retention instead)."""
    keys: set[str] = set()
    for sha256, display in db.session.execute(select(FieldPhoto.sha256, FieldPhoto.display_sha256)):
        keys.update(key for key in (sha256, display) if key)
    keys.update(key for key in db.session.scalars(select(Objection.evidence_sha256)) if key)
    keys.update(key for key in db.session.scalars(select(BeritaAcara.sha256)) if key)
    keys.update(document_references())
    return keys


def capture_references(evidence_ids: Select[int] | None = None) -> set[str]:
    """The stored files link captures name (body, archived copy and screenshot), of all links or of
    ``evidence_ids``."""
    query = select(LinkCapture.body_sha256, LinkCapture.archive_sha256, LinkCapture.screenshot_sha256)
    if evidence_ids is not None:
        query = query.where(LinkCapture.evidence_id.in_(evidence_ids))
    return {key for pair in db.session.execute(query) for key in pair if key}


@dataclass(frozen=True, slots=True)
class SweepResult:
    """How many unfinished writes and how many unreferenced stored files were removed (or would be)."""

    incomplete: int
    unreferenced: int


def sweep_evidence_store(
    store: EvidenceStore, now: datetime, grace: timedelta = DEFAULT_GRACE, *, dry_run: bool = False
) -> SweepResult:
    """Remove unfinished writes and stored files that no evidence row refers to, if older than ``grace``.

    - A file counts as referenced when any evidence row (active, removed or past retention) names it as its file
      or its display copy, a link capture names it as its body, archived copy or screenshot, or another row names it
      (:func:`other_references`: field photos, objection files, berita acara PDFs): the sweep never removes
      evidence or records, only leftovers.
    - Only leftovers older than ``grace`` (default one hour) go: an upload in progress has written its file but
      not yet committed its row, and storing a file that is already there renews its time, so the sweep never
      takes a file from under an upload that is still running.
    """
    cutoff = now - grace
    # Listed before the references are read: a file whose row commits in between is then found referenced.
    candidates = [key for key, written in store.stored() if written < cutoff]
    referenced = other_references() | capture_references()
    for sha256, display in db.session.execute(select(Evidence.sha256, Evidence.display_sha256)):
        referenced.update(key for key in (sha256, display) if key)
    orphans = [key for key in candidates if key not in referenced]
    if dry_run:
        return SweepResult(store.remove_incomplete(cutoff, dry_run=True), len(orphans))
    removed = 0
    recent = {key for key, written in store.stored() if written >= cutoff}
    for key in orphans:
        if key not in recent:
            store.delete(key)
            removed += 1
    return SweepResult(store.remove_incomplete(cutoff), removed)
