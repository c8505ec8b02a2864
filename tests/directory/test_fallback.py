"""A side whose agency has no one in the stage's role: the protocol's fallback order, then whoever
acted for that side before, so no stage is entered with nobody acting for a side."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.counterparts import MissingEntry, find_stage_people
from bot.services.directory_files import read_directory_file
from bot.services.directory_import import import_directory
from bot.services.disputes import DisputeService, StageEntry
from models.directory import Person

CHILDRENS_SERVICES = [
    ("Dee Ward", "director", "Director of Children's Services", None),
    ("Hal Ross", "head_of_service", "Head of Service", "dee.ward"),
    ("Mo Shah", "senior_manager", "Service Manager", "hal.ross"),
    ("Lin Wu", "line_manager", "Team Manager", "mo.shah"),
    ("Sol Vega", "practitioner", "Social Worker", "lin.wu"),
]
CHARITY = [
    ("Kim Lee", "director", "Director", None),
    ("Sam Roe", "safeguarding_lead", "Safeguarding Lead", "kim.lee"),
    ("Pat Fox", "line_manager", "Team Leader", "kim.lee"),
    ("Alex Day", "practitioner", "Youth Worker", "pat.fox"),
]


def email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.org"


def directory(tmp_path: Path, charity: list[tuple[str, str, str, str | None]]) -> Path:
    """Children's services with every tier, and a small charity with only the posts given."""
    people = []
    for agency, staff in (("csc", CHILDRENS_SERVICES), ("charity", charity)):
        kept = {email(name) for name, *_ in staff}
        for name, role, title, manager in staff:
            row = {"name": name, "email": email(name), "agency": agency, "role": role}
            row["job_title"] = title
            if manager is not None and manager + "@example.org" in kept:
                row["line_manager"] = manager + "@example.org"
            people.append(row)
    data = {
        "agencies": [
            {"key": "csc", "name": "Children's Services", "kind": "childrens_social_care"},
            {"key": "charity", "name": "Small Charity", "kind": "voluntary_community_faith"},
        ],
        "people": people,
    }
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def load(session: Session, tmp_path: Path, without: tuple[str, ...] = ()) -> None:
    kept = [row for row in CHARITY if row[0] not in without]
    report = import_directory(read_directory_file(directory(tmp_path, kept)), session=session)
    assert report.problems == []


def person(session: Session, name: str) -> Person:
    found = session.scalar(select(Person).where(Person.email == email(name)))
    assert found is not None
    return found


def climb(service: DisputeService, session: Session, stage: str) -> StageEntry:
    """A charity youth worker and a social worker disagree; the charity escalates to `stage`."""
    raiser = person(session, "Alex Day")
    entry = service.open(
        session=session,
        protocol_key="suffolk",
        category="response-to-harm",
        raiser=raiser,
        counterpart=person(session, "Sol Vega"),
        child_ref="NS-104233",
        summary="The agencies disagree about what the child needs next.",
    )
    dispute = entry.transition.dispute
    while service.protocol_of(dispute).stage(dispute.stage_index).key != stage:
        entry = service.escalate(session=session, dispute=dispute, actor=raiser, reason="Stuck")
    return entry


def charity_side(entry: StageEntry) -> tuple[str, str]:
    found = [a for a in entry.assignment.people if a.side == "raiser"]
    assert len(found) == 1
    return found[0].person.name, found[0].explanation


def test_no_head_of_service_goes_to_the_next_senior_role(service, session, tmp_path):
    load(session, tmp_path)
    entry = climb(service, session, "heads-of-service")
    assert charity_side(entry) == (
        "Kim Lee",
        "Kim Lee, Director, Small Charity: Small Charity has no head of service; next senior role "
        "under the protocol's fallback order",
    )
    notice = next(n for n in entry.transition.notices if n.person.name == "Kim Lee")
    assert notice.explanation == charity_side(entry)[1]
    assert entry.assignment.missing == []
    assert entry.transition.missing == []


