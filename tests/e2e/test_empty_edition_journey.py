"""A whole edition from an empty database, in a real browser (issue #12, the test that says a province can run
one).

Only two steps happen on the command line, through the real CLI: ``regions import`` of the Penajam Paser Utara
part of the national list shipped in ``data/wilayah/`` and ``users create`` for one panitia. Everything else is
done by people in the browser, with no database write from the test: the committee uploads the rubric, creates the
competition, imports the accounts and prints the invitation letters; everyone chooses a password from the link in
their letter (and the committee, assessors and ketua tim turn on two-step verification on its page, with codes
computed from the secret that page shows); DPMD nominates desa within the quota (one over it is refused); the
committee moves the schedule stage by stage with a written reason on the competition's schedule page; then the
self-assessment, the completeness check, the assignment, blind desk scoring, reconciliation, the field visit,
publication, an objection and its answer, finalisation, the berita acara and its public check. At the end the audit
trail verifies (``desa-digital audit verify``).

The clock. The stages are whole days in WITA that never overlap and an open stage is never shortened
(``assessment/competitions/rescheduling.py``), so two stages can never both be entered on one calendar day. The
journey therefore runs the app on :class:`ScheduleClock`: real time plus an offset that only ever jumps forward, to
the first hour of the stage the committee has just scheduled on its page. That is the only clock trick; every date
comes from the schedule itself. (Sessions are timed by the wall clock, so a person stays signed in across the
jumps, as if they had come back to an open browser.)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from assessment.documents.operations import DOCUMENT_JOB
from assessment.jobs import queue
from assessment.models import BeritaAcara
from assessment.platform.extensions import db
from assessment.platform.wita import WITA as WITA_ZONE
from tests.e2e.conftest import OpenSession, Session, axe_violations
from tests.support import files
from tests.support.competition import SMALL_RUBRIC
from tests.support.documents import print_letters

pytestmark = pytest.mark.e2e

REGIONS = Path(__file__).resolve().parents[2] / "data" / "wilayah" / "wilayah-indonesia.csv"
PASSWORD = "sungai-mahakam-pagi-hari"
PANITIA = "panitia@kaltimprov.go.id"
BUKIT, SUKA, TENGIN = "64.09.04.2002", "64.09.04.2003", "64.09.04.2001"
PEOPLE = {
    "dpmd": ("DPMD Penajam Paser Utara", "dpmd@ppu.go.id", "dpmd", "64.09"),
    "verifikator": ("Verifikator Sepaku", "verifikator.sepaku@ppu.go.id", "verifikator_kecamatan", "64.09.04"),
    "bukit": ("Operator Bukit Raya", "operator.bukitraya@desa.id", "operator_desa", BUKIT),
    "suka": ("Operator Suka Raja", "operator.sukaraja@desa.id", "operator_desa", SUKA),
    "asesor1": ("Asesor Satu", "asesor.satu@kaltimprov.go.id", "asesor", "64"),
    "asesor2": ("Asesor Dua", "asesor.dua@kaltimprov.go.id", "asesor", "64"),
    "ketua": ("Ketua Tim", "ketua.tim@kaltimprov.go.id", "ketua_tim", "64"),
}
SECOND_FACTOR = {"asesor1", "asesor2", "ketua"}


class ScheduleClock:
    """The app's clock for the journey: real time plus an offset that only moves forward, to the first hour of a
    stage as the committee scheduled it (the module docstring says why)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def today(self) -> date:
        return self.now().astimezone(WITA_ZONE).date()

    def enter(self, first_day: date) -> None:
        """Move to 08.00 WITA of ``first_day`` (never backwards)."""
        target = datetime.combine(first_day, time(8, 0), WITA_ZONE).astimezone(UTC)
        assert target > self.now(), "the clock only moves forward"
        self.offset = target - datetime.now(UTC)

    def totp(self, secret: str) -> str:
        return pyotp.TOTP(secret).at(self.now())


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScheduleClock]:
    """Every clock the app reads (``now_utc``, ``utcnow`` and the competition pages' "today") follows ``clock``."""
    clock = ScheduleClock()

    class Shifted(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + clock.offset  # type: ignore[arg-type]

    # Every module that reads the time itself (the rest call now_utc or utcnow); one that stops doing so needs no
    # patch, hence raising=False.
    for module in ("assessment.platform.wita", "assessment.models.types", "assessment.competitions.routes"):
        monkeypatch.setattr(f"{module}.datetime", Shifted, raising=False)
    yield clock


def _ppu_regions(target: Path) -> Path:
    """The provinsi, the kabupaten Penajam Paser Utara and everything under it, from the national list."""
    with REGIONS.open(encoding="utf-8") as source, target.open("w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            if row["kode"] in ("64", "64.09") or row["kode"].startswith("64.09."):
                writer.writerow(row)
    return target


def _command_line(live_app: Flask, tmp_path: Path) -> None:
    runner = live_app.test_cli_runner()
    imported = runner.invoke(
        args=[
            "regions",
            "import",
            str(_ppu_regions(tmp_path / "wilayah-ppu.csv")),
            "--decree",
            "Kepmendagri 300.2.2-2138/2025",
        ]
    )
    assert imported.exit_code == 0, imported.output
    created = runner.invoke(
        args=[
            "users",
            "create",
            "--name",
            "Panitia Provinsi",
            "--email",
            PANITIA,
            "--role",
            "panitia",
            "--region",
            "64",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.output


def _enrol_second_factor(page: Page, clock: ScheduleClock) -> None:
    """Turn on two-step verification as a person would: type the secret shown into an authenticator."""
    expect(page.get_by_role("heading", name="Aktifkan verifikasi dua langkah")).to_be_visible()
    secret = page.locator("code.fingerprint").inner_text().replace(" ", "")
    page.get_by_label(re.compile("Kode 6 angka")).fill(clock.totp(secret))
    page.get_by_role("button", name="Aktifkan").click()
    page.get_by_role("link", name="Sudah saya simpan").click()
    page.wait_for_load_state()


def _sign_in(open_session: OpenSession, email: str, clock: ScheduleClock, *, enrol: bool = False) -> Session:
    session = open_session(bypass_csp=True)
    page = session.page
    page.goto("/masuk")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    if enrol:
        _enrol_second_factor(page, clock)
    assert "/masuk" not in page.url, f"sign-in failed for {email}"
    return session


def _schedule(page: Page, competition: int, stage: str, first: date, last: date, reason: str) -> None:
    """The committee gives one stage its days on the competition page, with a reason."""
    page.goto(f"/panitia/lomba/{competition}")
    page.get_by_role("link", name=re.compile(rf"(Jadwalkan|Ubah tanggal) {stage}$")).click()
    page.get_by_label("Hari pertama").fill(first.isoformat())
    page.get_by_label("Hari terakhir").fill(last.isoformat())
    page.get_by_label(re.compile("Alasan perubahan")).fill(reason)
    page.get_by_role("button", name="Simpan jadwal").click()
    expect(page.get_by_text("Jadwal diubah dan dicatat di riwayat jadwal")).to_be_visible()
    expect(page.get_by_text(f"Alasan: {reason}")).to_be_visible()


def _next_stage(page: Page, clock: ScheduleClock, competition: int, stage: str, reason: str) -> None:
    """Schedule ``stage`` for tomorrow (one day) and let the clock reach it."""
    tomorrow = clock.today() + timedelta(days=1)
    _schedule(page, competition, stage, tomorrow, tomorrow, reason)
    clock.enter(tomorrow)


def _self_assess(page: Page, desa: str, levels: dict[str, str], evidence: Path) -> None:
    page.goto("/desa/")
    page.get_by_role("link", name=desa).click()
    participant = page.url.rstrip("/").rsplit("/", 1)[-1]
    for code, level in levels.items():
        page.goto(f"/desa/peserta/{participant}/indikator/{code}")
        page.get_by_label("Level penilaian mandiri").select_option(level)
        page.get_by_label("Penjelasan").fill(f"Penjelasan {code} Desa {desa}.")
        page.get_by_role("button", name="Simpan").click()
        expect(page.get_by_text(f"Penilaian indikator {code} tersimpan.")).to_be_visible()
    page.goto(f"/desa/peserta/{participant}/indikator/A1")
    page.get_by_label("Berkas bukti").set_input_files(str(evidence))
    page.get_by_role("button", name="Unggah berkas").click()
    expect(page.get_by_role("link", name=evidence.name)).to_be_visible()
    page.goto(f"/desa/peserta/{participant}")
    page.get_by_role("button", name="Ajukan sekarang").click()
    expect(page.get_by_role("heading", name="Yang akan terjadi")).to_be_visible()
    page.get_by_role("button", name="Ya, ajukan sekarang").click()
    expect(page.get_by_text("Penilaian mandiri sudah diajukan.")).to_be_visible()


def _desk_score(page: Page, desa: str, levels: dict[str, str]) -> None:
    page.goto("/asesor/")
    page.get_by_role("link", name=desa).click()
    assignment = page.url.rstrip("/").rsplit("/", 1)[-1]
    for code, level in levels.items():
        page.goto(f"/asesor/penugasan/{assignment}/indikator/{code}")
        page.get_by_label("Level verifikasi asesor").select_option(level)
        page.get_by_label("Catatan asesor").fill(f"Catatan {code} untuk {desa}.")
        verdicts = page.get_by_label("Penilaian bukti")
        for index in range(verdicts.count()):
            verdicts.nth(index).select_option("valid")
        page.get_by_role("button", name="Simpan draf").click()
        expect(page.get_by_text(f"Draf penilaian indikator {code} tersimpan.")).to_be_visible()
    page.goto(f"/asesor/penugasan/{assignment}")
    page.get_by_role("button", name="Ajukan penilaian dokumen").click()
    expect(page.get_by_text("Semua indikator dan bukti sudah dinilai.")).to_be_visible()
    page.get_by_role("button", name="Ya, ajukan penilaian dokumen").click()
    expect(page.get_by_text("Penilaian dokumen diajukan dan final.")).to_be_visible()


def _download(page: Page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).first.click()
    return Path(info.value.path()).read_bytes()


def _invitation_links(letters: bytes) -> dict[str, str]:
    """Each account's link as printed in its letter (one page per account), by the account's name."""
    links: dict[str, str] = {}
    for page in PdfReader(io.BytesIO(letters)).pages:
        text = page.extract_text() or ""
        # The address may wrap inside its token (43 characters: an HMAC-SHA256 in URL-safe base64).
        found = re.search(r"https?://\S+/undangan/[A-Za-z0-9_\-]{43}", text.replace("\n", ""))
        assert found, text
        name = next(n for n, *_ in PEOPLE.values() if n in text)
        links[name] = found.group(0)
    return links


def test_a_province_runs_an_edition_from_an_empty_database(
    open_session: OpenSession, live_app: Flask, clock: ScheduleClock, axe_js: Path, tmp_path: Path
) -> None:
    _command_line(live_app, tmp_path)

    # Day 0: the committee signs in (two-step verification on first sign-in), uploads the rubric and creates the
    # competition with its registration open today and the self-assessment tomorrow.
    committee = _sign_in(open_session, PANITIA, clock, enrol=True).page
    rubric = tmp_path / "rubrik-uji.yaml"
    rubric.write_text(SMALL_RUBRIC, encoding="utf-8")
    committee.goto("/panitia/rubrik/unggah")
    committee.get_by_label(re.compile("Berkas rubrik")).set_input_files(str(rubric))
    committee.get_by_role("button", name="Periksa rubrik").click()
    expect(committee.get_by_text("Rubrik sah dan tersimpan.")).to_be_visible()
    today = clock.today()
    committee.get_by_label("Nama lomba").fill("Lomba Desa Digital PPU")
    committee.get_by_label("Cakupan wilayah").select_option("64.09")
    committee.get_by_label(re.compile("Kuota desa per kabupaten")).fill("64.09=2")
    for code in ("pendaftaran", "penilaian_mandiri"):
        first = today if code == "pendaftaran" else today + timedelta(days=1)
        committee.locator(f"#{code}_start").fill(first.isoformat())
        committee.locator(f"#{code}_end").fill(first.isoformat())
    for code in (
        "verifikasi_kelengkapan",
        "penilaian_dokumen",
        "rekonsiliasi",
        "klarifikasi_lapangan",
        "pleno",
        "pengumuman_sementara",
        "masa_sanggah",
        "penetapan",
    ):
        committee.locator(f"#{code}_start").fill("")
        committee.locator(f"#{code}_end").fill("")
    committee.get_by_role("button", name="Buat lomba").click()
    expect(committee.get_by_text("Lomba dibuat.", exact=True)).to_be_visible()
    competition = int(committee.url.rstrip("/").rsplit("/", 1)[-1])

    # Accounts from a file, and their invitation letters, printed.
    accounts = tmp_path / "akun.csv"
    accounts.write_text(
        "nama,email,peran,wilayah\n" + "".join(",".join(p) + "\n" for p in PEOPLE.values()), encoding="utf-8"
    )
    committee.goto("/pengguna/impor")
    committee.get_by_label(re.compile("Berkas CSV atau Excel")).set_input_files(str(accounts))
    committee.get_by_role("button", name="Unggah dan impor").click()
    expect(committee.get_by_role("heading", name="Impor selesai")).to_be_visible()
    # Made by the background worker (issue 15): the progress page, then one download.
    letters = print_letters(committee, live_app, committee.get_by_role("link", name="Cetak surat undangan").first)
    assert letters.startswith(b"%PDF")
    links = _invitation_links(letters)
    assert set(links) == {name for name, *_ in PEOPLE.values()}

    # Everyone chooses a password from the link in their letter; the link then stops working.
    sessions: dict[str, Page] = {}
    for key, (name, email, _role, _region) in PEOPLE.items():
        visitor = open_session(bypass_csp=True).page
        visitor.goto(links[name])
        expect(visitor.get_by_role("heading", name=f"Selamat datang, {name}")).to_be_visible()
        visitor.get_by_label("Kata sandi baru", exact=True).fill(PASSWORD)
        visitor.get_by_label("Ulangi kata sandi baru").fill(PASSWORD)
        visitor.get_by_role("button", name="Simpan kata sandi").click()
        expect(visitor.get_by_text("Kata sandi tersimpan")).to_be_visible()
        if key == "bukit":
            visitor.goto(links[name])
            expect(visitor.get_by_role("heading", name="Tautan tidak berlaku")).to_be_visible()
        sessions[key] = _sign_in(open_session, email, clock, enrol=key in SECOND_FACTOR).page

    # DPMD nominates within the quota of two; a third desa is refused.
    dpmd = sessions["dpmd"]
    dpmd.goto("/pendaftaran/")
    dpmd.get_by_role("link", name="Usulan desa 64.09").click()
    expect(dpmd.get_by_text("0 dari 2 desa terpakai")).to_be_visible()
    for code, desa in ((BUKIT, "Bukit Raya"), (SUKA, "Suka Raja")):
        dpmd.get_by_label("Desa", exact=True).select_option(code)
        dpmd.get_by_role("button", name="Daftarkan").click()
        expect(dpmd.get_by_text(f"Desa {desa} didaftarkan.")).to_be_visible()
    dpmd.get_by_label("Desa", exact=True).select_option(TENGIN)
    dpmd.get_by_role("button", name="Daftarkan").click()
    expect(dpmd.get_by_text("melebihi kuota kabupaten 64.09 (2 desa)")).to_be_visible()

    # Day 1: the self-assessment, scheduled at creation.
    clock.enter(today + timedelta(days=1))
    evidence = tmp_path / "surat-layanan.pdf"
    evidence.write_bytes(files.pdf(text="Layanan surat daring"))
    _self_assess(sessions["bukit"], "Bukit Raya", {"A1": "3", "A2": "2"}, evidence)
    _self_assess(sessions["suka"], "Suka Raja", {"A1": "2", "A2": "1"}, evidence)

    # Day 2: the completeness check; the committee assigns two assessors to each complete desa.
    _next_stage(
        committee,
        clock,
        competition,
        "Verifikasi kelengkapan",
        "Semua desa terdaftar sudah mengajukan; kelengkapan diperiksa besok.",
    )
    verifikator = sessions["verifikator"]
    for desa in ("Bukit Raya", "Suka Raja"):
        verifikator.goto("/kelengkapan/")
        verifikator.get_by_role("link", name=desa).click()
        verifikator.get_by_role("button", name="Tandai lengkap").click()
        expect(verifikator.get_by_text(f"{desa} ditandai lengkap.")).to_be_visible()
    committee.goto(f"/panitia/verifikasi/lomba/{competition}")
    committee.get_by_role("button", name="Tugaskan otomatis").click()
    expect(committee.get_by_text("4 penugasan otomatis dibuat.")).to_be_visible()

    # Day 3: blind desk scoring; the assessors disagree on Bukit Raya's A1 (1 against 4).
    _next_stage(
        committee, clock, competition, "Penilaian dokumen", "Asesor sudah ditugaskan; penilaian dokumen dimulai besok."
    )
    _desk_score(sessions["asesor1"], "Bukit Raya", {"A1": "1", "A2": "2"})
    _desk_score(sessions["asesor1"], "Suka Raja", {"A1": "2", "A2": "1"})
    _desk_score(sessions["asesor2"], "Bukit Raya", {"A1": "4", "A2": "2"})
    _desk_score(sessions["asesor2"], "Suka Raja", {"A1": "2", "A2": "2"})

    # Day 4: the ketua tim reconciles the flagged item.
    _next_stage(committee, clock, competition, "Rekonsiliasi", "Satu butir berbeda jauh; rekonsiliasi besok.")
    lead = sessions["ketua"]
    lead.goto(f"/ketua-tim/lomba/{competition}")
    expect(lead.get_by_role("heading", name=re.compile("Bukit Raya · A1"))).to_be_visible()
    lead.get_by_label("Level yang disepakati").select_option("3")
    lead.get_by_label("Alasan").fill("Bukti surat menunjukkan sepuluh jenis surat daring; disepakati level 3.")
    lead.get_by_role("button", name="Simpan kesepakatan").click()
    expect(lead.get_by_text(re.compile("Level disepakati: 3"))).to_be_visible()

    # Day 5: the field visit to a finalist.
    _next_stage(committee, clock, competition, "Klarifikasi lapangan", "Kunjungan lapangan ke desa finalis.")
    visitor = sessions["asesor1"]
    visitor.goto("/lapangan/")
    visitor.get_by_role("link", name="Bukit Raya").click()
    visitor.get_by_role("link", name=re.compile("Tanda tangan elektronik tersertifikasi")).click()
    visitor.get_by_label("Level lapangan").select_option("3")
    visitor.get_by_role("textbox", name="Catatan lapangan").fill("Semua surat keluar ber-TTE BSrE di kantor desa.")
    visitor.get_by_role("button", name="Simpan level lapangan").click()
    expect(visitor.get_by_text("Level lapangan indikator A2 tersimpan.")).to_be_visible()

    # Day 6: publication, after its confirmation page.
    _next_stage(committee, clock, competition, "Pengumuman sementara", "Hasil sementara diumumkan besok.")
    committee.goto(f"/panitia/hasil/lomba/{competition}")
    committee.get_by_role("link", name="Umumkan hasil sementara").click()
    expect(committee.get_by_role("heading", name="Yang akan terjadi")).to_be_visible()
    assert axe_violations(committee, axe_js) == []
    committee.get_by_role("button", name="Ya, umumkan hasil sementara").click()
    expect(committee.get_by_text("Hasil sementara diumumkan dan dibekukan.")).to_be_visible()

    # Day 7: an objection and its answer.
    _next_stage(committee, clock, competition, "Masa sanggah", "Masa sanggah satu hari setelah pengumuman.")
    operator = sessions["suka"]
    operator.goto("/sanggah/")
    operator.get_by_role("link", name=re.compile("Suka Raja")).click()
    operator.get_by_label("Indikator (boleh dikosongkan)").select_option("A2")
    operator.get_by_label("Alasan sanggah").fill("TTE kami sudah dipakai untuk sebagian surat keluar.")
    operator.get_by_role("button", name="Kirim sanggah").click()
    expect(operator.get_by_text("Sanggah terkirim ke panitia.")).to_be_visible()
    committee.goto(f"/panitia/sanggah/lomba/{competition}")
    committee.get_by_label("Alasan jawaban").fill("Bukti TTE tidak dilampirkan pada penilaian mandiri; level tetap.")
    committee.get_by_role("button", name="Simpan jawaban").click()
    expect(committee.get_by_text("Jawaban sanggah tersimpan.")).to_be_visible()

    # Day 8: finalisation (its confirmation page says it cannot be undone), the berita acara, its public check.
    _next_stage(committee, clock, competition, "Penetapan", "Penetapan hasil akhir setelah masa sanggah.")
    committee.goto(f"/panitia/hasil/lomba/{competition}")
    committee.get_by_role("link", name="Tetapkan hasil akhir").click()
    expect(committee.get_by_text(re.compile("Penetapan tidak dapat dibatalkan"))).to_be_visible()
    assert axe_violations(committee, axe_js) == []
    committee.get_by_role("button", name="Ya, tetapkan hasil akhir").click()
    expect(committee.get_by_text("Hasil akhir ditetapkan.")).to_be_visible()
    committee.goto(f"/berita-acara/lomba/{competition}")
    committee.get_by_role("button", name="Buat berita acara pleno").click()
    # Made by the background worker (issue 15): the progress page waits for it, then offers the download.
    expect(committee.get_by_text("Menunggu giliran di pekerja latar…")).to_be_visible()
    with live_app.app_context():
        outcomes = queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])
        assert [outcome.status.value for outcome in outcomes] == ["done"], outcomes
        kode = re.search(r"([A-Z2-7]{16})", db.session.scalars(db.select(BeritaAcara.kode)).one())
    assert kode is not None
    committee.reload()  # the page refreshes itself every few seconds; at once here
    expect(committee.get_by_text("Dokumen siap.")).to_be_visible()
    pdf = tmp_path / "berita-acara-pleno.pdf"
    pdf.write_bytes(_download(committee, f"Unduh berita-acara-pleno-{kode.group(1)}.pdf"))

    public = open_session(bypass_csp=True).page
    public.goto("/")
    public.get_by_label(re.compile("Kode dokumen")).fill(kode.group(1))
    public.get_by_role("button", name="Periksa", exact=True).click()
    expect(public).to_have_url(re.compile(rf"/verifikasi/{kode.group(1)}$"))
    public.get_by_label("Berkas PDF", exact=True).set_input_files(str(pdf))
    public.get_by_role("button", name="Periksa", exact=True).click()
    expect(public.get_by_text("Cocok.", exact=True)).to_be_visible()
    assert axe_violations(public, axe_js) == []

    verified = live_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    # The trail holds the journey: far more than the two command-line steps.
    count = re.search(r"Rantai jejak audit utuh: (\d+) peristiwa", verified.output)
    assert count is not None and int(count.group(1)) > 50, verified.output
