"""Finds who acts for each side at a stage, walking management chains in the agency directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.directory import Agency, Person
from models.protocol import Stage
from models.roles import LADDER, PARTNERSHIP_ROLES, AgencyKind, Role

# Posts held for a whole sector rather than in each agency: the integrated care board's designated
# nurse and doctor act for every health body in the area, not only for the board itself.
SECTOR_ROLES = frozenset({Role.DESIGNATED_SAFEGUARDING_PROFESSIONAL})


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
    role: Role
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


def _rank(role: str) -> int | None:
    try:
        return LADDER.index(Role(role))
    except ValueError:
        return None


def _holders(session: Session, agency: Agency | None, role: Role) -> list[Person]:
    query = select(Person).where(Person.role == role).order_by(Person.id)
    if agency is not None:
        query = query.where(Person.agency_id == agency.id)
    else:
        query = query.join(Agency).where(Agency.kind == AgencyKind.PARTNERSHIP)
    return list(session.scalars(query))


def _sector_holders(session: Session, agency: Agency, role: Role) -> list[Person]:
    """Holders of `role` in the other agencies of the same kind."""
    query = (
        select(Person)
        .join(Agency)
        .where(Person.role == role, Agency.kind == agency.kind, Agency.id != agency.id)
        .order_by(Person.id)
    )
    return list(session.scalars(query))


def _walk_chain(party: Person, role: Role) -> tuple[Person, str] | None:
    """Up the line-management chain to the first person holding `role`.

    A party already at or above the stage's tier acts for their side themselves: a detective
    sergeant who raises a dispute is not replaced by a constable at the first stage.
    """
    target = _rank(role)
    own = _rank(party.role)
    if party.role == role or (target is not None and own is not None and own > target):
        return party, "party to the dispute"
    seen = {party.id}
    below = party
    person = party.line_manager
    while person is not None and person.id not in seen:
        if person.role == role:
            relation = "line manager" if below is party else "in the management chain"
            return person, f"{relation} of {party.name}"
        rank = _rank(person.role)
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
        until = f"{person.absent_until:%d %B %Y}"
        return deputy, f"deputy for {person.name}, who is absent until {until}"
    return None


def _find_for_role(
    session: Session, agency: Agency | None, start: Person | None, side: str, role: Role, on: date
) -> tuple[Assignee | None, MissingEntry | None]:
    """The holder of `role`: up `start`'s chain, else the agency's holder, else their deputy."""
    if role in PARTNERSHIP_ROLES:
        agency, start, side = None, None, "partnership"
    candidates: list[tuple[Person, str]] = []
    if start is not None:
        walked = _walk_chain(start, role)
        if walked is not None:
            candidates.append(walked)
    label = Role(role).label
    where = agency.name if agency is not None else "the partnership"
    candidates += [(p, f"{label} for {where}") for p in _holders(session, agency, role)]
    if role in SECTOR_ROLES and agency is not None:
        sector = agency.kind.replace("_", " ")
        candidates += [
            (p, f"{label} for {sector} agencies") for p in _sector_holders(session, agency, role)
        ]
    absent: list[Person] = []
    for person, reason in candidates:
        covered = _cover(person, reason, on)
        if covered is not None:
            chosen, why = covered
            return Assignee(chosen, side, f"{chosen.described}: {why}"), None
        absent.append(person)
    if absent:
        first = absent[0]
        message = (
            f"{first.described} is absent until {first.absent_until:%d %B %Y} and has no deputy "
            f"available: add a deputy for them in the directory."
        )
    else:
        message = f"Nobody in {where} has the role '{label}': add one to the directory."
    return None, MissingEntry(side, Role(role), where, message)


def _lookups(
    session: Session, parties: list[Party], stage: Stage, category: str
) -> list[tuple[Agency | None, Person | None, str, Role]]:
    """Where to look: each side's own agency, or the one agency that holds a single post."""
    if stage.held_by is None:
        return [
            (party.agency, party.person, party.side, role)
            for party in parties
            for role in _roles_for(stage, party, category)
        ]
    party = next((p for p in parties if p.agency.kind == stage.held_by), None)
    if party is not None:
        return [(party.agency, party.person, party.side, stage.role)]
    agency = session.scalar(select(Agency).where(Agency.kind == stage.held_by).order_by(Agency.id))
    return [(agency, None, "lead agency", stage.role)] if agency is not None else []


def _roles_for(stage: Stage, party: Party, category: str) -> list[Role]:
    """The stage's role, replaced or joined by an alternative route that applies to this side."""
    roles = [stage.role]
    for route in stage.alternatives:
        applies = party.agency.kind in route.when_agency_kind or category in route.when_category
        if applies:
            roles = [route.role] if route.instead else [*roles, route.role]
    return roles


def _joined_for_category(stage: Stage, category: str) -> set[Role]:
    """Roles a category brings in beside the usual ones: one holder, on either side, will do."""
    return {
        route.role
        for route in stage.alternatives
        if not route.instead and category in route.when_category
    }


def find_stage_people(
    session: Session, *, parties: list[Party], stage: Stage, category: str, on: date
) -> StageAssignment:
    """Everyone acting at `stage` for each party, once each, and whatever the directory lacks."""
    result = StageAssignment()
    seen_people: set[int] = set()
    seen_missing: set[tuple[str, str]] = set()
    found_roles: set[Role] = set()
    for agency, start, side, role in _lookups(session, parties, stage, category):
        found, missing = _find_for_role(session, agency, start, side, role, on)
        if found is not None:
            found_roles.add(role)
            if found.person.id not in seen_people:
                seen_people.add(found.person.id)
                result.people.append(found)
        if missing is not None and (missing.agency, missing.role) not in seen_missing:
            seen_missing.add((missing.agency, missing.role))
            result.missing.append(missing)
    covered = _joined_for_category(stage, category) & found_roles
    result.missing = [m for m in result.missing if m.role not in covered]
    if stage.held_by is not None and not result.people and not result.missing:
        kind = stage.held_by.value.replace("_", " ")
        result.missing.append(
            MissingEntry(
                "lead agency",
                stage.role,
                kind,
                f"There is no {kind} agency in the directory to hold the "
                f"'{stage.role.label}' post: add it.",
            )
        )
    return result
