"""Recompute a final snapshot from its own content and say where it differs (``desa-digital snapshot verify``).

Pure: the JSON bytes of a snapshot (as anyone downloads them from ``/verifikasi/<kode>/cuplikan.json``) in, a
verdict out; no database, no configuration, no network. The rule of what is checked, written once here:

1. The file is a final snapshot: a JSON object whose ``format`` is one of
   :data:`~assessment.publication.snapshot.SNAPSHOT_FORMAT` or the older
   :data:`~assessment.publication.snapshot.OLD_SNAPSHOT_FORMATS`, with ``peringkat`` and ``level`` rows of the
   expected shape; otherwise :class:`NotASnapshot` (the command exits 2).
2. The rubric. Format 3 carries it (``rubrik.kanonik``): its SHA-256 over the canonical JSON bytes must equal
   ``rubrik.fingerprint``, and it must be a rubric the parser accepts. Formats 1 and 2 name it by fingerprint
   only: the rubric must be given separately (its fingerprint must then match); without it nothing below can be
   recomputed, and the verdict says so (``unchecked``).
3. Who is listed where. A desa is either ranked (``peringkat``) or listed apart (``tidak_diperingkat``), never
   both; only ranked desa have ``level`` rows (the engine scores the ranked desa only); a desa the committee
   withdrew (``dikeluarkan``) has its written reason.
4. The results. The engine (:func:`assessment.scoring.score`) is run on the ``level`` rows of the ranked desa with
   the rubric and the region kinds of ``jenis_wilayah`` (format 3; older formats: the ranked desa were eligible
   when sealed); every ranked desa's exact index, shown index, predikat, aspect scores, the three ranks, seri and
   lengkap must equal the stored ones, and the published order must be the engine's.

What cannot be checked from the file alone, and is said so: who should have been ranked (the states of the
other desa come from the committee's records), and the evidence and link captures (the file names them by
SHA-256: compare with the files themselves).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessment.criteria.errors import RubricError
from assessment.criteria.fingerprint import fingerprint, rubric_from_canonical
from assessment.criteria.model import Rubric
from assessment.publication.snapshot import (
    OLD_SNAPSHOT_FORMATS,
    SNAPSHOT_FORMAT,
    Record,
    canonical_bytes,
    ranking_rows,
    sha256_hex,
)
from assessment.scoring import AssessmentRows, ScoringInputError, score

COMPARED = (
    "indeks_eksak",
    "indeks",
    "predikat",
    "aspek",
    "peringkat",
    "peringkat_kabupaten",
    "peringkat_kecamatan",
    "seri",
    "lengkap",
)
"""The stored values of a ranked desa that must equal the recomputed ones, in the order differences are listed."""

WITHDRAWN = "dikeluarkan"

Differ = Callable[[str, str, Any, Any], None]
"""Records one difference: desa code, field, stored value, recomputed value."""


class NotASnapshot(ValueError):
    """The file is not a final snapshot (rule 1); the message says why, in Indonesian."""


@dataclass(frozen=True)
class Difference:
    """One place where the file and the recomputation disagree: the desa (empty for the document as a whole),
    the field, the stored value and the recomputed one (as text)."""

    kode: str
    nama: str
    field: str
    stored: str
    recomputed: str


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify_snapshot` found: the format, what it checked, what it could not, and every difference."""

    format: str
    recomputed: bool
    checked: tuple[str, ...]
    unchecked: tuple[str, ...]
    differences: tuple[Difference, ...]

    @property
    def matches(self) -> bool:
        """Cocok: the results were recomputed and nothing differs."""
        return self.recomputed and not self.differences


