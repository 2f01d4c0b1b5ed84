"""The rules of :func:`assessment.services.evidence.inspect_upload`: type from content, display copies, clean names."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from assessment.services.evidence import (
    UploadRejected,
    clean_display_name,
    download_name,
    inspect_upload,
    sniff_media_type,
)
from tests.support import files

LIMIT = 5 * 1024 * 1024


def rejected(data: bytes, name: str = "bukti.jpg", limit: int = LIMIT) -> UploadRejected:
    with pytest.raises(UploadRejected) as info:
        inspect_upload(data, name, max_bytes=limit)
    return info.value


@pytest.mark.parametrize(
    ("make", "media_type"),
    [
        (files.jpeg, "image/jpeg"),
        (files.png, "image/png"),
        (files.webp, "image/webp"),
        (files.heic, "image/heic"),
        (files.pdf, "application/pdf"),
        (files.mp4, "video/mp4"),
    ],
)
def test_accepted_types_are_detected_from_content(make, media_type: str) -> None:
    # The name says .txt: the content decides.
    result = inspect_upload(make(), "catatan.txt", max_bytes=LIMIT)
    assert result.media_type == media_type


def test_empty_file_is_refused() -> None:
    error = rejected(b"")
    assert error.reason == "empty"
    assert "kosong" in str(error.message)


def test_file_larger_than_limit_is_refused_with_the_limit_in_megabytes() -> None:
    error = rejected(files.pdf(), limit=100)
    assert error.reason == "too_large"
    assert "terlalu besar" in str(error.message)


def test_html_renamed_jpg_is_refused() -> None:
    assert rejected(files.html_as_jpg(), "foto.jpg").reason == "unsupported"


def test_svg_is_refused() -> None:
    assert rejected(files.svg(), "logo.svg").reason == "unsupported"


def test_zip_archive_is_refused() -> None:
    error = rejected(files.zip_archive(), "bukti.pdf")
    assert error.reason == "archive"
    assert "ZIP" in str(error.message)


@pytest.mark.parametrize("make", [files.fake_pdf, files.fake_pdf_with_junk])
def test_fake_pdf_stub_is_refused(make) -> None:
    assert rejected(make(), "surat.pdf").reason == "bad_pdf"


def test_pdf_locked_with_a_password_is_refused() -> None:
    assert rejected(files.pdf(user_password="rahasia", owner_password="pemilik"), "surat.pdf").reason == "encrypted_pdf"


def test_pdf_with_only_an_owner_password_is_accepted() -> None:
    result = inspect_upload(files.pdf(owner_password="pemilik"), "surat.pdf", max_bytes=LIMIT)
    assert result.media_type == "application/pdf"


def test_pdf_gets_no_display_copy_and_no_metadata() -> None:
    result = inspect_upload(files.pdf(pages=2), "surat.pdf", max_bytes=LIMIT)
    assert result.display_copy is None
    assert result.metadata == {}


def test_truncated_jpeg_is_refused() -> None:
    assert rejected(files.truncated_jpeg()).reason == "bad_image"


def test_truncated_jpeg_is_refused_even_after_weasyprint_relaxed_pillow(monkeypatch) -> None:
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES process-wide when imported; uploads must not inherit it."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert rejected(files.truncated_jpeg()).reason == "bad_image"


def test_png_signature_with_garbage_is_refused() -> None:
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "x.png").reason == "bad_image"


def test_decompression_bomb_is_refused() -> None:
    assert rejected(files.pixel_bomb_png(), "bom.png", limit=50 * 1024 * 1024).reason == "too_many_pixels"


def test_mp4_without_moov_is_refused() -> None:
    assert rejected(files.mp4(with_moov=False), "video.mp4").reason == "bad_mp4"


def test_truncated_mp4_is_refused() -> None:
    assert rejected(files.mp4(truncate=100), "video.mp4").reason == "bad_mp4"


def test_quicktime_video_is_refused_with_a_hint_to_use_mp4() -> None:
    error = rejected(files.quicktime(), "video.mov")
    assert error.reason == "quicktime"
    assert "MP4" in str(error.message)


def test_image_display_copy_has_no_exif_and_is_upright() -> None:
    original = files.jpeg(40, 30, orientation=6)
    result = inspect_upload(original, "foto.jpg", max_bytes=LIMIT)
    assert result.display_copy is not None
    with Image.open(io.BytesIO(result.display_copy)) as copy:
        assert copy.format == "JPEG"
        assert len(copy.getexif()) == 0
        assert "exif" not in copy.info
        # Orientation 6 means "rotate 90°": the 40x30 sensor image is shown 30 wide, 40 high.
        assert copy.size == (30, 40)


def test_image_gps_and_capture_time_are_kept_as_metadata() -> None:
    result = inspect_upload(files.jpeg(), "foto.jpg", max_bytes=LIMIT)
    assert result.metadata["gps"] == {
        "lat": pytest.approx(-(1 + 15 / 60 + 30 / 3600), abs=1e-6),
        "lon": pytest.approx(116 + 50 / 60, abs=1e-6),
    }
    assert result.metadata["captured_at"] == "2026-08-17T10:00:00"


def test_image_without_exif_has_empty_metadata() -> None:
    result = inspect_upload(files.webp(), "foto.webp", max_bytes=LIMIT)
    assert result.metadata == {}


def test_display_copy_is_at_most_1600_px() -> None:
    result = inspect_upload(files.jpeg(3200, 1000, gps=False, orientation=None), "besar.jpg", max_bytes=LIMIT)
    assert result.display_copy is not None
    with Image.open(io.BytesIO(result.display_copy)) as copy:
        assert copy.size == (1600, 500)


def test_transparent_png_display_copy_is_flattened_on_white() -> None:
    result = inspect_upload(files.png(alpha=True), "logo.png", max_bytes=LIMIT)
    assert result.display_copy is not None
    with Image.open(io.BytesIO(result.display_copy)) as copy:
        assert copy.mode == "RGB"
        red, _green, blue = copy.getpixel((10, 10))  # type: ignore[misc]
        assert red > 100 and blue > 100  # half-transparent green over white is light, not dark green


def test_heic_gets_a_jpeg_display_copy_that_browsers_can_show() -> None:
    result = inspect_upload(files.heic(), "IMG_0001.HEIC", max_bytes=LIMIT)
    assert result.display_copy is not None
    assert result.display_copy.startswith(b"\xff\xd8\xff")


def test_jpeg_with_appended_html_keeps_nothing_of_it_in_the_display_copy() -> None:
    result = inspect_upload(files.jpeg_with_appended_html(), "foto.jpg", max_bytes=LIMIT)
    assert result.display_copy is not None
    assert b"<script>" not in result.display_copy


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\x.pdf", "x.pdf"),
        ("/var/www/index.pdf", "index.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("", "berkas"),
        (None, "berkas"),
        ("../", "berkas"),
        ("laporan\x00desa.pdf", "laporandesa.pdf"),
        ("foto\u202egpj.exe", "fotogpj.exe"),
        ("Laporan   Desa\tBukit Raya.pdf", "Laporan Desa Bukit Raya.pdf"),
        ("بيانات القرية.pdf", "بيانات القرية.pdf"),
        ("村庄报告.pdf", "村庄报告.pdf"),
    ],
)
def test_hostile_file_names_become_plain_display_labels(given: str | None, expected: str) -> None:
    assert clean_display_name(given) == expected


def test_very_long_file_name_is_shortened_keeping_the_extension() -> None:
    name = clean_display_name("a" * 5000 + ".pdf")
    assert len(name) <= 100
    assert name.endswith(".pdf")


def test_download_name_takes_the_extension_of_the_detected_type() -> None:
    assert download_name("foto.jpg", "application/pdf") == "foto.pdf"
    assert download_name("berkas", "image/png") == "berkas.png"


def test_sniffing_ignores_the_name_entirely() -> None:
    with pytest.raises(UploadRejected):
        sniff_media_type(b"GIF89a" + bytes(20))


def jpeg_markers(data: bytes) -> tuple[list[int], int]:
    """The marker codes of a JPEG in order (entropy-coded data skipped), and the offset just after its EOI."""
    assert data[:2] == b"\xff\xd8"
    markers = [0xD8]
    position = 2
    while position < len(data):
        assert data[position] == 0xFF, f"no marker at {position}"
        code = data[position + 1]
        markers.append(code)
        if code == 0xD9:
            return markers, position + 2
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        position += 2 + length
        if code == 0xDA:  # a scan: entropy-coded bytes up to the next marker that is not a restart or a stuffed 0
            while not (data[position] == 0xFF and data[position + 1] not in (0x00, *range(0xD0, 0xD8))):
                position += 1
    return markers, position


def test_jpeg_display_copy_carries_no_comment_no_metadata_and_nothing_after_the_image() -> None:
    original = files.jpeg_with_comment_script()
    assert b"<script>alert(document.cookie)</script>" in original
    result = inspect_upload(original, "foto.jpg", max_bytes=LIMIT)
    copy = result.display_copy
    assert copy is not None
    markers, end = jpeg_markers(copy)
    # Only what draws the picture: start, JFIF header, tables, frame, scans, end. No COM (0xFE), no APP1-APP15
    # (EXIF, XMP, ICC, vendor data), and no byte after the end marker.
    assert set(markers) <= {0xD8, 0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDA, 0xDD, 0xD9}, [hex(m) for m in markers]
    assert end == len(copy)
    assert b"script" not in copy
    with Image.open(io.BytesIO(copy)) as image:
        assert not {"comment", "xmp", "icc_profile", "exif"} & set(image.info)


@pytest.mark.parametrize("where", ["open", "page", "names", "annotation", "hidden"])
def test_pdf_with_a_javascript_action_is_refused(where: str) -> None:
    error = rejected(files.pdf_with_javascript(where), "surat.pdf")
    assert error.reason == "pdf_javascript"
    assert "JavaScript" in str(error.message)


def test_pdf_without_javascript_is_still_accepted_byte_identical() -> None:
    data = files.pdf(pages=2)
    result = inspect_upload(data, "surat.pdf", max_bytes=LIMIT)
    assert result.media_type == "application/pdf" and result.size == len(data)
