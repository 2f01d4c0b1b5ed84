"""Each role's journey through the self-assessment, in a real browser at phone size (412 px)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Route, expect

from assessment.auth.operations import GrantSpec, create_user
from assessment.models import Evidence, Participant, Role, SelfAssessment, SubmissionStatus
from assessment.platform.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import OpenSession, axe_violations, page_weight
from tests.support import files
from tests.support.competition import create_competition

pytestmark = pytest.mark.e2e

DESA = "64.09.04.2002"
OTHER_DESA = "64.09.04.2003"
WEIGHT_LIMIT = 150 * 1024


@dataclass(frozen=True)
class World:
    """What the tests seeded: participant ids and sign-in e-mails."""

    mine: int
    theirs: int
    operator: str = "operator@bukitraya.desa.id"
    other_operator: str = "operator@semoidua.desa.id"
    dpmd: str = "dpmd@ppu.go.id"


@pytest.fixture
def world(live_app: Flask) -> World:
    with live_app.app_context():
        _, (mine, theirs) = create_competition(desa={DESA: "Bukit Raya", OTHER_DESA: "Semoi Dua"})
        create_user("Operator Bukit Raya", World.operator, TEST_PASSWORD, [GrantSpec(Role.operator_desa, DESA)])
        create_user(
            "Operator Semoi Dua", World.other_operator, TEST_PASSWORD, [GrantSpec(Role.operator_desa, OTHER_DESA)]
        )
        create_user("DPMD PPU", World.dpmd, TEST_PASSWORD, [GrantSpec(Role.dpmd, "64.09")])
        return World(mine.id, theirs.id)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_operator_uploads_evidence_and_submits(
    open_session: OpenSession, world: World, live_app: Flask, tmp_path: Path
) -> None:
    session = open_session(World.operator, TEST_PASSWORD)
    page = session.page
    page.goto("/desa/")
    page.get_by_role("link", name="Bukit Raya").click()
    expect(page.get_by_role("heading", name="Bukit Raya", level=1)).to_be_visible()
    page.get_by_role("link", name="A1 Layanan surat daring").first.click()
    page.get_by_label("Level penilaian mandiri").select_option("3")
    page.get_by_label("Penjelasan").fill("OpenSID melayani 12 jenis surat; status dapat dilacak.")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Penilaian indikator A1 tersimpan.")).to_be_visible()

    # The upload goes through upload.js (XHR with progress), then the page reloads with the file listed.
    page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "foto layanan.jpg", files.jpeg()))
    page.get_by_role("button", name="Unggah berkas").click()
    expect(page.get_by_role("link", name="foto layanan.jpg")).to_be_visible()
    expect(page.get_by_text("Berkas foto layanan.jpg tersimpan.")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("foto layanan.jpg"))).to_be_visible()

    page.goto(f"/desa/peserta/{world.mine}/indikator/A2")
    page.get_by_label("Level penilaian mandiri").select_option("2")
    page.get_by_label("Penjelasan").fill("TTE BSrE untuk surat keterangan.")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "surat-tte.pdf", files.pdf(text="TTE")))
    page.get_by_role("button", name="Unggah berkas").click()
    expect(page.get_by_role("link", name="surat-tte.pdf")).to_be_visible()

    page.goto(f"/desa/peserta/{world.mine}")
    expect(page.get_by_text("2 dari 2 indikator sudah diberi level.")).to_be_visible()
    page.get_by_role("button", name="Ajukan sekarang").click()
    # A confirmation page says what will happen and what is still missing before anything is locked.
    expect(page.get_by_role("heading", name="Yang akan terjadi")).to_be_visible()
    expect(page.get_by_text("Semua indikator sudah diisi.")).to_be_visible()
    page.get_by_role("button", name="Ya, ajukan sekarang").click()
    expect(page.get_by_text("Penilaian mandiri sudah diajukan.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Status: Diajukan"))).to_be_visible()
    expect(page.get_by_role("button", name="Ajukan sekarang")).to_have_count(0)
    # Once locked, the page says what happens next instead of listing what is missing.
    expect(page.get_by_role("heading", name="Apa selanjutnya")).to_be_visible()
    expect(page.get_by_role("heading", name="Yang masih kurang")).to_have_count(0)
    session.requests.assert_local()
    with live_app.app_context():
        participant = db.session.get(Participant, world.mine)
        assert participant is not None and participant.status == SubmissionStatus.diajukan
        assert len(db.session.scalars(db.select(Evidence)).all()) == 2


def test_operator_moves_through_indicators_on_a_phone(open_session: OpenSession, world: World) -> None:
    """Forward and back without the desa page in between; saving leads to the next indicator still to fill."""
    page = open_session(World.operator, TEST_PASSWORD).page
    page.goto(f"/desa/peserta/{world.mine}/indikator/A1")
    expect(page.get_by_text("0 dari 2 terisi")).to_be_visible()
    page.get_by_label("Level penilaian mandiri").select_option("0")
    page.get_by_role("button", name="Simpan").click()
    # The lowest level needs nothing more, so the next indicator opens.
    expect(page).to_have_url(re.compile(rf"/desa/peserta/{world.mine}/indikator/A2$"))
    expect(page.get_by_text("Penilaian indikator A1 tersimpan.")).to_be_visible()
    expect(page.get_by_text("1 dari 2 terisi")).to_be_visible()
    page.get_by_role("link", name=re.compile("sebelumnya")).click()
    expect(page).to_have_url(re.compile(r"/indikator/A1$"))
    page.get_by_role("link", name=re.compile("berikutnya")).click()
    page.get_by_label("Level penilaian mandiri").select_option("0")
    page.get_by_role("button", name="Simpan").click()
    # Nothing is missing any more: the desa page, where the self-assessment is submitted.
    expect(page).to_have_url(re.compile(rf"/desa/peserta/{world.mine}$"))
    expect(page.get_by_text("Semua indikator sudah terisi: periksa ringkasannya, lalu ajukan.")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 412


def test_core_flow_works_without_javascript(
    open_session: OpenSession, world: World, live_app: Flask, tmp_path: Path
) -> None:
    session = open_session(World.operator, TEST_PASSWORD, java_script_enabled=False)
    page = session.page
    page.goto(f"/desa/peserta/{world.mine}/indikator/A1")
    page.get_by_label("Level penilaian mandiri").select_option("1")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Penilaian indikator A1 tersimpan.")).to_be_visible()
    page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "bukti.pdf", files.pdf()))
    page.get_by_role("button", name="Unggah berkas").click()
    expect(page.get_by_text("Berkas bukti.pdf tersimpan.")).to_be_visible()
    page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "bukan-foto.jpg", files.html_as_jpg()))
    page.get_by_role("button", name="Unggah berkas").click()
    expect(page.get_by_role("alert")).to_contain_text("Jenis berkas tidak didukung")
    with live_app.app_context():
        assert db.session.scalar(db.select(SelfAssessment.level)) == 1
        assert len(db.session.scalars(db.select(Evidence)).all()) == 1


def test_operator_of_another_desa_gets_403_on_that_desa_page_and_file(
    open_session: OpenSession, world: World, tmp_path: Path
) -> None:
    owner = open_session(World.operator, TEST_PASSWORD)
    owner.page.goto(f"/desa/peserta/{world.mine}/indikator/A1")
    owner.page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "rahasia.jpg", files.jpeg()))
    owner.page.get_by_role("button", name="Unggah berkas").click()
    link = owner.page.get_by_role("link", name="rahasia.jpg")
    expect(link).to_be_visible()
    file_url = link.get_attribute("href")
    assert file_url

    intruder = open_session(World.other_operator, TEST_PASSWORD)
    for url in (f"/desa/peserta/{world.mine}", f"/desa/peserta/{world.mine}/indikator/A1", file_url):
        response = intruder.page.goto(url)
        assert response is not None and response.status == 403, url
        expect(intruder.page.get_by_role("heading", name="Akses ditolak")).to_be_visible()
    api = intruder.context.request.get(file_url)
    assert api.status == 403
    assert api.body() != files.jpeg()


def test_dpmd_returns_a_submission_and_the_operator_sees_the_reason(
    open_session: OpenSession, world: World, live_app: Flask
) -> None:
    with live_app.app_context():
        participant = db.session.get(Participant, world.mine)
        assert participant is not None
        for code in ("A1", "A2"):
            db.session.add(SelfAssessment(participant_id=participant.id, indicator_code=code, level=2))
        participant.status = SubmissionStatus.diajukan
        db.session.commit()
    dpmd = open_session(World.dpmd, TEST_PASSWORD).page
    dpmd.goto("/kelengkapan/")
    dpmd.get_by_role("link", name="Bukit Raya").click()
    dpmd.get_by_label("Alasan pengembalian").fill("Lampirkan contoh surat ber-TTE untuk indikator A2.")
    dpmd.get_by_role("button", name="Kembalikan untuk perbaikan").click()
    expect(dpmd.get_by_text("Pengajuan Bukit Raya dikembalikan untuk perbaikan.")).to_be_visible()

    operator = open_session(World.operator, TEST_PASSWORD).page
    operator.goto(f"/desa/peserta/{world.mine}")
    expect(operator.get_by_text("Lampirkan contoh surat ber-TTE untuk indikator A2.")).to_be_visible()
    expect(operator.get_by_role("button", name="Ajukan sekarang")).to_be_visible()


def _operator_pages(world: World) -> list[str]:
    return [
        "/desa/",
        f"/desa/peserta/{world.mine}",
        f"/desa/peserta/{world.mine}/indikator/A1",
        f"/desa/peserta/{world.mine}/ajukan",
    ]


def test_operator_pages_fit_a_412_px_phone(open_session: OpenSession, world: World, tmp_path: Path) -> None:
    page = open_session(World.operator, TEST_PASSWORD).page
    for number, url in enumerate(_operator_pages(world)):
        page.goto(url)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 412 px"
        shot = tmp_path / f"operator-{number}-412px.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5000


def test_axe_finds_no_wcag_violations_on_operator_pages(
    open_session: OpenSession, world: World, axe_js: Path, tmp_path: Path
) -> None:
    # axe is injected as an inline script, which the app's CSP forbids: this context alone bypasses CSP.
    page = open_session(World.operator, TEST_PASSWORD, bypass_csp=True).page
    page.goto(f"/desa/peserta/{world.mine}/indikator/A1")
    page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "foto.jpg", files.jpeg()))
    page.get_by_role("button", name="Unggah berkas").click()
    expect(page.get_by_role("link", name="foto.jpg")).to_be_visible()
    found = {}
    for url in _operator_pages(world):
        page.goto(url)
        violations = axe_violations(page, axe_js)
        if violations:
            found[url] = violations
    # A page with a form error shown, too.
    page.goto(f"/desa/peserta/{world.mine}/indikator/A1")
    page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "x.jpg", files.html_as_jpg()))
    page.get_by_role("button", name="Unggah berkas").click()
    expect(page.get_by_text("Jenis berkas tidak didukung")).to_be_visible()
    if violations := axe_violations(page, axe_js):
        found["upload error"] = violations
    assert found == {}


def test_operator_page_weighs_at_most_150_kb_with_no_request_leaving_the_server(
    open_session: OpenSession, world: World
) -> None:
    session = open_session(World.operator, TEST_PASSWORD)
    for url in _operator_pages(world):
        fresh = open_session(World.operator, TEST_PASSWORD)
        response = fresh.page.goto(url)
        assert response is not None and response.status == 200
        fresh.page.wait_for_load_state("load")
        weight = page_weight(fresh.page)
        assert 0 < weight <= WEIGHT_LIMIT, f"{url} weighs {weight} bytes"
        assert response.headers.get("content-encoding") == "gzip", url
        fresh.requests.assert_local()
    session.requests.assert_local()


def test_axe_check_can_fail(open_session: OpenSession, world: World, axe_js: Path) -> None:
    page = open_session(World.operator, TEST_PASSWORD, bypass_csp=True).page
    page.goto("/desa/")
    page.evaluate(
        "() => { const img = document.createElement('img'); img.src = 'data:,'; "
        "document.querySelector('main').append(img); }"
    )
    assert "image-alt" in {violation["id"] for violation in axe_violations(page, axe_js)}


def test_too_large_file_is_refused_before_upload_with_a_friendly_message(
    open_session: OpenSession, world: World, live_app: Flask, tmp_path: Path
) -> None:
    live_app.config["EVIDENCE_MAX_BYTES"] = 2 * 1024 * 1024
    session = open_session(World.operator, TEST_PASSWORD)
    page = session.page
    page.goto(f"/desa/peserta/{world.mine}/indikator/A1")
    page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "video.mp4", bytes(3 * 1024 * 1024)))
    posted: list[str] = []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    page.get_by_role("button", name="Unggah berkas").click()
    expect(page.get_by_role("status").filter(has_text="Berkas terlalu besar")).to_be_visible()
    assert posted == []
    with live_app.app_context():
        assert db.session.scalars(db.select(Evidence)).all() == []


def test_upload_whose_answer_is_lost_is_retried_without_duplicating_the_file(
    open_session: OpenSession, world: World, live_app: Flask, tmp_path: Path
) -> None:
    session = open_session(World.operator, TEST_PASSWORD)
    page = session.page
    attempts: list[int] = []

    def lose_first_answer(route: Route) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            route.fetch()  # the server receives and stores the file...
            route.abort("connectionreset")  # ...but the phone never hears back
        else:
            route.continue_()

    page.route("**/indikator/A1/bukti", lose_first_answer)
    page.goto(f"/desa/peserta/{world.mine}/indikator/A1")
    page.get_by_label("Berkas bukti").set_input_files(_write(tmp_path, "surat.pdf", files.pdf()))
    page.get_by_role("button", name="Unggah berkas").click()
    # Which flash message shows depends on which answer's session cookie won; the listing and the store do not.
    expect(page.get_by_role("link", name="surat.pdf")).to_have_count(1, timeout=15000)
    assert len(attempts) == 2
    with live_app.app_context():
        assert len(db.session.scalars(db.select(Evidence)).all()) == 1
    evidence_dir = Path(live_app.config["EVIDENCE_DIR"])
    assert len([path for path in evidence_dir.rglob("*") if path.is_file()]) == 1
