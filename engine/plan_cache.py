"""A kept copy of each plan that passed every check, so that a command need not check it again.

Like Python's own ``.pyc`` files: a kept plan is used only while its plan file and its rule set
file hold exactly the bytes they held when it was checked (compared in full, not by a hash),
and while the code that reads and checks plans is the one that kept it. A command on a kept plan
parses no YAML and imports no pydantic: about a tenth of a second less at every start.

Where copies live, like bytecode: a plan shipped with tidu is kept in the ``__pycache__`` folder
beside it when that can be written (so every user of an installation shares it), else in the
user's own cache folder (``%LOCALAPPDATA%\\tidu\\cache`` on Windows, ``$XDG_CACHE_HOME/tidu`` or
``~/.cache/tidu``), as any other plan is. ``TIDU_CACHE_DIR``, when set, is the only place used.
A folder that cannot be written, a copy that cannot be read, or one someone other than the user
(or the administrator) could have written (it is a pickle) is passed over: the plan is then
checked as if there were no copy.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pickle
import stat
import sys
import time
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from tidu.schemas import PLANS_DIR

from tidu import __version__

#: Bumped when what a kept copy holds changes shape.
_FORMAT = 2
#: The packages whose code decides what a checked plan is: every module file of tidu's engine and
#: schemas (the plan's records, the plan checks, the catalogue, the contract, credit codes...).
_CHECKING_PACKAGES = ("tidu.engine", "tidu.schemas")
#: And the libraries that read a plan file (looked up without being imported).
_READING_LIBRARIES = ("pydantic", "pydantic_core", "yaml")
#: A copy no command has written for this long is removed when another is written.
_UNUSED_DAYS = 30
#: How much of the plan file's name a copy's name shows (the rest is a checksum of the path).
_NAME_CHARACTERS = 40


def user_cache_dir() -> Path | None:
    """The user's folder of kept plans (``TIDU_CACHE_DIR`` when set), or None when none can be named."""
    if given := os.environ.get("TIDU_CACHE_DIR"):
        return Path(given) / "plans"
    if os.name == "nt" and (local := os.environ.get("LOCALAPPDATA")):
        return Path(local) / "tidu" / "cache" / "plans"
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder to be found
            return None
    return Path(base) / "tidu" / "plans"


@lru_cache(maxsize=1)
def _shipped_folder() -> str:
    return str(PLANS_DIR.resolve())


def _entries(plan_path: str) -> list[Path]:
    """Where a kept copy of the plan file ``plan_path`` (resolved) may be, in the order looked in
    and written to."""
    checksum = zlib.crc32(plan_path.encode("utf-8", "surrogatepass"))
    name = f"{os.path.basename(plan_path)[:_NAME_CHARACTERS]}.{checksum:08x}.pickle"
    folders = []
    if not os.environ.get("TIDU_CACHE_DIR") and os.path.dirname(plan_path) == _shipped_folder():
        folders.append(Path(plan_path).parent / "__pycache__")
    if (user := user_cache_dir()) is not None:
        folders.append(user)
    return [folder / name for folder in folders]


def _stamp() -> tuple[Any, ...]:
    """What a kept copy must have been made by: this format, tidu's version, this Python, the
    checking code as installed (each module file's size and modification time) and the libraries
    that read plan files (their main file's). () when the code is not installed as files."""
    files = []
    for package in _CHECKING_PACKAGES:
        folder = os.path.dirname(getattr(sys.modules.get(package), "__file__", None) or "")
        try:
            with os.scandir(folder) as found:
                modules = [(e.name, e.stat()) for e in found if e.name.endswith(".py")]
            files += sorted((name, st.st_size, st.st_mtime_ns) for name, st in modules)
        except OSError:  # not installed as files (a zip, a frozen build): nothing is kept
            return ()
    for library in _READING_LIBRARIES:
        spec = importlib.util.find_spec(library)
        origin = spec.origin if spec is not None else None
        st = os.stat(origin) if origin and os.path.isfile(origin) else None
        files.append((library, st.st_size if st else -1, st.st_mtime_ns if st else -1))
    return (_FORMAT, __version__, sys.version_info[:2], tuple(files))


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _owned_safely(st: os.stat_result) -> bool:
    """The user's own or the administrator's, and writable by no one else (POSIX)."""
    return st.st_uid in (os.getuid(), 0) and not st.st_mode & 0o022


