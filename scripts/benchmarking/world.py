"""The partnership the benchmark fills: its protocol, the moment it runs at, and its directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.database import transaction
from bot.runtime import Runtime
from bot.services.counterparts import Party, find_stage_people
from models.directory import Agency, Person
from models.protocol import Protocol

PROTOCOL = "suffolk"
NOW = datetime(2026, 11, 24, 16, 55, tzinfo=UTC)  # a Tuesday, just before close of business
HORIZON = NOW + timedelta(hours=1)  # every clock position stays before this


AGENCIES = {
    "csc": ("Northshire Children's Social Care", "childrens_social_care"),
    "police": ("Northshire Police", "police"),
    "health": ("Northshire Community Health", "health"),
    "icb": ("Northshire Integrated Care Board", "health"),
    "school": ("Northshire Academy Trust", "education"),
    "nscp": ("Northshire Safeguarding Partnership", "partnership"),
}


# key, name, agency, role, job title, line manager key
PEOPLE = [
    ("csc_hos", "Priya Shah", "csc", "head_of_service", "Head of Service", None),
    ("csc_sm", "Tom Reid", "csc", "senior_manager", "Service Manager", "csc_hos"),
    ("csc_tm", "Amy Clarke", "csc", "line_manager", "Team Manager", "csc_sm"),
    ("csc_sw1", "Ben Okafor", "csc", "practitioner", "Social Worker", "csc_tm"),
    ("csc_sw2", "Hana Novak", "csc", "practitioner", "Social Worker", "csc_tm"),
    ("pol_hos", "Dan Hughes", "police", "head_of_service", "Detective Superintendent", None),
    ("pol_di", "Sara Jones", "police", "senior_manager", "Detective Inspector", "pol_hos"),
    ("pol_ds", "Omar Khan", "police", "line_manager", "Detective Sergeant", "pol_di"),
    ("pol_dc1", "Lucy Moss", "police", "practitioner", "Detective Constable", "pol_ds"),
    ("pol_dc2", "Ravi Gill", "police", "practitioner", "Detective Constable", "pol_ds"),
    ("hlt_hos", "Grace Bell", "health", "head_of_service", "Head of Children's Health", None),
    ("hlt_sm", "Ian Ford", "health", "senior_manager", "Service Lead", "hlt_hos"),
    ("hlt_tl", "Kate Lowe", "health", "line_manager", "Health Visiting Team Leader", "hlt_sm"),
    ("hlt_hv", "Nia Evans", "health", "practitioner", "Health Visitor", "hlt_tl"),
    (
        "icb_dn",
        "Maya Ross",
        "icb",
        "designated_safeguarding_professional",
        "Designated Nurse for Safeguarding Children",
        None,
    ),
    ("sch_hos", "Paul Grant", "school", "head_of_service", "Director of Inclusion", None),
    ("sch_sm", "Eve Turner", "school", "senior_manager", "Headteacher", "sch_hos"),
    ("sch_dsl", "Leo Price", "school", "line_manager", "Deputy Headteacher", "sch_sm"),
    ("sch_t", "Zoe Hart", "school", "practitioner", "Class Teacher", "sch_dsl"),
    ("chair", "Ruth Mercer", "nscp", "partnership_chair", "Independent Chair", None),
    ("admin", "Joe Park", "nscp", "partnership_admin", "Business Manager", None),
]


@dataclass(frozen=True)
class Acting:
    """Someone the directory names for a stage, as the bot would have noticed them."""

    person_id: int
    side: str
    explanation: str


def seed_directory(
    rt: Runtime, protocol: Protocol, category: str
) -> tuple[dict[int, int], list[tuple[int, int]], list[list[list[Acting]]]]:
    """The directory, every cross-agency pair of practitioners, and who acts at each stage."""
    with transaction(rt.factory) as session:
        agencies = {key: Agency(key=key, name=n, kind=k) for key, (n, k) in AGENCIES.items()}
        session.add_all(agencies.values())
        made: dict[str, Person] = {}
        for key, name, agency, role, title, manager in PEOPLE:
            made[key] = Person(
                email=f"{key}@northshire.example",
                name=name,
                slack_user_id=f"U{key.upper().replace('_', '')}",
                agency=agencies[agency],
                role=role,
                job_title=title,
                line_manager=made[manager] if manager else None,
            )
        session.add_all(made.values())
        session.flush()
        practitioners = [p for p in made.values() if p.role == "practitioner"]
        pairs = [(a, b) for a in practitioners for b in practitioners if a.agency != b.agency]
        acting = [_ladder(rt, session, protocol, category, a, b) for a, b in pairs]
        return (
            {p.id: p.agency_id for p in made.values()},
            [(a.id, b.id) for a, b in pairs],
            acting,
        )


def _ladder(
    rt: Runtime,
    session: Session,
    protocol: Protocol,
    category: str,
    raiser: Person,
    counterpart: Person,
) -> list[list[Acting]]:
    """Who the directory names at each stage of a dispute between these two practitioners."""
    parties = [
        Party("raiser", raiser, raiser.agency),
        Party("counterpart", counterpart, counterpart.agency),
    ]
    on = rt.calendar.local(NOW).date()
    ladder = []
    for index in range(len(protocol.stages)):
        found = find_stage_people(
            session, parties=parties, protocol=protocol, index=index, category=category, on=on
        )
        assert not found.missing, found.missing
        ladder.append([Acting(a.person.id, a.side, a.explanation) for a in found.people])
    return ladder
