"""Finds who acts for each side at a stage, walking management chains in the agency directory.

When a side's agency has no one in the stage's role, the protocol's fallback order decides who
acts instead; when even that finds nobody, whoever acted for the side before carries on, so no
stage is entered with nobody acting for a side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.sweep_batch import directory
from bot.working_days import long_date
from models.directory import Agency, Person
from models.protocol import Fallback, Protocol, Stage
from models.roles import AgencyKind, Role, RoleBook

# Posts held for a whole sector rather than in each agency: the integrated care board's designated
# nurse and doctor act for every health body in the area, not only for the board itself.
SECTOR_ROLES = frozenset({Role.DESIGNATED_SAFEGUARDING_PROFESSIONAL.value})
_PARTY_SIDES = ("raiser", "counterpart")


@dataclass(frozen=True)
class Assignee:
    """A person acting at a stage, with a line a user can check."""

    person: Person
    side: str
    explanation: str


@dataclass(frozen=True)
class MissingEntry:
    """What the directory lacks, said so an administrator can fix it."""

    side: str
    role: str
    agency: str
    message: str


@dataclass
class StageAssignment:
    people: list[Assignee] = field(default_factory=list)
    missing: list[MissingEntry] = field(default_factory=list)


@dataclass(frozen=True)
class Party:
    """One side of a dispute: the professional who started it on that side, and their agency."""

    side: str
    person: Person
    agency: Agency


@dataclass(frozen=True)
class _Lookup:
    """One role to find for one side; `primary` is the role that acts, not one joining it."""

    agency: Agency | None
    start: Person | None
    side: str
    role: str
    primary: bool


def _holders(session: Session, agency: Agency | None, role: str) -> list[Person]:
    loaded = directory(session)
    if loaded is not None:
        if agency is None:
            return loaded.holders([role], kinds=[AgencyKind.PARTNERSHIP])
        return loaded.holders([role], agency_ids=[agency.id])
    query = select(Person).where(Person.role == role).order_by(Person.id)
    if agency is not None:
        query = query.where(Person.agency_id == agency.id)
    else:
        query = query.join(Agency).where(Agency.kind == AgencyKind.PARTNERSHIP)
    return list(session.scalars(query))


def _sector_holders(session: Session, agency: Agency, role: str) -> list[Person]:
    """Holders of `role` in the other agencies of the same kind."""
    loaded = directory(session)
    if loaded is not None:
        return [p for p in loaded.holders([role], kinds=[agency.kind]) if p.agency_id != agency.id]
    query = (
        select(Person)
        .join(Agency)
        .where(Person.role == role, Agency.kind == agency.kind, Agency.id != agency.id)
        .order_by(Person.id)
    )
    return list(session.scalars(query))


def _walk_chain(party: Person, role: str, book: RoleBook) -> tuple[Person, str] | None:
    """Up the line-management chain to the first person holding `role`.

    A party already at or above the stage's tier acts for their side themselves: a detective
    sergeant who raises a dispute is not replaced by a constable at the first stage.
    """
    target = book.rank(role)
    own = book.rank(party.role)
    if party.role == role or (target is not None and own is not None and own > target):
        return party, "party to the dispute"
    seen = {party.id}
    below = party
    person = party.line_manager
    while person is not None and person.id not in seen:
        if person.role == role:
            relation = "line manager" if below is party else "in the management chain"
            return person, f"{relation} of {party.name}"
        rank = book.rank(person.role)
        if target is not None and rank is not None and rank > target:
            return None
        seen.add(person.id)
        below, person = person, person.line_manager
    return None


def _cover(person: Person, reason: str, on: date) -> tuple[Person, str] | None:
    """The person, or their deputy when they are absent on that day."""
    if not person.is_absent_on(on):
        return person, reason
    deputy = person.deputy
    if deputy is not None and not deputy.is_absent_on(on):
        until = long_date(person.absent_until)
        return deputy, f"deputy for {person.name}, who is absent until {until}"
    return None


def _first_available(
    candidates: list[tuple[Person, str]], side: str, on: date
) -> tuple[Assignee | None, list[Person]]:
    """The first candidate at work (or covered by a deputy), and those absent without cover."""
    absent: list[Person] = []
    for person, reason in candidates:
        covered = _cover(person, reason, on)
        if covered is not None:
            chosen, why = covered
            return Assignee(chosen, side, f"{chosen.described}: {why}"), absent
        absent.append(person)
    return None, absent


def _find_for_role(
    session: Session, lookup: _Lookup, book: RoleBook, on: date
) -> tuple[Assignee | None, MissingEntry | None]:
    """The holder of the role: up the party's chain, else the agency's holder, else a deputy."""
    agency, start, side, role = lookup.agency, lookup.start, lookup.side, lookup.role
    if role in book.partnership:
        agency, start, side = None, None, "partnership"
    candidates: list[tuple[Person, str]] = []
    if start is not None:
        walked = _walk_chain(start, role, book)
        if walked is not None:
            candidates.append(walked)
    label = book.label(role)
    where = agency.name if agency is not None else "the partnership"
    candidates += [(p, f"{label} for {where}") for p in _holders(session, agency, role)]
    if role in SECTOR_ROLES and agency is not None:
        sector = agency.kind.replace("_", " ")
        candidates += [
            (p, f"{label} for {sector} agencies") for p in _sector_holders(session, agency, role)
        ]
    found, absent = _first_available(candidates, side, on)
    if found is not None:
        return found, None
    if absent:
        first = absent[0]
        message = (
            f"{first.described} is absent until {long_date(first.absent_until)} and has no deputy "
            f"available: add a deputy for them in the directory."
        )
    else:
        message = f"Nobody in {where} has the role '{label}': add one to the directory."
    return None, MissingEntry(side, role, where, message)


def _gap(agency: Agency, role: str, book: RoleBook, on: date, session: Session) -> str:
    """Why the agency's own holder cannot act: there is none, or they are away without cover."""
    label = book.label(role)
    away = [p for p in _holders(session, agency, role) if p.is_absent_on(on)]
    if away:
        return f"{away[0].name} ({label}, {agency.name}) is absent with no deputy available"
    return f"{agency.name} has no {label}"


