"""The results journeys in a real browser: the freeze, an objection filed and answered, the final snapshot and a
berita acara checked on the public verification page (and a tampered copy that does not verify)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from assessment.auth.operations import GrantSpec, create_user
from assessment.documents.operations import DOCUMENT_JOB
from assessment.jobs import queue
from assessment.models import BeritaAcara, Competition, LateChange, Objection, RegionKind, Role, StageCode, User, utcnow
from assessment.platform.extensions import db
from assessment.publication.operations import publish_provisional
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import OpenSession, axe_violations
from tests.e2e.test_verification_journey import SECRET, sign_in
from tests.support.competition import ensure_region
from tests.support.published import open_results_stage, results_world
from tests.support.verification import set_stage

pytestmark = pytest.mark.e2e

PASER = "64.01.01.2001"


@dataclass(frozen=True)
class World:
    """Seeded ids and sign-in e-mails."""

    competition: int
    paser: int
    committee: str = "panitia@kaltimprov.go.id"
    lead: str = "ketua.tim@kaltimprov.go.id"
    operator: str = "operator.paser@desa.id"


def _make_user(role: Role, region_code: str, *, home_region_code: str | None = None, name: str | None = None) -> User:
    emails = {Role.panitia: World.committee, Role.ketua_tim: World.lead}
    email = emails.get(role) or f"{(name or 'pengguna').lower().replace(' ', '.')}@kaltimprov.go.id"
    for code in (region_code, home_region_code):
        if code and code.count(".") == 1:
            ensure_region(code, f"Kabupaten {code}", RegionKind.kabupaten)
    return create_user(name or email, email, TEST_PASSWORD, [GrantSpec(role, region_code, home_region_code)])


def _seed(stage: StageCode, publish: bool) -> World:
    world = results_world(_make_user, stage=StageCode.pengumuman_sementara)
    create_user("Operator Paser", World.operator, TEST_PASSWORD, [GrantSpec(Role.operator_desa, PASER)])
    for user in db.session.scalars(db.select(User)).all():
        user.totp_secret = SECRET
        user.totp_confirmed_at = utcnow()
    db.session.commit()
    if publish:
        publish_provisional(world.competition, world.committee, datetime.now(UTC))
    open_results_stage(world.competition, stage)
    return World(world.competition.id, world.desa[PASER].id)


def test_change_after_freeze_refused_without_exception(open_session: OpenSession, live_app: Flask) -> None:
    with live_app.app_context():
        world = _seed(StageCode.pengumuman_sementara, publish=False)
    committee = sign_in(open_session, World.committee).page
    committee.goto("/panitia/hasil/")
    committee.get_by_role("link", name=re.compile("Lomba Desa Digital Uji")).click()
    committee.get_by_role("link", name="Umumkan hasil sementara").click()
    committee.get_by_role("button", name="Ya, umumkan hasil sementara").click()
    expect(committee.get_by_text("Hasil sementara diumumkan dan dibekukan.")).to_be_visible()
    with live_app.app_context():
        # The ketua tim's stage is open again (a late reconciliation): the freeze still refuses the change.
        row = db.session.get(Competition, world.competition)
        assert row is not None
        set_stage(row, StageCode.rekonsiliasi, timedelta(days=-1), timedelta(days=1))

    # Desa Paser's A1 was reconciled to 2 before the publication (tests/support/published.py); the ketua tim
    # corrects it to 3: a change of a level.
    lead = sign_in(open_session, World.lead).page
    lead.goto(f"/ketua-tim/lomba/{world.competition}")
    lead.get_by_text("Koreksi level kesepakatan").click()
    lead.get_by_label("Level yang benar").select_option("3")
    lead.get_by_label("Alasan koreksi").fill("Dikoreksi ke level 3.")
    lead.get_by_role("button", name="Simpan koreksi").click()
    expect(lead.get_by_text(re.compile("Hasil sementara sudah diumumkan"))).to_be_visible()

    committee.goto(f"/panitia/verifikasi/lomba/{world.competition}")
    committee.get_by_label("Desa", exact=True).select_option(str(world.paser))
    committee.get_by_label("Tahap", exact=True).select_option("rekonsiliasi")
    committee.get_by_label("Indikator (kosongkan untuk seluruh desa)").fill("A1")
    committee.get_by_label("Berlaku sampai (tanggal, WITA)").fill(
        (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")
    )
    committee.get_by_label("Alasan tertulis").fill("Pleno: asesor salah membaca bukti A1 Desa Paser.")
    committee.get_by_role("button", name="Buka pengecualian").click()

    lead.goto(f"/ketua-tim/lomba/{world.competition}")
    lead.get_by_text("Koreksi level kesepakatan").click()
    lead.get_by_label("Level yang benar").select_option("3")
    lead.get_by_label("Alasan koreksi").fill("Dikoreksi ke level 3.")
    lead.get_by_role("button", name="Simpan koreksi").click()
    expect(lead.get_by_text(re.compile("Koreksi kesepakatan untuk Desa Paser indikator A1 tersimpan"))).to_be_visible()

    committee.goto(f"/panitia/hasil/lomba/{world.competition}")
    expect(committee.get_by_text(re.compile("diubah setelah pengumuman \\(A1\\): Pleno: asesor salah"))).to_be_visible()
    with live_app.app_context():
        assert len(db.session.scalars(db.select(LateChange)).all()) == 1


def test_objection_filed_and_answered(open_session: OpenSession, live_app: Flask) -> None:
    with live_app.app_context():
        world = _seed(StageCode.masa_sanggah, publish=True)
    operator = sign_in(open_session, World.operator).page
    operator.goto("/sanggah/")
    operator.get_by_role("link", name=re.compile("Desa Paser")).click()
    expect(operator.get_by_text(re.compile("Peringkat 3 dari 3 desa"))).to_be_visible()
    operator.get_by_role("button", name="Kirim sanggah").click()
    expect(operator.get_by_text("Tulis alasan sanggah.")).to_be_visible()
    operator.get_by_label("Indikator (boleh dikosongkan)").select_option("A1")
    operator.get_by_label("Alasan sanggah").fill("Layanan surat daring kami sudah melayani 10 jenis surat.")
    operator.get_by_role("button", name="Kirim sanggah").click()
    expect(operator.get_by_text("Sanggah terkirim ke panitia.")).to_be_visible()

    committee = sign_in(open_session, World.committee).page
    committee.goto("/kotak-masuk/")
    expect(committee.get_by_text(re.compile("Sanggah baru dari Desa Paser"))).to_be_visible()
    committee.goto(f"/panitia/sanggah/lomba/{world.competition}")
    expect(committee.get_by_text("Layanan surat daring kami sudah melayani 10 jenis surat.")).to_be_visible()
    committee.get_by_role("button", name="Simpan jawaban").click()
    expect(committee.get_by_text("Tulis alasan jawaban.")).to_be_visible()
    committee.get_by_label("Alasan jawaban").fill("Bukti hanya menunjukkan tiga jenis surat; level tetap.")
    committee.get_by_role("button", name="Simpan jawaban").click()
    expect(committee.get_by_text("Jawaban sanggah tersimpan.")).to_be_visible()

    operator.reload()
    expect(operator.get_by_text(re.compile("Bukti hanya menunjukkan tiga jenis surat"))).to_be_visible()
    expect(operator.get_by_text("Level tidak diubah.")).to_be_visible()
    with live_app.app_context():
        (row,) = db.session.scalars(db.select(Objection)).all()
        assert row.answered_at is not None and row.new_level is None


def _download(page: Page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).first.click()
    path = info.value.path()
    return Path(path).read_bytes()


def test_final_snapshot_verifies_and_tampered_pdf_does_not(
    open_session: OpenSession, live_app: Flask, axe_js: Path, tmp_path: Path
) -> None:
    with live_app.app_context():
        world = _seed(StageCode.penetapan, publish=True)
    committee = sign_in(open_session, World.committee, bypass_csp=True).page
    committee.goto(f"/panitia/hasil/lomba/{world.competition}")
    committee.get_by_role("link", name="Tetapkan hasil akhir").click()
    expect(committee.get_by_text(re.compile("Penetapan tidak dapat dibatalkan"))).to_be_visible()
    assert axe_violations(committee, axe_js) == []
    committee.get_by_role("button", name="Ya, tetapkan hasil akhir").click()
    expect(committee.get_by_text("Hasil akhir ditetapkan.")).to_be_visible()
    committee.get_by_role("link", name=re.compile("Berita acara")).first.click()
    committee.get_by_role("button", name="Buat berita acara pleno").click()
    # Made by the background worker (issue 15): the progress page waits for it, then offers the download.
    expect(committee.get_by_text("Menunggu giliran di pekerja latar…")).to_be_visible()
    with live_app.app_context():
        assert [outcome.status.value for outcome in queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])] == [
            "done"
        ]
        kode = db.session.scalars(db.select(BeritaAcara.kode)).one()
    committee.reload()  # the page refreshes itself every few seconds; at once here
    expect(committee.get_by_text("Dokumen siap.")).to_be_visible()
    pdf = _download(committee, f"Unduh berita-acara-pleno-{kode}.pdf")

    committee.goto(f"/panitia/hasil/lomba/{world.competition}")
    snapshot_link = committee.get_by_role("link", name=re.compile("Halaman verifikasi publik"))
    snapshot_url = snapshot_link.get_attribute("href")
    assert snapshot_url is not None

    public = open_session(bypass_csp=True).page
    public.goto(snapshot_url)
    expect(public.get_by_role("heading", name="Hasil akhir (cuplikan penetapan)")).to_be_visible()
    assert axe_violations(public, axe_js) == []
    published = public.locator("dd code.hash").inner_text().strip()
    data = _download(public, "Unduh cuplikan (JSON)")
    assert hashlib.sha256(data).hexdigest() == published

    public.goto(f"/verifikasi/{kode}")
    original = tmp_path / "berita-acara.pdf"
    original.write_bytes(pdf)
    public.get_by_label("Berkas PDF", exact=True).set_input_files(str(original))
    public.get_by_role("button", name="Periksa", exact=True).click()
    expect(public.get_by_text("Cocok.", exact=True)).to_be_visible()
    assert axe_violations(public, axe_js) == []

    tampered = tmp_path / "berita-acara-diubah.pdf"
    tampered.write_bytes(pdf.replace(b"/Producer", b"/Producex", 1) if b"/Producer" in pdf else pdf + b"\n%x\n")
    public.get_by_label("Berkas PDF", exact=True).set_input_files(str(tampered))
    public.get_by_role("button", name="Periksa", exact=True).click()
    expect(public.get_by_text("Tidak cocok.", exact=True)).to_be_visible()
    expect(public.get_by_text("Cocok.", exact=True)).to_have_count(0)


def test_operator_sees_verified_levels_and_why_this_rank_on_a_phone(
    open_session: OpenSession, live_app: Flask, axe_js: Path
) -> None:
    with live_app.app_context():
        world = _seed(StageCode.masa_sanggah, publish=True)
    operator = sign_in(open_session, World.operator, bypass_csp=True).page
    operator.goto("/sanggah/")
    operator.get_by_role("link", name=re.compile("Desa Paser")).click()
    levels = operator.get_by_role("table").filter(has_text="Asal level")
    # A1: the ketua tim's agreed level (the assessors gave 1 and 3); A2: both assessors gave 1.
    expect(levels.locator("tr[data-indikator='A1'] [data-testid='level']")).to_have_text("2,00")
    expect(levels.locator("tr[data-indikator='A2'] [data-testid='level']")).to_have_text("1,00")
    expect(levels.get_by_text(re.compile("Rekonsiliasi ketua tim"))).to_be_visible()
    # On a 412-px phone the page never scrolls sideways, and it passes axe-core.
    assert operator.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(operator, axe_js) == []
    operator.get_by_role("link", name=re.compile("Mengapa peringkat ini")).click()
    expect(operator.get_by_test_id("peringkat")).to_have_text(re.compile("3 dari 3 desa"))
    expect(operator.get_by_test_id("indeks")).to_have_text("40,00")
    assert f"/hasil/{world.competition}/desa/{PASER}" in operator.url
