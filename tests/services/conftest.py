"""A small partnership: social care, police, health and the partnership itself."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from models.directory import Agency, Person


def add_person(
    session: Session,
    agency: Agency,
    key: str,
    role: str,
    title: str,
    manager: Person | None = None,
    **extra: object,
) -> Person:
    person = Person(
        email=f"{key}@example.org",
        name=key.replace("_", " ").title(),
        agency=agency,
        role=role,
        job_title=title,
        line_manager=manager,
        **extra,
    )
    session.add(person)
    return person


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    csc = Agency(key="csc", name="Northshire Children's Social Care", kind="childrens_social_care")
    police = Agency(key="police", name="Northshire Police", kind="police")
    health = Agency(key="health", name="Northshire Community Health", kind="health")
    partnership = Agency(key="nscp", name="Northshire Safeguarding Partnership", kind="partnership")
    session.add_all([csc, police, health, partnership])
    p: dict[str, Person] = {}
    p["csc_hos"] = add_person(session, csc, "csc_hos", "head_of_service", "Head of Service")
    p["csc_sm"] = add_person(
        session, csc, "csc_sm", "senior_manager", "Service Manager", p["csc_hos"]
    )
    p["csc_tm"] = add_person(session, csc, "csc_tm", "line_manager", "Team Manager", p["csc_sm"])
    p["csc_sw"] = add_person(session, csc, "csc_sw", "practitioner", "Social Worker", p["csc_tm"])
    p["pol_hos"] = add_person(
        session, police, "pol_hos", "head_of_service", "Detective Superintendent"
    )
    p["pol_sm"] = add_person(
        session, police, "pol_sm", "senior_manager", "Detective Inspector", p["pol_hos"]
    )
    p["pol_ls"] = add_person(
        session, police, "pol_ls", "line_manager", "Detective Sergeant", p["pol_sm"]
    )
    p["pol_dc"] = add_person(
        session, police, "pol_dc", "practitioner", "Detective Constable", p["pol_ls"]
    )
    p["hv_mgr"] = add_person(session, health, "hv_mgr", "line_manager", "Health Visiting Team Lead")
    p["hv"] = add_person(session, health, "hv", "practitioner", "Health Visitor", p["hv_mgr"])
    p["dn"] = add_person(
        session, health, "dn", "designated_safeguarding_professional", "Designated Nurse"
    )
    p["chair"] = add_person(session, partnership, "chair", "partnership_chair", "Independent Chair")
    session.flush()
    return p
