"""The repository stands alone and its documents are true: nothing refers to a folder beside the checkout, and
every test file, test, command and make target a document names exists."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import Flask

from assessment.cli import _FILE_ONLY, DEVELOPER_COMMANDS, _flask_group

ROOT = Path(__file__).resolve().parents[2]
# Folders that are made by the tools, never written by hand.
SKIPPED = {
    ".git",
    ".venv",
    ".cache",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "node_modules",
    "__pycache__",
    "instance",
    "reports",
    "build",
    "dist",
}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".cfg", ".toml", ".yaml", ".yml", ".html", ".js", ".css", ".ini", ".sh", ""}
# Spelled in parts so that this file does not find itself.
OUTSIDE = [".." + "/shared", 'parent / "' + 'shared"', "parents[2] / " + '"shared"']
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "data").rglob("README.md"))]


def _files() -> list[Path]:
    found: list[Path] = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED or part.endswith(".egg-info") for part in relative.parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "Makefile"):
            found.append(path)
    return found


def test_nothing_refers_to_a_folder_beside_the_checkout() -> None:
    offenders = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{path.relative_to(ROOT)}: {needle}" for needle in OUTSIDE if needle in text]
    assert offenders == []


def _document_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in DOCUMENTS)


def test_documents_name_only_test_files_and_tests_that_exist() -> None:
    text = _document_text()
    missing = [name for name in sorted(set(re.findall(r"\btests/[\w/]+\.py\b", text))) if not (ROOT / name).is_file()]
    defined = set()
    for path in (ROOT / "tests").rglob("*.py"):
        defined.add(path.stem)
        defined.update(re.findall(r"^\s*def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE))
    missing += [name for name in sorted(set(re.findall(r"\b(test_\w+)\b", text))) if name not in defined]
    assert missing == []


def test_documents_name_only_commands_that_exist(app: Flask) -> None:
    commands: dict[str, click.Command | None] = {name: None for name in (*_FILE_ONLY, *DEVELOPER_COMMANDS)}
    commands.update(app.cli.commands)
    missing = []
    for name, sub in sorted(set(re.findall(r"desa-digital ([a-z][\w-]*)(?: ([a-z][\w-]*))?", _document_text()))):
        command = commands.get(name, False)
        if command is False:
            missing.append(name)
        elif isinstance(command, click.Group) and sub and sub not in command.commands:
            missing.append(f"{name} {sub}")
    assert missing == []


def test_documents_name_only_make_targets_that_exist() -> None:
    targets = set(re.findall(r"^([\w.-]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE))
    named = set(re.findall(r"`make ([a-z][\w-]*)", _document_text()))
    assert sorted(named - targets) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_document_is_found_by_these_checks(document: Path) -> None:
    """Guards the checks above: the documents they read exist and are not empty."""
    assert document.stat().st_size > 0


def test_help_lists_the_projects_commands_before_flasks(app: Flask) -> None:
    result = CliRunner().invoke(_flask_group(lambda: app), ["--help"])
    assert result.exit_code == 0, result.output
    project, developer = result.output.split("Perintah:", 1)[1].split("Perintah Flask untuk pengembang", 1)
    listed = re.findall(r"^  ([a-z][\w-]*)\s", project, re.MULTILINE)
    assert {"demo", "regions", "users", "competition", "reports", "db"} <= set(listed)
    assert not set(listed) & set(DEVELOPER_COMMANDS)
    assert re.findall(r"^  ([a-z][\w-]*)\s", developer, re.MULTILINE) == sorted(DEVELOPER_COMMANDS)
    assert "`db upgrade`" in project


# The first level of the tree drawn in docs/architecture.md: "├── name/   what lives there -> where it imports".
_TREE_ENTRY = re.compile(r"^[├└]── (\S+)")


def architecture_tree(text: str) -> list[str]:
    """The top-level entries of the fenced ``assessment/`` tree in the architecture document, in their order."""
    block = text[text.index("```text\nassessment/\n") :]
    block = block[: block.index("\n```", 1)]
    return [match.group(1) for line in block.splitlines() if (match := _TREE_ENTRY.match(line))]


def package_entries(package: Path) -> list[str]:
    """What the tree must list: every folder of the package (``name/``) and every top-level module."""
    entries = [f"{path.name}/" for path in package.iterdir() if path.is_dir() and path.name != "__pycache__"]
    entries += [path.name for path in package.glob("*.py")]
    return sorted(entries)


def test_architecture_tree_lists_every_folder_of_the_package() -> None:
    drawn = architecture_tree((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert len(drawn) == len(set(drawn)), "an entry is drawn twice"
    assert sorted(drawn) == package_entries(ROOT / "assessment")


def test_the_tree_check_sees_a_missing_and_an_extra_folder(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "newdomain").mkdir()
    (tmp_path / "cli.py").write_text("", encoding="utf-8")
    drawn = architecture_tree("x\n```text\nassessment/\n├── cli.py   entry\n├── core/  pure\n└── gone/  old\n```\n")
    assert drawn == ["cli.py", "core/", "gone/"]
    assert sorted(drawn) != package_entries(tmp_path)
    assert package_entries(tmp_path) == ["cli.py", "core/", "newdomain/"]
