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
import os
import pickle
import sys
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from tidu.schemas import PLANS_DIR

from tidu import __version__

#: Bumped when what a kept copy holds changes shape.
_FORMAT = 1
#: The modules whose code decides what a checked plan is.
_CHECKING_MODULES = ("tidu.schemas.plan", "tidu.engine.plan", "tidu.engine.plan_checks")


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
    name = f"{os.path.basename(plan_path)}.{zlib.crc32(plan_path.encode('utf-8', 'surrogateescape')):08x}.pickle"
    folders = []
    if not os.environ.get("TIDU_CACHE_DIR") and os.path.dirname(plan_path) == _shipped_folder():
        folders.append(Path(plan_path).parent / "__pycache__")
    if (user := user_cache_dir()) is not None:
        folders.append(user)
    return [folder / name for folder in folders]


def _stamp() -> tuple[Any, ...]:
    """What a kept copy must have been made by: this format, tidu's version, this Python, and the
    checking code as installed (each module file's size and modification time)."""
    files = []
    for name in _CHECKING_MODULES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path is None:
            return ()  # not imported as files: keep nothing
        st = os.stat(path)
        files.append((name, st.st_size, st.st_mtime_ns))
    return (_FORMAT, __version__, sys.version_info[:2], tuple(files))


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _trusted(fh: Any) -> bool:
    """The copy is the user's own or the administrator's (as an installation's bytecode is), and no
    one else can have changed it (POSIX; on Windows both folders are the user's or the installer's)."""
    if os.name == "nt":
        return True
    st = os.fstat(fh.fileno())
    return st.st_uid in (os.getuid(), 0) and not st.st_mode & 0o022


def recall(plan_path: str) -> tuple[Any, Any] | None:
    """(plan, rule set) kept for the plan file ``plan_path`` (resolved), when its files and the
    checking code are as they were; else None."""
    for entry in _entries(plan_path):
        kept = _kept(entry, plan_path)
        if kept is not None:
            return kept
    return None


def _kept(entry: Path, plan_path: str) -> tuple[Any, Any] | None:
    try:
        with open(entry, "rb") as fh:
            if not _trusted(fh):
                return None
            kept = pickle.load(fh)
    except Exception:  # missing, unreadable, truncated, or from another version of the classes
        return None
    if not (isinstance(kept, tuple) and len(kept) == 4 and kept[0] == _stamp() and kept[0]):
        return None
    _, sources, plan, rules = kept
    if not isinstance(sources, tuple) or not sources or sources[0][0] != plan_path:
        return None  # another plan file whose name has the same checksum
    if any(_read_bytes(path) != content for path, content in sources):
        return None
    return plan, rules


def source_bytes(path: str) -> bytes | None:
    """A plan or rule set file's bytes, read before it is checked (what :func:`remember` keeps)."""
    return _read_bytes(path)


def remember(sources: tuple[tuple[str, bytes | None], ...], plan: Any, rules: Any) -> None:
    """Keep a plan that passed every check, with the bytes of the files it was read from (the plan
    file first), as read before they were checked.

    Best effort: nothing is kept when the folder cannot be written; a copy appears whole or not
    at all (written beside it, then renamed over it)."""
    stamp = _stamp()
    if not stamp or any(content is None for _, content in sources):
        return
    for entry in _entries(sources[0][0]):
        if _written(entry, (stamp, sources, plan, rules)):
            return


def _written(entry: Path, kept: tuple[Any, ...]) -> bool:
    partial = entry.with_name(f"{entry.stem}.{os.getpid()}.part")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()  # left by a process of this number that was killed while writing
        # 0o644 whatever the umask allows more: a copy others could write is never read (_trusted)
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "wb") as fh:
            pickle.dump(kept, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, entry)
        return True
    except (OSError, pickle.PicklingError):  # a full disk, a read-only installation or home
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        return False