def _fallback(
    session: Session,
    lookup: _Lookup,
    order: list[Fallback],
    book: RoleBook,
    on: date,
) -> Assignee | None:
    """Who acts under the protocol's fallback order when the agency has no holder of the role.

    The safeguarding lead sits on the ladder but is a step of its own in the order, so the next
    senior role passes over it: a charity's chief executive before its safeguarding lead.
    """
    agency = lookup.agency
    if agency is None or lookup.role in book.partnership:
        return None
    gap = _gap(agency, lookup.role, book, on, session)
    lead = Role.SAFEGUARDING_LEAD.value
    for step in order:
        if step == "next_senior":
            roles = [r for r in book.above(lookup.role) if r != lead and r not in book.partnership]
            why = "next senior role under the protocol's fallback order"
        else:
            roles = [lead] if lookup.role != lead else []
            why = "the agency's safeguarding lead under the protocol's fallback order"
        for role in roles:
            for holder in _holders(session, agency, role):
                covered = _cover(holder, "", on)
                if covered is not None:
                    chosen, cover = covered
                    said = f"{chosen.described}: {gap}; {why}"
                    return Assignee(chosen, lookup.side, f"{said} ({cover})" if cover else said)
    return None


def _lookups(session: Session, parties: list[Party], stage: Stage, category: str) -> list[_Lookup]:
    """Where to look: each side's own agency, or the one agency that holds a single post."""
    if stage.held_by is None:
        return [
            _Lookup(party.agency, party.person, party.side, role, n == 0)
            for party in parties
            for n, role in enumerate(_roles_for(stage, party, category))
        ]
    party = next((p for p in parties if p.agency.kind == stage.held_by), None)
    if party is not None:
        return [_Lookup(party.agency, party.person, party.side, stage.role, True)]
    loaded = directory(session)
    if loaded is not None:
        agency = loaded.first_agency(stage.held_by)
    else:
        agency = session.scalar(
            select(Agency).where(Agency.kind == stage.held_by).order_by(Agency.id)
        )
    return [_Lookup(agency, None, "lead agency", stage.role, True)] if agency is not None else []


