"""Architecture rules that must hold however the code grows."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_engine_schemas_and_workbook_never_import_xlwings():
    offenders = [str(p.relative_to(ROOT)) for pkg in ("engine", "schemas", "workbook")
                 for p in (ROOT / pkg).rglob("*.py") if "xlwings" in _imports(p)]
    assert offenders == []


def test_the_rule_can_fail(tmp_path):
    # the checker sees both import forms
    bad = tmp_path / "bad.py"
    bad.write_text("import xlwings as xw\nfrom xlwings import Book\n", encoding="utf-8")
    assert "xlwings" in _imports(bad)


# The Excel front doors read, call the engine's front-door API, and write: no business rule.
FRONT_DOOR_API = {"engine.check", "engine.quick", "engine.sheet_outputs", "engine.reader",
                  "schemas.contract", "schemas.findings", "schemas.results"}


def _project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"engine", "schemas"}:
            found |= {f"{node.module}.{a.name}" for a in node.names}  # from schemas import contract
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in {"engine", "schemas"}:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] in {"engine", "schemas"}}
    return found


def test_xlmacros_uses_only_the_engines_front_door_api():
    used = {m for p in (ROOT / "xlmacros").rglob("*.py") for m in _project_imports(p)}
    assert used, "the scan found no engine imports: the test is broken"
    assert sorted(used - FRONT_DOOR_API) == []
