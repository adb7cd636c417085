"""Architecture rules (DESIGN §3) that must hold however the code grows.

Layers run one way: schemas → engine → workbook → front doors (the CLI in engine/cli, xlmacros,
portal). A module imports its own layer or those below; front doors never import each other,
except that the CLI may build the add-in (xlmacros.addin) and start the portal.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = ("schemas", "engine", "workbook", "xlmacros", "portal")
OURS = {"tidu", *PACKAGE_DIRS}


def _imports(path: Path) -> set[str]:
    """Full dotted names of every absolute import in a file (``from a.b import c`` gives a.b and a.b.c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _component(module: str) -> str | None:
    """The layer component of a ``tidu.…`` module name: schemas, engine, workbook, cli, xlmacros, portal."""
    parts = module.split(".")
    if parts[0] != "tidu" or len(parts) < 2:
        return None
    if parts[1] == "engine" and len(parts) > 2 and parts[2] == "cli":
        return "cli"
    return parts[1] if parts[1] in PACKAGE_DIRS else None


def _file_component(path: Path) -> str:
    rel = path.relative_to(ROOT).parts
    return "cli" if rel[:2] == ("engine", "cli") else rel[0]


LAYER = {"schemas": 1, "engine": 2, "workbook": 3, "cli": 4, "xlmacros": 4, "portal": 4}
# Front doors that another front door may use: the CLI builds the add-in and starts the portal.
ALLOWED_ACROSS = {("cli", "tidu.xlmacros.addin"), ("cli", "tidu.portal")}


def _package_files() -> list[Path]:
    return [p for d in PACKAGE_DIRS if (ROOT / d).is_dir() for p in (ROOT / d).rglob("*.py")]


def _violations(path: Path, component: str, imports: set[str]) -> list[str]:
    out = []
    for name in imports:
        target = _component(name)
        if name.split(".")[0] in PACKAGE_DIRS:
            out.append(f"{path.name}: bare import {name} (must be tidu.{name})")
        if target is None or target == component:
            continue
        if any(component == c and (name == m or name.startswith(m + ".")) for c, m in ALLOWED_ACROSS):
            continue
        if LAYER[target] > LAYER[component] or (LAYER[target] == 4 and LAYER[component] == 4):
            out.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}: "
                       f"{component} imports {name}")
    return out


def test_layers_run_one_way():
    files = _package_files()
    assert len(files) > 30, "the scan found too few modules: the test is broken"
    offenders = [v for p in files for v in _violations(p, _file_component(p), _imports(p))]
    assert offenders == []


@pytest.mark.parametrize(("component", "source"), [
    ("engine", "from tidu.workbook.builder import build_workbook\n"),
    ("schemas", "import tidu.engine.rollup\n"),
    ("workbook", "from tidu.xlmacros import ribbon\n"),
    ("xlmacros", "from tidu.engine.cli.main import main\n"),
    ("engine", "from engine import rollup\n"),  # a bare name resolves to whatever is on sys.path
    ("portal", "from tidu.xlmacros.ribbon import validate\n"),
])
def test_the_layer_rule_can_fail(tmp_path, component, source):
    bad = tmp_path / "bad.py"
    bad.write_text(source, encoding="utf-8")
    assert _violations(bad, component, _imports(bad))


def test_tests_and_benchmarks_use_the_package_names():
    files = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]
    bare = [f"{p.name}: {n}" for p in files for n in _imports(p) if n.split(".")[0] in PACKAGE_DIRS]
    assert bare == []


def test_engine_schemas_and_workbook_never_import_xlwings():
    offenders = [str(p.relative_to(ROOT)) for p in _package_files()
                 if _file_component(p) in {"schemas", "engine", "workbook"}
                 and any(n.split(".")[0] == "xlwings" for n in _imports(p))]
    assert offenders == []


def test_engine_never_imports_xlsxwriter():
    offenders = [str(p.relative_to(ROOT)) for p in _package_files()
                 if _file_component(p) in {"schemas", "engine"}
                 and any(n.split(".")[0] == "xlsxwriter" for n in _imports(p))]
    assert offenders == []


def test_workbook_takes_a_plan_and_never_loads_one():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "workbook").rglob("*.py")
                 if any(n.startswith("tidu.engine.plan") for n in _imports(p))]
    assert offenders == []


# The Excel front doors read, call the engine's front-door API, and write: no business rule.
FRONT_DOOR_API = {"tidu.engine.check", "tidu.engine.quick", "tidu.engine.sheet_outputs", "tidu.engine.reader",
                  "tidu.schemas.contract", "tidu.schemas.findings", "tidu.schemas.results", "tidu.engine.version",
                  "tidu.engine.screen"}


def test_xlmacros_uses_only_the_engines_front_door_api():
    used = {n for p in (ROOT / "xlmacros").rglob("*.py") for n in _imports(p)
            if _component(n) in {"engine", "schemas"}}
    # "from tidu.schemas import contract" lists tidu.schemas and tidu.schemas.contract: keep the deepest
    modules = {n for n in used if not any(o.startswith(n + ".") for o in used)}
    assert modules, "the scan found no engine imports: the test is broken"
    outside = sorted(m for m in modules if not any(m == a or m.startswith(a + ".") for a in FRONT_DOOR_API))
    assert outside == []
