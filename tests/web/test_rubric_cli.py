"""``desa-digital rubric``: validate, show, template and convert, driven through the app's CLI runner."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from flask.testing import FlaskCliRunner

from assessment.criteria.files import load_rubric
from assessment.criteria.fingerprint import fingerprint
from tests.core.rubric_data import PNG, SHIPPED, changed, fill_template, valid_document


def write_yaml(path: Path, document: object) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_validate_shipped_rubric_prints_one_summary_line(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["rubric", "validate", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{SHIPPED}: sah — desa-digital-kaltim-2026")
    assert "5 aspek, 20 indikator, bobot 100" in lines[0]
    assert fingerprint(load_rubric(SHIPPED))[:12] in lines[0]


def test_validate_reports_every_problem_of_every_file_and_exits_1(runner: FlaskCliRunner, tmp_path: Path) -> None:
    good = write_yaml(tmp_path / "baik.yaml", valid_document())
    bad = write_yaml(
        tmp_path / "buruk.yaml",
        changed(
            valid_document(),
            (("aggregation",), "average"),
            (("tie_break",), ["aspect:Z"]),
            (("aspects", 0, "indicators", 0, "weight"), "tujuh"),
            (("scale",), {"min": 4, "max": 0}),
        ),
    )
    worse = write_yaml(tmp_path / "lebih.yaml", changed(valid_document(), (("bands", 0, "min"), 5)))
    result = runner.invoke(args=["rubric", "validate", str(good), str(bad), str(worse)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{good}: sah")
    bad_lines = [line for line in lines if line.startswith(f"{bad}:")]
    assert len(bad_lines) == 4
    for fragment in (":aggregation: ", ":tie_break[0]: ", ":aspects[0].indicators[0].weight: ", ":scale: "):
        assert any(fragment in line for line in bad_lines), fragment
    assert any(line.startswith(f"{worse}:") and ":bands[0].min: " in line for line in lines)
    assert "Traceback" not in result.output


def test_validate_image_renamed_yaml_and_xlsx_exits_1_with_message(runner: FlaskCliRunner, tmp_path: Path) -> None:
    for name in ("foto.yaml", "foto.xlsx"):
        (tmp_path / name).write_bytes(PNG)
    result = runner.invoke(args=["rubric", "validate", str(tmp_path / "foto.yaml"), str(tmp_path / "foto.xlsx")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert all("bukan rubrik" in line and "gambar PNG" in line for line in lines)


def test_validate_missing_file_exits_1(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["rubric", "validate", str(tmp_path / "tidak-ada.yaml")])
    assert result.exit_code == 1
    assert "Berkas tidak ditemukan" in result.output


def test_show_prints_tree_with_weights_and_fingerprint(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["rubric", "show", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert f"Sidik jari (SHA-256): {fingerprint(load_rubric(SHIPPED))}" in result.output
    assert "Layanan Administrasi Digital  [bobot 25]" in result.output
    assert "  A2  Tanda tangan elektronik (TTE) tersertifikasi  [bobot 7]" in result.output
    assert "≥ 62.5 Sangat Baik" in result.output
    assert result.output.rstrip().endswith("Jumlah bobot: 100")


def test_show_invalid_file_exits_1(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = write_yaml(tmp_path / "buruk.yaml", changed(valid_document(), (("aspects",), [])))
    result = runner.invoke(args=["rubric", "show", str(bad)])
    assert result.exit_code == 1
    assert re.fullmatch(rf"{re.escape(str(bad))}:\d+:aspects: Rubrik belum punya aspek.*\n", result.output)


def test_template_is_accepted_by_validate_once_filled(runner: FlaskCliRunner, tmp_path: Path) -> None:
    target = tmp_path / "templat.xlsx"
    result = runner.invoke(args=["rubric", "template", str(target)])
    assert result.exit_code == 0, result.output
    empty = runner.invoke(args=["rubric", "validate", str(target)])
    assert empty.exit_code == 1
    assert f"{target}:Rubrik!B2: " in empty.output
    fill_template(target)
    filled = runner.invoke(args=["rubric", "validate", str(target)])
    assert filled.exit_code == 0, filled.output
    assert "uji-excel versi 1: 2 aspek, 3 indikator, bobot 100" in filled.output


def test_template_does_not_overwrite_without_force(runner: FlaskCliRunner, tmp_path: Path) -> None:
    target = tmp_path / "ada.xlsx"
    target.write_bytes(b"milik orang lain")
    result = runner.invoke(args=["rubric", "template", str(target)])
    assert result.exit_code == 1
    assert target.read_bytes() == b"milik orang lain"
    assert runner.invoke(args=["rubric", "template", "--force", str(target)]).exit_code == 0


def test_convert_yaml_to_excel_to_yaml_keeps_fingerprint(runner: FlaskCliRunner, tmp_path: Path) -> None:
    excel = tmp_path / "rubrik.xlsx"
    back = tmp_path / "kembali.yaml"
    assert runner.invoke(args=["rubric", "convert", str(SHIPPED), str(excel)]).exit_code == 0
    assert runner.invoke(args=["rubric", "convert", str(excel), str(back)]).exit_code == 0
    assert fingerprint(load_rubric(back)) == fingerprint(load_rubric(SHIPPED))


def test_convert_refuses_unknown_target_suffix(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["rubric", "convert", str(SHIPPED), str(tmp_path / "rubrik.csv")])
    assert result.exit_code == 1
    assert "akhiran" in result.output
