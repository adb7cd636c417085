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
