"""Checking an uploaded evidence file before anything is stored.

The rules an uploader could contest are in the docstring of :func:`inspect_upload`. In short: the type is decided
from the bytes (magic numbers, then the structure: Pillow decodes images, pypdf parses PDFs, MP4 boxes are walked),
never from the file name or the browser's content type; the name the operator gave is kept only as a cleaned label
for display and never becomes part of a path; images get a re-encoded display copy without EXIF (so without GPS),
while GPS and capture time are kept as metadata for assessors; PDFs are kept byte-identical so an electronic
signature stays valid.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pillow_heif
from flask_babel import lazy_gettext as _l
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError
from pypdf import PasswordType, PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

pillow_heif.register_heif_opener()

# Detected media type -> (file extension for downloads, Pillow format name for images).
MEDIA_TYPES: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "video/mp4": ".mp4",
}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF"}
ACCEPT_ATTRIBUTE = (
    ".pdf,.jpg,.jpeg,.png,.webp,.heic,.heif,.mp4,application/pdf,image/jpeg,image/png,image/webp,image/heic,video/mp4"
)
"""For the file input's ``accept``: a hint to the phone's picker only; the server decides from the content."""

HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"mmp4", b"dash"}
)
DISPLAY_MAX_SIDE = 1600
DISPLAY_QUALITY = 80
DISPLAY_NAME_MAX = 100
DISPLAY_MEDIA_TYPE = "image/jpeg"


class UploadRejected(Exception):
    """An upload that is refused, with the message the operator reads (Indonesian, no internals)."""

    def __init__(self, reason: str, message: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class InspectedUpload:
    """An accepted upload: its detected type, a display copy for images, and metadata for assessors."""

    media_type: str
    size: int
    display_name: str
    display_copy: bytes | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def extension(self) -> str:
        return MEDIA_TYPES[self.media_type]


def inspect_upload(data: bytes, filename: str | None, *, max_bytes: int) -> InspectedUpload:
    """Decide whether ``data`` is accepted as evidence, and what it is.

    Rules (each has a test in ``tests/web/test_evidence_inspection.py`` named after it):

    - An empty file is refused; a file larger than ``max_bytes`` is refused.
    - Accepted types are PDF, JPEG, PNG, WebP, HEIC and MP4, decided from the content only: the first bytes must be
      the type's signature and the whole file must parse as that type (Pillow decodes every pixel of an image;
      pypdf reads a PDF's cross-reference table and page tree; an MP4's top-level boxes must fill the file exactly,
      start with ``ftyp`` and include ``moov``). A file name's extension and the browser's content type are ignored.
      So an HTML page renamed ``.jpg``, a ``%PDF … %%EOF`` stub, a ZIP archive and an SVG drawing are refused.
    - A PDF that cannot be opened without a password is refused (assessors could not read it); a PDF is otherwise
      kept byte-identical, because re-saving breaks an electronic signature.
    - A PDF that runs a script or a program is refused (:func:`pdf_active_content`): JavaScript anywhere in the
      document (an /OpenAction, an /AA additional action of the document, a page, an annotation or a form field,
      the /Names JavaScript tree) or a /Launch action. Since the original is kept byte-identical, it cannot be
      cleaned: the desa exports or prints the PDF again without them.
    - An image above Pillow's decompression-bomb limit (about 89 megapixels) is refused.
    - An image gets a display copy: turned upright by its EXIF orientation, at most 1,600 px a side, re-encoded as
      JPEG from its pixels only: no EXIF (so no GPS position), no comment, no XMP or ICC data, nothing after the
      end of the image. GPS position and capture time from the
      original are returned as metadata (shown to assessors only); the original is kept private.
    - The file name is cleaned into a display label (:func:`clean_display_name`) and used for nothing else.
    """
    if not data:
        raise UploadRejected("empty", _l("Berkas kosong (0 byte). Pilih berkas yang berisi bukti."))
    if len(data) > max_bytes:
        raise UploadRejected(
            "too_large",
            _l(
                "Berkas terlalu besar: paling besar %(mb)s MB. Kecilkan atau pecah berkasnya, lalu unggah lagi.",
                mb=_megabytes(max_bytes),
            ),
        )
    media_type = sniff_media_type(data)
    display_name = clean_display_name(filename)
    if media_type == "application/pdf":
        _check_pdf(data)
        return InspectedUpload(media_type, len(data), display_name)
    if media_type == "video/mp4":
        _check_mp4(data)
        return InspectedUpload(media_type, len(data), display_name)
    display_copy, metadata = _inspect_image(data, media_type)
    return InspectedUpload(media_type, len(data), display_name, display_copy, metadata)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _unsupported(reason: str = "unsupported") -> UploadRejected:
    return UploadRejected(
        reason,
        _l("Jenis berkas tidak didukung. Yang diterima: PDF, JPEG, PNG, WebP, HEIC, atau video MP4."),
    )


def sniff_media_type(data: bytes) -> str:
    """The media type named by the file's signature (its first bytes); :class:`UploadRejected` when none fits."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[4:8] == b"ftyp" and len(data) >= 16:
        brands = _ftyp_brands(data)
        if brands & HEIC_BRANDS:
            return "image/heic"
        if brands & MP4_BRANDS:
            return "video/mp4"
        if b"qt  " in brands:
            raise UploadRejected(
                "quicktime", _l("Video QuickTime (.mov) tidak diterima. Simpan atau kirim video sebagai MP4.")
            )
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise UploadRejected(
            "archive", _l("Arsip ZIP tidak diterima. Unggah berkas buktinya satu per satu (PDF, foto, atau video).")
        )
    raise _unsupported()


