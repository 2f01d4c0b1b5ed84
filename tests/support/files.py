"""Generated evidence files for tests: real images, PDFs and MP4s, and the hostile look-alikes."""

from __future__ import annotations

import io
import struct
import zipfile

from PIL import ExifTags, Image
from pypdf import PdfWriter


def jpeg(
    width: int = 40, height: int = 30, *, gps: bool = True, orientation: int | None = 6, color: str = "red"
) -> bytes:
    """A JPEG photo with EXIF: GPS near Sepaku (1°15'30" S, 116°50' E), capture time and orientation."""
    image = Image.new("RGB", (width, height), color)
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {1: "S", 2: (1.0, 15.0, 30.0), 3: "E", 4: (116.0, 50.0, 0.0)}
    exif[ExifTags.Base.DateTime] = "2026:08:17 10:00:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 20, height: int = 20, *, alpha: bool = True) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (0, 128, 0, 128) if alpha else (0, 128, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, "WEBP")
    return out.getvalue()


def heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "yellow").save(out, "HEIF")
    return out.getvalue()


def pdf(
    pages: int = 1, *, user_password: str | None = None, owner_password: str | None = None, text: str = ""
) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if text:
        writer.add_metadata({"/Title": text})
    if user_password is not None or owner_password is not None:
        writer.encrypt(user_password=user_password or "", owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(*, with_moov: bool = True, truncate: int = 0) -> bytes:
    """An ISO-BMFF file with the box layout of an MP4 (ftyp, moov, mdat); the media inside is filler."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    moov = _box(b"moov", _box(b"mvhd", bytes(100))) if with_moov else b""
    mdat = _box(b"mdat", bytes(2048))
    data = ftyp + moov + mdat
    return data[: len(data) - truncate] if truncate else data


def quicktime() -> bytes:
    return _box(b"ftyp", b"qt  " + bytes(4) + b"qt  ") + _box(b"moov", bytes(16))


def html_as_jpg() -> bytes:
    return b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def fake_pdf() -> bytes:
    return b"%PDF-1.7\n%%EOF\n"


def fake_pdf_with_junk() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("bukti.pdf", pdf())
    return out.getvalue()


def svg() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>'


def truncated_jpeg() -> bytes:
    data = jpeg(200, 200, gps=False, orientation=None, color="green")
    return data[: len(data) // 2]


def pixel_bomb_png() -> bytes:
    """A small PNG that decodes to 100 megapixels (above Pillow's limit of about 89)."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def jpeg_with_appended_html() -> bytes:
    return jpeg(gps=False, orientation=None) + b"<html><script>alert(1)</script></html>"


def jpeg_with_comment_script() -> bytes:
    """A JPEG photo whose comment segment (COM) carries a script, with XMP and ICC data, and bytes after its end."""
    image = Image.new("RGB", (40, 30), "green")
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/><script>alert("xmp")</script></x:xmpmeta>'
    image.save(out, "JPEG", comment=b"<script>alert(document.cookie)</script>", xmp=xmp, icc_profile=b"\x00" * 128)
    return out.getvalue() + b"<script>alert('ekor')</script>"


def pdf_with_javascript(where: str) -> bytes:
    """A valid one-page PDF (cross-reference table and all) whose JavaScript runs from ``where``: ``open``
    (/OpenAction), ``page`` (a page's /AA), ``names`` (the document's /Names JavaScript tree), ``annotation`` (a
    link annotation's action), ``hidden`` (the /JS key spelled with a #-escape, /J#53)."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('bukti');")}
    )
    if where == "open":
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    elif where == "page":
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(action)})
    elif where == "names":
        tree = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("bukti"), writer._add_object(action)])}
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    elif where == "annotation":
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject(
                    [NumberObject(0), NumberObject(0), NumberObject(100), NumberObject(100)]
                ),
                NameObject("/A"): action,
            }
        )
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if where == "hidden":
        # The same /OpenAction as "open", the key written /J#53 (a name escape every PDF reader decodes to /JS).
        hidden = b"/Type /Catalog /OpenAction << /S /JavaScript /J#53 (app.alert\\(1\\)) >>"
        data = data.replace(b"/Type /Catalog", hidden, 1)
    return data