def _roles_for(stage: Stage, party: Party, category: str) -> list[str]:
    """The stage's role, replaced or joined by an alternative route that applies to this side."""
    roles = [stage.role]
    for route in stage.alternatives:
        applies = party.agency.kind in route.when_agency_kind or category in route.when_category
        if applies:
            roles = [route.role] if route.instead else [*roles, route.role]
    return roles


def _joined_for_category(stage: Stage, category: str) -> set[str]:
    """Roles a category brings in beside the usual ones: one holder, on either side, will do."""
    return {
        route.role
        for route in stage.alternatives
        if not route.instead and category in route.when_category
    }


def _carrying_on(
    session: Session,
    parties: list[Party],
    protocol: Protocol,
    index: int,
    category: str,
    on: date,
    lookup: _Lookup,
) -> Assignee | None:
    """Whoever acted for the side at the stage before (or the party, at the first) carries on."""
    label = protocol.role_book.label(lookup.role)
    where = lookup.agency.name if lookup.agency is not None else "the partnership"
    why = (
        f"keeps acting for the {lookup.side} side: nobody in {where} can act as {label} "
        "or under the protocol's fallback order, and the partnership administrators are told"
    )
    if index > 0:
        before = find_stage_people(
            session, parties=parties, protocol=protocol, index=index - 1, category=category, on=on
        )
        earlier = next((a for a in before.people if a.side == lookup.side), None)
        if earlier is not None:
            return Assignee(earlier.person, lookup.side, f"{earlier.person.described}: {why}")
    party = next((p for p in parties if p.side == lookup.side), None)
    if party is None:
        return None
    return Assignee(party.person, lookup.side, f"{party.person.described}: {why}")


def find_stage_people(
    session: Session,
    *,
    parties: list[Party],
    protocol: Protocol,
    index: int,
    category: str,
    on: date,
) -> StageAssignment:
    """Everyone acting at stage `index` for each party, once each, and what the directory lacks."""
    stage = protocol.stage(index)
    book = protocol.role_book
    result = StageAssignment()
    seen_people: set[int] = set()
    seen_missing: set[tuple[str, str]] = set()
    found_roles: set[str] = set()
    lookups = _lookups(session, parties, stage, category)
    for lookup in lookups:
        found, missing = _find_for_role(session, lookup, book, on)
        if found is None and lookup.primary:
            found = _fallback(session, lookup, protocol.fallback_for(stage), book, on)
            if found is not None:
                missing = None
            elif lookup.side in _PARTY_SIDES and lookup.role not in book.partnership:
                found = _carrying_on(session, parties, protocol, index, category, on, lookup)
        if found is not None:
            found_roles.add(lookup.role)
            if found.person.id not in seen_people:
                seen_people.add(found.person.id)
                result.people.append(found)
        if missing is not None and (missing.agency, missing.role) not in seen_missing:
            seen_missing.add((missing.agency, missing.role))
            result.missing.append(missing)
    covered = _joined_for_category(stage, category) & found_roles
    result.missing = [m for m in result.missing if m.role not in covered]
    if not result.people:
        # A post held once (for the partnership, or by one lead agency) that no one can take:
        # each side's previous actor carries on rather than the dispute going unattended.
        holder = None if stage.role in book.partnership else lookups[0].agency if lookups else None
        for party in parties:
            kept = _carrying_on(
                session,
                parties,
                protocol,
                index,
                category,
                on,
                _Lookup(holder, party.person, party.side, stage.role, True),
            )
            if kept is not None and kept.person.id not in seen_people:
                seen_people.add(kept.person.id)
                result.people.append(kept)
    if stage.held_by is not None and not result.people and not result.missing:
        kind = stage.held_by.value.replace("_", " ")
        result.missing.append(
            MissingEntry(
                "lead agency",
                stage.role,
                kind,
                f"There is no {kind} agency in the directory to hold the "
                f"'{book.label(stage.role)}' post: add it.",
            )
        )
    return result
