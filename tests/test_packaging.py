"""The built wheel, installed as a new user would: one top-level package, `tidu`, and a working CLI.

The wheel is built from this checkout and installed into a fresh virtual environment. Its
dependencies are not downloaded again: the fresh environment sees this environment's
site-packages through a ``.pth`` line (a plain path entry, so this checkout's editable-install
hook is not loaded there). Commands run from an empty folder, so nothing of the checkout is on
``sys.path``.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import tidu

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    (found,) = out.glob("tidu-*.whl")
    return found


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, wheel) -> Path:
    """A new venv with only the wheel installed (dependencies visible from this environment)."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    ours = [p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if Path(p).is_dir()]
    (purelib / "_deps_from_test_env.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return env_dir


def _run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_wheel_has_only_tidu_at_the_top(wheel):
    with zipfile.ZipFile(wheel) as zf:
        tops = {name.split("/")[0] for name in zf.namelist()}
    assert {t for t in tops if not t.endswith((".dist-info", ".data"))} == {"tidu"}
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert "tidu/schemas/plans/yunnan-2021.yaml" in names  # data files ship too
    assert "tidu/engine/cli/main.py" in names and "tidu/workbook/report.py" in names


def test_wheel_holds_every_source_package_and_data_file(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for folder in ("schemas", "engine", "workbook", "xlmacros", "portal"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".yaml", ".sql",
                                                                                    ".html", ".css", ".bas"}:
                assert f"tidu/{path.relative_to(ROOT).as_posix()}" in names, path


def test_version_is_one_place(wheel):
    assert wheel.name.startswith(f"tidu-{tidu.__version__}-")


def test_installed_package_imports_as_tidu_and_nothing_else(fresh, tmp_path):
    python = str(fresh / "bin" / "python")
    ok = _run(fresh, python, "-c", "import tidu.engine, tidu.workbook, tidu.schemas, tidu.xlmacros; "
              "print(tidu.engine.__file__)", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert str(fresh) in ok.stdout  # the installed copy, not this checkout
    for bare in ("engine", "schemas", "workbook", "xlmacros"):
        failed = _run(fresh, python, "-c", f"import {bare}", cwd=tmp_path)
        assert failed.returncode != 0 and "ModuleNotFoundError" in failed.stderr


def test_installed_cli_runs_and_builds_every_workbook_from_a_copied_plan(fresh, tmp_path):
    tidu_cmd = str(fresh / "bin" / "tidu")
    helped = _run(fresh, tidu_cmd, "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "template" in helped.stdout
    for command in ("screen", "serve", "report", "doctor"):  # every command's modules import
        assert _run(fresh, tidu_cmd, command, "--help", cwd=tmp_path).returncode == 0, command
    plan = (ROOT / "schemas" / "plans" / "yunnan-2021.yaml").read_text(encoding="utf-8")
    copy = tmp_path / "next-year.yaml"
    copy.write_text(plan.replace("id: yunnan-2021", "id: yunnan-next", 1), encoding="utf-8")
    built = _run(fresh, tidu_cmd, "template", "--all", "--plan", str(copy), "-o", str(tmp_path / "out"),
                 cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 47
