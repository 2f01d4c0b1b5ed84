"""Checks that a generated PDF is laid out for paper, read back with pypdf.

- :func:`text_runs` walks each page's content stream (pypdf's ``ContentStream`` gives the operators; the walker
  keeps the transformation and text matrices itself, and follows form XObjects with their own matrix, bounding
  box and fonts, where pypdf's text visitors restart from an identity matrix) and measures every text-showing
  operation exactly: its start is the text matrix times the CTM, its advance the glyph widths of the font's
  ``/W`` array (the embedded CID fonts WeasyPrint writes) plus the TJ adjustments (kerning, letter-spacing). It
  also follows the clipping rectangles (``re W n`` inside ``q``/``Q``), because a chart label drawn past its SVG
  box is clipped, i.e. cut on paper, while still lying on the page.
- :func:`misplaced_text` lists the runs that lie outside the page's mediabox or outside their clip (with a small
  tolerance for rounding and glyph side bearings).
- :func:`split_rows` takes the rows the test knows from the data (each a few texts that together identify it,
  e.g. the desa code first and the last cell's value) and lists those whose texts are not all on one single page.
  Texts are compared without whitespace, so a cell wrapped over several lines still matches.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

TOLERANCE = 1.0  # points: rounding, and glyphs whose ink starts a hair before their origin
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in page points


@dataclass(frozen=True)
class TextRun:
    """One text-showing operation, measured: page (1-based), its extent on the page and its clip, its text."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    clip: Box | None
    text: str


