"""Progress bars on the terminal: tqdm's, only when someone is watching.

When standard error is not a terminal (a script, a scheduled job, a benchmark) no bar is drawn,
and tqdm is not even imported: its import costs a command some 12 ms at start, before any work.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _Silent:
    """A bar nobody sees: counts nothing, draws nothing."""

    def update(self, n: int = 1) -> None:
        pass


@contextmanager
def progress_bar(**options: Any) -> Iterator[Any]:
    """``tqdm(**options)`` on a terminal, else a bar whose ``update`` does nothing."""
    if not sys.stderr.isatty():
        yield _Silent()
        return
    from tqdm import tqdm

    with tqdm(**options) as bar:
        yield bar
