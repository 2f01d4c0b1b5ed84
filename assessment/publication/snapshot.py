"""The published documents as canonical JSON: the frozen provisional ranking and the final snapshot.

Canonical JSON (what the SHA-256 is taken over, and exactly what the public download serves): UTF-8 bytes of
``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``. Exact indices are written as
the fraction ``"numerator/denominator"`` (so anyone can recompute and compare them exactly), shown values as the
decimal text the engine rounds half-up to 2 places.

Formats of the final snapshot:

- ``desa-digital-penetapan/1`` and ``/2`` (sealed before format 3; never rewritten): the rubric by fingerprint
  only, the ``level`` rows of the ranked desa with assessors by account id, objections with their reasons, one
  copy served to everyone. Format 2 added ``tidak_diperingkat``: every other participant with its state
  (:class:`assessment.core.standing.State`) and, when the committee withdrew it, its reason.
- ``desa-digital-penetapan/3``: two copies of one snapshot. The committee's copy (``salinan: panitia``) is
  complete; the public copy (``salinan: publik``) is :func:`public_copy` of it. Both carry the rubric itself
  (``rubrik.kanonik``, its canonical form, whose SHA-256 is ``rubrik.fingerprint``), the kind of every ranked
  region (``jenis_wilayah``) and the records the engine was run on (``level``), so the public copy alone is enough
  to recompute every index, predikat and rank (:mod:`assessment.publication.recompute`). The printed and
  published SHA-256 is the public copy's.

The privacy rule of the public copy (written once, here, in :func:`public_copy`; UU PDP 27/2022):

- assessors appear as pseudonyms ``Penilai 1`` ... ``Penilai n``, numbered in the order of HMAC-SHA256 of their
  account id under a random key drawn for this snapshot (kept in the committee's copy only): stable within the
  snapshot, unlinkable across snapshots; the rows that carry a decision (``rekonsiliasi``, ``lapangan``,
  ``sanggah``) keep their names;
- objections keep their desa, indicator, times, evidence hash and outcome (levels before and after) but not the
  desa's written reason nor the committee's written answer, and a change after the freeze keeps what changed and
  when but not the exception's written reason (an answer to an objection opens its exception with the answer's own
  reason); the committee's reasons for withdrawing a desa from the ranking stay public, as on every results page;
- a link capture keeps its SHA-256 (body and archived copy), time, outcome and the host of the address, not the
  address's path and query nor the page title: these can name a person (a profile page) or carry a share token
  that opens a private folder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol
from urllib.parse import urlsplit

from assessment.criteria.model import Rubric
from assessment.scoring import AssessmentRows, Ranking, score

SNAPSHOT_FORMAT = "desa-digital-penetapan/3"
OLD_SNAPSHOT_FORMATS = ("desa-digital-penetapan/1", "desa-digital-penetapan/2")
PROVISIONAL_FORMAT = "desa-digital-hasil-sementara/2"
COMMITTEE_COPY = "panitia"
PUBLIC_COPY = "publik"

DECIDED_BY = frozenset({"rekonsiliasi", "lapangan", "sanggah"})
"""The ``level`` rows' assessor names that carry a decision, not a person (``assessment.repo.REPLACING_ROWS``)."""

PSEUDONYM_PREFIX = "Penilai"
PSEUDONYM_KEY_BYTES = 16

Record = tuple[str, str, str, int | None]


class Unranked(Protocol):
    """What the snapshot keeps of a participant left out of the ranking
    (``assessment.presentation.reportdata.UnrankedDesa``)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def reason(self) -> str: ...


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


def rank(rubric: Rubric, records: Iterable[Record], desa_codes: Sequence[str] = ()) -> Ranking:
    """The engine's ranking of ``records`` (the verified levels), with ``desa_codes`` that have no row at all."""
    return score(rubric, AssessmentRows.from_records(rubric, list(records), desa_codes))


