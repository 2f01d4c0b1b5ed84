"""Retention of evidence files (UU PDP 27/2022): files are deleted once their retention period is over.

The rule: the file of an evidence upload (original and display copy) is deleted when it was uploaded more than
``retention_days`` days ago; so are the stored files of a link's captures (body, archived copy and screenshot)
when the link was given more than ``retention_days`` days ago (the capture rows, with their SHA-256, status and
text, stay). The
evidence row stays, with its SHA-256, size, type and name, so the record of what was submitted (and the audit
trail) remains; a file still used by a newer upload within the period (the same bytes, stored once) is kept until
that one expires too. Files are deleted before the purge is recorded: if recording fails, the next run finds
nothing left to delete and records it then; personal data never outlives a failed run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from assessment.models import Evidence, EvidenceKind, EvidencePurge
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore
from assessment.services.audit import record_event
from assessment.services.sweep import capture_references, other_references


@dataclass(frozen=True)
class PurgeResult:
    """How many evidence rows had their files deleted, and how many stored files went."""

    evidence: int
    files: int


def purge_expired_evidence(
    store: EvidenceStore, retention_days: int, now: datetime, *, dry_run: bool = False
) -> PurgeResult:
    """Delete the files of evidence uploaded more than ``retention_days`` days before ``now`` (rules above)."""
    if retention_days < 1:
        raise ValueError("masa simpan paling sedikit 1 hari")
    cutoff = now - timedelta(days=retention_days)
    purged_ids = select(EvidencePurge.evidence_id)
    expired = list(
        db.session.scalars(
            select(Evidence)
            .where(
                Evidence.kind.in_([EvidenceKind.file, EvidenceKind.url]),
                Evidence.uploaded_at < cutoff,
                Evidence.id.not_in(purged_ids),
            )
            .order_by(Evidence.id)
        )
    )
    recent_links = select(Evidence.id).where(Evidence.kind == EvidenceKind.url, Evidence.uploaded_at >= cutoff)
    still_kept = (
        {
            key
            for pair in db.session.execute(
                select(Evidence.sha256, Evidence.display_sha256).where(
                    Evidence.kind == EvidenceKind.file, Evidence.uploaded_at >= cutoff
                )
            )
            for key in pair
            if key
        }
        | other_references()
        | capture_references(recent_links)
    )
    expired_links = [item.id for item in expired if item.kind == EvidenceKind.url]
    link_keys = (
        capture_references(select(Evidence.id).where(Evidence.id.in_(expired_links))) if expired_links else set()
    )
    keys = sorted(
        ({key for item in expired for key in (item.sha256, item.display_sha256) if key} | link_keys) - still_kept
    )
    if dry_run:
        return PurgeResult(len(expired), sum(1 for key in keys if store.exists(key)))
    deleted = 0
    for key in keys:
        if store.exists(key):
            store.delete(key)
            deleted += 1
    for item in expired:
        db.session.add(EvidencePurge(evidence_id=item.id, purged_at=now, retention_days=retention_days))
        record_event(
            "evidence.purge",
            target=f"evidence:{item.id}",
            before={"file": "ada"},
            after={"file": "dihapus", "sha256": item.sha256, "retention_days": retention_days},
        )
    db.session.commit()
    return PurgeResult(len(expired), deleted)
