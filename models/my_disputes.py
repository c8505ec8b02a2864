"""What one person's pages list: the read model the queries fill and the Home tab draws."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from models.dispute import Dispute, StageNotice

T = TypeVar("T")


class Capped(list[T]):
    """The first rows of a longer list, in order, knowing how many the whole list holds."""

    def __init__(self, rows: Iterable[T] = (), total: int | None = None) -> None:
        super().__init__(rows)
        self.total = len(self) if total is None else total


def total_of(rows: list[Any]) -> int:
    """How many rows the whole list holds, when `rows` may be only its first few."""
    return rows.total if isinstance(rows, Capped) else len(rows)


@dataclass(frozen=True)
class MyDisputes:
    """One person's open disputes by how they are part of them, and what awaits them."""

    raised: list[Dispute] = field(default_factory=list)
    counterpart: list[Dispute] = field(default_factory=list)
    involved: list[Dispute] = field(default_factory=list)
    awaiting: list[StageNotice] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(total_of(group) for group in (self.raised, self.counterpart, self.involved))
