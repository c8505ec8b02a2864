"""Who a protocol routes a stage to beyond those acting: who may refer into it, who is told."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.services.sweep_batch import directory
from models.directory import Agency, Person
from models.dispute import Dispute
from models.protocol import Oversight, Stage
from models.roles import AgencyKind, RoleBook


def referrers(session: Session, dispute: Dispute, stage: Stage) -> list[Person]:
    """Holders of the roles that may refer into `stage`, in the parties' agencies or the
    partnership: the people a refused escalator is pointed to, and who the referral reminder
    goes to."""
    if not stage.referred_by:
        return []
    agency_ids = [dispute.raiser_agency_id, dispute.counterpart_agency_id]
    loaded = directory(session)
    if loaded is not None:
        return loaded.holders(
            stage.referred_by, kinds=[AgencyKind.PARTNERSHIP], agency_ids=agency_ids
        )
    query = (
        select(Person)
        .join(Agency)
        .where(
            Person.role.in_(stage.referred_by),
            or_(Person.agency_id.in_(agency_ids), Agency.kind == AgencyKind.PARTNERSHIP),
        )
        .order_by(Person.id)
    )
    return list(session.scalars(query))


def may_refer(stage: Stage, person: Person) -> bool:
    return not stage.referred_by or person.role in stage.referred_by


def who_refers(stage: Stage, people: list[Person], book: RoleBook) -> str:
    """'Jo Bloggs (Partnership), the partnership chair': names where the directory has them."""
    roles = " or ".join(book.label(r) for r in stage.referred_by)
    if not people:
        return f"the {roles} (nobody holding that role is in the agency directory yet)"
    names = ", ".join(f"{p.name} ({p.agency.name})" for p in people)
    return f"the {roles}: {names}"


def oversight_people(
    session: Session, dispute: Dispute, stage: Stage
) -> list[tuple[Person, Oversight]]:
    """Everyone the stage's `informs` names: holders of the role in the named kind of agency,
    or in each party's agency when no kind is named. Each person once, under the first body."""
    found: dict[int, tuple[Person, Oversight]] = {}
    loaded = directory(session)
    for body in stage.informs:
        if loaded is not None:
            if body.held_by is not None:
                holders = loaded.holders([body.role], kinds=[body.held_by.value])
            else:
                parties = [dispute.raiser_agency_id, dispute.counterpart_agency_id]
                holders = loaded.holders([body.role], agency_ids=parties)
            for person in holders:
                found.setdefault(person.id, (person, body))
            continue
        query = select(Person).join(Agency).where(Person.role == body.role)
        if body.held_by is not None:
            query = query.where(Agency.kind == body.held_by.value)
        else:
            query = query.where(
                Person.agency_id.in_([dispute.raiser_agency_id, dispute.counterpart_agency_id])
            )
        for person in session.scalars(query.order_by(Person.id)):
            found.setdefault(person.id, (person, body))
    return list(found.values())


def oversight_gaps(session: Session, dispute: Dispute, stage: Stage, book: RoleBook) -> list[str]:
    """A body the stage must tell that nobody in the directory holds, said so an administrator
    can fix it: an oversight body nobody tells is a silent gap in the protocol."""
    told = {body.label for _, body in oversight_people(session, dispute, stage)}
    return [
        f"Nobody in the directory holds the role '{book.label(body.role)}' to be told as "
        f"{body.label} at {stage.title}: add them to the directory."
        for body in stage.informs
        if body.label not in told
    ]
