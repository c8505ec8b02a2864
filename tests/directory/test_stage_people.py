"""Who the Northshire directory puts at a stage: cover for absence, health and threshold routes,
and what an administrator is told when the directory cannot supply someone."""

from __future__ import annotations

from datetime import date

from bot.services.counterparts import find_stage_people
from bot.services.disputes import DisputeService, StageEntry
from tests.conftest import london
from tests.directory.conftest import Lookup, emails


def open_and_climb(
    service: DisputeService,
    session,
    northshire: Lookup,
    *,
    protocol: str,
    category: str,
    raiser: str,
    counterpart: str,
    stage: str,
) -> StageEntry:
    """Opens a dispute and escalates it by hand until it reaches `stage`."""
    entry = service.open(
        session=session,
        protocol_key=protocol,
        category=category,
        raiser=northshire(raiser),
        counterpart=northshire(counterpart),
        child_ref="NS-104233",
        summary="The agencies disagree about what the child needs next.",
    )
    dispute = entry.transition.dispute
    protocol_used = service.protocol_of(dispute)
    while protocol_used.stage(dispute.stage_index).key != stage:
        entry = service.escalate(
            session=session, dispute=dispute, actor=northshire(raiser), reason="Not agreed"
        )
    return entry


def explanations(entry: StageEntry) -> dict[str, str]:
    return {a.person.email: a.explanation for a in entry.assignment.people}


def test_an_absent_holder_is_covered_by_their_deputy(service, session, northshire):
    entry = open_and_climb(
        service,
        session,
        northshire,
        protocol="suffolk",
        category="referral-threshold",
        raiser="ben.carter",
        counterpart="jess.turner",
        stage="senior-managers",
    )
    assert explanations(entry) == {
        "joanne.fraser@northshire.example": (
            "Joanne Fraser, Detective Inspector, Child Abuse Investigation Unit, Northshire "
            "Police: in the management chain of Ben Carter"
        ),
        "tom.whitfield@northshire.example": (
            "Tom Whitfield, Service Manager, Child Protection, Northshire Children's Services: "
            "deputy for Claire Donovan, who is absent until Tuesday 31 August 2027"
        ),
    }
    back = find_stage_people(
        session,
        parties=DisputeService.parties(entry.transition.dispute),
        protocol=service.protocol_of(entry.transition.dispute),
        index=2,
        category="referral-threshold",
        on=date(2027, 9, 1),
    )
    assert {a.person.email for a in back.people} == emails("joanne.fraser", "claire.donovan")


def test_an_absent_holder_without_a_deputy_gives_way_to_the_next_senior_role(
    service, session, northshire
):
    entry = open_and_climb(
        service,
        session,
        northshire,
        protocol="suffolk",
        category="referral-threshold",
        raiser="zoe.malik",
        counterpart="jess.turner",
        stage="heads-of-service",
    )
    assert explanations(entry)["victoria.hale@northshire.example"] == (
        "Victoria Hale, Regional Probation Director, Northshire Probation Service: Graham Webb "
        "(head of service, Northshire Probation Service) is absent with no deputy available; "
        "next senior role under the protocol's fallback order"
    )
    assert {a.person.email for a in entry.assignment.people} == emails(
        "daniel.hughes", "victoria.hale"
    )
    assert entry.assignment.missing == []
    assert entry.transition.missing == []


def test_an_agency_without_the_role_is_served_by_its_next_senior_role(service, session, northshire):
    entry = open_and_climb(
        service,
        session,
        northshire,
        protocol="suffolk",
        category="response-to-harm",
        raiser="ellie.parkin",
        counterpart="lucy.brennan",
        stage="senior-managers",
    )
    assert explanations(entry) == {
        "bridget.oneill@northshire.example": (
            "Bridget O'Neill, Chief Executive, Northshire Family Support Trust: Northshire "
            "Family Support Trust has no senior manager; next senior role under the protocol's "
            "fallback order"
        ),
        "tom.whitfield@northshire.example": (
            "Tom Whitfield, Service Manager, Child Protection, Northshire Children's Services: "
            "in the management chain of Lucy Brennan"
        ),
    }
    assert entry.assignment.missing == []


def test_suffolk_health_goes_to_the_designated_nurse_then_back_to_line_management(
    service, session, northshire, clock
):
    entry = open_and_climb(
        service,
        session,
        northshire,
        protocol="suffolk",
        category="child-protection-plan",
        raiser="grace.adeyemi",
        counterpart="jess.turner",
        stage="first-line-managers",
    )
    assert explanations(entry) == {
        "sarah.whitmore@northshire.example": (
            "Sarah Whitmore, Designated Nurse for Safeguarding Children, NHS Northshire "
            "Integrated Care Board: designated safeguarding professional for health agencies"
        ),
        "priya.sharma@northshire.example": (
            "Priya Sharma, Team Manager, Assessment Team, Northshire Children's Services: "
            "line manager of Jess Turner"
        ),
    }
    dispute = entry.transition.dispute
    acting = []
    for _ in range(2):
        entry = service.escalate(
            session=session, dispute=dispute, actor=northshire("jess.turner"), reason="Not agreed"
        )
        acting.append({a.person.email for a in entry.assignment.people})
    assert acting == [
        emails("sarah.whitmore", "tom.whitfield"),
        emails("yvonne.clarke", "daniel.hughes"),
    ]
    assert entry.assignment.missing == []


def test_a_threshold_dispute_brings_in_the_threshold_adviser_beside_senior_managers(
    service, session, northshire
):
    entry = open_and_climb(
        service,
        session,
        northshire,
        protocol="specialist-childrens-services",
        category="threshold",
        raiser="ben.carter",
        counterpart="jess.turner",
        stage="second-tier",
    )
    assert explanations(entry) == {
        "joanne.fraser@northshire.example": (
            "Joanne Fraser, Detective Inspector, Child Abuse Investigation Unit, Northshire "
            "Police: in the management chain of Ben Carter"
        ),
        "tom.whitfield@northshire.example": (
            "Tom Whitfield, Service Manager, Child Protection, Northshire Children's Services: "
            "deputy for Claire Donovan, who is absent until Tuesday 31 August 2027"
        ),
        "nadia.kowalski@northshire.example": (
            "Nadia Kowalski, CAF/TAC Implementation Officer, Northshire Children's Services: "
            "threshold adviser for Northshire Children's Services"
        ),
    }
    # One adviser for the dispute: the police are not asked to have their own.
    assert entry.assignment.missing == []


def test_other_disputes_at_the_same_stage_leave_the_threshold_adviser_out(
    service, session, northshire, clock
):
    clock.set(london(2026, 11, 24, 10, 0))
    entry = open_and_climb(
        service,
        session,
        northshire,
        protocol="specialist-childrens-services",
        category="information-or-services",
        raiser="ben.carter",
        counterpart="jess.turner",
        stage="second-tier",
    )
    assert {a.person.email for a in entry.assignment.people} == emails(
        "joanne.fraser", "tom.whitfield"
    )
