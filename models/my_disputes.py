"""What one person's pages list: the read model the queries fill and the Home tab draws."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from models.dispute import Dispute, StageNotice
from models.protocol import Protocol

T = TypeVar("T")


class Capped(list[T]):
    """The first rows of a longer list, in order, knowing how many the whole list holds.

    `protocols` holds the protocol snapshot of each listed dispute by dispute id, when the
    query that filled the list decoded them once for the page.
    """

    def __init__(
        self,
        rows: Iterable[T] = (),
        total: int | None = None,
        protocols: dict[int, Protocol] | None = None,
    ) -> None:
        super().__init__(rows)
        self.total = len(self) if total is None else total
        self.protocols = protocols or {}


def total_of(rows: list[Any]) -> int:
    """How many rows the whole list holds, when `rows` may be only its first few."""
    return rows.total if isinstance(rows, Capped) else len(rows)


def protocols_of(*lists: list[Any]) -> dict[int, Protocol]:
    """The protocol snapshots the lists' queries decoded, by dispute id."""
    return {k: v for rows in lists if isinstance(rows, Capped) for k, v in rows.protocols.items()}


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
