"""Running one function per file in worker processes, so that a reader crash loses one file only.

python-calamine aborts the whole process on some crafted files (a Rust allocation failure is not
an exception). Workers run with a memory cap and a CPU-time budget per file; when a worker dies,
the files that were in flight are retried one at a time in a fresh worker, which names the
culprit; every other file's result is kept.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

MEMORY_LIMIT = 2 * 1024**3  # per worker process, bytes of address space
CPU_SECONDS_PER_FILE = 60


@dataclass(frozen=True)
class Crashed:
    """The worker died while handling this item (out of memory, a native abort, CPU budget)."""

    item: Any
    reason: str


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies, however it dies (even SIGKILL), so no
    orphan keeps running or holds the caller's stdout open."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the request took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux
        pass


def _prepare_worker() -> None:
    """Cap the worker's memory; silence its stderr, since a crash there is expected and reported
    (a native abort would otherwise print a Rust backtrace over the user's terminal). Ctrl-C is
    for the parent, which ends the workers itself."""
    import faulthandler

    _die_with_parent()
    gc.freeze()  # what the parent had before the fork is never scanned (nor copied) by collections
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # Windows, or a lower limit already set
        pass


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block (restored after, with one young collection).

    Reading and writing workbooks makes hundreds of thousands of short-lived containers that
    reference counting frees; collections triggered by their number find nothing and, as the
    heap grows, cost more each time (~10% of a file's time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        gc.collect(0)


@paused_gc()  # what cycles a file leaves (a caught exception and its frame) go after it
def _with_cpu_budget(fn: Callable[[Any], Any], item: Any) -> Any:
    try:
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (spent + CPU_SECONDS_PER_FILE, hard))
    except (ImportError, ValueError, OSError):
        pass
    return fn(item)


def parallel_map(fn: Callable[[Any], Any], items: Iterable[Any], jobs: int | None = None) -> Iterator[Any]:
    """``map`` over worker processes (one per core by default), in order; plain ``map`` for one job.

    For trusted work such as writing the workbooks we generate; files from outside go through
    :func:`run_isolated`.
    """
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        yield from map(fn, items)
        return
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_trusted_worker)
    try:
        yield from pool.map(fn, items)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _trusted_worker() -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down now: queued work is cancelled and every worker process is ended, so an
    interruption (Ctrl-C, SIGTERM) leaves no process behind."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


def run_isolated(fn: Callable[[Any], Any], items: Iterable[Any],
                 workers: int | None = None) -> Iterator[tuple[Any, Any]]:
    """Yield ``(item, fn(item))`` — or ``(item, Crashed)`` — for every item, as they finish.

    ``fn`` must be a picklable top-level function. Results are not kept here, so a caller that
    folds them as they come holds memory for what it keeps, not for every file.
    """
    queue = deque(items)
    workers = max(1, workers or os.cpu_count() or 1)
    while queue:
        lost: list[Any] = []
        yield from _run_pool(fn, queue, workers, lost)
        # What was in flight when a worker died is retried alone, so the culprit is known.
        for item in lost:
            retry: list[Any] = []
            yield from _run_pool(fn, deque([item]), 1, retry)
            if retry:
                yield item, Crashed(item, "读取此文件时程序异常退出（内存或时间超限，或文件结构恶意构造）")


#: Functions the workers of a pool inherit when they are forked, so each task carries only its
#: item: the function (with its plan, some 30 KB) is not pickled again for every file.
_INHERITED: dict[int, Callable[[Any], Any]] = {}
_TOKENS = itertools.count()


def _run_inherited(token: int, item: Any) -> Any:
    return _with_cpu_budget(_INHERITED[token], item)


def _run_pool(fn: Callable[[Any], Any], queue: deque[Any], workers: int, lost: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Run items from ``queue`` on ``workers`` processes, with one more queued behind each. When a
    worker dies, stop and put the items that were in flight into ``lost``; unstarted items stay
    queued."""
    context = multiprocessing.get_context()
    token = next(_TOKENS)
    inherited = context.get_start_method() == "fork"  # workers forked after this see _INHERITED
    if inherited:
        _INHERITED[token] = fn
    pool = ProcessPoolExecutor(max_workers=min(workers, len(queue)), initializer=_prepare_worker,
                               mp_context=context)
    task = (partial(_run_inherited, token) if inherited else partial(_with_cpu_budget, fn))
    try:
        in_flight: dict[Future, Any] = {}
        while queue or in_flight:
            while queue and len(in_flight) < 2 * workers:  # no worker waits for this loop to hand it work
                item = queue.popleft()
                in_flight[pool.submit(task, item)] = item
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                item = in_flight.pop(future)
                try:
                    value = future.result()
                except BrokenProcessPool:
                    lost.extend([item, *in_flight.values()])
                    for other in in_flight:
                        other.cancel()
                    return
                except MemoryError:
                    value = Crashed(item, "读取此文件时内存不足（文件过大或结构异常）")
                except Exception as exc:  # a bug must not lose the other files; it is reported
                    value = Crashed(item, f"处理此文件时出错（{type(exc).__name__}: {exc}）")
                yield item, value
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or abandoned: end the workers now
        _stop(pool)
        raise
    finally:
        _INHERITED.pop(token, None)
    pool.shutdown(wait=True)
