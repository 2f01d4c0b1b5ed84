"""Recomputing a final snapshot from its own content (assessment/publication/recompute.py) and the public copy's
privacy rule (assessment/publication/snapshot.py, public_copy): pure, no database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from assessment.criteria.fingerprint import canonical_form, fingerprint
from assessment.publication.recompute import NotASnapshot, describe, read_snapshot, verify_snapshot
from assessment.publication.snapshot import (
    COMMITTEE_COPY,
    SNAPSHOT_FORMAT,
    canonical_bytes,
    level_rows,
    pseudonyms,
    public_copy,
    rank,
    ranking_rows,
)
from tests.core.rubric_factory import desa, make_rubric
from tests.core.test_scoring_properties import Record, assessments

# The indicators of the property tests' rubric (I4 may be N/A), with weights a stored rubric may have (sum 100).
RUBRIC = make_rubric([["30", "22.5"], ["35", "12.5"]], allow_na=["I4"])
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = "00112233445566778899aabbccddeeff"
WITHDRAWN = desa(9)
REASON = "Dokumen pendukung terbukti milik desa lain."

# Three desa scored by two assessors (account ids 11 and 12); Desa 2's I1 was reconciled to one level.
RECORDS: list[Record] = [
    (desa(1), "I1", "11", 4),
    (desa(1), "I1", "12", 3),
    (desa(1), "I2", "11", 3),
    (desa(1), "I2", "12", 3),
    (desa(1), "I3", "11", 2),
    (desa(1), "I3", "12", 2),
    (desa(1), "I4", "11", 1),
    (desa(1), "I4", "12", None),
    (desa(2), "I1", "rekonsiliasi", 2),
    (desa(2), "I2", "11", 4),
    (desa(2), "I2", "12", 4),
    (desa(2), "I3", "11", 1),
    (desa(2), "I3", "12", 1),
    (desa(2), "I4", "11", 0),
    (desa(2), "I4", "12", 0),
    (desa(3, "64.01.02"), "I1", "11", 1),
    (desa(3, "64.01.02"), "I1", "12", 1),
    (desa(3, "64.01.02"), "I2", "11", 2),
    (desa(3, "64.01.02"), "I2", "12", 2),
    (desa(3, "64.01.02"), "I3", "11", 3),
    (desa(3, "64.01.02"), "I3", "12", 3),
    (desa(3, "64.01.02"), "I4", "11", 4),
    (desa(3, "64.01.02"), "I4", "12", 4),
]


def committee_copy(records: list[Record], withdrawn: bool = True) -> dict[str, Any]:
    """A format-3 committee's copy as ``final_document`` writes it, from the records alone."""
    codes = sorted({r[0] for r in records})
    names = {code: f"Desa {code[-4:]}" for code in codes}
    return {
        "format": SNAPSHOT_FORMAT,
        "salinan": COMMITTEE_COPY,
        "kompetisi": {"id": 1, "nama": "Lomba", "tahun": 2026, "wilayah": "64"},
        "rubrik": {
            "fingerprint": fingerprint(RUBRIC),
            "judul": RUBRIC.title,
            "kanonik": json.loads(canonical_form(RUBRIC)),
        },
        "jenis_wilayah": {code: "desa" for code in codes},
        "ditetapkan_pada": "2026-12-01T00:00:00+00:00",
        "hasil_sementara_diumumkan_pada": None,
        "level": level_rows(records),
        "pseudonim": {"kunci": KEY},
        "bukti": [],
        "tautan": [
            {
                "desa": codes[0],
                "indikator": "I1",
                "status_bukti": "aktif",
                "hasil": "archived",
                "status_http": 200,
                "diambil_pada": "2026-11-01T00:00:00+00:00",
                "sha256_isi": "a" * 64,
                "sha256_arsip": "b" * 64,
                "url": "https://ppid.example.id/profil/budi-santoso?token=rahasia",
                "url_akhir": "https://ppid.example.id/profil/budi-santoso?token=rahasia",
                "judul": "Profil Budi Santoso",
            }
        ],
        "peringkat": ranking_rows(rank(RUBRIC, records, codes), names),
        "tidak_diperingkat": [{"kode": WITHDRAWN, "nama": "Desa Keluar", "keadaan": "dikeluarkan", "alasan": REASON}]
        if withdrawn
        else [],
        "sanggah": [
            {
                "desa": codes[0],
                "indikator": "I1",
                "alasan": "Asesor Siti Rahma keliru membaca bukti",
                "bukti_sha256": None,
                "diajukan_pada": "2026-11-20T00:00:00+00:00",
                "jawaban": {
                    "alasan": "Jawaban panitia kepada Pak Kades",
                    "indikator": "I1",
                    "level_sebelumnya": 2,
                    "level_baru": 3,
                    "dijawab_pada": "2026-11-21T00:00:00+00:00",
                },
            }
        ],
        "diubah_setelah_pengumuman": [
            {
                "desa": codes[0],
                "indikator": "I1",
                "tindakan": "answer_objection",
                "alasan_pengecualian": "Jawaban panitia kepada Pak Kades",
                "pada": "2026-11-21T00:00:00+00:00",
            }
        ],
        "jejak_audit": {"jumlah": 10, "hash_terakhir": "c" * 64},
    }


def published(document: dict[str, Any]) -> dict[str, Any]:
    """The public copy as anyone downloads it: canonical bytes, read back."""
    return read_snapshot(canonical_bytes(public_copy(document)))


def test_public_snapshot_recomputes_cocok() -> None:
    verdict = verify_snapshot(published(committee_copy(RECORDS)))
    assert verdict.differences == () and verdict.recomputed and verdict.matches


