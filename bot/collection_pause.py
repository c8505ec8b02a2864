"""Holds Python's cyclic garbage collector off while a sweep batch runs.

A batch builds tens of thousands of short-lived objects (ORM rows, message blocks) on top of a
session holding its disputes and their history; the collector would otherwise sweep that whole
live set again and again as they pile up, for a third of the batch's time, and find almost
nothing to free until the batch ends. Reference counting still frees most garbage at once; the
few cycles a batch leaves are collected after it, when the collector runs again as usual.

The collector is one per process, so the pause is counted: with batches in several threads it
resumes when the last of them ends, and only if it was running before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
