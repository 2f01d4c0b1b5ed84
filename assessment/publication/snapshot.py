"""The published documents as canonical JSON: the frozen provisional ranking and the final snapshot.

Canonical JSON (what the SHA-256 is taken over, and exactly what the public download serves): UTF-8 bytes of
``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``. Exact indices are written as
the fraction ``"numerator/denominator"`` (so anyone can recompute and compare them exactly), shown values as the
decimal text the engine rounds half-up to 2 places. Anyone can recompute the ranking from the snapshot's
``level`` rows (those of the ranked desa, and only theirs) with :mod:`assessment.scoring` and the rubric whose
fingerprint it names. Format 2 added ``tidak_diperingkat``: every other participant with its state
(:class:`assessment.standing.State`) and, when the committee withdrew it, its reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assessment.criteria.model import Rubric
from assessment.reportdata import UnrankedDesa
from assessment.scoring import AssessmentRows, Ranking, score

SNAPSHOT_FORMAT = "desa-digital-penetapan/2"
PROVISIONAL_FORMAT = "desa-digital-hasil-sementara/2"

Record = tuple[str, str, str, int | None]


def canonical_bytes(document: Any) -> bytes:
    """``document`` as canonical JSON bytes (sorted keys, compact, non-ASCII kept)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def _fraction(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def rank(rubric: Rubric, records: Iterable[Record], villages: Sequence[str] = ()) -> Ranking:
    """The engine's ranking of ``records`` (the verified levels), with ``villages`` that have no row at all."""
    return score(rubric, AssessmentRows.from_records(rubric, list(records), villages))


def ranking_rows(ranking: Ranking, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every ranked desa in the published order: code, name, exact and shown index, predikat, ranks, tie."""
    return [{
        "kode": result.code,
        "nama": names.get(result.code, result.code),
        "indeks_eksak": _fraction(result.index),
        "indeks": _decimal(result.shown_index),
        "predikat": result.predikat,
        "peringkat": result.rank,
        "peringkat_kabupaten": result.rank_kabupaten,
        "peringkat_kecamatan": result.rank_kecamatan,
        "seri": result.tied,
        "lengkap": result.complete,
        "aspek": [_decimal(value) for value in result.aspects],
    } for result in ranking.results()]


def unranked_rows(desa: Iterable[UnrankedDesa]) -> list[dict[str, Any]]:
    """Every participant left out of the ranking, by code: code, name, state and the committee's reason (None
    unless it withdrew the desa)."""
    return [{"kode": d.kode, "nama": d.nama, "keadaan": d.keadaan, "alasan": d.alasan or None}
            for d in sorted(desa, key=lambda d: d.kode)]


def level_rows(records: Iterable[Record]) -> list[list[Any]]:
    """The verified levels as ``[desa, indikator, penilai, level]`` lists in a fixed order (None for N/A)."""
    return [list(record) for record in sorted(records, key=lambda r: (r[0], r[1], r[2]))]
