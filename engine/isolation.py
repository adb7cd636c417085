"""Running one function per file in worker processes, so that a reader crash loses one file only.

python-calamine aborts the whole process on some crafted files (a Rust allocation failure is not
an exception). Workers run with a memory cap and a CPU-time budget per file; when a worker dies,
the files it had in hand are retried one at a time in a fresh worker, which names the culprit;
every other file's result is kept, and the other workers go on.

Each worker has a connection of its own to the main process: an item goes out and its result
comes back with no queue, feeder thread or manager thread between (concurrent.futures' pool has
all three, and its bookkeeping cost a few percent of a consolidation).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, NamedTuple

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
    from concurrent.futures import ProcessPoolExecutor  # here: its import (and logging's) is for this only

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


def _stop(pool: Any) -> None:
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

    ``fn`` must be a picklable top-level function (or a ``functools.partial`` of one). When it
    returns :class:`Later`, ``(item, value)`` comes at once and ``(item, Done(...))`` later. Results
    are not kept here, so a caller that folds them as they come holds memory for what it keeps,
    not for every file.
    """
    queue = deque(items)
    workers = max(1, workers or os.cpu_count() or 1)
    lost: list[Any] = []
    yield from _run_pool(fn, queue, workers, lost)
    # What a dying worker had in hand is retried alone, so the culprit is known.
    for item in lost:
        retry: list[Any] = []
        yield from _run_pool(fn, deque([item]), 1, retry)
        if retry:
            yield item, Crashed(item, "读取此文件时程序异常退出（内存或时间超限，或文件结构恶意构造）")


#: Functions the workers inherit when they are forked, so the function (with its plan, some
#: 30 KB) is not pickled for each worker.
_INHERITED: dict[int, Callable[[Any], Any]] = {}
_TOKENS = itertools.count()

#: Items handed to a worker ahead: one to work on and one waiting, so a worker never waits for
#: the main process to hand it the next.
_AHEAD = 2


class Later(NamedTuple):
    """What a worker's function returns to send ``value`` back at once and run ``then()`` in that
    worker afterwards: when it has nothing else in hand, or when more than ``_BACKLOG`` such steps
    wait. The result of ``then()`` comes back from :func:`run_isolated` as ``(item, Done(...))``,
    after the item's own result; a worker that dies loses its waiting steps (no Done comes)."""

    value: Any
    then: Callable[[], Any]


class Done(NamedTuple):
    """The result of an item's later step (:class:`Later`), or a :class:`Crashed` if it failed."""

    value: Any


#: Later steps a worker keeps waiting at most (each holds what it needs, e.g. a file's findings).
_BACKLOG = 2


def _serve(conn: Connection, job: int | Callable[[Any], Any]) -> None:
    """A worker's life: take an item (sent as a 1-tuple), send back ("ok", result), ("memory",
    None) or ("error", what); later steps go back as ("then", item, reply). It stops when told (an
    empty tuple), after its later steps, or when the connection closes."""
    _prepare_worker()
    fn = _INHERITED[job] if isinstance(job, int) else job
    later: deque[tuple[Any, Callable[[], Any]]] = deque()
    while True:
        if later and not conn.poll():  # nothing to take now: a later step meanwhile
            if not _send(conn, _then(*later.popleft())):
                return
            continue
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if not message:  # told to stop (an end of file may never come: other workers hold our pipe)
            while later and _send(conn, _then(*later.popleft())):
                pass
            return
        (item,) = message
        reply = _run(fn, item)
        if reply[0] == "ok" and isinstance(reply[1], Later):
            later.append((item, reply[1].then))
            reply = ("ok", reply[1].value)
        if not _send(conn, reply):
            return
        del reply
        while len(later) > _BACKLOG:
            if not _send(conn, _then(*later.popleft())):
                return


def _run(fn: Callable[[Any], Any], item: Any) -> tuple[str, Any]:
    try:
        return "ok", _with_cpu_budget(fn, item)
    except MemoryError:
        return "memory", None
    except Exception as exc:  # a bug must not lose the other files; it is reported
        return "error", f"{type(exc).__name__}: {exc}"


