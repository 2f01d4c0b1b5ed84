"""Small valid rubric mappings for the rubric tests, and a hypothesis strategy that builds many of them."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import strategies as st

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "rubrics" / "desa-digital-kaltim-2026.yaml"

# The first bytes of a real 1x1 PNG: what an image renamed .yaml or .xlsx starts with.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def valid_document() -> dict[str, Any]:
    """A small rubric that satisfies every rule: two aspects (60 + 40), scale 0–4, three bands."""

    def levels(prefix: str) -> dict[int, str]:
        return {level: f"{prefix} level {level}" for level in range(5)}

    return {
        "id": "uji-2026",
        "title": "Rubrik uji",
        "version": "1",
        "scale": {"min": 0, "max": 4},
        "level_names": {0: "Belum ada", 1: "Rintisan", 2: "Berjalan", 3: "Terstandar", 4: "Terpadu"},
        "bands": [{"min": 0, "label": "Kurang"}, {"min": 40, "label": "Baik"}, {"min": 80, "label": "Memuaskan"}],
        "aggregation": "mean",
        "disagreement_threshold": 2,
        "tie_break": ["aspects_by_weight", "top_levels", "zero_levels"],
        "eligible": ["desa", "desa_adat"],
        "aspects": [
            {
                "code": "A",
                "name": "Layanan",
                "weight": 60,
                "indicators": [
                    {
                        "code": "A1",
                        "name": "Surat daring",
                        "weight": 35,
                        "levels": levels("A1"),
                        "evidence": ["URL layanan"],
                        "verification": "uji akses",
                        "allow_na": False,
                    },
                    {"code": "A2", "name": "TTE", "weight": 25, "levels": levels("A2")},
                ],
            },
            {
                "code": "B",
                "name": "Ekonomi",
                "indicators": [
                    {"code": "B1", "name": "Katalog", "weight": 40, "levels": levels("B1"), "allow_na": True},
                ],
            },
        ],
    }


def changed(document: dict[str, Any], *edits: tuple[tuple[str | int, ...], Any]) -> dict[str, Any]:
    """A deep copy of ``document`` with each (key path, value) set; the value ``DELETE`` removes the key."""
    result = copy.deepcopy(document)
    for path, value in edits:
        target: Any = result
        for part in path[:-1]:
            target = target[part]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return result


DELETE = object()

# Never empty after stripping (the parser strips texts), and cheap to generate: no filtering.
_TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs", "P"]), max_size=12).map(
    lambda text: text.strip() or "x"
)

# Level texts may span lines (an Excel cell holds them with Alt+Enter).
_LONG_TEXT = st.lists(_TEXT, min_size=1, max_size=2).map("\n".join)


@st.composite
def rubric_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Valid rubric mappings: 1–4 aspects of 1–4 indicators, weights in hundredths summing to exactly 100."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    count = sum(shape)
    # Split 10000 hundredths into `count` positive parts: weights such as 12.34 that must stay exact.
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=count - 1, max_size=count - 1, unique=True)))
    hundredths = [b - a for a, b in zip([0, *cuts], [*cuts, 10000], strict=True)]
    low = draw(st.integers(-2, 1))
    high = low + draw(st.integers(1, 5))
    band_mins = sorted(draw(st.sets(st.integers(1, 100), max_size=4)))
    aspects = []
    position = 0
    for aspect_number, size in enumerate(shape):
        indicators = []
        for indicator_number in range(size):
            indicators.append(
                {
                    "code": f"K{aspect_number}-{indicator_number}",
                    "name": draw(_TEXT),
                    "weight": Decimal(hundredths[position]) / 100,
                    "levels": {level: draw(_LONG_TEXT) for level in range(low, high + 1)},
                    "evidence": draw(st.lists(_TEXT, max_size=3)),
                    "verification": draw(_TEXT),
                    "allow_na": draw(st.booleans()),
                }
            )
            position += 1
        aspects.append({"code": f"K{aspect_number}", "name": draw(_TEXT), "indicators": indicators})
    return {
        "id": "acak",
        "title": draw(_TEXT),
        "version": draw(_TEXT),
        "scale": {"min": low, "max": high},
        "bands": [{"min": 0, "label": "P0"}, *({"min": value, "label": f"P{value}"} for value in band_mins)],
        "aggregation": draw(st.sampled_from(["mean", "median"])),
        "disagreement_threshold": draw(st.integers(1, high - low)),
        "tie_break": draw(st.permutations(["aspects_by_weight", "top_levels", "zero_levels"])),
        "eligible": draw(st.lists(st.sampled_from(["desa", "desa_adat", "kelurahan"]), min_size=1, unique=True)),
        "aspects": aspects,
    }


def fill_template(path: Path) -> None:
    """Fill the template the way a committee member would: settings, bands, aspects and indicators."""
    workbook = openpyxl.load_workbook(path)
    settings_sheet = workbook["Rubrik"]
    labels = {settings_sheet.cell(row, 1).value: row for row in range(2, settings_sheet.max_row + 1)}
    settings_sheet.cell(labels["ID rubrik"], 2).value = "uji-excel"
    settings_sheet.cell(labels["Judul"], 2).value = "Rubrik dari Excel"
    settings_sheet.cell(labels["Versi"], 2).value = 1
    settings_sheet.cell(labels["Agregasi"], 2).value = "median"
    bands = workbook["Predikat"]
    for row, (low, label) in enumerate([(0, "Kurang"), (50, "Baik"), (82.5, "Memuaskan")], start=2):
        bands.cell(row, 1).value = low
        bands.cell(row, 2).value = label
    aspects = workbook["Aspek"]
    for row, (code, name) in enumerate([("A", "Layanan"), ("B", "Ekonomi")], start=2):
        aspects.cell(row, 1).value = code
        aspects.cell(row, 2).value = name
    indicators = workbook["Indikator"]
    headers = [cell.value for cell in indicators[1]]
    rows = [
        ("A", "A1", "Surat daring", 62.25, "ya"),
        ("A", "A2", "TTE", 12.75, "tidak"),
        ("B", "B1", "Katalog", 25, None),
    ]
    for row, (aspect, code, name, weight, allow_na) in enumerate(rows, start=2):
        values = {
            "Kode aspek": aspect,
            "Kode": code,
            "Nama": name,
            "Bobot": weight,
            "Boleh N/A": allow_na,
            "Bukti": "URL\nTangkapan layar",
            "Verifikasi": "Uji akses",
        }
        values.update({f"Level {level}": f"{code} pada level {level}" for level in range(5)})
        for column, header in enumerate(headers, start=1):
            indicators.cell(row, column).value = values.get(header)
    workbook.save(path)
