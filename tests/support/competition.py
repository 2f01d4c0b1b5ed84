"""A small competition for tests: a two-indicator rubric, stages around 'now', and participating desa."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assessment.criteria.files import load_rubric_bytes
from assessment.criteria.fingerprint import canonical_form, fingerprint
from assessment.models import Competition, Participant, Region, RegionKind, Stage, StageCode, StoredRubric
from assessment.platform.extensions import db

SMALL_RUBRIC = """\
id: uji-kecil
title: Rubrik uji kecil
version: "1"
scale: {min: 0, max: 4}
level_names: {0: Belum ada, 1: Rintisan, 2: Berjalan, 3: Terstandar, 4: Terpadu}
bands:
  - {min: 0, label: Kurang}
  - {min: 50, label: Baik}
aspects:
  - code: A
    name: Layanan Administrasi Digital
    indicators:
      - code: A1
        name: Layanan surat daring
        weight: 60
        levels:
          0: Semua surat dilayani manual.
          1: Permohonan lewat WhatsApp.
          2: Aplikasi layanan aktif untuk tiga jenis surat.
          3: Sepuluh jenis surat daring dan dapat dilacak.
          4: Terintegrasi dengan data penduduk.
        evidence: [URL layanan, Tangkapan layar alur permohonan]
      - code: A2
        name: Tanda tangan elektronik tersertifikasi
        weight: 40
        levels:
          0: Tidak ada TTE.
          1: Tanda tangan hasil pindai.
          2: TTE untuk sebagian surat.
          3: TTE BSrE untuk semua surat keluar.
          4: TTE terintegrasi dengan aplikasi layanan.
        evidence: [Contoh surat ber-TTE (PDF asli)]
"""


def ensure_region(code: str, name: str, kind: RegionKind) -> Region:
    region = db.session.scalar(db.select(Region).where(Region.code == code))
    parts = code.split(".")
    parent = ".".join(parts[:-1]) or None
    if region is None:
        region = Region(code=code, name=name, kind=kind, parent_code=parent)
        db.session.add(region)
        db.session.flush()
    return region


def ensure_desa(code: str, name: str) -> Region:
    kinds = [RegionKind.provinsi, RegionKind.kabupaten, RegionKind.kecamatan]
    parts = code.split(".")
    for depth, kind in enumerate(kinds, start=1):
        ensure_region(".".join(parts[:depth]), f"Wilayah {'.'.join(parts[:depth])}", kind)
    return ensure_region(code, name, RegionKind.desa)


def create_competition(
    *,
    opens: timedelta = timedelta(days=-10),
    closes: timedelta = timedelta(days=10),
    review_closes: timedelta | None = None,
    desa: dict[str, str] | None = None,
    source: str = SMALL_RUBRIC,
) -> tuple[Competition, list[Participant]]:
    """A competition whose self-assessment opens and closes at ``now + opens`` / ``now + closes``."""
    now = datetime.now(UTC)
    desa = desa if desa is not None else {"64.09.04.2002": "Bukit Raya"}
    for code, name in desa.items():
        ensure_desa(code, name)
    ensure_region("64", "Kalimantan Timur", RegionKind.provinsi)
    rubric = load_rubric_bytes(source.encode(), "rubrik.yaml")
    stored = db.session.scalar(db.select(StoredRubric).where(StoredRubric.fingerprint == fingerprint(rubric)))
    if stored is None:
        stored = StoredRubric(
            fingerprint=fingerprint(rubric),
            source_format="yaml",
            source_text=source,
            original_name="rubrik.yaml",
            rubric_json=canonical_form(rubric).decode(),
            title=rubric.title,
        )
        db.session.add(stored)
        db.session.flush()
    competition = Competition(name="Lomba Desa Digital Uji", year=2026, scope_region_code="64", rubric_id=stored.id)
    competition.stages = [Stage(code=StageCode.penilaian_mandiri, starts_at=now + opens, ends_at=now + closes)]
    if review_closes is not None:
        competition.stages.append(
            Stage(code=StageCode.verifikasi_kelengkapan, starts_at=now + closes, ends_at=now + review_closes)
        )
    db.session.add(competition)
    db.session.flush()
    participants = [Participant(competition_id=competition.id, desa_code=code) for code in desa]
    db.session.add_all(participants)
    db.session.commit()
    return competition, participants
