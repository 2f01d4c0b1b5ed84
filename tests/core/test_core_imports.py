"""Walls that hold themselves: the pure core imports only the standard library, numpy and other core modules
(imports point inward), and no package imports another package's routes."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "assessment"
# Every module that claims to be core (docs/architecture.md): the rubric as data, the scoring rules, and the pure
# rules and values the shell hands to them. Each is type-checked strictly (pyproject.toml's mypy overrides).
CORE_MODULES = [
    "criteria/model.py",
    "criteria/parse.py",
    "criteria/errors.py",
    "criteria/fingerprint.py",
    "scoring.py",
    "core/standing.py",
    "core/i18n.py",
    "field/rules.py",
    "publication/snapshot.py",
    "publication/recompute.py",
]
ALLOWED_PROJECT = {"assessment.criteria"} | {
    "assessment." + relative.removesuffix(".py").replace("/", ".") for relative in CORE_MODULES
}
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


def test_every_core_module_is_type_checked_strictly() -> None:
    text = (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    strict_block = text[text.index('module = ["assessment.criteria.*"') :].split("\n", 1)[0]
    for relative in CORE_MODULES:
        module = "assessment." + relative.removesuffix(".py").replace("/", ".")
        assert f'"{module}"' in strict_block or module.startswith(("assessment.criteria.", "assessment.core.")), module
    assert '"assessment.core.*"' in strict_block


def test_every_module_of_core_folder_is_a_core_module() -> None:
    """``assessment/core/`` is the core by its name: nothing impure may settle there unchecked."""
    found = {f"core/{path.name}" for path in (PACKAGE / "core").glob("*.py") if path.name != "__init__.py"}
    assert found <= set(CORE_MODULES)


def _project_imports(path: Path) -> set[str]:
    return {module for module in imported_modules(path.read_text(encoding="utf-8")) if module.startswith("assessment.")}


def test_no_package_imports_another_packages_routes() -> None:
    """Blueprints are registered by the app factory only; what two domains share lives outside their routes."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("migrations",) or relative == Path("__init__.py"):
            continue
        own = relative.parts[0] if len(relative.parts) > 1 else None
        for module in _project_imports(path):
            parts = module.split(".")
            if len(parts) >= 3 and parts[-1] == "routes" and parts[1] != own:
                offenders.append(f"{relative} -> {module}")
    assert offenders == []


def test_platform_imports_only_platform_and_core() -> None:
    """The plumbing knows no domain: ``assessment/platform/`` imports only itself and the core, never a service,
    the presentation, the models or a domain package, so a change of a domain cannot break it."""
    offenders = []
    for path in sorted((PACKAGE / "platform").glob("*.py")):
        offenders += [
            f"{path.name} -> {module}"
            for module in _project_imports(path)
            if not module.startswith(("assessment.platform", "assessment.core"))
        ]
    assert offenders == []


def test_models_import_no_domain_package() -> None:
    """The data model sits below every domain: it imports only itself and the extensions."""
    offenders = []
    for path in sorted((PACKAGE / "models").glob("*.py")):
        offenders += [
            f"{path.name} -> {module}"
            for module in _project_imports(path)
            if not module.startswith(("assessment.models", "assessment.platform.extensions"))
        ]
    assert offenders == []


def test_the_route_check_catches_a_foreign_route_import(tmp_path: Path) -> None:
    source = "from assessment.results.routes import verification_url\nfrom assessment.repo import rubric_of\n"
    modules = {module for module in imported_modules(source) if module.startswith("assessment.")}
    assert [m for m in modules if m.split(".")[-1] == "routes"] == ["assessment.results.routes"]


# Shared things live in one home; importing them from elsewhere (or defining them again) is how copies begin.
SHARED_HOMES = {"WITA": "assessment.platform.wita", "STAGE_NAMES": "assessment.services.stages"}
# The route scaffolding every blueprint needs (assessment/services/loaders.py, and navigation.offer_links for the
# home page's links); a routes module defining one of these again has copied a neighbour instead of calling it.
COPIED_LOADERS = {
    "_indicator",
    "_own_assignment",
    "_participant_in_scope",
    "_own_participant",
    "_participant_for_operator",
    "_competitions",
    "_links",
}


def _shared_name_offences(relative: str, source: str) -> list[str]:
    module = "assessment." + relative.removesuffix(".py").replace("/", ".")
    offences = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            offences += [
                f"{relative} imports {alias.name} from {node.module}"
                for alias in node.names
                if alias.name in SHARED_HOMES and node.module != SHARED_HOMES[alias.name]
            ]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            offences += [
                f"{relative} defines {target.id}"
                for target in targets
                if isinstance(target, ast.Name) and target.id in SHARED_HOMES and module != SHARED_HOMES[target.id]
            ]
        elif isinstance(node, ast.FunctionDef) and relative.endswith("routes.py") and node.name in COPIED_LOADERS:
            offences.append(f"{relative} defines its own {node.name}")
    return offences


def test_shared_names_come_from_their_one_home() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        offences += _shared_name_offences(relative, path.read_text(encoding="utf-8"))
    for path in sorted((PACKAGE.parent / "tests").rglob("*.py")):
        offences += [
            o for o in _shared_name_offences("tests/" + path.name, path.read_text(encoding="utf-8")) if "imports" in o
        ]
    assert offences == []


def test_the_home_check_catches_a_copy() -> None:
    source = (
        "from assessment.competitions.schedule import WITA\nSTAGE_NAMES = {}\n"
        "def _indicator(rubric, code):\n    return rubric.indicator(code)\n"
    )
    assert _shared_name_offences("field/routes.py", source) == [
        "field/routes.py imports WITA from assessment.competitions.schedule",
        "field/routes.py defines STAGE_NAMES",
        "field/routes.py defines its own _indicator",
    ]
