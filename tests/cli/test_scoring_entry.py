"""The console entry point runs ``score`` and ``reliability`` without importing the web app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.core.rubric_data import valid_document

ROWS = """kode_wilayah,indikator,asesor,level
64.09.04.2001,A1,x,4
64.09.04.2001,A2,x,3
64.09.04.2001,B1,x,NA
64.09.04.2002,A1,x,1
64.09.04.2002,A2,x,2
64.09.04.2002,B1,x,3
"""

# Runs the entry point in a fresh interpreter and reports which heavy packages it imported.
PROBE = """
import sys
from assessment.cli import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
else:
    code = 0
heavy = sorted(name for name in ("flask", "sqlalchemy", "flask_sqlalchemy", "alembic") if name in sys.modules)
print("IMPORTED:" + ",".join(heavy))
sys.exit(code)
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120, check=False
    )


def _files(tmp_path: Path) -> tuple[Path, Path]:
    rubric = tmp_path / "rubrik.yaml"
    rubric.write_text(yaml.safe_dump(valid_document(), allow_unicode=True), encoding="utf-8")
    levels = tmp_path / "level.csv"
    levels.write_text(ROWS, encoding="utf-8")
    return rubric, levels


def test_score_runs_without_the_web_app(tmp_path: Path) -> None:
    rubric, levels = _files(tmp_path)
    out = tmp_path / "hasil.csv"
    done = _run("score", "--rubric", str(rubric), "--levels", str(levels), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "IMPORTED:\n" in done.stdout
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("kode_wilayah,indeks,predikat,peringkat")
    assert [line.split(",")[0] for line in lines[1:]] == ["64.09.04.2001", "64.09.04.2002"]


def test_reliability_runs_without_the_web_app(tmp_path: Path) -> None:
    rubric, levels = _files(tmp_path)
    done = _run("reliability", "--rubric", str(rubric), "--levels", str(levels))
    assert done.returncode == 0, done.stderr
    assert "Alpha Krippendorff" in done.stdout
    assert "IMPORTED:\n" in done.stdout


def test_bad_input_still_exits_2_on_the_fast_path(tmp_path: Path) -> None:
    rubric, levels = _files(tmp_path)
    levels.write_text(ROWS.replace("64.09.04.2002,A2,x,2", "64.09.04.2002,A2,x,9"), encoding="utf-8")
    out = tmp_path / "hasil.csv"
    done = _run("score", "--rubric", str(rubric), "--levels", str(levels), "--out", str(out))
    assert done.returncode == 2
    assert "baris 6" in done.stderr
    assert not out.exists()


def test_other_commands_still_go_through_the_app() -> None:
    done = _run("--help")
    assert done.returncode == 0
    assert "score" in done.stdout and "regions" in done.stdout
    assert "flask" in done.stdout.rsplit("IMPORTED:", 1)[1]