def _open_trusted(entry: Path) -> BinaryIO | None:
    """The copy, opened for reading, when it is a plain file that only the user (or, as for an
    installation's bytecode, the administrator) can have written, in a folder no one else can
    change: a link, a pipe or a file someone else could have put there is never read (it is a
    pickle). On Windows both folders are the user's or the installer's."""
    try:
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    fh = os.fdopen(fd, "rb")
    with contextlib.suppress(OSError):
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and (os.name == "nt" or (_owned_safely(st)
                                                             and _owned_safely(os.stat(entry.parent)))):
            return fh
    fh.close()
    return None


def recall(plan_path: str) -> tuple[Any, Any] | None:
    """(plan, rule set) kept for the plan file ``plan_path`` (resolved), when its files and the
    checking code are as they were; else None."""
    for entry in _entries(plan_path):
        kept = _kept(entry, plan_path)
        if kept is not None:
            return kept
    return None


def _kept(entry: Path, plan_path: str) -> tuple[Any, Any] | None:
    fh = _open_trusted(entry)
    if fh is None:
        return None
    try:
        with fh:
            kept = pickle.load(fh)
    except Exception:  # truncated, or from another version of the classes
        return None
    if not (isinstance(kept, tuple) and len(kept) == 4 and kept[0] and kept[0] == _stamp()):
        return None
    _, sources, plan, rules = kept
    if not isinstance(sources, tuple) or not sources or sources[0][0] != plan_path:
        return None  # another plan file whose name has the same checksum
    if any(_read_bytes(path) != content for path, content in sources):
        return None
    return plan, rules


def remember(sources: tuple[tuple[str, bytes], ...], plan: Any, rules: Any) -> None:
    """Keep a plan that passed every check, with the bytes of the files it was read from (the plan
    file first): exactly the bytes that were parsed and checked.

    Best effort: nothing is kept when no folder can be written; a copy appears whole or not at
    all (written beside it, then renamed over it). Copies not written for a month are removed then."""
    stamp = _stamp()
    if not stamp:
        return
    for entry in _entries(sources[0][0]):
        if _written(entry, (stamp, sources, plan, rules)):
            _prune(entry.parent)
            return


def _written(entry: Path, kept: tuple[Any, ...]) -> bool:
    partial = entry.with_name(f"{entry.stem}.{os.getpid()}.part")
    try:
        _make_folder(entry.parent)
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()  # left by a process of this number that was killed while writing
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o644)  # readable by every user of an installation, whatever the umask
            pickle.dump(kept, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, entry)
        return True
    except Exception:  # a full disk, a read-only installation or home, a record that cannot be pickled
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        return False


def _make_folder(folder: Path) -> None:
    """The folder, made if need be: a __pycache__ beside shipped plans as Python makes its own, the
    user's cache folder for the user alone."""
    if folder.name == "__pycache__":
        folder.mkdir(exist_ok=True)
    else:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _prune(folder: Path) -> None:
    """Remove the copies no command has written for ``_UNUSED_DAYS`` (and parts left by killed
    processes): plans that were tried once, or whose files are gone."""
    old = time.time() - _UNUSED_DAYS * 86400
    with contextlib.suppress(OSError), os.scandir(folder) as found:
        for e in found:
            if e.name.endswith((".pickle", ".part")) and e.is_file(follow_symlinks=False) and e.stat().st_mtime < old:
                with contextlib.suppress(OSError):
                    os.unlink(e.path)
