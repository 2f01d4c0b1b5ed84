"""PDF reports and certificates: HTML rendered by WeasyPrint with no network, QR codes, and simple SVG charts.

WeasyPrint runs no JavaScript, so plotly charts cannot be drawn in a PDF; :func:`svg_bar_chart` draws the
bar charts a report needs as plain SVG (kaleido would need a headless Chromium per image, about 2.5 s each,
and a browser on the server). Everything the renderer loads goes through :class:`StaticOnlyFetcher`: the
app's own static files and ``data:`` URIs, never the network or any other file.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

import segno
from flask import current_app, has_request_context, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessment.presentation.numbers import format_number
from assessment.presentation.reportdata import DesaResult

# Pages are laid out as if served from this origin; ".invalid" can never resolve (RFC 2606), and the fetcher
# maps its /static/ paths onto the package's static folder.
REPORT_ORIGIN = "https://laporan.invalid/"
STATIC_PREFIX = "/static/"
DEFAULT_STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Lets WeasyPrint read the app's static files and data: URIs only; any other URL is refused."""

    def __init__(self, static_dir: Path = DEFAULT_STATIC_DIR) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        self.static_dir = static_dir.resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" == REPORT_ORIGIN and parts.path.startswith(STATIC_PREFIX):
            path = (self.static_dir / unquote(parts.path.removeprefix(STATIC_PREFIX))).resolve()
            # resolve() follows symlinks and "..": whatever the URL says, the file must be inside static/.
            if path.is_relative_to(self.static_dir) and path.is_file():
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
        raise ValueError(f"Sumber di luar berkas statis aplikasi tidak diizinkan: {url}")


def render_pdf(html: str, static_dir: Path = DEFAULT_STATIC_DIR) -> bytes:
    """Render an HTML document (already localised, numbers formatted) to PDF bytes, without any network.

    Links such as ``/static/css/report.css`` (what ``url_for('static', ...)`` writes) are read from
    ``static_dir``; images should be data: URIs (QR codes) or inline SVG (charts).
    """
    document = HTML(string=html, base_url=REPORT_ORIGIN, url_fetcher=StaticOnlyFetcher(static_dir))
    pdf: bytes = document.write_pdf()
    return pdf


def render_template_pdf(template: str, **context: Any) -> bytes:
    """Render a Jinja template (``templates/reports/...``) to PDF; needs an app context (a request is optional).

    Templates link their stylesheet as ``/static/css/laporan.css`` (a plain path, so no request is needed to
    build URLs); the fetcher reads it from the app's static folder.
    """
    if has_request_context():
        html = render_template(template, **context)
    else:
        # The CLI builds reports outside any request; the locale selector reads the request, so give it an
        # empty one (no cookie: Indonesian).
        with current_app.test_request_context():
            html = render_template(template, **context)
    static_folder = current_app.static_folder
    return render_pdf(html, Path(static_folder) if static_folder else DEFAULT_STATIC_DIR)


def certificate_pdf(desa: DesaResult, competition_name: str, verify_url: str) -> bytes:
    """A one-page landscape certificate for ``desa`` with a QR code leading to ``verify_url``."""
    return render_template_pdf(
        "reports/sertifikat.html",
        desa=desa,
        competition_name=competition_name,
        verify_url=verify_url,
        qr_data_uri=qr_svg_data_uri(verify_url),
    )


def qr_svg_data_uri(text: str, scale: int = 4) -> str:
    """A QR code (error correction M: survives a smudged print) of ``text`` as an SVG data: URI for <img>."""
    code = segno.make(text, error="m", micro=False)
    return str(code.svg_data_uri(scale=scale, border=4, dark="#000000"))


def qr_png_bytes(text: str, scale: int = 8) -> bytes:
    """The same QR code as PNG bytes (for places that take no SVG)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


# Glyph advances of DejaVu Sans (the widest sans-serif a server may fall back to), in em, by kind of character:
# enough to keep a chart's text inside its box without measuring it with the real font.
_NARROW = set("iljI.,:;'!|()[]/ ")
_SEMI_NARROW = set("ftr-")
_WIDE = set("mwMW%@")


def estimated_text_width(text: str, font_size: float) -> float:
    """The width of ``text`` set in ``font_size`` px of DejaVu Sans, rounded up per kind of character."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.34
        elif char in _SEMI_NARROW:
            em += 0.42
        elif char in _WIDE:
            em += 1.0
        elif char.isupper():
            em += 0.8
        else:
            em += 0.65
    return em * font_size


def fit_label(text: str, width: float, font_size: float) -> str:
    """``text`` if it fits in ``width`` px, else shortened to fit, ending with an ellipsis.

    A chart shows a long desa name shortened; the report's tables beside the chart give the full name.
    """
    if estimated_text_width(text, font_size) <= width:
        return text
    while text and estimated_text_width(text.rstrip() + "…", font_size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def svg_bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    maximum: float | None = None,
    decimals: int = 2,
    width: int = 640,
    bar_height: int = 22,
    colour: str = "#0072B2",
) -> str:
    """A horizontal bar chart as standalone SVG, labelled with Indonesian numbers; no value draws no bar.

    Horizontal bars keep long desa and kecamatan names readable; the value is written at the end of each
    bar, so the chart reads without colour. A label or title too long for its room is shortened with an
    ellipsis (:func:`fit_label`), so nothing is cut at the chart's edge on paper.
    """
    label_width = 210
    value_width = 60
    font_size = 12
    top = 28
    height = top + bar_height * len(labels) + 8
    known = [v for v in values if v is not None]
    scale_max = maximum if maximum is not None else (max(known) if known else 1.0)
    scale_max = scale_max or 1.0
    plot_width = width - label_width - value_width
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)} '
        'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(fit_label(title, width / 1.1, 14))}</text>',
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * bar_height
        shown = escape(fit_label(label, label_width - 8, font_size))
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height * 0.68:.1f}" text-anchor="end">{shown}</text>')
        if value is None:
            parts.append(f'<text x="{label_width}" y="{y + bar_height * 0.68:.1f}">–</text>')
            continue
        length = max(plot_width * min(max(value, 0.0) / scale_max, 1.0), 0.0)
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{bar_height - 6}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height * 0.68:.1f}">'
            f"{escape(format_number(value, decimals))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


CHART_BARS_PER_PAGE = 20
"""At most this many bars per chart: 20 bars (476 px, about 12.6 cm) fit under a heading on a landscape page, and
an SVG cannot be split across pages, so a longer chart would run off the paper."""


def svg_bar_charts(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    per_chart: int = CHART_BARS_PER_PAGE,
    **options: Any,
) -> list[str]:
    """:func:`svg_bar_chart` cut into charts of at most ``per_chart`` bars, titled "(1/3)", "(2/3)" ... when cut."""
    count = max(1, -(-len(labels) // per_chart))
    return [
        svg_bar_chart(
            labels[start : start + per_chart],
            values[start : start + per_chart],
            title=title if count == 1 else f"{title} ({index}/{count})",
            **options,
        )
        for index, start in enumerate(range(0, max(len(labels), 1), per_chart), start=1)
    ]
