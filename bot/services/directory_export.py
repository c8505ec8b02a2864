"""Writes the directory out in exactly the import format, so exporting then importing is a no-op."""

from __future__ import annotations

import csv
import io
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.csv_cells import neutralise
from bot.services.directory_files import CSV_COLUMNS
from bot.services.directory_rows import agency_record, person_record
from models.directory import Agency, Person


def _agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.id)))


def _people(session: Session) -> list[Person]:
    return list(session.scalars(select(Person).order_by(Person.agency_id, Person.id)))


def export_yaml(*, session: Session) -> str:
    """`agencies:` then `people:`, leaving out fields a person does not have."""
    people = [
        {key: value for key, value in person_record(person).items() if value is not None}
        for person in _people(session)
    ]
    document = {"agencies": [agency_record(a) for a in _agencies(session)], "people": people}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def export_csv(*, session: Session) -> str:
    """One row a person; an agency's name and kind go on the first row of its people."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    defined: set[str] = set()
    for person in _people(session):
        row: dict[str, Any] = person_record(person)
        if person.agency.key not in defined:
            defined.add(person.agency.key)
            row.update(agency_name=person.agency.name, agency_kind=person.agency.kind)
        if row["absent_until"] is not None:
            row["absent_until"] = row["absent_until"].isoformat()
        writer.writerow({name: neutralise(value) for name, value in row.items()})
    return buffer.getvalue()
