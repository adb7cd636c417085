"""Where the workbook writers put their files, and how they replace one safely.

Kept apart from the writers so that a caller that only names or places files (the CLI checking
its outputs before any work) does not import XlsxWriter.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def feedback_folder(report: str | Path) -> Path:
    """``<report>_反馈/`` beside the report."""
    report = Path(report)
    return report.with_name(f"{report.stem}_反馈")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed over it when the block succeeds.

    Readers never see half a file, and of two concurrent writers the last complete file wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~tidu-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
