"""What the committee has published, read back: the frozen provisional ranking, the changes made after it, and
the final snapshot, and where a certificate's QR code leads. Shared by the objection, publication and results
blueprints and the ``reports`` command (which do not import each other's routes)."""

from __future__ import annotations

import json
from typing import Any

from flask import url_for
from sqlalchemy import select

from assessment.models import Competition, FinalSnapshot, LateChange, Participant, ProvisionalResult
from assessment.platform.extensions import db


def provisional_document(competition: Competition) -> dict[str, Any] | None:
    """The frozen provisional results exactly as published (None before publication): ``peringkat``, the ranked
    desa, and ``tidak_diperingkat``, the others with their state (absent from results published before it
    existed)."""
    stored = db.session.scalar(select(ProvisionalResult).where(ProvisionalResult.competition_id == competition.id))
    if stored is None:
        return None
    document: dict[str, Any] = json.loads(stored.ranking_json)
    return document


def provisional_rows(competition: Competition) -> list[dict[str, Any]] | None:
    """The frozen provisional ranking exactly as published (None before publication)."""
    document = provisional_document(competition)
    if document is None:
        return None
    rows: list[dict[str, Any]] = document["peringkat"]
    return rows


def late_changes(competition: Competition) -> list[LateChange]:
    """The levels changed after the freeze, each with the exception it was made under, oldest first."""
    return list(
        db.session.scalars(
            select(LateChange)
            .join(Participant, LateChange.participant_id == Participant.id)
            .where(Participant.competition_id == competition.id)
            .order_by(LateChange.changed_at, LateChange.id)
        )
    )


def final_snapshot_of(competition: Competition) -> FinalSnapshot | None:
    """The competition's final snapshot, if the results are finalised."""
    return db.session.scalar(select(FinalSnapshot).where(FinalSnapshot.competition_id == competition.id))


def verification_url(competition: Competition, desa_code: str) -> str:
    """Where a certificate's QR code leads (absolute URL).

    Once the committee has finalised the results, the public verification page of the final snapshot
    (``/verifikasi/<kode>``), where anyone checks the ranking the certificate rests on; before that, the desa's
    why-this-rank page (public once the provisional results are published).
    """
    snapshot = db.session.scalar(select(FinalSnapshot).where(FinalSnapshot.competition_id == competition.id))
    if snapshot is not None:
        return url_for("publication.verify", kode=snapshot.kode, _external=True)
    return url_for("results.why", competition_id=competition.id, desa_code=desa_code, _external=True)