def read_snapshot(data: bytes) -> dict[str, Any]:
    """Parse ``data`` as a final snapshot (rule 1), or raise :class:`NotASnapshot`."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise NotASnapshot("Berkas ini bukan JSON yang sah, jadi bukan cuplikan hasil akhir.") from None
    if not isinstance(document, dict) or "format" not in document:
        raise NotASnapshot("Berkas JSON ini bukan cuplikan hasil akhir (tidak ada kolom format).")
    known = (SNAPSHOT_FORMAT, *OLD_SNAPSHOT_FORMATS)
    if document["format"] not in known:
        raise NotASnapshot(f"Format {str(document['format'])[:80]!r} tidak dikenal; yang dikenal: {', '.join(known)}.")
    _check_shape(document)
    return document


def _check_shape(document: Mapping[str, Any]) -> None:
    problems = []
    ranking = document.get("peringkat")
    if not isinstance(ranking, list) or not all(
        isinstance(row, dict) and isinstance(row.get("kode"), str) for row in ranking
    ):
        problems.append("peringkat harus daftar baris dengan kode desa")
    levels = document.get("level")
    if not isinstance(levels, list) or not all(_is_record(row) for row in levels):
        problems.append("level harus daftar [desa, indikator, penilai, level bilangan bulat atau null]")
    others = document.get("tidak_diperingkat", [])
    if not isinstance(others, list) or not all(
        isinstance(row, dict) and isinstance(row.get("kode"), str) for row in others
    ):
        problems.append("tidak_diperingkat harus daftar baris dengan kode desa")
    rubric = document.get("rubrik")
    if not isinstance(rubric, dict) or not isinstance(rubric.get("fingerprint"), str):
        problems.append("rubrik harus memuat fingerprint")
    elif document["format"] == SNAPSHOT_FORMAT and not isinstance(rubric.get("kanonik"), dict):
        problems.append("rubrik.kanonik (isi rubrik) tidak ada")
    if document["format"] == SNAPSHOT_FORMAT and not isinstance(document.get("jenis_wilayah"), dict):
        problems.append("jenis_wilayah tidak ada")
    if problems:
        raise NotASnapshot("Berkas ini tidak berbentuk cuplikan hasil akhir: " + "; ".join(problems) + ".")


def _is_record(row: Any) -> bool:
    return (
        isinstance(row, list)
        and len(row) == 4
        and all(isinstance(value, str) for value in row[:3])
        and (row[3] is None or (isinstance(row[3], int) and not isinstance(row[3], bool)))
    )


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, list):
        return "[" + ", ".join(_text(item) for item in value) + "]"
    return str(value)


def verify_snapshot(document: Mapping[str, Any], rubric: Rubric | None = None) -> Verdict:
    """Check ``document`` (from :func:`read_snapshot`) by the rule in this module's docstring.

    ``rubric`` is only for formats 1 and 2, which do not carry theirs (a format-3 snapshot is checked against its
    own). The verdict lists each difference with the desa it concerns.
    """
    names = {row["kode"]: str(row.get("nama") or row["kode"]) for row in document["peringkat"]}
    names.update(
        {
            row["kode"]: str(row.get("nama") or row["kode"])
            for row in document.get("tidak_diperingkat", [])
            if row["kode"] not in names
        }
    )
    differences: list[Difference] = []
    checked: list[str] = []
    unchecked: list[str] = []

    def differ(kode: str, field: str, stored: Any, recomputed: Any) -> None:
        differences.append(Difference(kode, names.get(kode, ""), field, _text(stored), _text(recomputed)))

    used = _rubric_of(document, rubric, differ, checked, unchecked)
    _check_lists(document, differ)
    checked.append(
        "setiap desa diperingkat atau dicatat terpisah, tidak keduanya; level hanya untuk desa "
        "yang diperingkat; alasan tertulis untuk desa yang dikeluarkan"
    )
    recomputed = used is not None and _recompute(document, used, names, differ, checked)
    unchecked.append("siapa yang seharusnya diperingkat (keadaan desa lain berasal dari catatan panitia)")
    unchecked.append("berkas bukti dan tangkapan tautan (berkas ini menyebut SHA-256-nya: bandingkan dengan berkasnya)")
    return Verdict(str(document["format"]), recomputed, tuple(checked), tuple(unchecked), tuple(differences))


def _rubric_of(
    document: Mapping[str, Any], given: Rubric | None, differ: Differ, checked: list[str], unchecked: list[str]
) -> Rubric | None:
    """Rule 2: the rubric to recompute with, or None (a difference or an ``unchecked`` note says why)."""
    stored = document["rubrik"]["fingerprint"]
    if document["format"] == SNAPSHOT_FORMAT:
        canonical = canonical_bytes(document["rubrik"]["kanonik"])
        if sha256_hex(canonical) != stored:
            differ("", "rubrik.fingerprint", stored, sha256_hex(canonical))
        checked.append("sidik jari rubrik (SHA-256 isi rubrik yang dimuat)")
        try:
            return rubric_from_canonical(canonical)
        except RubricError as error:
            differ("", "rubrik.kanonik", "rubrik yang sah", str(error).replace("\n", "; "))
            return None
    if given is None:
        unchecked.insert(
            0,
            f"indeks, predikat dan peringkat: format lama {document['format']} tidak memuat "
            "rubriknya; berikan rubrik dengan fingerprint itu (--rubrik) untuk menghitung ulang",
        )
        return None
    if fingerprint(given) != stored:
        differ("", "rubrik.fingerprint", stored, fingerprint(given))
        return None
    checked.append("sidik jari rubrik yang diberikan")
    return given


def _check_lists(document: Mapping[str, Any], differ: Differ) -> None:
    """Rule 3."""
    ranked = {row["kode"] for row in document["peringkat"]}
    for row in document.get("tidak_diperingkat", []):
        if row["kode"] in ranked:
            differ(row["kode"], "keadaan", row.get("keadaan"), "juga tercantum di peringkat")
        if row.get("keadaan") == WITHDRAWN and not str(row.get("alasan") or "").strip():
            differ(row["kode"], "alasan", "alasan tertulis panitia", "kosong")
    stray: dict[str, int] = {}
    for desa, *_rest in document["level"]:
        if desa not in ranked:
            stray[desa] = stray.get(desa, 0) + 1
    for desa, count in sorted(stray.items()):
        differ(desa, "level", "tidak ada (desa tidak diperingkat)", f"{count} baris")


def _recompute(
    document: Mapping[str, Any], rubric: Rubric, names: Mapping[str, str], differ: Differ, checked: list[str]
) -> bool:
    """Rule 4; False when the engine refused the rows (each refusal is a difference)."""
    stored_rows = document["peringkat"]
    ranked = [row["kode"] for row in stored_rows]
    listed = set(ranked)
    records: list[Record] = [
        (desa, indicator, assessor, level) for desa, indicator, assessor, level in document["level"] if desa in listed
    ]
    default_kind = rubric.eligible[0] if rubric.eligible else "desa"
    kinds = document.get("jenis_wilayah") or {code: default_kind for code in ranked}
    try:
        rows = AssessmentRows.from_records(rubric, records, desa_codes=sorted(ranked))
        ranking = score(rubric, rows, {str(code): str(kind) for code, kind in kinds.items()})
    except ScoringInputError as error:
        for problem in error.problems:
            desa = records[problem.row][0] if problem.row is not None and problem.row < len(records) else ""
            differ(desa, "level", "baris yang dapat dihitung", problem.message)
        return False
    recomputed = {row["kode"]: row for row in ranking_rows(ranking, names)}
    stored = {row["kode"]: row for row in stored_rows}
    changed = False
    for code in sorted(set(stored) | set(recomputed)):
        mine, theirs = stored.get(code), recomputed.get(code)
        if theirs is None:
            differ(code, "peringkat", mine["peringkat"] if mine else None, "tidak diperingkat mesin penilaian")
            changed = True
            continue
        if mine is None:
            differ(code, "peringkat", "tidak tercantum", theirs["peringkat"])
            changed = True
            continue
        for field in COMPARED:
            if mine.get(field) != theirs[field]:
                differ(code, field, mine.get(field), theirs[field])
                changed = True
    order = list(recomputed)
    # The published order only matters once every value agrees (a changed index reorders anyway).
    if not changed and ranked != order:
        differ("", "urutan peringkat", ", ".join(ranked), ", ".join(order))
    checked.append(
        f"indeks eksak, indeks, predikat, aspek, peringkat (lomba, kabupaten, kecamatan), seri dan "
        f"kelengkapan {len(ranked)} desa dihitung ulang dari {len(records)} baris level"
    )
    return True


def describe(difference: Difference) -> str:
    """One difference as a line of text: the desa (code and name), the field, stored vs recomputed."""
    where = f"{difference.kode} {difference.nama}".strip() if difference.kode else "dokumen"
    return f"{where}: {difference.field}: tercatat {difference.stored}, dihitung ulang {difference.recomputed}"


def sorted_differences(differences: Sequence[Difference]) -> list[Difference]:
    """Differences of the document first, then by desa code, in the order found within one desa."""
    return sorted(differences, key=lambda d: (d.kode != "", d.kode))