def _multiply(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """The product of two PDF matrices [a b c d e f] (a applied first)."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _apply(m: Sequence[float], x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _intersect(a: Box | None, b: Box) -> Box:
    if a is None:
        return b
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


class _Font:
    """Glyph widths (per 1000 units of text space) and the Unicode text of a WeasyPrint CID font."""

    def __init__(self, font: DictionaryObject) -> None:
        self.two_byte = font.get("/Subtype") == "/Type0"
        self.widths: dict[int, float] = {}
        self.default = 1000.0
        self.unicode: dict[int, str] = {}
        if self.two_byte:
            descendant = font["/DescendantFonts"][0].get_object()
            self.default = float(descendant.get("/DW", 1000))
            w = list(descendant.get("/W", []))
            i = 0
            while i < len(w):
                first = int(w[i])
                if isinstance(w[i + 1], list) or hasattr(w[i + 1], "__iter__"):
                    for offset, width in enumerate(w[i + 1]):
                        self.widths[first + offset] = float(width)
                    i += 2
                else:
                    for code in range(first, int(w[i + 1]) + 1):
                        self.widths[code] = float(w[i + 2])
                    i += 3
        else:
            first = int(font.get("/FirstChar", 0))
            for offset, width in enumerate(font.get("/Widths", [])):
                self.widths[first + offset] = float(width)
        if "/ToUnicode" in font:
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for code, text in re.findall(
                r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>",
                cmap.split("begincodespacerange")[-1].split("endcodespacerange")[-1],
            ):
                self.unicode[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be", "replace")

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)

    def measure(self, operand: Any) -> tuple[float, str]:
        """The advance (in thousandths of the font size) and the text of a Tj string or TJ array."""
        parts = operand if isinstance(operand, list) else [operand]  # strings are bytes: read with "bytes"
        advance, text = 0.0, []
        for part in parts:
            if isinstance(part, bytes):
                for code in self.codes(part):
                    advance += self.widths.get(code, self.default)
                    text.append(self.unicode.get(code, "?"))
            else:
                advance -= float(part)  # a TJ number moves the next glyph left by number/1000 of the font size
        return advance, "".join(text)


class _Walker:
    """Follows one page's drawing state (CTM, text matrix, font, clip) through its content stream and the form
    XObjects it draws (WeasyPrint puts end-anchored SVG text in forms), recording each text-showing operation."""

    def __init__(self, reader: PdfReader, page_number: int) -> None:
        self.reader = reader
        self.page = page_number
        self.runs: list[TextRun] = []

    def walk(self, content: Any, resources: Any, cm: list[float], clip: Box | None) -> None:
        resources = _resolve(resources)
        fonts = {name: _Font(ref.get_object()) for name, ref in _resolve(resources.get("/Font")).items()}
        xobjects = _resolve(resources.get("/XObject"))
        stack: list[tuple[list[float], Box | None]] = []
        tm = line = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        font: _Font | None = None
        size = leading = 0.0
        rect: Box | None = None
        for operands, operator in ContentStream(content, self.reader, "bytes").operations:
            if operator == b"q":
                stack.append((cm, clip))
            elif operator == b"Q" and stack:
                cm, clip = stack.pop()
            elif operator == b"cm":
                cm = _multiply([float(v) for v in operands], cm)
            elif operator == b"re":
                rect = _bounds(cm, *(float(v) for v in operands))
            elif operator in (b"W", b"W*") and rect is not None:
                clip = _intersect(clip, rect)
            elif operator == b"BT":
                tm = line = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
            elif operator == b"Tm":
                tm = line = [float(v) for v in operands]
            elif operator in (b"Td", b"TD"):
                tm = line = _multiply([1, 0, 0, 1, float(operands[0]), float(operands[1])], line)
                leading = -float(operands[1]) if operator == b"TD" else leading
            elif operator == b"TL":
                leading = float(operands[0])
            elif operator == b"T*":
                tm = line = _multiply([1, 0, 0, 1, 0, -leading], line)
            elif operator == b"Tf":
                font, size = fonts.get(str(operands[0])), float(operands[1])
            elif operator in (b"Tj", b"TJ") and font is not None:
                advance, text = font.measure(operands[0])
                matrix = _multiply(tm, cm)
                start, end = _apply(matrix, 0.0, 0.0), _apply(matrix, advance / 1000 * size, 0.0)
                top = _apply(matrix, 0.0, 0.75 * size)  # about the cap height above the baseline
                xs, ys = (start[0], end[0], top[0]), (start[1], end[1], top[1])
                if text.strip():
                    self.runs.append(TextRun(self.page, min(xs), min(ys), max(xs), max(ys), clip, text))
                tm = _multiply([1, 0, 0, 1, advance / 1000 * size, 0], tm)
            elif operator == b"Do" and str(operands[0]) in xobjects:
                form = xobjects[str(operands[0])].get_object()
                if form.get("/Subtype") == "/Form":
                    matrix = _multiply([float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])], cm)
                    x0, y0, x1, y1 = (float(v) for v in form["/BBox"])
                    self.walk(
                        form,
                        form.get("/Resources") or resources,
                        matrix,
                        _intersect(clip, _bounds(matrix, x0, y0, x1 - x0, y1 - y0)),
                    )


def _resolve(value: Any) -> Any:
    """A dictionary behind an indirect reference (WeasyPrint shares the font dictionary between pages)."""
    return {} if value is None else value.get_object()


def _bounds(m: Sequence[float], x: float, y: float, w: float, h: float) -> Box:
    corners = [_apply(m, px, py) for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def text_runs(pdf: bytes) -> list[TextRun]:
    """Every text-showing operation of every page, measured on the page (see the module's docstring)."""
    reader = PdfReader(io.BytesIO(pdf))
    runs: list[TextRun] = []
    for number, page in enumerate(reader.pages, start=1):
        walker = _Walker(reader, number)
        contents = page.get_contents()
        if contents is not None:
            walker.walk(contents, page.get("/Resources") or {}, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], None)
        runs.extend(walker.runs)
    return runs


def misplaced_text(pdf: bytes, tolerance: float = TOLERANCE) -> list[str]:
    """Each text run lying (partly) outside its page or outside its clipping rectangle, described in words."""
    problems = []
    boxes = [tuple(float(v) for v in page.mediabox) for page in PdfReader(io.BytesIO(pdf)).pages]
    for run in text_runs(pdf):
        x0, y0, x1, y1 = boxes[run.page - 1]
        where = f"halaman {run.page}: {run.text!r} di x {run.x0:.1f}..{run.x1:.1f}, y {run.y0:.1f}..{run.y1:.1f}"
        if run.x0 < x0 - tolerance or run.x1 > x1 + tolerance or run.y0 < y0 - tolerance or run.y1 > y1 + tolerance:
            problems.append(f"{where} keluar dari halaman {x0:.0f}..{x1:.0f} x {y0:.0f}..{y1:.0f}")
        elif run.clip is not None and (
            run.x0 < run.clip[0] - tolerance
            or run.x1 > run.clip[2] + tolerance
            or run.y0 < run.clip[1] - tolerance
            or run.y1 > run.clip[3] + tolerance
        ):
            problems.append(f"{where} terpotong oleh bingkai {tuple(round(v, 1) for v in run.clip)}")
    return problems


def _squeeze(text: str) -> str:
    return "".join(text.split())


@functools.lru_cache(maxsize=4)
def _page_texts(pdf: bytes) -> tuple[str, ...]:
    return tuple(_squeeze(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's extracted text without any whitespace (wrapped lines and cells join up).

    Kept for the last few documents: pypdf takes about 12 s of CPU to read a 160-page report, and a test asks
    for the same document's texts several times."""
    return list(_page_texts(pdf))


def split_rows(pdf: bytes, rows: Iterable[Sequence[str]]) -> list[str]:
    """The rows (each a sequence of texts that together only that row holds) not wholly on one page.

    A row is whole when one page holds every one of its texts; a row split across two pages has its first texts
    on one page and the rest on the next, so no page holds them all.
    """
    pages = page_texts(pdf)
    problems = []
    for row in rows:
        parts = [_squeeze(part) for part in row if _squeeze(part)]
        if not any(all(part in text for part in parts) for text in pages):
            found = {part: [n for n, text in enumerate(pages, start=1) if part in text] for part in parts}
            problems.append(f"baris {row[0]!r} tidak utuh di satu halaman: {found}")
    return problems
