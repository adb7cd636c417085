"""The worker pool behind every per-file step: every item answered once, a crash costs what the
dying worker had in hand, and no worker outlives the run."""

from __future__ import annotations

import multiprocessing
import os
import threading
from functools import partial

import pytest
from tidu.engine.isolation import Crashed, Done, Later, run_isolated


def _double(item: int) -> int:
    return item * 2


def _unpicklable(item: int) -> object:
    return threading.Lock() if item == 1 else item


def _dies_on_first(item: int) -> int:
    if item == 0:
        os._exit(3)  # a worker killed outright (a native abort, the CPU budget)
    return item


@pytest.mark.parametrize(("items", "workers"), [
    ([], 2), ([5], 1), ([5], 4), ([1, 2], 2), ([1, 2, 3], 2), (list(range(25)), 2), (list(range(7)), 3),
])
def test_every_item_is_answered_once_and_no_worker_is_left(items, workers):
    results = list(run_isolated(_double, items, workers))
    assert sorted(item for item, _ in results) == sorted(items)
    assert all(value == 2 * item for item, value in results)
    assert multiprocessing.active_children() == []


def test_a_result_that_cannot_travel_is_reported_not_lost():
    results = dict(run_isolated(_unpicklable, [0, 1, 2], 2))
    assert results[0] == 0 and results[2] == 2
    assert isinstance(results[1], Crashed)


def test_a_dead_worker_costs_only_the_item_it_was_on():
    results = dict(run_isolated(_dies_on_first, range(9), 2))
    assert isinstance(results[0], Crashed)
    assert {k: v for k, v in results.items() if k} == {k: k for k in range(1, 9)}
    assert multiprocessing.active_children() == []


def _record(path: str, text: str) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def _value_then_file(item: tuple[int, str]) -> Later:
    n, folder = item
    if n == 3:
        return Later(n, partial(_fail, n))
    return Later(n * 10, partial(_record, f"{folder}/{n}.txt", str(n)))


def _fail(n: int) -> None:
    raise ValueError(f"no {n}")


def test_later_steps_come_back_after_their_item_and_none_is_lost(tmp_path):
    items = [(n, str(tmp_path)) for n in range(12)]
    events = list(run_isolated(_value_then_file, items, 2))
    firsts = [(item[0], value) for item, value in events if not isinstance(value, Done)]
    dones = {item[0]: value.value for item, value in events if isinstance(value, Done)}
    assert sorted(firsts) == [(n, n if n == 3 else n * 10) for n in range(12)]
    assert isinstance(dones.pop(3), Crashed)  # a failing later step is reported as such
    assert dones == {n: f"{tmp_path}/{n}.txt" for n in range(12) if n != 3}
    order = [(item[0], isinstance(value, Done)) for item, value in events]
    assert all(order.index((n, False)) < order.index((n, True)) for n in dones)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.txt" for n in dones)
    assert multiprocessing.active_children() == []


def test_an_abandoned_run_ends_its_workers(tmp_path):
    events = run_isolated(_value_then_file, [(n, str(tmp_path)) for n in range(6)], 2)
    next(events)
    events.close()
    assert multiprocessing.active_children() == []
