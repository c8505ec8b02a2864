"""What one person's pages list: the read model the queries fill and the Home tab draws."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.dispute import Dispute, StageNotice


@dataclass(frozen=True)
class MyDisputes:
    """One person's open disputes by how they are part of them, and what awaits them."""

    raised: list[Dispute] = field(default_factory=list)
    counterpart: list[Dispute] = field(default_factory=list)
    involved: list[Dispute] = field(default_factory=list)
    awaiting: list[StageNotice] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.raised) + len(self.counterpart) + len(self.involved)