@SETTINGS
@given(assessments())
def test_any_sealed_snapshot_recomputes_cocok(records: list[Record]) -> None:
    assert verify_snapshot(published(committee_copy(records, withdrawn=False))).matches


def test_one_level_changed_names_that_desa() -> None:
    document = published(committee_copy(RECORDS))
    row = next(r for r in document["level"] if r[0] == desa(2) and r[1] == "I2")
    row[3] = 0
    verdict = verify_snapshot(document)
    assert not verdict.matches
    assert (desa(2), "indeks") in {(d.kode, d.field) for d in verdict.differences}
    # Any other desa named is one whose rank the change moved.
    assert all(d.kode == desa(2) or d.field.startswith("peringkat") or d.field == "seri" for d in verdict.differences)
    index = next(d for d in verdict.differences if d.kode == desa(2) and d.field == "indeks")
    stored = next(r["indeks"] for r in document["peringkat"] if r["kode"] == desa(2))
    assert index.stored == stored and index.recomputed != stored
    assert describe(index).startswith(f"{desa(2)} Desa {desa(2)[-4:]}: indeks: tercatat {stored}")


def test_tampered_rubric_breaks_the_fingerprint() -> None:
    document = published(committee_copy(RECORDS))
    indicator = document["rubrik"]["kanonik"]["aspects"][0]["indicators"][0]
    indicator["weight"] = "31"  # with another indicator's weight lowered, still a valid rubric
    document["rubrik"]["kanonik"]["aspects"][0]["indicators"][1]["weight"] = "21.5"
    verdict = verify_snapshot(document)
    assert any(d.field == "rubrik.fingerprint" and d.stored == fingerprint(RUBRIC) for d in verdict.differences)
    assert not verdict.matches


def test_withdrawn_desa_is_listed_apart_with_its_reason() -> None:
    document = published(committee_copy(RECORDS))
    assert verify_snapshot(document).matches
    # Its levels would not be the engine's input: a level row for it is named as a difference.
    document["level"].append([WITHDRAWN, "I1", "Penilai 1", 4])
    assert [(d.kode, d.field) for d in verify_snapshot(document).differences] == [(WITHDRAWN, "level")]
    document = published(committee_copy(RECORDS))
    document["tidak_diperingkat"][0]["alasan"] = ""
    assert [(d.kode, d.field) for d in verify_snapshot(document).differences] == [(WITHDRAWN, "alasan")]
    document = published(committee_copy(RECORDS))
    document["tidak_diperingkat"].append({"kode": desa(1), "nama": "x", "keadaan": "dikeluarkan", "alasan": REASON})
    assert (desa(1), "keadaan") in [(d.kode, d.field) for d in verify_snapshot(document).differences]


def test_removed_ranked_desa_is_named() -> None:
    document = published(committee_copy(RECORDS))
    document["peringkat"] = [r for r in document["peringkat"] if r["kode"] != desa(1)]
    assert (desa(1), "level") in [(d.kode, d.field) for d in verify_snapshot(document).differences]


def test_committee_copy_recomputes_too() -> None:
    assert verify_snapshot(read_snapshot(canonical_bytes(committee_copy(RECORDS)))).matches


def test_old_format_says_what_it_cannot_check() -> None:
    document = committee_copy(RECORDS)
    old = {
        "format": "desa-digital-penetapan/2",
        "rubrik": {"fingerprint": fingerprint(RUBRIC), "judul": "x"},
        "level": document["level"],
        "peringkat": document["peringkat"],
        "tidak_diperingkat": document["tidak_diperingkat"],
    }
    verdict = verify_snapshot(read_snapshot(canonical_bytes(old)))
    assert not verdict.recomputed and not verdict.matches and verdict.differences == ()
    assert "tidak memuat rubriknya" in verdict.unchecked[0]
    assert verify_snapshot(read_snapshot(canonical_bytes(old)), RUBRIC).matches


@pytest.mark.parametrize(
    "data",
    [
        b"bukan json",
        b"[1, 2]",
        b'{"format": "lain/1"}',
        b'{"format": "desa-digital-penetapan/3", "peringkat": [], "level": [["a"]]}',
    ],
)
def test_not_a_snapshot_is_refused(data: bytes) -> None:
    with pytest.raises(NotASnapshot):
        read_snapshot(data)


def test_public_copy_carries_no_personal_data() -> None:
    committee = committee_copy(RECORDS)
    text = canonical_bytes(public_copy(committee)).decode("utf-8")
    for secret in ("Siti Rahma", "Pak Kades", "budi-santoso", "rahasia", "Profil Budi", KEY, '"11"', '"12"'):
        assert secret not in text
    public = json.loads(text)
    assert {row[2] for row in public["level"]} == {"Penilai 1", "Penilai 2", "rekonsiliasi"}
    assert public["tautan"][0]["host"] == "ppid.example.id" and public["tautan"][0]["sha256_isi"] == "a" * 64
    assert public["sanggah"][0]["jawaban"]["level_baru"] == 3  # the outcome stays
    assert public["tidak_diperingkat"][0]["alasan"] == REASON  # the committee's withdrawal reason stays public


def test_pseudonyms_are_stable_per_key_and_differ_across_keys() -> None:
    people = [str(n) for n in range(1, 21)]
    first = pseudonyms(bytes.fromhex(KEY), people)
    assert first == pseudonyms(bytes.fromhex(KEY), reversed(people))
    assert sorted(first.values(), key=lambda p: int(p.split()[1])) == [f"Penilai {n}" for n in range(1, 21)]
    # Another snapshot's key numbers the same 20 people otherwise (20! orders: equal only by a freak chance).
    assert pseudonyms(bytes(16), people) != first
    assert canonical_bytes(public_copy(committee_copy(RECORDS))) == canonical_bytes(
        public_copy(committee_copy(RECORDS))
    )