def ranking_rows(ranking: Ranking, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every ranked desa in the published order: code, name, exact and shown index, predikat, ranks, tie."""
    return [
        {
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
        }
        for result in ranking.results()
    ]


def unranked_rows(desa: Iterable[Unranked]) -> list[dict[str, Any]]:
    """Every participant left out of the ranking, by code: code, name, state and the committee's reason (None
    unless it withdrew the desa)."""
    return [
        {"kode": d.code, "nama": d.name, "keadaan": d.state, "alasan": d.reason or None}
        for d in sorted(desa, key=lambda d: d.code)
    ]


def level_rows(records: Iterable[Record]) -> list[list[Any]]:
    """The verified levels as ``[desa, indikator, penilai, level]`` lists in a fixed order (None for N/A)."""
    return [list(record) for record in sorted(records, key=lambda r: (r[0], r[1], r[2]))]


def pseudonyms(key: bytes, assessors: Iterable[str]) -> dict[str, str]:
    """Each person among ``assessors`` (not :data:`DECIDED_BY`) and their pseudonym ``Penilai n`` in this snapshot.

    Numbered 1..n in the order of HMAC-SHA256(``key``, account id): the same key (one per snapshot, drawn at
    finalisation) always gives the same numbers, and without it the numbers say nothing about who is who nor
    whether ``Penilai 2`` of one snapshot is ``Penilai 2`` of another. Ties of the HMAC cannot occur in practice;
    the account id breaks them anyway, so the numbering is a function of the key and the ids alone.
    """
    people = sorted(
        {a for a in assessors if a not in DECIDED_BY},
        key=lambda a: (hmac.new(key, a.encode("utf-8"), hashlib.sha256).hexdigest(), a),
    )
    return {person: f"{PSEUDONYM_PREFIX} {number}" for number, person in enumerate(people, start=1)}


def capture_rows(captures: Iterable[Mapping[str, Any]], desa_of: Mapping[int, str]) -> list[dict[str, Any]]:
    """The link captures of the participants (``assessment.links.capture.captures_for_record`` rows) as the
    committee's copy keeps them, per desa and indicator in a fixed order: the SHA-256 of the body as received and
    of the archived copy, when it was fetched, the outcome and HTTP status, the address asked for and the final
    one, the page title, and whether the link is still an active evidence."""
    rows = [
        {
            "desa": desa_of[capture["participant_id"]],
            "indikator": capture["indicator_code"],
            "status_bukti": capture["evidence_status"],
            "hasil": capture["outcome"],
            "status_http": capture["http_status"],
            "diambil_pada": capture["fetched_at"],
            "sha256_isi": capture["body_sha256"],
            "sha256_arsip": capture["archive_sha256"],
            "url": capture["url"],
            "url_akhir": capture["final_url"],
            "judul": capture["title"],
        }
        for capture in captures
        if capture["participant_id"] in desa_of
    ]
    return sorted(
        rows,
        key=lambda r: (
            r["desa"],
            r["indikator"],
            r["diambil_pada"],
            r["url"],
            r["sha256_isi"] or "",
            r["sha256_arsip"] or "",
        ),
    )


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def public_copy(committee: Mapping[str, Any]) -> dict[str, Any]:
    """The public copy of a format-3 committee's copy (the privacy rule in this module's docstring).

    Deterministic: the same committee's copy always gives the same public copy, byte for byte once canonical.
    """
    key = bytes.fromhex(committee["pseudonim"]["kunci"])
    names = pseudonyms(key, (row[2] for row in committee["level"]))
    document = {name: value for name, value in committee.items() if name != "pseudonim"}
    document["salinan"] = PUBLIC_COPY
    document["level"] = level_rows(
        (desa, indicator, names.get(assessor, assessor), level)
        for desa, indicator, assessor, level in committee["level"]
    )
    document["sanggah"] = [
        {
            "desa": o["desa"],
            "indikator": o["indikator"],
            "bukti_sha256": o["bukti_sha256"],
            "diajukan_pada": o["diajukan_pada"],
            "jawaban": None
            if o["jawaban"] is None
            else {name: value for name, value in o["jawaban"].items() if name != "alasan"},
        }
        for o in committee["sanggah"]
    ]
    document["diubah_setelah_pengumuman"] = [
        {name: value for name, value in mark.items() if name != "alasan_pengecualian"}
        for mark in committee["diubah_setelah_pengumuman"]
    ]
    document["tautan"] = sorted(
        (
            {name: value for name, value in capture.items() if name not in ("url", "url_akhir", "judul")}
            | {"host": _host(capture["url_akhir"]) or _host(capture["url"])}
            for capture in committee["tautan"]
        ),
        key=lambda r: (
            r["desa"],
            r["indikator"],
            r["diambil_pada"],
            r["host"] or "",
            r["sha256_isi"] or "",
            r["sha256_arsip"] or "",
        ),
    )
    return document
