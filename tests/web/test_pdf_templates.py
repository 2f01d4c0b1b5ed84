"""PDF documents from the app's templates: the certificate with its QR code."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from pypdf import PdfReader

from assessment.presentation.pdf import certificate_pdf
from assessment.presentation.reportdata import DesaResult

A4_LANDSCAPE = (841.89, 595.28)


def test_a_certificate_is_one_landscape_a4_page_with_the_desa_and_its_verification_link(app: Flask) -> None:
    desa = DesaResult("64.09.04.2002", "Bukit Raya", "64.09.04", "Sepaku", 1234.5, "Memuaskan", 1, (90.0,))
    url = "https://lomba.example.id/verifikasi/piagam/7f3a"
    reader = PdfReader(io.BytesIO(certificate_pdf(desa, "Lomba Desa Digital Kalimantan Timur 2026", url)))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_LANDSCAPE, abs=1)
    text = " ".join(page.extract_text().split())
    assert "PIAGAM PENGHARGAAN" in text
    assert "Desa Bukit Raya" in text
    assert "Kecamatan Sepaku" in text
    assert "indeks 1.234,50" in text
    assert url in text


@pytest.mark.parametrize(("lang", "title"), [("id", "PIAGAM PENGHARGAAN"), ("en", "CERTIFICATE OF AWARD")])
def test_a_pdf_declares_the_language_it_is_written_in(app: Flask, lang: str, title: str) -> None:
    """The PDF's language (its catalog's /Lang, from the page's lang attribute) is the visitor's, as its words are:
    readers pick their voice by it and WeasyPrint hyphenates by it (an English certificate was declared Indonesian)."""
    desa = DesaResult("64.09.04.2002", "Bukit Raya", "64.09.04", "Sepaku", 80.0, "Memuaskan", 1, (80.0,))
    with app.test_request_context(environ_base={"HTTP_COOKIE": f"lang={lang}"}):
        reader = PdfReader(io.BytesIO(certificate_pdf(desa, "Lomba Desa Digital", "https://lomba.example.id/v")))
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert title in reader.pages[0].extract_text()
