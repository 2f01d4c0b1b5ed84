"""The field visit in a real browser at phone size (412 px): open the finalist desa's checklist, take a photo
with the camera input, save a field level; accessible, and nothing leaves the server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from assessment.auth.operations import GrantSpec, create_user
from assessment.models import FieldPhoto, RegionKind, Role, User, utcnow
from assessment.platform.extensions import db
from assessment.repo import FIELD_BY, verified_records
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import OpenSession, axe_violations
from tests.e2e.test_verification_journey import SECRET, sign_in
from tests.support import files
from tests.support.competition import ensure_region
from tests.support.field import field_world

pytestmark = pytest.mark.e2e

VISITOR = "asesor.satu@kaltimprov.go.id"


def _make_user(role: Role, region_code: str, *, home_region_code: str | None = None, name: str = "") -> User:
    email = VISITOR if name == "Asesor Satu" else f"{name.lower().replace(' ', '.')}@kaltimprov.go.id"
    return create_user(name, email, TEST_PASSWORD, [GrantSpec(role, region_code, home_region_code)])


def test_field_visit_on_a_phone(open_session: OpenSession, live_app: Flask, axe_js: Path) -> None:
    with live_app.app_context():
        ensure_region("64", "Kalimantan Timur", RegionKind.provinsi)
        for code in ("64.72", "64.01", "64.09"):
            ensure_region(code, f"Kabupaten {code}", RegionKind.kabupaten)
        db.session.commit()
        world = field_world(_make_user)
        for user in db.session.scalars(db.select(User)).all():
            user.totp_secret = SECRET
            user.totp_confirmed_at = utcnow()
        db.session.commit()
        competition_id = world.competition.id

    session = sign_in(open_session, VISITOR, bypass_csp=True)
    page = session.page
    assert page.viewport_size == {"width": 412, "height": 800}
    page.goto("/lapangan/")
    page.get_by_role("link", name="Bukit Raya").click()
    expect(page.get_by_role("heading", name="Daftar periksa")).to_be_visible()
    page.get_by_role("link", name=re.compile("Layanan surat daring")).click()
    expect(page.get_by_text("Terintegrasi dengan data penduduk.")).to_be_visible()
    camera = page.get_by_label("Foto dari kamera")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    camera.set_input_files({"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": files.jpeg(gps=True)})
    page.get_by_role("button", name="Unggah foto").click()
    expect(page.get_by_text("Foto tersimpan.")).to_be_visible()
    photo = page.get_by_role("img", name=re.compile("Foto lapangan A1"))
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") > 0

    page.get_by_label("Level lapangan").select_option("2")
    page.get_by_role("textbox", name="Catatan lapangan").fill("Aplikasi surat jalan; pelacakan status belum ada.")
    page.get_by_role("button", name="Simpan level lapangan").click()
    expect(page.get_by_text("Level lapangan indikator A1 tersimpan.")).to_be_visible()
    # The field level is shown beside the desk levels it replaces.
    expect(page.get_by_text("menggantikan level dokumen dalam skor")).to_be_visible()
    expect(page.get_by_text(re.compile("Dokumen A1 Asesor Dua"))).to_be_visible()
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 412
    assert axe_violations(page, axe_js) == []

    # A wrong photo is withdrawn by its taker, with a reason, from a fold-out form (no script needed).
    page.get_by_text("Hapus foto ini").click()
    page.get_by_label("Alasan menghapus foto").fill("Foto salah: ini papan nama kantor, bukan layanan surat.")
    assert axe_violations(page, axe_js) == []
    page.get_by_role("button", name="Hapus foto", exact=True).click()
    expect(page.get_by_text("Foto dihapus dari klarifikasi lapangan")).to_be_visible()
    expect(page.get_by_text("Belum ada foto.")).to_be_visible()
    session.requests.assert_local()

    with live_app.app_context():
        assert [
            r
            for r in verified_records(db.session.get(type(world.competition), competition_id))
            if r[0] == "64.09.04.2002" and r[1] == "A1"
        ] == [("64.09.04.2002", "A1", FIELD_BY, 2)]
        (withdrawn,) = db.session.scalars(db.select(FieldPhoto)).all()
        assert withdrawn.removed_at is not None and withdrawn.removed_reason.startswith("Foto salah")
