"""PDF rendering without the network, QR codes and SVG bar charts."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

from assessment.presentation.pdf import (
    REPORT_ORIGIN,
    StaticOnlyFetcher,
    qr_png_bytes,
    qr_svg_data_uri,
    render_pdf,
    svg_bar_chart,
)

A4_POINTS = (595.28, 841.89)
SVG = "{http://www.w3.org/2000/svg}"


def _document(static_url: str = "/static/css/laporan.css", with_qr: bool = True) -> str:
    chart = svg_bar_chart(["Penajam", "Sepaku"], [61.5, 1234.25], title="Rata-rata indeks", maximum=1500)
    qr = qr_svg_data_uri("https://desa.example/verifikasi/sertifikat/ABC123") if with_qr else ""
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<link rel="stylesheet" href="{static_url}">
<style>@page {{ size: A4; margin: 2cm }} .baru {{ break-before: page }}</style></head>
<body>
<h1>Laporan Kabupaten Penajam Paser Utara</h1>
<p>Ringkasan hasil Lomba Desa Digital.</p>
{chart}
<section class="baru">
<h2>Sertifikat Desa Bukit Raya</h2>
<img src="{qr}" alt="Kode QR verifikasi" width="120" height="120">
</section>
</body></html>"""


def test_a_two_page_a4_report_with_a_qr_code_and_a_chart(tmp_path: Path) -> None:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "laporan.css").write_text("h1 { color: #0b3d6b; font-size: 20pt }", encoding="utf-8")
    reader = PdfReader(io.BytesIO(render_pdf(_document(), static_dir=static)))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_POINTS, abs=1)
    first, second = (page.extract_text() for page in reader.pages)
    assert "Laporan Kabupaten Penajam Paser Utara" in first
    assert "1.234,25" in first  # the chart's value label, in Indonesian format
    assert "Sertifikat Desa Bukit Raya" in second
    assert second.count("Sertifikat") == 1
    # The QR code is drawn on page 2 as vector paths (WeasyPrint turns the SVG into drawing operators): the
    # page's drawing is much longer than the same page with an empty image.
    without_qr = PdfReader(io.BytesIO(render_pdf(_document(with_qr=False), static_dir=static)))
    with_qr_ops = len(reader.pages[1].get_contents().get_data())
    without_qr_ops = len(without_qr.pages[1].get_contents().get_data())
    assert with_qr_ops > without_qr_ops + 2000


def test_the_fetcher_reads_static_files_only(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "a.css").write_text("p {}", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("rahasia", encoding="utf-8")
    fetcher = StaticOnlyFetcher(static)
    response = fetcher.fetch(f"{REPORT_ORIGIN}static/a.css")
    assert response.read() == b"p {}"
    assert response.content_type == "text/css"
    for url in (
        "https://example.com/x.css",
        "http://127.0.0.1:8000/static/a.css",
        f"file://{tmp_path / 'secret.txt'}",
        f"{REPORT_ORIGIN}static/../secret.txt",
        f"{REPORT_ORIGIN}static/%2e%2e/secret.txt",
        f"{REPORT_ORIGIN}other/a.css",
    ):
        with pytest.raises(ValueError, match="tidak diizinkan"):
            fetcher.fetch(url)


def test_a_symlink_out_of_the_static_folder_is_refused(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("rahasia", encoding="utf-8")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ValueError):
        StaticOnlyFetcher(static).fetch(f"{REPORT_ORIGIN}static/link.txt")


def test_an_outside_stylesheet_is_not_fetched_and_the_pdf_still_renders(tmp_path: Path) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(_document("https://cdn.example.com/x.css"), static_dir=tmp_path)))
    assert len(reader.pages) == 2


def test_qr_codes_are_svg_and_png() -> None:
    uri = qr_svg_data_uri("https://desa.example/v/1")
    assert uri.startswith("data:image/svg+xml")
    png = qr_png_bytes("https://desa.example/v/1")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_svg_bar_chart_draws_one_bar_per_known_value() -> None:
    svg = svg_bar_chart(["A", "<B&>", "C"], [50.0, 100.0, None], title="Uji", maximum=100)
    root = ET.fromstring(svg)  # noqa: S314 -- our own SVG, parsed in a test
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 2
    widths = [float(bar.get("width", "0")) for bar in bars]
    assert widths[1] == pytest.approx(2 * widths[0])
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert "<B&>" in texts  # escaped in the SVG, read back intact
    assert "50,00" in texts and "100,00" in texts and "–" in texts
