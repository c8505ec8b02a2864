"""Roles the loaded protocols ask for that no one in the directory holds.

A gap is not an error, since the protocol's fallback order covers it, but an administrator
should know before a dispute reaches that tier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.directory import Agency, Person
from models.protocol import Protocol
from models.roles import AgencyKind


@dataclass(frozen=True)
class UnheldRole:
    """A role, the protocols that use it, and where no one holds it."""

    role: str
    label: str
    protocols: tuple[str, ...]
    where: tuple[str, ...]

    @property
    def line(self) -> str:
        return (
            f"{self.label} ({self.role}, used by {', '.join(self.protocols)}): "
            f"no one holds it in {', '.join(self.where)}"
        )


def _scopes(protocol: Protocol) -> dict[str, set[str | None]]:
    """Where each role must be held: None in every agency, 'except:kinds' in every agency but
    those kinds, 'kind:k' in some agency of kind k, 'once' anywhere in the partnership."""
    book = protocol.role_book
    scopes: dict[str, set[str | None]] = {}
    for stage in protocol.stages:
        replaced = {kind for r in stage.alternatives if r.instead for kind in r.when_agency_kind}
        if stage.role in book.partnership:
            scopes.setdefault(stage.role, set()).add("once")
        elif stage.held_by is not None:
            scopes.setdefault(stage.role, set()).add(f"kind:{stage.held_by.value}")
        elif replaced:
            scopes.setdefault(stage.role, set()).add(f"except:{','.join(sorted(replaced))}")
        else:
            scopes.setdefault(stage.role, set()).add(None)
        for route in stage.alternatives:
            target = scopes.setdefault(route.role, set())
            if route.role in book.partnership or not route.when_agency_kind:
                target.add("once")
            else:
                target.update(f"kind:{kind.value}" for kind in route.when_agency_kind)
    return scopes


def _agencies_lacking(
    session: Session, role: str, scopes: set[str | None], agencies: list[Agency]
) -> list[str]:
    holders = set(session.scalars(select(Person.agency_id).where(Person.role == role)))
    held_kinds = {a.kind for a in agencies if a.id in holders}
    lacking: list[str] = []
    for scope in sorted(scopes, key=str):
        if scope == "once":
            if not holders:
                lacking.append("the partnership")
        elif scope is not None and scope.startswith("kind:"):
            kind = scope.removeprefix("kind:")
            if kind not in held_kinds:
                lacking.append(f"any {kind.replace('_', ' ')} agency")
        else:
            skipped = set(scope.removeprefix("except:").split(",")) if scope else set()
            lacking += [
                a.name
                for a in agencies
                if a.id not in holders
                and a.kind not in skipped
                and a.kind != AgencyKind.PARTNERSHIP
            ]
    return list(dict.fromkeys(lacking))


def unheld_roles(session: Session, protocols: Iterable[Protocol]) -> list[UnheldRole]:
    """Each role some protocol uses that the directory lacks, with where it is lacking."""
    wanted: dict[str, tuple[list[str], set[str | None]]] = {}
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
        lacking = _agencies_lacking(session, role, scopes, agencies)
        if lacking:
            found.append(UnheldRole(role, labels[role], tuple(names), tuple(lacking)))
    return found
