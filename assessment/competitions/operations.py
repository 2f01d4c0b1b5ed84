"""Competition operations: store an uploaded rubric, create a competition (each owns its commit)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from sqlalchemy import select

from assessment.competitions.schedule import stage_window
from assessment.criteria.files import is_excel_workbook, load_rubric_bytes
from assessment.criteria.fingerprint import canonical_form, fingerprint
from assessment.criteria.model import Rubric
from assessment.models import (
    Competition,
    KabupatenQuota,
    Region,
    RegionKind,
    RubricFormat,
    Stage,
    StageCode,
    StoredRubric,
    User,
)
from assessment.platform.extensions import db
from assessment.services.audit import record_event
from assessment.services.security import region_within

SCOPE_KINDS = (RegionKind.provinsi, RegionKind.kabupaten, RegionKind.kota)
KABUPATEN_KINDS = (RegionKind.kabupaten, RegionKind.kota)


class CompetitionError(ValueError):
    """A competition that cannot be created as asked; ``problems`` says every reason, in Indonesian."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class RubricUpload:
    """A parsed upload: the core rubric, its fingerprint and the source to keep."""

    rubric: Rubric
    fingerprint: str
    source_format: RubricFormat
    data: bytes
    filename: str


def read_rubric_upload(data: bytes, filename: str) -> RubricUpload:
    """Parse uploaded rubric bytes; raises :class:`~assessment.criteria.errors.RubricError` with every problem."""
    rubric = load_rubric_bytes(data, filename)
    source_format = RubricFormat.xlsx if is_excel_workbook(data) else RubricFormat.yaml
    return RubricUpload(rubric, fingerprint(rubric), source_format, data, filename)


def _stored(upload: RubricUpload) -> StoredRubric:
    """The stored row for this rubric: the existing one with the same fingerprint, else a new one (not committed)."""
    existing = db.session.scalar(select(StoredRubric).where(StoredRubric.fingerprint == upload.fingerprint))
    if existing is not None:
        return existing
    stored = StoredRubric(
        fingerprint=upload.fingerprint,
        source_format=upload.source_format,
        source_text=upload.data.decode("utf-8-sig") if upload.source_format is RubricFormat.yaml else None,
        source_bytes=upload.data if upload.source_format is RubricFormat.xlsx else None,
        original_name=upload.filename[-255:] or None,
        rubric_json=canonical_form(upload.rubric).decode("utf-8"),
        title=upload.rubric.title[:300],
    )
    db.session.add(stored)
    return stored


def store_rubric(upload: RubricUpload) -> StoredRubric:
    """Keep an uploaded rubric for good; uploading the same rubric again gives the row already stored."""
    stored = _stored(upload)
    _record_rubric(stored)
    db.session.commit()
    return stored


def _record_rubric(stored: StoredRubric) -> None:
    """An audit event for a rubric stored by this transaction (none when the same rubric was already there)."""
    if stored.id is not None:
        return
    db.session.flush()
    record_event(
        "rubric.store",
        target=f"rubric:{stored.id}",
        after={
            "fingerprint": stored.fingerprint,
            "title": stored.title,
            "format": stored.source_format,
            "original_name": stored.original_name,
        },
    )


def create_competition(
    *,
    name: str,
    year: int,
    scope_code: str,
    rubric: StoredRubric | RubricUpload,
    stages: Mapping[StageCode, tuple[date, date]],
    quotas: Mapping[str, int] | None = None,
    created_by: User | None = None,
) -> Competition:
    """Create a competition on a stored (or newly uploaded) rubric, with its stages and kabupaten quotas.

    The scope is a provinsi or a kabupaten/kota; quotas name kabupaten/kota inside the scope; stages may not
    overlap and run in the order of the competition's life cycle. Every broken rule is reported together.
    """
    problems: list[str] = []
    name = name.strip()
    if not name:
        problems.append("Nama lomba wajib diisi.")
    elif len(name) > 200:
        problems.append("Nama lomba paling panjang 200 karakter.")
    if not 2000 <= year <= 2100:
        problems.append(f"Tahun {year} di luar rentang 2000–2100.")
    scope = db.session.scalar(select(Region).where(Region.code == scope_code))
    if scope is None:
        problems.append(f"Wilayah {scope_code} tidak dikenal; impor daftar wilayah dulu.")
    elif scope.kind not in SCOPE_KINDS:
        problems.append(f"Cakupan lomba harus provinsi atau kabupaten/kota, bukan {scope.kind.value} ({scope_code}).")
    for kabupaten_code, quota in (quotas or {}).items():
        region = db.session.scalar(select(Region).where(Region.code == kabupaten_code))
        if region is None or region.kind not in KABUPATEN_KINDS:
            problems.append(f"Kuota: {kabupaten_code} bukan kabupaten/kota yang dikenal.")
        elif not region_within(kabupaten_code, scope_code):
            problems.append(f"Kuota: {kabupaten_code} di luar cakupan lomba {scope_code}.")
        if quota < 0:
            problems.append(f"Kuota {kabupaten_code} tidak boleh negatif.")
    if StageCode.penilaian_mandiri not in stages:
        problems.append("Tahap penilaian mandiri wajib punya tanggal.")
    ordered = [(code, stages[code]) for code in StageCode if code in stages]
    for code, (first, last) in ordered:
        if last < first:
            problems.append(f"Tahap {code.value}: tanggal akhir sebelum tanggal mulai.")
    for (code_a, (_, last_a)), (code_b, (first_b, _)) in pairwise(ordered):
        if first_b <= last_a:
            problems.append(f"Tahap {code_b.value} harus mulai setelah tahap {code_a.value} selesai.")
    if problems:
        raise CompetitionError(problems)
    stored = rubric if isinstance(rubric, StoredRubric) else _stored(rubric)
    _record_rubric(stored)
    competition = Competition(
        name=name,
        year=year,
        scope_region_code=scope_code,
        rubric=stored,
        created_by_id=created_by.id if created_by else None,
    )
    for code, (first, last) in ordered:
        starts_at, ends_at = stage_window(first, last)
        competition.stages.append(Stage(code=code, starts_at=starts_at, ends_at=ends_at))
    for kabupaten_code, quota in sorted((quotas or {}).items()):
        competition.quotas.append(KabupatenQuota(kabupaten_code=kabupaten_code, quota=quota))
    db.session.add(competition)
    db.session.flush()
    record_event(
        "competition.create",
        target=f"competition:{competition.id}",
        after={
            "name": competition.name,
            "year": competition.year,
            "scope": scope_code,
            "rubric_id": stored.id,
            "rubric_fingerprint": stored.fingerprint,
            "stages": {stage.code.value: [stage.starts_at, stage.ends_at] for stage in competition.stages},
            "quotas": {quota.kabupaten_code: quota.quota for quota in competition.quotas},
        },
        actor=created_by,
    )
    db.session.commit()
    return competition
