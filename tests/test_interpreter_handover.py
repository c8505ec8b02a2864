"""`resolve run` lets requests cut in on the work its scheduler threads do."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from bot.runtime import share_interpreter


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
