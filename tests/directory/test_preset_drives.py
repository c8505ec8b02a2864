"""Each preset driven from opening to its final stage against the Northshire directory.

Deadlines lapse one after another (the clock is moved to exactly each deadline), so every stage
checks who the directory puts there and when the stage ends, across bank holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.services.disputes import DisputeService, StageEntry
from bot.services.errors import DomainError
from models.dispute import Dispute
from tests.conftest import london
from tests.directory.conftest import Lookup, emails


@dataclass(frozen=True)
class Expected:
    """A stage, the people acting at it (by email), its deadline and what the directory lacks."""

    stage: str
    acting: set[str]
    deadline: datetime | None
    missing: tuple[str, ...] = ()


def check(service: DisputeService, dispute: Dispute, entry: StageEntry, want: Expected) -> None:
    """Everyone acting is notified, except whoever took the step themselves."""
    protocol = service.protocol_of(dispute)
    assert protocol.stage(dispute.stage_index).key == want.stage
    assert entry.transition.to_stage == dispute.stage_index
    assert {a.person.email for a in entry.assignment.people} == want.acting, want.stage
    actor = entry.transition.actor
    notified = want.acting - ({actor.email} if actor is not None else set())
    assert {n.person.email for n in entry.transition.acting_notices} == notified, want.stage
    assert dispute.deadline_at == want.deadline, want.stage
    assert entry.transition.deadline_at == want.deadline
    assert entry.transition.missing == list(want.missing), want.stage


def lapse(service: DisputeService, session: Session, clock: FrozenClock, dispute: Dispute):
    """A minute early nothing happens; at the deadline itself the dispute moves on."""
    assert dispute.deadline_at is not None
    clock.set(dispute.deadline_at - timedelta(minutes=1))
    assert service.escalate_lapsed(session=session, dispute=dispute) is None
    clock.set(dispute.deadline_at)
    return service.escalate_lapsed(session=session, dispute=dispute)


def walk(
    service: DisputeService,
    session: Session,
    clock: FrozenClock,
    entry: StageEntry,
    stages: list[Expected],
) -> Dispute:
    """Checks the stage just entered, then lets each deadline lapse into the next stage."""
    dispute = entry.transition.dispute
    check(service, dispute, entry, stages[0])
    for want in stages[1:]:
        entry = lapse(service, session, clock, dispute)
        assert entry is not None and entry.transition.trigger == "timescale lapsed"
        check(service, dispute, entry, want)
    return dispute


def drive(
    service: DisputeService,
    session: Session,
    clock: FrozenClock,
    entry: StageEntry,
    stages: list[Expected],
) -> None:
    dispute = walk(service, session, clock, entry, stages)
    assert dispute.stage_index == service.protocol_of(dispute).final_index


def open_dispute(
    service: DisputeService,
    session: Session,
    protocol: str,
    category: str,
    raiser,
    counterpart,
) -> StageEntry:
    return service.open(
        session=session,
        protocol_key=protocol,
        category=category,
        raiser=raiser,
        counterpart=counterpart,
        child_ref="NS-104233",
        summary="The agencies disagree about what the child needs next.",
    )


def test_suffolk_over_christmas_and_new_year(service, session, clock, northshire: Lookup):
    clock.set(london(2026, 12, 14, 10, 0))
    entry = open_dispute(
        service,
        session,
        "suffolk",
        "referral-threshold",
        northshire("ben.carter"),
        northshire("jess.turner"),
    )
    drive(
        service,
        session,
        clock,
        entry,
        [
            Expected(
                "professionals", emails("ben.carter", "jess.turner"), london(2026, 12, 21, 17, 0)
            ),
            # Christmas Day, Boxing Day (substitute Monday 28th) and the weekend are skipped.
            Expected(
                "first-line-managers",
                emails("laura.jenkins", "priya.sharma"),
                london(2026, 12, 30, 17, 0),
            ),
            # New Year's Day is skipped; Claire Donovan is absent, so her deputy acts.
            Expected(
                "senior-managers",
                emails("joanne.fraser", "tom.whitfield"),
                london(2027, 1, 7, 17, 0),
            ),
            Expected(
                "heads-of-service", emails("sam.patel", "daniel.hughes"), london(2027, 1, 14, 17, 0)
            ),
            Expected("lscb", emails("margaret.fenwick"), None),
        ],
    )


def test_portsmouth_over_easter_and_the_clocks_changing(service, session, clock, northshire):
    clock.set(london(2027, 3, 24, 10, 0))
    entry = open_dispute(
        service,
        session,
        "portsmouth",
        "referral-criteria",
        northshire("amy.richardson"),
        northshire("mariam.yusuf"),
    )
    drive(
        service,
        session,
        clock,
        entry,
        [
            Expected(
                "practitioners", emails("amy.richardson", "mariam.yusuf"), london(2027, 3, 25, 17)
            ),
            # Good Friday and Easter Monday are skipped; British Summer Time has begun.
            Expected("line-manager", emails("peter.osei", "steve.rowe"), london(2027, 4, 5, 17)),
            Expected(
                "safeguarding-lead",
                emails("mohammed.iqbal", "denise.ward"),
                london(2027, 4, 12, 17),
            ),
            Expected(
                "agency-leads", emails("stephen.blake", "alison.grey"), london(2027, 4, 19, 17)
            ),
            Expected("pscb-chair", emails("margaret.fenwick"), None),
        ],
    )


def test_sussex_over_the_may_bank_holidays_with_referrals(service, session, clock, northshire):
    clock.set(london(2027, 4, 27, 10, 0))
    health_visitor = northshire("grace.adeyemi")
    entry = open_dispute(
        service,
        session,
        "sussex",
        "information-sharing",
        health_visitor,
        northshire("zoe.malik"),
    )
    dispute = walk(
        service,
        session,
        clock,
        entry,
        [
            # The early May bank holiday is skipped.
            Expected("professional", emails("grace.adeyemi", "zoe.malik"), london(2027, 5, 5, 17)),
            Expected("managers", emails("hannah.ellis", "colin.ashworth"), london(2027, 5, 12, 17)),
            # Health goes to its named nurse, probation up its line management.
            Expected(
                "senior-managers", emails("karen.fletcher", "tanya.briggs"), london(2027, 5, 19, 17)
            ),
            # Health goes to the integrated care board's designated nurse.
            Expected(
                "professional-leads",
                emails("sarah.whitmore", "neil.sutton"),
                london(2027, 5, 26, 17),
            ),
        ],
    )
    # The Independent Scrutineer is reached only by referral: lapsing leaves the dispute waiting.
    assert lapse(service, session, clock, dispute) is None
    assert service.protocol_of(dispute).stage(dispute.stage_index).key == "professional-leads"
    assert dispute.deadline_at is None
    assert service.history(session, dispute=dispute)[-1].kind == "awaiting_referral"
    clock.set(london(2027, 5, 27, 10, 0))
    entry = service.escalate(
        session=session,
        dispute=dispute,
        actor=health_visitor,
        reason="Referred to the Independent Scrutineer",
    )
    # Ten working days, skipping the spring bank holiday.
    check(
        service,
        dispute,
        entry,
        Expected("independent-scrutineer", emails("margaret.fenwick"), london(2027, 6, 11, 17)),
    )
    # The Directors of the three Safeguarding Partners in the directory are told, not asked.
    informed = {n.person.email for n in entry.transition.informed_notices}
    assert informed and informed.isdisjoint(emails("margaret.fenwick"))
    assert lapse(service, session, clock, dispute) is None
    assert dispute.deadline_at is None
    clock.set(london(2027, 6, 14, 10, 0))
    # Only the Independent Scrutineer refers to the Secretary of State.
    with pytest.raises(
        DomainError, match="Only the partnership chair or scrutineer: Margaret Fenwick"
    ):
        service.escalate(
            session=session,
            dispute=dispute,
            actor=health_visitor,
            reason="Refer to the Secretary of State",
        )
    assert service.protocol_of(dispute).stage(dispute.stage_index).key == "independent-scrutineer"
    entry = service.escalate(
        session=session,
        dispute=dispute,
        actor=northshire("margaret.fenwick"),
        reason="The scrutineer refers the matter to the Secretary of State",
    )
    check(service, dispute, entry, Expected("secretary-of-state", emails("margaret.fenwick"), None))
    assert dispute.stage_index == service.protocol_of(dispute).final_index


def test_specialist_childrens_services_over_christmas(service, session, clock, northshire):
    clock.set(london(2026, 12, 23, 10, 0))
    entry = open_dispute(
        service,
        session,
        "specialist-childrens-services",
        "threshold",
        northshire("megan.hollis"),
        northshire("lucy.brennan"),
    )
    drive(
        service,
        session,
        clock,
        entry,
        [
            Expected(
                "professionals", emails("megan.hollis", "lucy.brennan"), london(2026, 12, 24, 17)
            ),
            # Twenty-four hours is clock time, even over Christmas Day.
            Expected(
                "line-managers", emails("karen.fletcher", "gareth.lloyd"), london(2026, 12, 25, 17)
            ),
            # A threshold dispute brings in the CAF/TAC implementation officer.
            Expected(
                "second-tier",
                emails("karen.fletcher", "tom.whitfield", "nadia.kowalski"),
                london(2027, 1, 5, 17),
            ),
            Expected(
                "head-of-service", emails("yvonne.clarke", "daniel.hughes"), london(2027, 1, 12, 17)
            ),
            Expected("head-of-safeguarding", emails("ruth.okafor"), None),
        ],
    )


def test_oxfordshire_over_easter(service, session, clock, northshire):
    clock.set(london(2027, 3, 22, 10, 0))
    entry = open_dispute(
        service,
        session,
        "oxfordshire",
        "service-provision",
        northshire("ellie.parkin"),
        northshire("kwame.asante"),
    )
    drive(
        service,
        session,
        clock,
        entry,
        [
            # Good Friday and Easter Monday are skipped.
            Expected(
                "professionals", emails("ellie.parkin", "kwame.asante"), london(2027, 3, 31, 17)
            ),
            Expected(
                "line-manager", emails("hollie.greenwood", "priya.sharma"), london(2027, 4, 7, 17)
            ),
            # The charity goes to its designated safeguarding lead instead of a service manager.
            Expected(
                "service-manager", emails("tariq.aziz", "tom.whitfield"), london(2027, 4, 14, 17)
            ),
            # The charity has no head of service: its chief executive, the next senior role.
            Expected(
                "head-of-service",
                emails("bridget.oneill", "daniel.hughes"),
                london(2027, 4, 21, 17),
            ),
            # One post for the whole dispute: children's social care's Deputy Director.
            Expected("deputy-director", emails("marcus.bell"), None),
        ],
    )


def acting_at(service, session, dispute: Dispute, stage: str, actor) -> dict[str, str]:
    """Escalates by hand to `stage`; who acts there, by email, with why they were chosen."""
    entry = None
    while service.protocol_of(dispute).stage(dispute.stage_index).key != stage:
        entry = service.escalate(session=session, dispute=dispute, actor=actor, reason="Stuck")
    assert entry is not None
    return {a.person.email: a.explanation for a in entry.assignment.people}


def test_oxfordshire_step_5_goes_to_the_deputy_director_for_safeguarding(
    service, session, clock, northshire
):
    clock.set(london(2027, 3, 22, 10, 0))
    charity = northshire("ellie.parkin")
    entry = open_dispute(
        service, session, "oxfordshire", "service-provision", charity, northshire("kwame.asante")
    )
    acting = acting_at(service, session, entry.transition.dispute, "deputy-director", charity)
    assert acting == {
        "marcus.bell@northshire.example": (
            "Marcus Bell, Deputy Director for Safeguarding, Northshire Children's Services: in "
            "the management chain of Kwame Asante"
        )
    }


def test_oxfordshire_step_5_with_the_deputy_director_away_goes_to_the_director(
    service, session, clock, northshire
):
    clock.set(london(2027, 3, 22, 10, 0))
    northshire("marcus.bell").absent_until = date(2027, 4, 30)
    raiser = northshire("zoe.malik")
    entry = open_dispute(
        service, session, "oxfordshire", "service-provision", raiser, northshire("grace.adeyemi")
    )
    dispute = entry.transition.dispute
    assert acting_at(service, session, dispute, "deputy-director", raiser) == {
        "helen.marsh@northshire.example": (
            "Helen Marsh, Director of Children's Services, Northshire Children's Services: "
            "Marcus Bell (Local Authority Deputy Director for Safeguarding, Northshire "
            "Children's Services) is absent with no deputy available; next senior role under "
            "the protocol's fallback order"
        )
    }
    assert dispute.current_transition.missing == []


def test_sussex_stage_3_goes_to_childrens_services_head_of_service(
    service, session, clock, northshire
):
    clock.set(london(2027, 9, 6, 10, 0))
    police = northshire("ben.carter")
    entry = open_dispute(
        service, session, "sussex", "information-sharing", police, northshire("jess.turner")
    )
    acting = acting_at(service, session, entry.transition.dispute, "senior-managers", police)
    assert acting == {
        "joanne.fraser@northshire.example": (
            "Joanne Fraser, Detective Inspector, Child Abuse Investigation Unit, Northshire "
            "Police: in the management chain of Ben Carter"
        ),
        "daniel.hughes@northshire.example": (
            "Daniel Hughes, Head of Service, Children in Need and Child Protection, Northshire "
            "Children's Services: in the management chain of Jess Turner"
        ),
    }
