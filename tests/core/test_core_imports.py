"""The pure core imports only the standard library, numpy and other core modules (imports point inward)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "assessment"
CORE_MODULES = ["criteria/model.py", "criteria/parse.py", "criteria/errors.py", "criteria/fingerprint.py"]
ALLOWED_PROJECT = {"assessment.criteria.model", "assessment.criteria.parse", "assessment.criteria.errors",
                   "assessment.criteria.fingerprint", "assessment.criteria"}
ALLOWED_THIRD_PARTY = {"numpy"}


def imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative imports hide what the core depends on"
            modules.add(node.module or "")
    return modules


def is_allowed(module: str) -> bool:
    top = module.split(".")[0]
    return module in ALLOWED_PROJECT or top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY


@pytest.mark.parametrize("relative", CORE_MODULES)
def test_core_module_imports_only_stdlib_numpy_and_core(relative: str) -> None:
    modules = imported_modules((PACKAGE / relative).read_text(encoding="utf-8"))
    assert modules, "the AST walk found no imports at all; the test would prove nothing"
    forbidden = sorted(module for module in modules if not is_allowed(module))
    assert forbidden == []


def test_the_check_catches_a_forbidden_import() -> None:
    modules = imported_modules("import yaml\nfrom openpyxl import Workbook\nfrom decimal import Decimal\n")
    assert sorted(module for module in modules if not is_allowed(module)) == ["openpyxl", "yaml"]
