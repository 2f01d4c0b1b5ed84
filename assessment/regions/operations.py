"""Region operations: apply a checked region list or a boundary file to the database (each owns its commit)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update

from assessment.models import Region, RegionBoundary, utcnow
from assessment.platform.extensions import db
from assessment.regions.importing import Problem, RegionRow
from assessment.services.audit import record_event

BATCH_SIZE = 2000
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class RegionImportCounts:
    """What an import did (or, with ``dry_run``, would do)."""

    added: int
    changed: int
    unchanged: int
    not_in_file: int


def known_region_codes() -> set[str]:
    """Every region code already stored."""
    return set(db.session.scalars(select(Region.code)))


def import_regions(
    rows: Sequence[RegionRow],
    *,
    decree: str | None = None,
    valid_from: date | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RegionImportCounts:
    """Insert new regions and update changed ones, in one transaction (an idempotent upsert keyed on ``code``).

    A region changes when its name, kind or parent differs, or when ``decree`` is given and differs. Regions in the
    database but not in the file are left alone and counted: a list of one kabupaten must not dissolve the rest.
    Rows go in with bulk statements, parents before children, in batches (``progress`` is told each batch size).
    """
    existing = {
        code: (region_id, name, kind, parent_code, current_decree)
        for region_id, code, name, kind, parent_code, current_decree in db.session.execute(
            select(Region.id, Region.code, Region.name, Region.kind, Region.parent_code, Region.decree)
        )
    }
    to_insert: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    unchanged = 0
    for row in sorted(rows, key=lambda row: row.depth):
        values: dict[str, Any] = {"name": row.name, "kind": row.kind, "parent_code": row.parent_code}
        if decree is not None:
            values["decree"] = decree
        if valid_from is not None:
            values["valid_from"] = valid_from
        current = existing.get(row.code)
        if current is None:
            to_insert.append({"code": row.code, **values})
        elif (current[1], current[2], current[3]) != (row.name, row.kind, row.parent_code) or (
            decree is not None and current[4] != decree
        ):
            to_update.append({"id": current[0], **values})
        else:
            unchanged += 1
    seen = {row.code for row in rows}
    counts = RegionImportCounts(
        added=len(to_insert),
        changed=len(to_update),
        unchanged=unchanged,
        not_in_file=sum(1 for code in existing if code not in seen),
    )
    if dry_run:
        return counts
    try:
        for start in range(0, len(to_insert), BATCH_SIZE):
            batch = to_insert[start : start + BATCH_SIZE]
            db.session.execute(insert(Region), batch)
            if progress:
                progress(len(batch))
        # Updates by primary key: SQLAlchemy's ORM bulk UPDATE runs them as one executemany per batch.
        for start in range(0, len(to_update), BATCH_SIZE):
            batch = to_update[start : start + BATCH_SIZE]
            db.session.execute(update(Region), batch)
            if progress:
                progress(len(batch))
        if progress and unchanged:
            progress(unchanged)
        # One event for the import, with counts: a province's list is 1,000+ rows and the file is the record.
        record_event(
            "regions.import",
            target="regions",
            after={
                "added": counts.added,
                "changed": counts.changed,
                "unchanged": counts.unchanged,
                "decree": decree,
                "valid_from": valid_from,
            },
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


@dataclass
class BoundaryImportResult:
    """Boundaries stored, and the codes in the file that match no region (reported, not stored)."""

    added: int = 0
    updated: int = 0
    unmatched: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_boundaries(text: str) -> tuple[list[tuple[str, dict[str, Any]]], list[Problem]]:
    """The (code, geometry) pairs of a GeoJSON FeatureCollection whose features carry a ``kode`` property.

    Problems are located by feature number (1-based) since GeoJSON has no meaningful lines; a code may appear once.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [Problem(error.lineno, f"bukan JSON yang sah: {error.msg}")]
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return [], [Problem(1, "bukan GeoJSON FeatureCollection")]
    features = document.get("features")
    if not isinstance(features, list):
        return [], [Problem(1, "FeatureCollection tanpa daftar features")]
    pairs: list[tuple[str, dict[str, Any]]] = []
    problems: list[Problem] = []
    first_feature: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        raw_code = properties.get("kode") if isinstance(properties, dict) else None
        code = raw_code.strip() if isinstance(raw_code, str) else ""
        if not code:
            problems.append(Problem(number, "fitur tanpa properti 'kode'", "fitur"))
        elif not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(number, f"{code}: geometri harus Polygon atau MultiPolygon", "fitur"))
        elif code in first_feature:
            problems.append(Problem(number, f"kode {code} sudah ada di fitur {first_feature[code]}", "fitur"))
        else:
            first_feature[code] = number
            pairs.append((code, geometry))
    return pairs, problems


def import_boundaries(pairs: Sequence[tuple[str, dict[str, Any]]]) -> BoundaryImportResult:
    """Store each geometry on the region with the same code (replacing an older one); unknown codes are listed."""
    known = known_region_codes()
    current = dict(db.session.execute(select(RegionBoundary.region_code, RegionBoundary.id)).all())
    result = BoundaryImportResult()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    now = utcnow()
    for code, geometry in pairs:
        if code not in known:
            result.unmatched.append(code)
            continue
        text = json.dumps(geometry, separators=(",", ":"))
        if code in current:
            updates.append({"id": current[code], "geometry": text, "updated_at": now})
        else:
            inserts.append({"region_code": code, "geometry": text, "updated_at": now})
    try:
        if inserts:
            db.session.execute(insert(RegionBoundary), inserts)
        if updates:
            db.session.execute(update(RegionBoundary), updates)
        record_event(
            "regions.import_boundaries",
            target="regions",
            after={"added": len(inserts), "updated": len(updates), "unmatched": len(result.unmatched)},
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.added, result.updated = len(inserts), len(updates)
    return result
