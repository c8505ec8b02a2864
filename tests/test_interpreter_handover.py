"""`resolve run` lets requests cut in on the work its scheduler threads do."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Iterator

import pytest

from bot.runtime import settle_heap, share_interpreter


@pytest.fixture
def switch_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("switch_interval")
def test_a_busy_thread_hands_the_interpreter_over_within_half_a_millisecond() -> None:
    sys.setswitchinterval(0.005)  # Python's own
    share_interpreter()
    assert sys.getswitchinterval() == pytest.approx(0.0005)


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_full_collections_no_longer_scan_what_was_built_at_start_and_its_garbage_is_freed() -> None:
    kept = [_Node() for _ in range(10_000)]  # lives as long as the process, as mappers do
    first, second = _Node(), _Node()
    first.other, second.other = second, first  # a cycle of start-up garbage
    dropped = weakref.ref(first)
    del first, second
    frozen_before = gc.get_freeze_count()

    settle_heap()

    assert dropped() is None  # freed, not kept forever in the frozen generation
    assert gc.get_freeze_count() >= frozen_before + len(kept)
    tracked = {id(o) for o in gc.get_objects()}  # what a full collection would scan
    assert not any(id(node) in tracked for node in kept)
