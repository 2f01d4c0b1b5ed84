"""The file shell: YAML and Excel loaders with locations, writers, round trips, and files that are not rubrics."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from assessment.criteria.errors import RubricError
from assessment.criteria.files import (
    load_rubric,
    load_rubric_bytes,
    rubric_to_excel,
    rubric_to_yaml,
    write_excel_template,
)
from assessment.criteria.fingerprint import fingerprint
from assessment.criteria.model import Rubric
from assessment.criteria.parse import parse_rubric
from tests.core.rubric_data import PNG, SHIPPED, fill_template, rubric_documents, valid_document


def problems(data: bytes, name: str = "rubrik.yaml") -> list[tuple[str, str]]:
    with pytest.raises(RubricError) as caught:
        load_rubric_bytes(data, name)
    return [(problem.location, problem.message) for problem in caught.value.problems]


def test_shipped_rubric_validates_with_5_aspects_20_indicators_and_weights_100() -> None:
    rubric = load_rubric(SHIPPED)
    assert [aspect.code for aspect in rubric.aspects] == ["A", "B", "C", "D", "E"]
    assert len(rubric.indicators) == 20
    assert sum(indicator.weight for indicator in rubric.indicators) == 100
    assert [aspect.weight for aspect in rubric.aspects] == [25, 20, 25, 15, 15]
    assert [(band.min, band.label) for band in rubric.bands] == [
        (0, "Kurang"),
        (20, "Cukup"),
        (40, "Baik"),
        (Decimal("62.5"), "Sangat Baik"),
        (80, "Memuaskan"),
    ]
    assert dict(rubric.level_names) == {
        0: "Belum ada",
        1: "Rintisan",
        2: "Berjalan",
        3: "Terstandar",
        4: "Terpadu & berdampak",
    }
    assert rubric.scale.levels == (0, 1, 2, 3, 4)
    assert rubric.eligible == ("desa", "desa_adat")
    for indicator in rubric.indicators:
        assert [level.value for level in indicator.levels] == [0, 1, 2, 3, 4]
        assert indicator.evidence, indicator.code
        assert indicator.verification, indicator.code


def test_yaml_float_weights_are_exact_decimals() -> None:
    text = (
        SHIPPED.read_text(encoding="utf-8")
        .replace("weight: 7\n", "weight: 6.75\n", 1)
        .replace("weight: 3\n", "weight: 3.25\n", 1)
        .replace("weight: 25\n", "weight: 25.0\n", 1)
    )
    rubric = load_rubric_bytes(text.encode(), "r.yaml")
    assert rubric.indicator("A1").weight == Decimal("6.75")
    assert str(rubric.indicator("A5").weight) == "3.25"


def test_yaml_locations_give_line_and_key_path() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    lines = text.splitlines()
    line_of_weight = next(number for number, line in enumerate(lines, start=1) if line.strip() == "weight: 7")
    broken = "\n".join(
        line if number != line_of_weight else line.replace("7", "tujuh") for number, line in enumerate(lines, start=1)
    )
    found = problems(broken.encode())
    assert (
        f"{line_of_weight}:aspects[0].indicators[0].weight",
        "Bobot indikator A1 harus berupa angka (mis. 7 atau 2.75), bukan teks 'tujuh'.",
    ) in found


def test_yaml_duplicate_key_is_a_problem() -> None:
    text = yaml.safe_dump(valid_document(), sort_keys=False, allow_unicode=True) + "title: Kedua\n"
    found = problems(text.encode())
    assert any(location.endswith(":title") and "dua kali" in message for location, message in found)


def test_malformed_yaml_is_located() -> None:
    found = problems(b"id: x\ntitle: [tidak ditutup\nversion: 1\n")
    assert len(found) == 1
    location, message = found[0]
    assert location.endswith(":(yaml)")
    assert message.startswith("YAML rusak di baris")


@pytest.mark.parametrize(
    ("data", "name", "fragment"),
    [
        (PNG, "foto.yaml", "gambar PNG"),
        (PNG, "foto.xlsx", "gambar PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "foto.xlsx", "gambar JPEG"),
        (b"%PDF-1.7\n%%EOF", "surat.yaml", "dokumen PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "lama.xls", ".xls"),
        (bytes(range(256)), "acak.yaml", "bukan teks YAML"),
        (b"", "kosong.yaml", "kosong"),
        (b"- satu\n- dua\n", "daftar.yaml", "bukan rubrik"),
        (b"Hanya sebuah kalimat.", "teks.yaml", "bukan rubrik"),
    ],
    ids=["png_as_yaml", "png_as_xlsx", "jpeg_as_xlsx", "pdf", "old_xls", "binary", "empty", "list", "plain_text"],
)
def test_file_that_is_not_a_rubric_gives_one_clean_problem(data: bytes, name: str, fragment: str) -> None:
    found = problems(data, name)
    assert len(found) == 1
    assert fragment in found[0][1]


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (zipped({"foto.jpg": b"x"}), "bukan buku kerja Excel"),
        (zipped({"[Content_Types].xml": b"<bukan xml", "xl/workbook.xml": b"<rusak"}), "rusak"),
        (b"PK\x03\x04" + bytes(40), "rusak"),
    ],
    ids=["zip_not_xlsx", "broken_xlsx", "truncated_zip"],
)
def test_malformed_excel_gives_one_clean_problem(data: bytes, fragment: str) -> None:
    found = problems(data, "rubrik.xlsx")
    assert len(found) == 1
    assert fragment in found[0][1]


def roundtrip_excel(rubric: Rubric, tmp_path: Path) -> Rubric:
    target = tmp_path / "rubrik.xlsx"
    rubric_to_excel(rubric, target)
    return load_rubric(target)


def test_yaml_excel_yaml_keeps_the_fingerprint_of_the_shipped_rubric(tmp_path: Path) -> None:
    original = load_rubric(SHIPPED)
    from_excel = roundtrip_excel(original, tmp_path)
    back = load_rubric_bytes(rubric_to_yaml(from_excel).encode(), "kembali.yaml")
    assert fingerprint(from_excel) == fingerprint(original)
    assert fingerprint(back) == fingerprint(original)
    assert back == original


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(document=rubric_documents())
def test_generated_rubrics_survive_yaml_and_excel_round_trips(document: dict[str, Any], tmp_path: Path) -> None:
    rubric = parse_rubric(document)
    via_yaml = load_rubric_bytes(rubric_to_yaml(rubric).encode(), "r.yaml")
    via_excel = roundtrip_excel(rubric, tmp_path)
    assert fingerprint(via_yaml) == fingerprint(rubric)
    assert fingerprint(via_excel) == fingerprint(rubric)


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    document = valid_document()
    document["aspects"][0]["indicators"][0]["levels"][0] = '=HYPERLINK("http://contoh.test","klik")'
    rubric = parse_rubric(document)
    target = tmp_path / "r.xlsx"
    rubric_to_excel(rubric, target)
    cell = openpyxl.load_workbook(target)["Indikator"]["E2"]
    assert cell.data_type == "s"
    assert load_rubric(target) == rubric


def test_filled_template_is_a_valid_rubric(tmp_path: Path) -> None:
    target = tmp_path / "templat.xlsx"
    write_excel_template(target)
    with pytest.raises(RubricError):
        load_rubric(target)
    fill_template(target)
    rubric = load_rubric(target)
    assert rubric.aggregation == "median"
    assert rubric.version == "1"
    assert [indicator.weight for indicator in rubric.indicators] == [Decimal("62.25"), Decimal("12.75"), 25]
    assert rubric.indicator("A1").evidence == ("URL", "Tangkapan layar")
    assert rubric.indicator("A1").allow_na is True
    assert rubric.bands[2].min == Decimal("82.5")
    assert rubric.tie_break == ("aspects_by_weight", "top_levels", "zero_levels")


def test_template_has_guide_headers_and_dropdowns(tmp_path: Path) -> None:
    target = tmp_path / "templat.xlsx"
    write_excel_template(target)
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames[0] == "Petunjuk"
    assert workbook["Daftar"].sheet_state == "hidden"
    headers = [cell.value for cell in workbook["Indikator"][1]]
    assert headers == [
        "Kode aspek",
        "Kode",
        "Nama",
        "Bobot",
        "Level 0",
        "Level 1",
        "Level 2",
        "Level 3",
        "Level 4",
        "Bukti",
        "Verifikasi",
        "Boleh N/A",
    ]
    formulas = {validation.formula1 for sheet in workbook for validation in sheet.data_validations.dataValidation}
    # OOXML stores list sources without a leading '=' (Excel offers to repair a file that has one).
    assert {"Agregasi", "YaTidak", "Level", "'Aspek'!$A$2:$A$100"} <= formulas
    assert set(workbook.defined_names) >= {"Agregasi", "YaTidak", "Level", "JenisWilayah", "PenentuSeri"}


def test_excel_problems_are_located_by_sheet_and_cell(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    rubric_to_excel(load_rubric(SHIPPED), target)
    workbook = openpyxl.load_workbook(target)
    indicators = workbook["Indikator"]
    indicators["D7"] = "tujuh"
    indicators["A8"] = "Z"
    indicators["H3"] = None
    workbook["Predikat"]["A4"] = 10
    workbook["Rubrik"]["A7"] = "Agregsi"
    workbook.save(target)
    with pytest.raises(RubricError) as caught:
        load_rubric(target)
    found = {(problem.location, problem.message.split(":")[0]) for problem in caught.value.problems}
    locations = {location for location, _ in found}
    assert {"Indikator!D7", "Indikator!A8", "Indikator!E3", "Predikat!A4", "Rubrik!A7"} <= locations
    messages = " ".join(problem.message for problem in caught.value.problems)
    assert "bukan teks 'tujuh'" in messages
    assert "Mungkin maksud Anda 'agregasi'" in messages
    assert "level 3" in messages


def test_excel_missing_sheet_is_named(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    write_excel_template(target)
    workbook = openpyxl.load_workbook(target)
    workbook["Indikator"].title = "Indikatur"
    workbook.save(target)
    with pytest.raises(RubricError) as caught:
        load_rubric(target)
    assert any(
        "Lembar 'Indikator' tidak ada" in problem.message and "Indikatur" in problem.message
        for problem in caught.value.problems
    )


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 9)]
    found = problems("\n".join(lines).encode())
    assert len(found) == 1
    assert "terlalu besar" in found[0][1]


def test_yaml_version_written_as_number_or_date_stays_as_written() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace('version: "2026.1"', "version: 2026.10")
    assert load_rubric_bytes(text.encode(), "r.yaml").version == "2026.10"
    text = SHIPPED.read_text(encoding="utf-8").replace('version: "2026.1"', "version: 2026-01-15")
    assert load_rubric_bytes(text.encode(), "r.yaml").version == "2026-01-15"


def test_the_example_in_the_format_readme_is_a_valid_rubric() -> None:
    readme = (SHIPPED.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    rubric = load_rubric_bytes(example.encode(), "contoh.yaml")
    assert rubric.indicator("A1").weight == Decimal("32.5")
    assert sum(indicator.weight for indicator in rubric.indicators) == 100


def test_huge_yaml_numbers_are_problems_not_crashes() -> None:
    huge = "9" * 5000
    text = SHIPPED.read_text(encoding="utf-8").replace("scale: {min: 0, max: 4}", f"scale: {{min: 0, max: {huge}}}")
    text = text.replace("weight: 7\n", "weight: 7.0e+999999999\n", 1)
    found = problems(text.encode())
    assert any(location.endswith(":scale.max") for location, _ in found)
    assert any(location.endswith(":aspects[0].indicators[0].weight") for location, _ in found)


def test_yaml_with_a_control_character_is_refused_with_its_line() -> None:
    found = problems(b"id: uji\ntitle: Rubrik\x1b\n")
    assert [location for location, _message in found] == ["2:(yaml)"]
    assert "U+001B" in found[0][1]
