"""The worker pool behind every per-file step: every item answered once, a crash costs what the
dying worker had in hand, and no worker outlives the run."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest
from tidu.engine.isolation import Crashed, run_isolated


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
