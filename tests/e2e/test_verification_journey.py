"""The verification journeys in a real browser at phone size: blind desk scoring, conflicts, reconciliation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from assessment.assignments.operations import assign_assessor
from assessment.auth import two_factor
from assessment.auth.operations import GrantSpec, create_user
from assessment.models import (
    Assignment,
    DeskScore,
    Evidence,
    EvidenceKind,
    Reconciliation,
    RegionKind,
    Role,
    SelfAssessment,
    StageCode,
    User,
    utcnow,
)
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import OpenSession, Session, axe_violations
from tests.support import files
from tests.support.competition import ensure_region
from tests.support.signed_pdf import signed_pdf
from tests.support.verification import verification_competition

pytestmark = pytest.mark.e2e

# Committee and assessor accounts sign in with a TOTP code: every seeded account is enrolled with this secret.
SECRET = two_factor.new_secret()


def sign_in(open_session: OpenSession, email: str, **context_args: bool) -> Session:
    """Password, then the current TOTP code of :data:`SECRET`."""
    session = open_session(**context_args)
    page = session.page
    page.goto("/masuk")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_label("Kode 6 angka dari aplikasi autentikator").fill(pyotp.TOTP(SECRET).now())
    page.get_by_role("button", name=re.compile("Masuk|Lanjut|Verifikasi|Kirim")).click()
    page.wait_for_load_state()
    assert "/masuk" not in page.url, f"sign-in failed for {email}"
    return session


DESA = {"64.09.04.2002": "Bukit Raya"}


@dataclass(frozen=True)
class World:
    """Seeded ids and sign-in e-mails."""

    competition: int
    participant: int
    first_assignment: int
    second_assignment: int
    first: str = "asesor.satu@kaltimprov.go.id"
    second: str = "asesor.dua@kaltimprov.go.id"
    local: str = "asesor.ppu@kaltimprov.go.id"
    lead: str = "ketua.tim@kaltimprov.go.id"


def _seed(stage: StageCode) -> World:
    competition, (desa,) = verification_competition(stage, desa=DESA)
    db.session.add_all(
        [
            SelfAssessment(participant_id=desa.id, indicator_code="A1", level=3, explanation="OpenSID 12 jenis surat."),
            SelfAssessment(participant_id=desa.id, indicator_code="A2", level=2, explanation="TTE BSrE."),
        ]
    )
    store = get_store()
    # A photo as a phone takes it (1,600 px wide): pages must fit it to their column.
    photo = store.put(files.jpeg(1600, 1200, gps=False, orientation=None)).sha256
    pdf_bytes, _cert = signed_pdf("Kepala Desa Bukit Raya")
    db.session.add_all(
        [
            Evidence(
                participant_id=desa.id,
                indicator_code="A1",
                kind=EvidenceKind.file,
                sha256=photo,
                media_type="image/jpeg",
                display_sha256=photo,
                original_name="layanan.jpg",
            ),
            Evidence(
                participant_id=desa.id,
                indicator_code="A2",
                kind=EvidenceKind.file,
                sha256=store.put(pdf_bytes).sha256,
                media_type="application/pdf",
                original_name="surat-tte.pdf",
            ),
        ]
    )
    for code in ("64.72", "64.01", "64.09"):
        ensure_region(code, f"Kabupaten {code}", RegionKind.kabupaten)
    db.session.commit()
    committee = create_user("Panitia", "panitia@kaltimprov.go.id", TEST_PASSWORD, [GrantSpec(Role.panitia, "64")])
    first = create_user("Asesor Satu", World.first, TEST_PASSWORD, [GrantSpec(Role.asesor, "64", "64.72")])
    second = create_user("Asesor Dua", World.second, TEST_PASSWORD, [GrantSpec(Role.asesor, "64", "64.01")])
    create_user("Asesor PPU", World.local, TEST_PASSWORD, [GrantSpec(Role.asesor, "64", "64.09")])
    create_user("Ketua Tim", World.lead, TEST_PASSWORD, [GrantSpec(Role.ketua_tim, "64", "64.72")])
    for user in db.session.scalars(db.select(User)).all():
        user.totp_secret = SECRET
        user.totp_confirmed_at = utcnow()
    db.session.commit()
    dokumen = competition.stage(StageCode.penilaian_dokumen)
    assert dokumen is not None
    moment = dokumen.starts_at + timedelta(seconds=1)
    one = assign_assessor(desa, first, committee, moment)
    two = assign_assessor(desa, second, committee, moment)
    return World(competition.id, desa.id, one.id, two.id)


@pytest.fixture
def world(live_app: Flask) -> World:
    with live_app.app_context():
        return _seed(StageCode.penilaian_dokumen)


def _score(page: Page, assignment: int, code: str, level: str, note: str) -> None:
    page.goto(f"/asesor/penugasan/{assignment}/indikator/{code}")
    page.get_by_label("Level verifikasi asesor").select_option(level)
    page.get_by_label("Catatan asesor").fill(note)
    page.get_by_label("Penilaian bukti").select_option("valid")
    page.get_by_role("button", name="Simpan draf").click()
    expect(page.get_by_text(f"Draf penilaian indikator {code} tersimpan.")).to_be_visible()


def test_two_assessors_score_independently_and_blind(open_session: OpenSession, world: World, live_app: Flask) -> None:
    first = sign_in(open_session, World.first)
    page = first.page
    page.goto("/asesor/")
    page.get_by_role("link", name="Bukit Raya").click()
    page.get_by_role("link", name="A2 Tanda tangan elektronik tersertifikasi").click()
    # The TTE read from the PDF itself, beside the level descriptions and the self-assessment.
    expect(page.get_by_text(re.compile("Kepala Desa Bukit Raya")).first).to_be_visible()
    # The certificate's name in Indonesian words, not X.509's English attribute names.
    expect(page.get_by_text("Nama: Kepala Desa Bukit Raya; Organisasi: Pemerintah Desa Uji").first).to_be_visible()
    expect(page.get_by_text(re.compile("Common Name|Organization"))).to_have_count(0)
    expect(page.get_by_text("tidak berubah")).to_be_visible()
    expect(page.get_by_text("TTE BSrE untuk semua surat keluar.")).to_be_visible()
    _score(page, world.first_assignment, "A1", "2", "Pelacakan status belum ada (satu).")
    _score(page, world.first_assignment, "A2", "3", "Semua surat keluar ber-TTE (satu).")

    second = sign_in(open_session, World.second).page
    _score(second, world.second_assignment, "A1", "4", "Terintegrasi dengan data penduduk (dua).")
    expect(second.get_by_text("(satu)")).to_have_count(0)
    expect(second.get_by_text("Asesor Satu")).to_have_count(0)
    # The other's assignment is not reachable by changing the URL.
    response = second.goto(f"/asesor/penugasan/{world.first_assignment}/indikator/A1")
    assert response is not None and response.status == 403

    page.goto(f"/asesor/penugasan/{world.first_assignment}")
    page.get_by_role("button", name="Ajukan penilaian dokumen").click()
    expect(page.get_by_text("Semua indikator dan bukti sudah dinilai.")).to_be_visible()
    page.get_by_role("button", name="Ya, ajukan penilaian dokumen").click()
    expect(page.get_by_text("Penilaian dokumen diajukan dan final.")).to_be_visible()
    page.goto(f"/asesor/penugasan/{world.first_assignment}/indikator/A1")
    # The second assessor's score is still a draft: never shown, even after one's own submission.
    expect(page.get_by_text(re.compile(r"Terintegrasi dengan data penduduk \(dua\)"))).to_have_count(0)
    expect(page.get_by_role("button", name="Simpan draf")).to_have_count(0)
    # The second assessor, not yet submitted, still sees nothing of the first.
    second.goto(f"/asesor/penugasan/{world.second_assignment}/indikator/A1")
    expect(second.get_by_text("(satu)")).to_have_count(0)
    # Once the second submits too, each sees the other's submitted scores.
    _score(second, world.second_assignment, "A2", "3", "Semua surat keluar ber-TTE (dua).")
    second.goto(f"/asesor/penugasan/{world.second_assignment}")
    second.get_by_role("button", name="Ajukan penilaian dokumen").click()
    second.get_by_role("button", name="Ya, ajukan penilaian dokumen").click()
    expect(second.get_by_text("Penilaian dokumen diajukan dan final.")).to_be_visible()
    page.goto(f"/asesor/penugasan/{world.first_assignment}/indikator/A1")
    expect(page.get_by_text(re.compile(r"Terintegrasi dengan data penduduk \(dua\)"))).to_be_visible()
    first.requests.assert_local()
    with live_app.app_context():
        assert db.session.get(Assignment, world.first_assignment).submitted_at is not None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "viewport", [{"width": 412, "height": 800}, {"width": 1366, "height": 768}], ids=["phone", "desktop"]
)
def test_a_large_evidence_photo_fits_the_column_and_opens_full_size(
    open_session: OpenSession, world: World, viewport: dict[str, int]
) -> None:
    page = sign_in(open_session, World.first).page
    page.set_viewport_size(viewport)
    page.goto(f"/asesor/penugasan/{world.first_assignment}/indikator/A1")
    photo = page.get_by_role("img", name=re.compile("Foto bukti"))
    expect(photo).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.evidence-image').complete")
    width = page.evaluate("() => document.querySelector('img.evidence-image').getBoundingClientRect().width")
    assert 0 < width <= viewport["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    full = page.get_by_role("link", name="Buka foto ukuran penuh")
    assert full.get_attribute("href") == photo.get_attribute("src")


def test_conflicted_assessor_gets_403(open_session: OpenSession, world: World) -> None:
    local = sign_in(open_session, World.local).page
    for url in (f"/asesor/penugasan/{world.first_assignment}", "/desa/bukti/1/unduh", "/desa/bukti/2/unduh"):
        response = local.goto(url)
        assert response is not None and response.status == 403, url
        expect(local.get_by_role("heading", name="Akses ditolak")).to_be_visible()

    # An assessor who declares a conflict loses the desa at once.
    first = sign_in(open_session, World.first).page
    first.goto("/asesor/")
    first.get_by_label("Kode desa atau kecamatan").fill("64.09.04.2002")
    first.get_by_label("Alasan konflik kepentingan").fill("Saudara kandung saya kepala desa.")
    first.get_by_role("button", name="Nyatakan konflik").click()
    expect(first.get_by_text(re.compile("1 penugasan dihentikan"))).to_be_visible()
    response = first.goto(f"/asesor/penugasan/{world.first_assignment}/indikator/A2")
    assert response is not None and response.status == 403


def test_ketua_tim_reconciles_a_flagged_item(open_session: OpenSession, live_app: Flask, axe_js: Path) -> None:
    with live_app.app_context():
        world = _seed(StageCode.rekonsiliasi)
        for assignment_id, levels in (
            (world.first_assignment, {"A1": 1, "A2": 2}),
            (world.second_assignment, {"A1": 4, "A2": 2}),
        ):
            for code, level in levels.items():
                db.session.add(
                    DeskScore(
                        assignment_id=assignment_id,
                        indicator_code=code,
                        level=level,
                        note=f"Catatan {code} asesor {assignment_id}",
                    )
                )
            assignment = db.session.get(Assignment, assignment_id)
            assert assignment is not None
            assignment.submitted_at = datetime.now(UTC)
        db.session.commit()
    lead = sign_in(open_session, World.lead, bypass_csp=True).page
    lead.goto("/ketua-tim/")
    lead.get_by_role("link", name=re.compile("Lomba Desa Digital Uji")).click()
    expect(lead.get_by_role("heading", name=re.compile("Bukit Raya · A1"))).to_be_visible()
    expect(lead.get_by_role("heading", name=re.compile("A2"))).to_have_count(0)
    assert axe_violations(lead, axe_js) == []
    lead.get_by_label("Level yang disepakati").select_option("3")
    lead.get_by_role("button", name="Simpan kesepakatan").click()
    expect(lead.get_by_text("Tulis alasan kesepakatan.")).to_be_visible()
    lead.get_by_label("Level yang disepakati").select_option("3")
    lead.get_by_label("Alasan").fill("Video menunjukkan pelacakan status; disepakati level 3.")
    lead.get_by_role("button", name="Simpan kesepakatan").click()
    expect(lead.get_by_text(re.compile("Level disepakati: 3"))).to_be_visible()
    # The assessors' original levels stay on the page beside it.
    expect(lead.get_by_text(re.compile(f"Catatan A1 asesor {world.first_assignment}"))).to_be_visible()
    with live_app.app_context():
        (row,) = db.session.scalars(db.select(Reconciliation)).all()
        assert row.level == 3 and row.indicator_code == "A1"
