"""Generated demo evidence: small PNG pictures and one-page PDF letters that say plainly they are demo data."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

BANNER = "DATA DEMO — BUKAN BUKTI NYATA"


def _canvas(lines: list[str], size: tuple[int, int], background: str) -> Image.Image:
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=22)
    draw.rectangle((0, 0, size[0], 44), fill="#a61b0f")
    draw.text((16, 10), BANNER, fill="white", font=font)
    y = 70
    for line in lines:
        draw.text((16, y), line, fill="#1b1f24", font=font)
        y += 34
    return image


def demo_png(desa_name: str, indicator_code: str, indicator_name: str) -> bytes:
    """A 640×360 'screenshot' placeholder naming the desa and the indicator."""
    image = _canvas(
        [f"Desa {desa_name}", f"Indikator {indicator_code}", indicator_name[:48], "Tangkapan layar contoh"],
        (640, 360),
        "#e8f1fb",
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def demo_pdf(desa_name: str, indicator_code: str, indicator_name: str) -> bytes:
    """A one-page A5-sized PDF 'letter' placeholder naming the desa and the indicator."""
    image = _canvas(
        [
            f"PEMERINTAH DESA {desa_name.upper()}",
            "Surat Keputusan (contoh)",
            f"Bukti indikator {indicator_code}",
            indicator_name[:48],
        ],
        (874, 620),
        "white",
    )
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=100.0, title=f"Contoh DEMO {desa_name} {indicator_code}")
    return buffer.getvalue()
