"""Kept plans (engine.plan_cache): used only for the very bytes that were checked, else checked anew."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tidu.engine import plan as plan_module
from tidu.engine import plan_cache
from tidu.engine.plan import PlanError, check_plan_file, load_plan
from tidu.schemas import PLANS_DIR, RULESETS_DIR

PLAN_FILE = PLANS_DIR / "yunnan-2021.yaml"
RULES_FILE = RULESETS_DIR / "tiers-2018.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of this test's own, and no plan remembered by this process."""
    monkeypatch.setenv("TIDU_CACHE_DIR", str(tmp_path / "cache"))
    plan_module._checked.cache_clear()
    yield tmp_path / "cache" / "plans"
    plan_module._checked.cache_clear()


def _copy_plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    shutil.copyfile(PLAN_FILE, path)
    return path


def _load_fresh(path: Path):
    plan_module._checked.cache_clear()  # as a new command would: nothing remembered in memory
    return load_plan(path)


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Change the text without changing the file's size or modification time."""
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text and len(old.encode()) == len(new.encode())
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def test_a_kept_plan_is_the_checked_plan(cache, tmp_path):
    path = _copy_plan(tmp_path)
    loaded = _load_fresh(path)
    assert len(list(cache.glob("*.pickle"))) == 1
    kept = plan_cache.recall(str(path.resolve()))
    assert kept is not None
    assert kept[0] == check_plan_file(path).plan == loaded.plan
    assert kept[1].id == loaded.rules.id == "tiers-2018"


def test_a_command_on_a_kept_plan_imports_neither_pydantic_nor_yaml(cache):
    code = ("import sys; from tidu.engine.plan import load_plan; p = load_plan().plan; "
            "print(p.id, p.year, len(p.annex3.units), 'pydantic' in sys.modules, 'yaml' in sys.modules)")
    env = {**os.environ, "TIDU_CACHE_DIR": str(cache.parent)}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]
    assert runs[0] == ["yunnan-2021", "2021", "30", "True", "True"]  # checked, then kept
    assert runs[1] == ["yunnan-2021", "2021", "30", "False", "False"]  # the kept copy


def test_an_edit_that_keeps_size_and_time_is_seen(cache, tmp_path):
    path = _copy_plan(tmp_path)
    assert _load_fresh(path).plan.year == 2021
    _same_size_edit(path, "year: 2021", "year: 2022")
    assert _load_fresh(path).plan.year == 2022


def test_an_edit_that_breaks_the_plan_is_reported_not_hidden_by_the_kept_copy(cache, tmp_path):
    path = _copy_plan(tmp_path)
    _load_fresh(path)
    _same_size_edit(path, "year: 2021", "year: 1999")
    with pytest.raises(PlanError) as raised:
        _load_fresh(path)
    assert {f.code for f in raised.value.findings} == {"plan-field-invalid"}
    assert plan_cache.recall(str(path.resolve())) is None  # the old copy no longer fits the file


def test_a_broken_plan_is_never_kept(cache, tmp_path):
    path = _copy_plan(tmp_path)
    _same_size_edit(path, "year: 2021", "year: 1999")
    with pytest.raises(PlanError):
        _load_fresh(path)
    assert not cache.exists() or not list(cache.glob("*.pickle"))


def test_a_changed_rule_set_file_is_seen(cache, tmp_path):
    plan = check_plan_file(PLAN_FILE)
    rules = tmp_path / "rules.yaml"
    shutil.copyfile(RULES_FILE, rules)
    key = str(PLAN_FILE.resolve())
    sources = ((key, PLAN_FILE.read_bytes()), (str(rules), rules.read_bytes()))
    plan_cache.remember(sources, plan.plan, plan.rules)
    assert plan_cache.recall(key) is not None
    rules.write_bytes(rules.read_bytes() + b"\n")
    assert plan_cache.recall(key) is None
    rules.unlink()
    assert plan_cache.recall(key) is None


@pytest.mark.parametrize("damage", ["truncated", "not-a-pickle", "empty", "other-code", "other-format",
                                    "other-file", "writable-by-others"])
