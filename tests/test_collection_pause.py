"""The sweep holds the garbage collector off for a batch, and gives it back as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.collection_pause import collection_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_off_during_a_batch_and_on_after_it() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_batches_resume_collection_when_the_last_ends() -> None:
    gc.enable()
    first, second = collection_paused(), collection_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_a_batch_that_fails_still_resumes_collection() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("the batch failed")
    assert gc.isenabled()
