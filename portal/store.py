"""Uploaded files, stored by content hash under ``DIR/files``: never under a name a client chose.

An upload is streamed to a temporary file in the data folder (counting its size against the
cap and hashing it on the way), then moved into place with one atomic rename. A file already
stored is never written again, so nothing is overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tidu.engine.consolidate import WORKBOOK_SUFFIXES

MAX_UPLOAD = 20 * 1024 * 1024  # bytes (DESIGN §12)
CHUNK = 256 * 1024


class TooLarge(Exception):
    """The upload is over the size cap."""

    def __init__(self, limit: int):
        super().__init__(f"上传的文件超过大小上限 {limit / 1024 / 1024:.0f} MB，请检查是否选错了文件")
        self.limit = limit


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    relative: str  # path inside the data folder

    def path(self, data_dir: Path) -> Path:
        return data_dir / self.relative


def suffix_for(client_name: str | None) -> str:
    """The stored file's suffix: the client's only if it is a workbook suffix we know, else .xlsx.
    (The reader recognises formats by content; the suffix only helps a person who opens the file.)"""
    suffix = Path(client_name or "").suffix.lower()
    return suffix if suffix in WORKBOOK_SUFFIXES else ".xlsx"


def store(data_dir: Path, chunks: Iterable[bytes], suffix: str, limit: int = MAX_UPLOAD) -> Stored:
    """Write the chunks to the store; raises :class:`TooLarge` (leaving nothing behind) past ``limit``."""
    tmp_dir = data_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        relative = f"files/{sha[:2]}/{sha}{suffix}"
        target = data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # link fails if the name exists: a stored file is never replaced (the same bytes are there)
        with contextlib.suppress(FileExistsError):
            os.link(tmp_name, target)
        os.unlink(tmp_name)
        return Stored(sha, size, relative)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
