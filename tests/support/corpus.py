"""A corpus of malformed and hostile uploads, generated here (nothing copied in): name, bytes, file name, and
whether the upload must be refused ("tolak") or may go either way once checked ("periksa")."""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable

from pypdf import PdfWriter

from tests.support import files


def _pdf_with_javascript() -> bytes:
    """A one-page PDF whose catalogue runs JavaScript when opened (written by hand, no cross-reference table)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"4 0 obj<</S/JavaScript/JS(app.alert\\(1\\))>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_header_only() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))


def _png_huge_dimensions() -> bytes:
    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _png_chunk(b"IEND", b"")


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nol.bin", bytes(20 * 1024 * 1024))
    return out.getvalue()


def _tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        data = files.pdf()
        info = tarfile.TarInfo("bukti.pdf")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _encrypted_pdf(algorithm: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="rahasia", owner_password="pemilik", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _half(make: Callable[[], bytes]) -> Callable[[], bytes]:
    return lambda: make()[: len(make()) // 2]


# (name, maker, file name, expectation)
CORPUS: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("kosong", lambda: b"", "kosong.pdf", "tolak"),
    ("satu-byte", lambda: b"\xff", "x.jpg", "tolak"),
    ("acak", lambda: bytes((i * 197 + 13) % 256 for i in range(4096)), "acak.png", "tolak"),
    ("html-sebagai-jpg", files.html_as_jpg, "foto.jpg", "tolak"),
    ("svg-dengan-skrip", files.svg, "gambar.svg", "tolak"),
    ("svg-bernama-png", files.svg, "gambar.png", "tolak"),
    ("pdf-palsu", files.fake_pdf, "surat.pdf", "tolak"),
    ("pdf-palsu-sampah", files.fake_pdf_with_junk, "surat.pdf", "tolak"),
    ("pdf-terpotong", _half(files.pdf), "surat.pdf", "tolak"),
    ("pdf-terenkripsi", lambda: files.pdf(user_password="rahasia"), "surat.pdf", "periksa"),
    ("pdf-javascript", _pdf_with_javascript, "surat.pdf", "tolak"),
    ("pdf-javascript-openaction", lambda: files.pdf_with_javascript("open"), "surat.pdf", "tolak"),
    ("pdf-javascript-aa-halaman", lambda: files.pdf_with_javascript("page"), "surat.pdf", "tolak"),
    ("pdf-javascript-names", lambda: files.pdf_with_javascript("names"), "surat.pdf", "tolak"),
    ("pdf-javascript-anotasi", lambda: files.pdf_with_javascript("annotation"), "surat.pdf", "tolak"),
    ("pdf-javascript-nama-tersamar", lambda: files.pdf_with_javascript("hidden"), "surat.pdf", "tolak"),
    ("jpeg-komentar-skrip", files.jpeg_with_comment_script, "foto.jpg", "periksa"),
    ("zip", files.zip_archive, "bukti.zip", "tolak"),
    ("zip-bernama-pdf", files.zip_archive, "bukti.pdf", "tolak"),
    ("bom-zip", _zip_bomb, "bukti.zip", "tolak"),
    ("bom-gzip", lambda: gzip.compress(bytes(20 * 1024 * 1024)), "bukti.pdf", "tolak"),
    ("tar", _tar, "bukti.tar", "tolak"),
    ("jpeg-terpotong", files.truncated_jpeg, "foto.jpg", "periksa"),
    ("jpeg-plus-html", files.jpeg_with_appended_html, "foto.jpg", "periksa"),
    ("bom-piksel-png", files.pixel_bomb_png, "peta.png", "tolak"),
    ("png-dimensi-raksasa", _png_huge_dimensions, "peta.png", "tolak"),
    ("png-hanya-header", _png_header_only, "peta.png", "tolak"),
    ("png-terpotong", _half(files.png), "peta.png", "periksa"),
    ("webp-terpotong", _half(files.webp), "foto.webp", "periksa"),
    ("mp4-tanpa-moov", lambda: files.mp4(with_moov=False), "video.mp4", "tolak"),
    ("mp4-terpotong", lambda: files.mp4(truncate=1500), "video.mp4", "periksa"),
    ("quicktime", files.quicktime, "video.mov", "periksa"),
    (
        "gif",
        lambda: (
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
            b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
        ),
        "animasi.gif",
        "tolak",
    ),
    ("bmp", lambda: b"BM" + struct.pack("<IHHI", 58, 0, 0, 54) + bytes(52), "gambar.bmp", "tolak"),
    ("elf", lambda: b"\x7fELF\x02\x01\x01" + bytes(57), "program.jpg", "tolak"),
    ("exe", lambda: b"MZ\x90\x00" + bytes(60) + b"PE\x00\x00", "setup.pdf", "tolak"),
    ("skrip-shell", lambda: b"#!/bin/sh\nrm -rf /\n", "foto.jpg", "tolak"),
    # 18,000 lines (450 KB): above that the test client spools the body to a file it never closes.
    ("csv-panjang", lambda: b"kode,nama\n" + b"64.09.04.2002,Bukit Raya\n" * 18_000, "data.pdf", "tolak"),
    ("utf16-teks", lambda: "Surat keterangan".encode("utf-16"), "surat.pdf", "tolak"),
    ("pdf-aes-terenkripsi", lambda: _encrypted_pdf("AES-256"), "surat.pdf", "tolak"),
    ("pdf-hanya-sandi-pemilik", lambda: files.pdf(owner_password="pemilik"), "surat.pdf", "periksa"),
    ("poliglot-pdf-zip", lambda: files.pdf() + files.zip_archive(), "surat.pdf", "periksa"),
    ("poliglot-zip-pdf", lambda: files.zip_archive() + files.pdf(), "surat.pdf", "tolak"),
    ("poliglot-jpeg-zip", lambda: files.jpeg(gps=False) + files.zip_archive(), "foto.jpg", "periksa"),
    ("poliglot-png-pdf", lambda: files.png() + files.pdf(), "peta.png", "periksa"),
    ("poliglot-html-pdf", lambda: b"<html><script>alert(1)</script></html>\n" + files.pdf(), "surat.pdf", "tolak"),
    ("jpeg-hanya-header", lambda: files.jpeg(gps=False)[:200], "foto.jpg", "tolak"),
    ("heic-terpotong", _half(files.heic), "foto.heic", "periksa"),
    ("nama-jalur", files.pdf, "../../etc/passwd.pdf", "periksa"),
    ("nama-nul", files.pdf, "surat\x00.pdf", "periksa"),
]
