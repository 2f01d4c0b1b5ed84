"""One competition with every kind of desa, and readers that take the ranked desa out of every results output.

The world (small rubric: A1 weight 60, A2 weight 40, scale 0-4, Kurang < 50 <= Baik; two assessors required):

==============  =============  ================================================  ==============================
desa            kabupaten      what happens                                     final
==============  =============  ================================================  ==============================
Desa Paser      64.01          desk A1 4/4, A2 4/3                               95.00 Baik, 1st
Bukit Raya      64.09          desk A1 1/4 (reconciled to 3), A2 2/3             70.00 Baik, 2nd
Semoi Dua       64.09          desk A1 2/2, A2 2/2; field level A2 = 3            60.00 Baik, 3rd (seri)
Desa Kuaro      64.01          desk A1 2/2, A2 3/3                               60.00 Baik, 3rd (seri)
Desa Sepaku     64.09          desk A1 2/3, A2 1/1 (47.50 Kurang when published);  55.00 Baik, 5th
                               the objection answer sets A1 = 3
Desa Tunggu     64.09          complete, its two assessors never submit:         withdrawn by the committee
                               blocks publication until withdrawn
Desa Draf       64.09          self-assessment still in draft                    not ranked (draf)
Desa Kembali    64.09          returned for revision                             not ranked (dikembalikan)
Kelurahan Kota  64.09          a kelurahan (not eligible under the rubric)       not ranked
==============  =============  ================================================  ==============================

Semoi Dua and Desa Kuaro are tied in the province (seri: equal on every tie-break key) but not in their own
kabupaten. Each reader returns ``{kode: Shown(indeks, predikat, peringkat, seri)}`` with the text as printed.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader

from assessment.models import (
    Assignment,
    AssignmentMethod,
    Competition,
    DeskScore,
    FieldLevel,
    Participant,
    Reconciliation,
    RegionKind,
    Role,
    StageCode,
    SubmissionStatus,
    User,
)
from assessment.platform.extensions import db
from assessment.presentation.numbers import format_number
from tests.conftest import MakeUser
from tests.support.competition import ensure_region
from tests.support.documents import fetch_document
from tests.support.published import open_results_stage
from tests.support.verification import set_stage, verification_competition

PASER, KUARO = "64.01.01.2001", "64.01.01.2002"
BUKIT, SEMOI, DRAF, KEMBALI = "64.09.04.2002", "64.09.04.2003", "64.09.04.2004", "64.09.04.2005"
SEPAKU, TUNGGU = "64.09.01.2001", "64.09.01.2006"
KELURAHAN = "64.09.04.1007"
NAMES = {
    PASER: "Desa Paser",
    KUARO: "Desa Kuaro",
    BUKIT: "Bukit Raya",
    SEMOI: "Semoi Dua",
    DRAF: "Desa Draf",
    KEMBALI: "Desa Kembali",
    SEPAKU: "Desa Sepaku",
    TUNGGU: "Desa Tunggu",
    KELURAHAN: "Kelurahan Kota",
}
DESK = {  # (first assessor, second assessor) per indicator
    PASER: {"A1": (4, 4), "A2": (4, 3)},
    KUARO: {"A1": (2, 2), "A2": (3, 3)},
    BUKIT: {"A1": (1, 4), "A2": (2, 3)},
    SEMOI: {"A1": (2, 2), "A2": (2, 2)},
    SEPAKU: {"A1": (2, 3), "A2": (1, 1)},
}
FINAL = {  # (index, predikat, province rank, seri) once finalised, worked out by hand
    PASER: ("95,00", "Baik", 1, False),
    BUKIT: ("70,00", "Baik", 2, False),
    SEMOI: ("60,00", "Baik", 3, True),
    KUARO: ("60,00", "Baik", 3, True),
    SEPAKU: ("55,00", "Baik", 5, False),
}
UNRANKED = {TUNGGU: "dikeluarkan", DRAF: "draf", KEMBALI: "dikembalikan", KELURAHAN: "tidak_memenuhi_syarat"}
WITHDRAWAL = "Kedua asesor berhalangan tetap; penilaian dokumen tidak dapat diselesaikan sebelum pleno."


@dataclass(frozen=True)
class Shown:
    """One ranked desa as an output prints it."""

    indeks: str
    predikat: str
    peringkat: int
    seri: bool


@dataclass
class TruthWorld:
    competition: Competition
    desa: dict[str, Participant]
    committee: User
    lead: User
    assessors: tuple[User, User]


def truth_world(make_user: MakeUser) -> TruthWorld:
    """The world above, after the desk, reconciliation and field stages; pengumuman sementara open now."""
    competition, participants = verification_competition(
        StageCode.rekonsiliasi, desa={code: name for code, name in NAMES.items() if code != KELURAHAN}
    )
    ensure_region(KELURAHAN, NAMES[KELURAHAN], RegionKind.kelurahan)
    kelurahan = Participant(competition_id=competition.id, desa_code=KELURAHAN, status=SubmissionStatus.lengkap)
    db.session.add(kelurahan)
    by_code = {p.desa_code: p for p in [*participants, kelurahan]}
    by_code[DRAF].status = SubmissionStatus.draf
    by_code[KEMBALI].status = SubmissionStatus.dikembalikan
    committee = make_user(Role.panitia, "64", name="Ketua Panitia")
    lead = make_user(Role.ketua_tim, "64", home_region_code="64.72", name="Ketua Tim")
    first = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Satu")
    second = make_user(Role.asesor, "64", home_region_code="64.74", name="Asesor Dua")
    now = datetime.now(UTC) - timedelta(days=25)
    for code in (*DESK, TUNGGU):
        for index, assessor in enumerate((first, second)):
            assignment = Assignment(
                participant_id=by_code[code].id,
                assessor_id=assessor.id,
                method=AssignmentMethod.manual,
                created_by_id=committee.id,
                created_at=now - timedelta(days=5),
                submitted_at=None if code == TUNGGU else now,
            )
            db.session.add(assignment)
            db.session.flush()
            for indicator, levels in DESK.get(code, {}).items():
                db.session.add(
                    DeskScore(
                        assignment_id=assignment.id,
                        indicator_code=indicator,
                        level=levels[index],
                        note=f"Catatan {indicator}",
                    )
                )
    db.session.add(
        Reconciliation(
            participant_id=by_code[BUKIT].id,
            indicator_code="A1",
            level=3,
            reason="Layanan daring berjalan, belum terintegrasi.",
            decided_by_id=lead.id,
            decided_at=now,
        )
    )
    db.session.add(
        FieldLevel(
            participant_id=by_code[SEMOI].id,
            indicator_code="A2",
            level=3,
            note="TTE BSrE dipakai untuk semua surat keluar.",
            updated_by_id=first.id,
        )
    )
    db.session.commit()
    set_stage(competition, StageCode.rekonsiliasi, timedelta(days=-30), timedelta(days=-20))
    open_results_stage(competition, StageCode.pengumuman_sementara)
    return TruthWorld(competition, by_code, committee, lead, (first, second))


# --------------------------------------------------------------------------------------------------------------
# Readers: every output, as {kode: Shown}
# --------------------------------------------------------------------------------------------------------------


def from_document(rows: list[dict[str, Any]], key: str = "peringkat") -> dict[str, Shown]:
    """A published document's ranked rows (``key``: which rank), the shown index as printed on a page; seri as
    shared by another row of ``rows`` at the same rank."""
    ranks = [row[key] for row in rows]
    return {
        row["kode"]: Shown(format_number(float(row["indeks"])), row["predikat"], row[key], ranks.count(row[key]) > 1)
        for row in rows
    }


# Rank, desa (name and code), index, predikat (a badge), then kecamatan and the rest (templates/results/ranking.html).
RANKING_ROW = re.compile(
    r'<tr>\s*<td class="num">(\d+)( <span class="badge">seri</span>)?</td>\s*<th scope="row"><a [^>]*>[^<]*</a>'
    r'<br><span class="meta">([\d.]+)</span></th>\s*<td class="num">([^<]*)</td>\s*'
    r'<td><span class="predikat[^"]*">([^<]*)</span></td>'
)


def ranking_page(client: FlaskClient, competition_id: int, region: str) -> tuple[dict[str, Shown], dict[str, str]]:
    """The ranking page of ``region``: its ranked rows and, apart, the unranked desa with their state."""
    html = client.get(f"/hasil/{competition_id}/peringkat/{region}").get_data(as_text=True)
    ranked = {
        code: Shown(index, predikat, int(rank), bool(seri))
        for rank, seri, code, index, predikat in RANKING_ROW.findall(html)
    }
    unranked = dict(re.findall(r'<tr data-kode="([\d.]+)">.*?data-keadaan="(\w+)"', html, re.S))
    return ranked, unranked


def why_page(client: FlaskClient, competition_id: int, code: str) -> tuple[Shown | None, int | None, str | None]:
    """What why-this-rank says of a desa: its result and the number of ranked desa, or its state when unranked."""
    html = client.get(f"/hasil/{competition_id}/desa/{code}").get_data(as_text=True)
    state = re.search(r'data-testid="keadaan" data-keadaan="(\w+)"', html)
    if state:
        return None, None, state.group(1)
    rank = re.search(r'data-testid="peringkat">(\d+) dari (\d+) desa( <span class="badge">seri</span>)?', html)
    index = re.search(r'data-testid="indeks"[^>]*>([^<]*)<', html)
    predikat = re.search(r'data-testid="predikat">([^<]*)<', html)
    assert rank and index and predikat, html
    return Shown(index.group(1), predikat.group(1), int(rank.group(1)), bool(rank.group(3))), int(rank.group(2)), None


def workbook(client: FlaskClient, competition_id: int, region: str) -> tuple[dict[str, Shown], dict[str, str]]:
    """The results workbook of ``region``: its Peringkat sheet and, apart, its Tidak Diperingkat sheet."""
    response = client.get(f"/hasil/{competition_id}/unduh/hasil-{region}.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    response.close()
    sheet = book["Peringkat"]
    header = [c.value for c in sheet[1]]
    ranked = {}
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values, strict=True))
        ranked[row["Kode desa"]] = Shown(
            format_number(row["Indeks"]), row["Predikat"], row["Peringkat"], row["Seri"] == "seri"
        )
    unranked = {row[0]: row[3] for row in book["Tidak Diperingkat"].iter_rows(min_row=3, values_only=True)}
    return ranked, unranked


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def report_pdf(client: FlaskClient, competition_id: int, region: str) -> tuple[dict[str, Shown], str]:
    """The ranking table of a region's PDF report (rank, name, code, kecamatan, index, predikat per row) and the
    report's whole text."""
    response = fetch_document(client, f"/hasil/{competition_id}/laporan/{region}.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    response.close()
    start = text.index("Peringkat Desa Kecamatan Indeks Predikat")
    ranking = text[start : text.index("Tidak diperingkat", start) if "Tidak diperingkat" in text[start:] else None]
    ranked = {}
    for rank, seri, code, index, predikat in re.findall(
        r"^(\d+)( \(seri\))? [^\n]*\n([\d.]{13})\n[^\n]*? (\d[\d.]*,\d\d) (\w[\w ]*)$", ranking, re.M
    ):
        ranked[code] = Shown(index, predikat, int(rank), bool(seri))
    return ranked, text


def berita_acara_pleno(text: str) -> dict[str, Shown]:
    """The ranking table of the berita acara pleno's text: rank, name, code, index, predikat per row."""
    ranked = {}
    for rank, seri, code, index, predikat in re.findall(
        r"^(\d+)( \(seri\))? .*? ([\d.]{13}) ([\d.]*\d+,\d\d) (\w[\w ]*)$", text, re.M
    ):
        ranked[code] = Shown(index, predikat, int(rank), bool(seri))
    return ranked


def snapshot_of(client: FlaskClient, kode: str) -> dict[str, Any]:
    response = client.get(f"/verifikasi/{kode}/cuplikan.json")
    document: dict[str, Any] = json.loads(response.data)
    response.close()
    return document


PUBLISHED_ROW = re.compile(
    r"<tr><td>(\d+)( \(seri\))?</td><td>[^<]*</td><td>([\d.]+)</td>"
    r'<td class="num">([^<]*)</td><td>([^<]*)</td>'
)


def published_table(html: str) -> dict[str, Shown]:
    """The ranking table of a published document's page (publication/_ranking.html)."""
    return {
        code: Shown(index, predikat, int(rank), bool(seri))
        for rank, seri, code, index, predikat in PUBLISHED_ROW.findall(html)
    }


def dashboard(client: FlaskClient, competition_id: int, region: str) -> dict[str, Any]:
    """A dashboard's result headline: ranked and unranked counts, mean index, and desa per predikat."""
    html = client.get(f"/dasbor/{competition_id}/{region}").get_data(as_text=True)
    facts = dict(re.findall(r'data-nilai="([\w-]+)">([^<]*)<', html))
    table = re.search(r"<caption[^>]*>Tabel: Sebaran predikat</caption>(.*?)</table>", html, re.S)
    assert table, html
    counts = {
        label: int(n) for label, n in re.findall(r"<tr><t[hd][^>]*>([^<]+)</t[hd]><td[^>]*>(\d+)</td>", table.group(1))
    }
    return {
        "diperingkat": int(facts["diperingkat"]),
        "tidak_diperingkat": int(facts["tidak-diperingkat"].strip()),
        "rata_indeks": facts["rata-indeks"],
        "predikat": {k: v for k, v in counts.items() if v},
    }
