"""``desa-digital score`` and ``desa-digital reliability`` through the app's CLI runner, in tmp_path."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskCliRunner

from assessment.commands import scoring as scoring_commands
from tests.core.rubric_data import PNG, valid_document

HEADER = "kode_wilayah,indikator,asesor,level"


@pytest.fixture
def rubric_file(tmp_path: Path) -> Path:
    # A1 (35) and A2 (25) form aspect A, B1 (40, NA allowed) aspect B; bands Kurang 0, Baik 40, Memuaskan 80.
    path = tmp_path / "rubrik.yaml"
    path.write_text(yaml.safe_dump(valid_document(), allow_unicode=True), encoding="utf-8")
    return path


def write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# Rows: ';'-separated, BOM, columns in another order, an extra column.
WORKED = """asesor;catatan;level;indikator;kode_wilayah
x;;4;A1;64.09.04.2001
y;;4;A1;64.09.04.2001
x;;2;A2;64.09.04.2001
y;;3;A2;64.09.04.2001
x;tidak berlaku;NA;B1;64.09.04.2001
y;;NA;B1;64.09.04.2001
x;;3;A1;64.09.04.2002
x;;3;A2;64.09.04.2002
x;;1;B1;64.09.04.2002
x;;4;A1;64.09.01.2003
x;;4;B1;64.09.01.2003
x;;4;A1;64.09.04.1004
x;;4;A2;64.09.04.1004
x;;4;B1;64.09.04.1004
x;;0;A1;64.09.01.2005
y;;2;A1;64.09.01.2005
x;;0;A2;64.09.01.2005
x;;0;B1;64.09.01.2005
"""


def test_score_worked_example(runner: FlaskCliRunner, rubric_file: Path, tmp_path: Path) -> None:
    levels = write(tmp_path / "level.csv", WORKED, bom=True)
    out = tmp_path / "hasil" / "RESULTS.csv"
    out.parent.mkdir()
    result = runner.invoke(args=["score", "--rubric", str(rubric_file), "--levels", str(levels), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # 2001: A1 (4+4)/2 = 4, A2 (2+3)/2 = 2.5, B1 all NA (not applicable):
    #       100 * (35*4/4 + 25*2.5/4) / 60 = 100 * 50.625 / 60 = 84.375 -> 84.38 Memuaskan; A = 84.38, B empty
    # 2003: A1 4, A2 missing (0, incomplete), B1 4: 100 * (35 + 0 + 40) / 100 = 75; A = 100*140/240 = 58.33; B 100
    # 2002: 100 * (35*3/4 + 25*3/4 + 40*1/4) / 100 = 55 -> Baik; A = 100*180/240 = 75; B = 25
    # 2005: A1 (0+2)/2 = 1: 100 * (35/4) / 100 = 8.75; A = 100*35/240 = 14.58; B = 0. Its A1 spread 2 is flagged.
    # 1004 is a kelurahan: not ranked. kecamatan 64.09.04: 2001, 2002; 64.09.01: 2003, 2005.
    with out.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert lines == [
        "kode_wilayah,indeks,predikat,peringkat,peringkat_kabupaten,peringkat_kecamatan,lengkap,seri,aspek_A,aspek_B",
        "64.09.04.2001,84.38,Memuaskan,1,1,1,ya,tidak,84.38,",
        "64.09.01.2003,75.00,Baik,2,2,1,tidak,tidak,58.33,100.00",
        "64.09.04.2002,55.00,Baik,3,3,2,ya,tidak,75.00,25.00",
        "64.09.01.2005,8.75,Kurang,4,4,2,ya,tidak,14.58,0.00",
    ]
    assert "Desa dinilai: 4 (tidak lengkap: 1)" in result.output
    assert "Perlu rekonsiliasi: 1 butir" in result.output
    assert "Seri: 0 desa" in result.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["RESULTS.csv"]


def test_score_comma_csv_ties_are_seri_and_share_rank(
    runner: FlaskCliRunner, rubric_file: Path, tmp_path: Path
) -> None:
    rows = [HEADER] + [
        f"64.09.04.{code},{ind},x,{level}"
        for code in ("2009", "2001")
        for ind, level in (("A1", 2), ("A2", 2), ("B1", 2))
    ]
    rows += ["64.09.02.2007,A1,x,4", "64.09.02.2007,A2,x,4", "64.09.02.2007,B1,x,4"]
    levels = write(tmp_path / "level.csv", "\n".join(rows) + "\n")
    out = tmp_path / "RESULTS.csv"
    result = runner.invoke(args=["score", "--rubric", str(rubric_file), "--levels", str(levels), "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = [(r["kode_wilayah"], r["peringkat"], r["seri"], r["peringkat_kecamatan"]) for r in read_results(out)]
    assert got == [
        ("64.09.02.2007", "1", "tidak", "1"),
        ("64.09.04.2001", "2", "ya", "1"),
        ("64.09.04.2009", "2", "ya", "1"),
    ]
    assert "Seri: 2 desa dalam 1 kelompok" in result.output


def test_score_bootstrap_and_sensitivity_columns_are_reproducible(
    runner: FlaskCliRunner, rubric_file: Path, tmp_path: Path
) -> None:
    levels = write(
        tmp_path / "level.csv",
        WORKED.replace("catatan;", "").replace(";tidak berlaku;", ";").replace("x;;", "x;").replace("y;;", "y;"),
    )
    outputs = []
    for name in ("a.csv", "b.csv"):
        out = tmp_path / name
        result = runner.invoke(
            args=[
                "score",
                "--rubric",
                str(rubric_file),
                "--levels",
                str(levels),
                "--out",
                str(out),
                "--bootstrap",
                "200",
                "--seed",
                "7",
                "--sensitivity",
                "30",
            ]
        )
        assert result.exit_code == 0, result.output
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    first = read_results(tmp_path / "a.csv")
    assert list(first[0])[-4:] == ["peringkat_min", "peringkat_max", "p_top3", "peringkat_tetap"]
    by_code = {r["kode_wilayah"]: r for r in first}
    # 2002 and 2003 have one assessor each, so only 2001 and 2005 can move; 2003 stays in the top 3 unless
    # 2005 rises above it, which it cannot (at most A1 = 2: 17.5 < 75).
    assert by_code["64.09.01.2003"]["p_top3"] == "1.000"
    assert int(by_code["64.09.04.2001"]["peringkat_min"]) >= 1


def test_score_self_assessment_columns(runner: FlaskCliRunner, rubric_file: Path, tmp_path: Path) -> None:
    levels = write(
        tmp_path / "level.csv", HEADER + "\n64.09.04.2001,A1,x,0\n64.09.04.2001,A2,x,1\n64.09.04.2001,B1,x,2\n"
    )
    # self 4, 1, 4 vs verified 0, 1, 2: gaps 4, 0, 2 -> mean 2.00; two of three gaps >= 2 (67% >= 20%): flagged
    mine = write(
        tmp_path / "mandiri.csv",
        "level;kode_wilayah;indikator\n4;64.09.04.2001;A1\n1;64.09.04.2001;A2\n4;64.09.04.2001;B1\n",
    )
    out = tmp_path / "RESULTS.csv"
    result = runner.invoke(
        args=["score", "--rubric", str(rubric_file), "--levels", str(levels), "--out", str(out), "--self", str(mine)]
    )
    assert result.exit_code == 0, result.output
    row = read_results(out)[0]
    assert (row["selisih_level_mandiri"], row["tanda_mandiri"]) == ("2.00", "ya")


BAD_INPUTS = {
    "unknown indicator": (
        HEADER + "\n64.09.04.2001,A1,x,3\n64.09.04.2001,Z9,x,3\n",
        "baris 3: indikator tidak dikenal",
    ),
    "level off scale": (HEADER + "\n64.09.04.2001,A1,x,7\n", "baris 2: level 7 di luar skala 0–4"),
    "level not a number": (
        HEADER + "\n64.09.04.2001,A1,x,3\n64.09.04.2001,A2,x,tiga\n",
        "baris 3: level 'tiga' bukan bilangan bulat",
    ),
    "level empty": (HEADER + "\n64.09.04.2001,A1,x,\n", "baris 2: level kosong"),
    "NA not allowed": (
        HEADER + "\n64.09.04.2001,B1,x,NA\n64.09.04.2001,A1,x,NA\n",
        "baris 3: NA tidak diizinkan untuk indikator A1",
    ),
    "duplicate row": (
        HEADER + "\n64.09.04.2001,A1,x,3\n64.09.04.2001,A2,x,3\n64.09.04.2001,A1,x,2\n",
        "baris 4: baris ganda",
    ),
    "malformed region code": (
        HEADER + "\n64.09.04.2001,A1,x,3\n64.09.4.2001,A1,x,3\n",
        "baris 3: kode wilayah tidak sah: '64.09.4.2001'",
    ),
    "missing column": ("kode_wilayah,indikator,level\n64.09.04.2001,A1,3\n", "baris 1: kolom hilang: asesor"),
    "empty file": ("", "berkas kosong"),
    "only a header": (HEADER + "\n", "tidak ada baris data"),
    "too many fields": (HEADER + "\n64.09.04.2001,A1,x,3\n64.09.04.2001,A2,x,3,4,5\n", "baris 3"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_score_bad_input_exits_2_naming_the_line_without_output(
    case: str, runner: FlaskCliRunner, rubric_file: Path, tmp_path: Path
) -> None:
    text, expected = BAD_INPUTS[case]
    levels = write(tmp_path / "level.csv", text)
    out_dir = tmp_path / "hasil"
    out_dir.mkdir()
    out = out_dir / "RESULTS.csv"
    result = runner.invoke(args=["score", "--rubric", str(rubric_file), "--levels", str(levels), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert list(out_dir.iterdir()) == []


def test_score_not_a_csv_and_keeps_an_existing_output(
    runner: FlaskCliRunner, rubric_file: Path, tmp_path: Path
) -> None:
    levels = tmp_path / "level.csv"
    levels.write_bytes(PNG)
    out = tmp_path / "RESULTS.csv"
    out.write_text("hasil lama\n", encoding="utf-8")
    result = runner.invoke(args=["score", "--rubric", str(rubric_file), "--levels", str(levels), "--out", str(out)])
    assert result.exit_code == 2
    assert "bukan berkas CSV" in result.output
    assert out.read_text(encoding="utf-8") == "hasil lama\n"
    missing = runner.invoke(
        args=["score", "--rubric", str(rubric_file), "--levels", str(tmp_path / "tidak-ada.csv"), "--out", str(out)]
    )
    assert missing.exit_code == 2 and "berkas tidak ditemukan" in missing.output


def test_score_writes_nothing_else_in_the_current_folder(
    runner: FlaskCliRunner, rubric_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    levels = write(tmp_path / "level.csv", HEADER + "\n64.09.04.2001,A1,x,3\n")
    here = tmp_path / "kerja"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setattr(scoring_commands, "LARGE_FILE_BYTES", 0)  # a "large" file: progress is shown
    result = runner.invoke(
        args=["score", "--rubric", str(rubric_file), "--levels", str(levels), "--out", "RESULTS.csv"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in here.iterdir()) == ["RESULTS.csv"]
    assert "baris terbaca" in result.stderr


KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def test_reliability_reproduces_krippendorff_2011(runner: FlaskCliRunner, tmp_path: Path) -> None:
    document = valid_document()
    document["scale"] = {"min": 1, "max": 5}
    document["level_names"] = {level: f"Level {level}" for level in range(1, 6)}
    for aspect in document["aspects"]:
        for indicator in aspect["indicators"]:
            indicator["levels"] = {level: f"{indicator['code']} level {level}" for level in range(1, 6)}
    rubric = tmp_path / "rubrik.yaml"
    rubric.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    rows = [HEADER] + [
        f"64.09.04.{2001 + unit},A1,{who},{value}"
        for who, values in KRIPPENDORFF_2011.items()
        for unit, value in enumerate(values)
        if value is not None
    ]
    levels = write(tmp_path / "level.csv", "\n".join(rows) + "\n")
    out = tmp_path / "alpha.csv"
    result = runner.invoke(args=["reliability", "--rubric", str(rubric), "--levels", str(levels), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Alpha Krippendorff (ordinal): 0.815 dari 11 unit" in result.output
    with out.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["bagian", "kode", "nilai", "jumlah"]
    assert ["alpha", "semua", "0.815", "11"] in table
    assert ["alpha_indikator", "A1", "0.815", "11"] in table
    severity = {row[1]: row for row in table if row[0] == "keparahan_asesor"}
    assert set(severity) == {"A", "B", "C", "D"}
    # A: unit 6 (1 vs 2, 3, 4: 1 - 3 = -2) and unit 8 (1 vs 1, 2, 1: -1/3) pull A below its peers
    assert severity["A"][2].startswith("-")


def test_reliability_bad_input_exits_2(runner: FlaskCliRunner, rubric_file: Path, tmp_path: Path) -> None:
    levels = write(tmp_path / "level.csv", HEADER + "\n64.09.04.2001,A1,x,9\n")
    result = runner.invoke(args=["reliability", "--rubric", str(rubric_file), "--levels", str(levels)])
    assert result.exit_code == 2
    assert "baris 2: level 9 di luar skala" in result.output
