"""Roles the loaded protocols ask for that no one in the directory holds.

A gap is a warning, not an error, since the protocol's fallback order covers it; but an
administrator should know before a dispute reaches that tier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.counterparts import SECTOR_ROLES
from models.directory import Agency, Person
from models.protocol import Protocol
from models.roles import AgencyKind, Role


@dataclass(frozen=True)
class Scope:
    """Where a role must be held: in each agency (but those of `kinds`), in each agency of
    `kinds`, in one agency of each of `kinds`, once for the partnership, or by anyone at all."""

    where: Literal["each", "each_of", "one_of", "partnership", "anyone"]
    kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class UnheldRole:
    """A role, the protocols that use it, and where no one holds it."""

    role: str
    label: str
    protocols: tuple[str, ...]
    where: tuple[str, ...]

    @property
    def line(self) -> str:
        return f"{self.label} ({', '.join(self.protocols)}): {', '.join(self.where)}"


def _scopes(protocol: Protocol) -> dict[str, set[Scope]]:
    """Each role a stage or route asks for, and where the directory must hold it."""
    book = protocol.role_book
    scopes: dict[str, set[Scope]] = {}
    for stage in protocol.stages:
        replaced = frozenset(
            kind.value for r in stage.alternatives if r.instead for kind in r.when_agency_kind
        )
        if stage.role in book.partnership:
            scope = Scope("partnership")
        elif stage.held_by is not None:
            scope = Scope("one_of", frozenset({stage.held_by.value}))
        else:
            scope = Scope("each", replaced)
        scopes.setdefault(stage.role, set()).add(scope)
        for route in stage.alternatives:
            if route.role in book.partnership:
                scope = Scope("partnership")
            elif route.when_agency_kind:
                kinds = frozenset(k.value for k in route.when_agency_kind)
                scope = Scope("one_of" if route.role in SECTOR_ROLES else "each_of", kinds)
            else:
                scope = Scope("anyone")
            scopes.setdefault(route.role, set()).add(scope)
    scopes.pop(Role.PRACTITIONER.value, None)  # the professionals in dispute act themselves
    return scopes


def _lacking(scope: Scope, agencies: list[Agency], holders: set[int]) -> set[str]:
    held = [a for a in agencies if a.id in holders]
    if scope.where == "anyone":
        return set() if held else {"the partnership"}
    if scope.where == "partnership":
        return set() if any(a.kind == AgencyKind.PARTNERSHIP for a in held) else {"the partnership"}
    if scope.where == "one_of":
        present = {a.kind for a in agencies}
        return {
            f"any {kind.replace('_', ' ')} agency"
            for kind in scope.kinds & present
            if not any(a.kind == kind for a in held)
        }
    if scope.where == "each_of":
        return {a.name for a in agencies if a.kind in scope.kinds and a.id not in holders}
    return {
        a.name
        for a in agencies
        if a.id not in holders and a.kind not in scope.kinds and a.kind != AgencyKind.PARTNERSHIP
    }


def unheld_roles(session: Session, protocols: Iterable[Protocol]) -> list[UnheldRole]:
    """Each role some protocol uses that the directory lacks, with where it is lacking."""
    wanted: dict[str, tuple[list[str], set[Scope]]] = {}
    labels: dict[str, str] = {}
    for protocol in protocols:
        for role, scopes in _scopes(protocol).items():
            labels.setdefault(role, protocol.role_book.label(role))
            names, merged = wanted.setdefault(role, ([], set()))
            names.append(protocol.key)
            merged |= scopes
    agencies = list(session.scalars(select(Agency).order_by(Agency.id)))
    found = []
    for role, (names, scopes) in sorted(wanted.items()):
        holders = set(session.scalars(select(Person.agency_id).where(Person.role == role)))
        lacking = set().union(*(_lacking(scope, agencies, holders) for scope in scopes))
        for kind in {a.kind for a in agencies}:
            if {a.name for a in agencies if a.kind == kind} <= lacking:
                lacking.discard(f"any {kind.replace('_', ' ')} agency")  # each is named already
        if lacking:
            named = [a.name for a in agencies if a.name in lacking]
            where = (*named, *sorted(lacking - set(named)))
            found.append(UnheldRole(role, labels[role], tuple(names), where))
    return found