def _ftyp_brands(data: bytes) -> set[bytes]:
    (size,) = struct.unpack(">I", data[:4])
    end = min(size, len(data)) if size >= 16 else 16
    brands = {data[8:12]}
    brands.update(data[offset : offset + 4] for offset in range(16, end - 3, 4))
    return brands


def _check_pdf(data: bytes) -> None:
    broken = UploadRejected(
        "bad_pdf", _l("Berkas PDF rusak atau tidak lengkap sehingga tidak bisa dibuka. Ekspor ulang PDF-nya.")
    )
    try:
        # pypdf reports repairable oddities as warnings; a PDF that parses is judged by its pages, not by those.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise UploadRejected(
                    "encrypted_pdf",
                    _l("PDF ini dikunci dengan kata sandi. Unggah PDF tanpa kata sandi agar asesor dapat membacanya."),
                )
            if len(reader.pages) < 1:
                raise broken
            reader.pages[0].mediabox  # noqa: B018 - resolving the first page proves the page tree is real
            if pdf_active_content(reader):
                raise UploadRejected(
                    "pdf_javascript",
                    _l(
                        "PDF ini berisi JavaScript atau perintah yang berjalan sendiri saat dibuka, jadi tidak "
                        'diterima. Simpan ulang atau cetak ke PDF tanpa skrip (misalnya "Print to PDF"), lalu '
                        "unggah lagi."
                    ),
                )
    except UploadRejected:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        struct.error,
        NotImplementedError,
    ) as error:
        raise broken from error


# Keys and action types that make a PDF reader run something: /JS (a JavaScript action's script), a /JavaScript
# entry (the document's /Names tree of scripts), and actions of type /JavaScript or /Launch (starts a program).
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch"})
# Objects visited at most: far more than a real 25 MB PDF holds; past it the file is treated as active.
_PDF_OBJECT_BUDGET = 500_000


def pdf_active_content(reader: PdfReader) -> bool:
    """Whether any object reachable from the PDF's trailer holds a script or a launch action.

    Every dictionary and array reachable from the trailer is visited once (page trees, annotations, form fields,
    the catalogue's /OpenAction, /AA and /Names included), so it does not matter where an action hides or whether
    its name is spelled with ``#`` escapes (pypdf decodes names). Stream contents are not decoded: a script in a
    page's drawing instructions is never run. A file too large to walk within the budget counts as active.
    """
    stack: list[Any] = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > _PDF_OBJECT_BUDGET:
            return True
        if isinstance(item, DictionaryObject):
            if _ACTIVE_KEYS & set(item.keys()) or dict.get(item, "/S") in _ACTIVE_ACTIONS:
                return True
            stack.extend(dict.values(item))
        elif isinstance(item, ArrayObject):
            stack.extend(list.__iter__(item))
    return False


def _check_mp4(data: bytes) -> None:
    """Walk the top-level ISO-BMFF boxes: they must tile the file, start with ``ftyp`` and include ``moov``."""
    broken = UploadRejected("bad_mp4", _l("Video MP4 rusak atau tidak lengkap. Rekam atau ekspor ulang videonya."))
    position = 0
    kinds: list[bytes] = []
    length = len(data)
    while position < length:
        if length - position < 8:
            raise broken
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            if length - position < 16:
                raise broken
            (size,) = struct.unpack(">Q", data[position + 8 : position + 16])
            header = 16
        elif size == 0:
            size = length - position
        if size < header or position + size > length or not re.fullmatch(rb"[\x20-\x7e]{4}", kind):
            raise broken
        kinds.append(kind)
        position += size
    if not kinds or kinds[0] != b"ftyp" or b"moov" not in kinds:
        raise broken


