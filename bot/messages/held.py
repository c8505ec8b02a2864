"""Parts of messages drawn once while one change to a dispute is told to everyone it concerns.

Escalating a dispute writes a message to each person acting, informed, or at the tier below,
and most of each (who acts, the dates, what happens next, the buttons) reads the same for all of
them. Inside `held(dispute)` those parts are drawn for the first reader and reused for the rest;
outside it, and for any other dispute, they are drawn every time as before. Nothing may change
the dispute while it is held: the notifier holds it only while it writes the messages.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from models.dispute import Dispute

T = TypeVar("T")
P = ParamSpec("P")

_drawn: ContextVar[tuple[Dispute, dict[Hashable, object]] | None] = ContextVar(
    "held_dispute", default=None
)


@contextmanager
def held(dispute: Dispute) -> Iterator[None]:
    token = _drawn.set((dispute, {}))
    try:
        yield
    finally:
        _drawn.reset(token)


def once(dispute: Dispute, key: Hashable, draw: Callable[[], T]) -> T:
    """`draw()`, remembered under `key` while `dispute` is held."""
    current = _drawn.get()
    if current is None or current[0] is not dispute:
        return draw()
    parts = current[1]
    if key not in parts:
        parts[key] = draw()
    return parts[key]  # type: ignore[return-value]


def per_dispute(draw: Callable[P, T]) -> Callable[P, T]:
    """`draw(dispute, ...)`, remembered while the dispute is held, for the same other arguments
    (told apart by identity: they are the dispute's protocol, the calendar, or flags)."""

    @wraps(draw)
    def remembered(*args: P.args, **kwargs: P.kwargs) -> T:
        dispute, *rest = args
        assert isinstance(dispute, Dispute)
        key = (draw, *map(id, rest), *((name, id(value)) for name, value in kwargs.items()))
        return once(dispute, key, lambda: draw(*args, **kwargs))

    return remembered