def test_no_senior_role_goes_to_the_safeguarding_lead(service, session, tmp_path):
    load(session, tmp_path, without=("Kim Lee",))
    entry = climb(service, session, "senior-managers")
    assert charity_side(entry) == (
        "Sam Roe",
        "Sam Roe, Safeguarding Lead, Small Charity: Small Charity has no senior manager; the "
        "agency's safeguarding lead under the protocol's fallback order",
    )
    assert entry.transition.missing == []


def test_with_nobody_to_fall_back_on_the_previous_person_carries_on(service, session, tmp_path):
    load(session, tmp_path, without=("Kim Lee", "Sam Roe"))
    entry = climb(service, session, "senior-managers")
    carrying_on = (
        "Pat Fox, Team Leader, Small Charity: keeps acting for the raiser side: nobody in Small "
        "Charity can act as senior manager or under the protocol's fallback order, and the "
        "partnership administrators are told"
    )
    assert charity_side(entry) == ("Pat Fox", carrying_on)
    gap = "Nobody in Small Charity has the role 'senior manager': add one to the directory."
    assert entry.assignment.missing == [
        MissingEntry("raiser", "senior_manager", "Small Charity", gap)
    ]
    assert entry.transition.missing == [gap]
    assert "Pat Fox" in {n.person.name for n in entry.transition.notices}
    dispute = entry.transition.dispute
    entry = service.escalate(
        session=session, dispute=dispute, actor=person(session, "Alex Day"), reason="Stuck"
    )
    assert charity_side(entry) == (
        "Pat Fox",
        carrying_on.replace("senior manager", "head of service"),
    )


def test_a_partnership_post_no_one_holds_leaves_each_sides_previous_actor_acting(
    service, session, tmp_path
):
    load(session, tmp_path)
    entry = climb(service, session, "lscb")
    acting = {a.side: a.explanation for a in entry.assignment.people}
    why = (
        "keeps acting for the {side} side: nobody in the partnership can act as partnership "
        "chair or scrutineer or under the protocol's fallback order, and the partnership "
        "administrators are told"
    )
    assert acting == {
        "raiser": "Kim Lee, Director, Small Charity: " + why.format(side="raiser"),
        "counterpart": "Hal Ross, Head of Service, Children's Services: "
        + why.format(side="counterpart"),
    }
    assert entry.transition.missing == [
        "Nobody in the partnership has the role 'partnership chair or scrutineer': add one to "
        "the directory."
    ]


@pytest.mark.parametrize(
    ("order", "acting"),
    [
        (["safeguarding_lead"], "Sam Roe"),
        (["next_senior"], "Kim Lee"),
        ([], "Pat Fox"),
    ],
)
def test_a_stage_may_set_its_own_fallback_order(service, session, tmp_path, order, acting):
    load(session, tmp_path)
    entry = climb(service, session, "first-line-managers")
    protocol = service.protocol_of(entry.transition.dispute)
    stages = list(protocol.stages)
    stages[2] = stages[2].model_copy(update={"fallback": order})
    found = find_stage_people(
        session,
        parties=DisputeService.parties(entry.transition.dispute),
        protocol=protocol.model_copy(update={"stages": stages}),
        index=2,
        category="response-to-harm",
        on=entry.transition.created_at.date(),
    )
    assert [a.person.name for a in found.people if a.side == "raiser"] == [acting]


def test_a_protocol_wide_fallback_order_applies_to_every_stage(service, session, tmp_path):
    load(session, tmp_path)
    entry = climb(service, session, "first-line-managers")
    protocol = service.protocol_of(entry.transition.dispute)
    found = find_stage_people(
        session,
        parties=DisputeService.parties(entry.transition.dispute),
        protocol=protocol.model_copy(update={"fallback": ["safeguarding_lead"]}),
        index=3,
        category="response-to-harm",
        on=entry.transition.created_at.date(),
    )
    assert [a.person.name for a in found.people if a.side == "raiser"] == ["Sam Roe"]