def _inspect_image(data: bytes, media_type: str) -> tuple[bytes, dict[str, Any]]:
    broken = UploadRejected(
        "bad_image", _l("Gambar rusak atau tidak lengkap sehingga tidak bisa dibuka. Ambil ulang fotonya.")
    )
    pillow_format = PILLOW_FORMATS[media_type]
    # WeasyPrint sets this process-wide flag to True when it is imported (PDF reports); a truncated upload must
    # still be refused, so the inspector re-asserts it before every decode.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            # A decompression bomb (a small file that decodes to gigabytes) must be refused, not just logged.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                image.load()
                metadata = exif_metadata(image.getexif())
                upright = ImageOps.exif_transpose(image)
                return _display_copy(upright), metadata
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadRejected(
            "too_many_pixels",
            _l("Resolusi gambar terlalu besar. Kecilkan foto (misalnya di bawah 50 megapiksel), lalu unggah lagi."),
        ) from error
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        struct.error,
        IndexError,
        KeyError,
        TypeError,
        RuntimeError,
    ) as error:
        raise broken from error


def _display_copy(image: Image.Image) -> bytes:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        image = flattened
    else:
        image = image.convert("RGB")
    image.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
    # A new image from the pixels alone: Pillow carries an image's ``info`` (a JPEG comment, which may hold a
    # script, XMP) into what it saves, so the decoded image itself is never saved. No exif= and no icc_profile=.
    pixels = Image.frombytes("RGB", image.size, image.tobytes())
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=DISPLAY_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def exif_metadata(exif: Image.Exif) -> dict[str, Any]:
    """GPS position (decimal degrees) and capture time from EXIF; malformed values are left out, never fatal."""
    metadata: dict[str, Any] = {}
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), 90)
        longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), 180)
        if latitude is not None and longitude is not None:
            metadata["gps"] = {"lat": round(latitude, 6), "lon": round(longitude, 6)}
    except (KeyError, TypeError, ValueError, ZeroDivisionError, struct.error):
        pass
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
        offset = sub.get(ExifTags.Base.OffsetTimeOriginal)
        captured = _exif_time(raw, offset)
        if captured:
            metadata["captured_at"] = captured
    except (KeyError, TypeError, ValueError, struct.error):
        pass
    return metadata


def _degrees(value: Any, reference: Any, limit: int) -> float | None:
    if not value or len(value) != 3:
        return None
    degrees = float(value[0]) + float(value[1]) / 60 + float(value[2]) / 3600
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "ignore")
    if str(reference).strip().upper() in ("S", "W"):
        degrees = -degrees
    if not -limit <= degrees <= limit:
        return None
    return degrees


def _exif_time(raw: Any, offset: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    text = moment.isoformat()
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d\d:\d\d", offset.strip("\x00 ")):
        text += offset.strip("\x00 ")
    return text


_SPACES = re.compile(r"\s+")


def clean_display_name(filename: str | None) -> str:
    """A label for the uploaded file, safe to show and never used in a path.

    Keeps letters of any script (a non-Latin name stays readable), drops any folder part (``../``, ``C:\\``),
    control and invisible formatting characters (including right-to-left overrides that disguise an extension),
    trims leading dots, and shortens to 100 characters keeping the extension. An empty result becomes "berkas".
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if char.isspace() or unicodedata.category(char).startswith("Z") else char
        for char in name
        if char.isspace() or not unicodedata.category(char).startswith("C")
    )
    name = _SPACES.sub(" ", name).strip().lstrip(".").strip()
    if len(name) > DISPLAY_NAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10 and stem:
            name = stem[: DISPLAY_NAME_MAX - len(suffix) - 2].rstrip() + "…." + suffix
        else:
            name = name[: DISPLAY_NAME_MAX - 1].rstrip() + "…"
    return name or "berkas"


def download_name(display_name: str, media_type: str) -> str:
    """The name offered on download: the display label's stem with the extension of the DETECTED type."""
    stem, dot, suffix = display_name.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem = display_name
    return stem + MEDIA_TYPES[media_type]