def _then(item: Any, step: Callable[[], Any]) -> tuple[str, Any, tuple[str, Any]]:
    return "then", item, _run(_call, step)


def _call(step: Callable[[], Any]) -> Any:
    return step()


def _send(conn: Connection, reply: tuple[Any, ...]) -> bool:
    """Send a reply; one that cannot be pickled goes as its error. False if the main process is gone."""
    try:
        conn.send(reply)
    except (EOFError, OSError):
        return False
    except Exception as exc:  # a result that cannot be pickled, or no memory to pickle it
        failed = ("memory", None) if isinstance(exc, MemoryError) else ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(("then", reply[1], failed) if reply[0] == "then" else failed)
        except (EOFError, OSError):
            return False
    return True


class _Worker(NamedTuple):
    process: Any
    conn: Connection
    in_hand: deque[Any]


def _run_pool(fn: Callable[[Any], Any], queue: deque[Any], workers: int, lost: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Run the items of ``queue`` on up to ``workers`` processes. Each worker has its own
    connection (so a result goes straight to this thread, with no queue or helper thread between),
    and a worker that dies costs only what it had in hand, which goes to ``lost``; a fresh worker
    takes its place while items remain."""
    context = multiprocessing.get_context()
    token = next(_TOKENS)
    job: int | Callable[[Any], Any] = fn
    if context.get_start_method() == "fork":  # workers forked after this see _INHERITED
        _INHERITED[token] = fn
        job = token
        import ctypes  # noqa: F401  # imported once here rather than in every worker (_die_with_parent)
    pool: dict[Any, _Worker] = {}  # connection or sentinel → its worker

    def start() -> _Worker:
        mine, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, job), daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, mine, deque())
        pool[mine] = pool[process.sentinel] = worker
        return worker

    def feed(worker: _Worker) -> None:
        # Near the end, one at a time: the last items go to whichever worker is free first.
        while queue and len(worker.in_hand) < (_AHEAD if len(queue) > workers else 1):
            feed_one(worker)

    def feed_one(worker: _Worker) -> None:
        item = queue.popleft()
        worker.in_hand.append(item)
        with suppress(OSError):  # it has died; its sentinel says so
            worker.conn.send((item,))

    def stop(worker: _Worker) -> None:
        """Nothing more for it: it sends what later steps it has left, then ends (seen as its end)."""
        with suppress(OSError):
            worker.conn.send(())

    def retire(worker: _Worker) -> None:
        pool.pop(worker.conn, None)
        pool.pop(worker.process.sentinel, None)
        stop(worker)
        worker.conn.close()

    try:
        started = [start() for _ in range(min(workers, len(queue)))]
        for worker in started:  # one item each first, so none starts empty-handed
            feed_one(worker)
        for worker in started:
            feed(worker)
        while pool:
            for ready in wait(list(pool)):
                worker = pool.get(ready)
                if worker is None:  # retired earlier in this round
                    continue
                if ready is worker.conn or worker.conn.poll():  # a result first, even from a dying worker
                    try:
                        message = worker.conn.recv()
                    except (EOFError, OSError):
                        message = ("died", None)
                    if message[0] == "then":  # ("then", item, (status, value)): a later step's
                        _, item, (status, value) = message
                        yield item, Done(_outcome(item, status, value))
                        continue
                    status, value = message
                    if status != "died":
                        item = worker.in_hand.popleft()
                        yield item, _outcome(item, status, value)
                        if queue:
                            feed(worker)
                        elif not worker.in_hand:
                            stop(worker)
                        continue
                # the worker ended (its sentinel, or its connection closed): what it had in hand is
                # lost (nothing, for one told to stop)
                lost.extend(worker.in_hand)
                retire(worker)
                worker.process.join(timeout=5)
                if queue:
                    feed(start())
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or abandoned: end the workers now
        for worker in {id(w): w for w in pool.values()}.values():
            worker.conn.close()
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(timeout=5)
        raise
    finally:
        _INHERITED.pop(token, None)


def _outcome(item: Any, status: str, value: Any) -> Any:
    if status == "ok":
        return value
    if status == "memory":
        return Crashed(item, "读取此文件时内存不足（文件过大或结构异常）")
    return Crashed(item, f"处理此文件时出错（{value}）")