def test_a_copy_that_cannot_be_trusted_is_passed_over(cache, tmp_path, monkeypatch, damage):
    path = _copy_plan(tmp_path)
    key = str(path.resolve())
    _load_fresh(path)
    [entry] = cache.glob("*.pickle")
    if damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:200])
    elif damage == "not-a-pickle":
        entry.write_bytes(b"PK\x03\x04 not a pickle")
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "other-code":  # the checking code changed since (another tidu, an edited module)
        monkeypatch.setattr(plan_cache, "__version__", "0.0.0-other")
    elif damage == "other-format":
        monkeypatch.setattr(plan_cache, "_FORMAT", plan_cache._FORMAT + 1)
    elif damage == "other-file":  # another plan file whose name has the same checksum
        other = tmp_path / "other.yaml"
        shutil.copyfile(PLAN_FILE, other)
        shutil.copyfile(entry, plan_cache._entries(str(other.resolve()))[0])
        key = str(other.resolve())
    elif damage == "writable-by-others":
        if os.name == "nt":
            pytest.skip("POSIX permissions")
        entry.chmod(0o666)
    assert plan_cache.recall(key) is None
    assert _load_fresh(Path(key)).plan.year == 2021  # checked anew, still loads


def test_a_folder_that_cannot_be_written_only_costs_the_check(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TIDU_CACHE_DIR", str(blocker))
    path = _copy_plan(tmp_path)
    assert _load_fresh(path).plan.id == "yunnan-2021"
    assert plan_cache.recall(str(path.resolve())) is None
    plan_module._checked.cache_clear()


def test_the_cache_folder_follows_the_platform_conventions(monkeypatch, tmp_path):
    monkeypatch.delenv("TIDU_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert plan_cache.user_cache_dir() == tmp_path / "tidu" / "plans"
    monkeypatch.setenv("TIDU_CACHE_DIR", str(tmp_path / "mine"))
    assert plan_cache.user_cache_dir() == tmp_path / "mine" / "plans"


def test_a_copy_that_cannot_be_written_whole_leaves_nothing_behind(cache, tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plan_cache.pickle, "dump", full_disk)
    path = _copy_plan(tmp_path)
    assert _load_fresh(path).plan.year == 2021
    assert list(cache.iterdir()) == []  # neither a copy nor a half-written part


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A folder standing for tidu's shipped plans, with the plan in it, and a user cache folder;
    no TIDU_CACHE_DIR (which would be the only place used)."""
    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copyfile(PLAN_FILE, folder / PLAN_FILE.name)
    monkeypatch.delenv("TIDU_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user"))
    monkeypatch.setattr(plan_cache, "_shipped_folder", lambda: str(folder.resolve()))
    plan_module._checked.cache_clear()
    yield folder / PLAN_FILE.name
    plan_module._checked.cache_clear()


def test_a_shipped_plan_is_kept_beside_it_like_bytecode(shipped, tmp_path):
    assert _load_fresh(shipped).plan.year == 2021
    assert [p.name for p in (shipped.parent / "__pycache__").iterdir()] == [
        f"{shipped.name}.{plan_cache.zlib.crc32(str(shipped.resolve()).encode()):08x}.pickle"]
    assert not (tmp_path / "user").exists()
    entry = next((shipped.parent / "__pycache__").iterdir())
    if os.name != "nt":
        assert entry.stat().st_mode & 0o777 == 0o644
    assert plan_cache.recall(str(shipped.resolve())) is not None


def test_a_shipped_plan_in_a_read_only_installation_is_kept_in_the_user_folder(shipped, tmp_path):
    (shipped.parent / "__pycache__").write_text("a file where the folder would be")
    assert _load_fresh(shipped).plan.year == 2021
    assert len(list((tmp_path / "user" / "tidu" / "plans").glob("*.pickle"))) == 1
    assert plan_cache.recall(str(shipped.resolve())) is not None


def test_another_plan_is_never_kept_beside_it(cache, tmp_path, monkeypatch):
    monkeypatch.delenv("TIDU_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user"))
    path = _copy_plan(tmp_path)
    _load_fresh(path)
    assert not (tmp_path / "__pycache__").exists()
    assert len(list((tmp_path / "user" / "tidu" / "plans").glob("*.pickle"))) == 1


# --- what the review found: links, pipes, folders others can write, the stamp, the bytes kept ------

def _kept_entry(cache: Path) -> Path:
    [entry] = cache.glob("*.pickle")
    return entry


@pytest.mark.skipif(os.name == "nt", reason="POSIX links and pipes")
def test_a_link_in_the_cache_folder_is_never_followed(cache, tmp_path):
    path = _copy_plan(tmp_path)
    _load_fresh(path)
    entry = _kept_entry(cache)
    elsewhere = tmp_path / "elsewhere.pickle"
    entry.rename(elsewhere)  # a pickle the user owns, reached through a link someone put there
    entry.symlink_to(elsewhere)
    assert plan_cache.recall(str(path.resolve())) is None


@pytest.mark.skipif(os.name == "nt", reason="POSIX links and pipes")
def test_a_pipe_where_a_copy_would_be_does_not_hang_the_command(cache, tmp_path):
    path = _copy_plan(tmp_path)
    _load_fresh(path)
    entry = _kept_entry(cache)
    entry.unlink()
    os.mkfifo(entry)
    assert plan_cache.recall(str(path.resolve())) is None  # returns at once: nothing writes the pipe


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_copy_in_a_folder_others_can_write_is_never_read(cache, tmp_path):
    path = _copy_plan(tmp_path)
    _load_fresh(path)
    cache.chmod(0o777)
    assert plan_cache.recall(str(path.resolve())) is None
    cache.chmod(0o700)
    assert plan_cache.recall(str(path.resolve())) is not None


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
@pytest.mark.parametrize("umask", [0o002, 0o077])  # group-writable (would not be read), user-only (unshared)
def test_a_copy_is_readable_by_all_and_read_whatever_the_umask(cache, tmp_path, umask):
    path = _copy_plan(tmp_path)
    old = os.umask(umask)
    try:
        _load_fresh(path)
    finally:
        os.umask(old)
    assert _kept_entry(cache).stat().st_mode & 0o777 == 0o644
    assert plan_cache.recall(str(path.resolve())) is not None


def test_a_change_to_any_module_of_the_checking_code_is_seen(tmp_path, monkeypatch):
    copy = tmp_path / "schemas"
    shutil.copytree(Path(sys.modules["tidu.schemas"].__file__).parent, copy, ignore=shutil.ignore_patterns("*.pyc"))
    monkeypatch.setattr(sys.modules["tidu.schemas"], "__file__", str(copy / "__init__.py"))
    before = plan_cache._stamp()
    contract = copy / "contract.py"  # not the plan's records, but what the rule set checks rely on
    contract.write_text(contract.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert plan_cache._stamp() != before


def test_the_bytes_kept_are_the_bytes_checked(cache, tmp_path, monkeypatch):
    """A rule set saved while the plan is being checked: the copy must not pair the old rules with
    the new bytes (the next command checks again and sees the new rules)."""
    rules_dir = tmp_path / "rulesets"
    rules_dir.mkdir()
    rules = rules_dir / RULES_FILE.name
    shutil.copyfile(RULES_FILE, rules)
    monkeypatch.setattr(plan_module, "check_plan_file",
                        functools.partial(plan_module.check_plan_file, rules_dir=rules_dir))
    checks = plan_module.check_rules

    def saved_meanwhile(plan, rule_set):
        text = rules.read_text(encoding="utf-8")
        rules.write_text(text.replace(f"title: {rule_set.title}", "title: 另存的标题", 1), encoding="utf-8")
        return checks(plan, rule_set)

    monkeypatch.setattr(plan_module, "check_rules", saved_meanwhile)
    path = _copy_plan(tmp_path)
    first = _load_fresh(path).rules.title
    monkeypatch.setattr(plan_module, "check_rules", checks)
    assert first != "另存的标题" and "title: 另存的标题" in rules.read_text(encoding="utf-8")
    assert _load_fresh(path).rules.title == "另存的标题"


def test_a_long_plan_file_name_is_kept_too(cache, tmp_path):
    # 252 bytes: the name of its copy, with a checksum and a suffix added, would pass 255
    path = tmp_path / ("云南省企业梯度培育计划" * 7 + "-revised-2022-01.yaml")
    shutil.copyfile(PLAN_FILE, path)
    _load_fresh(path)
    assert plan_cache.recall(str(path.resolve())) is not None


def test_copies_unused_for_a_month_go_when_another_is_written(cache, tmp_path):
    old_plan = _copy_plan(tmp_path)
    _load_fresh(old_plan)
    stale = _kept_entry(cache)
    month_ago = time.time() - 31 * 86400
    os.utime(stale, (month_ago, month_ago))
    other = tmp_path / "next" / "plan.yaml"
    other.parent.mkdir()
    shutil.copyfile(PLAN_FILE, other)
    _load_fresh(other)
    assert not stale.exists() and len(list(cache.glob("*.pickle"))) == 1


def test_code_not_installed_as_files_keeps_nothing_and_still_loads(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules["tidu.engine"], "__file__", str(tmp_path / "tidu.zip" / "engine" / "__init__.py"))
    assert plan_cache._stamp() == ()
    path = _copy_plan(tmp_path)
    assert _load_fresh(path).plan.year == 2021
    assert not cache.exists() or not list(cache.glob("*.pickle"))
