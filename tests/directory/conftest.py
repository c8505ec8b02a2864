"""The Northshire sample directory, imported into the test database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.directory_files import read_directory_file
from bot.services.directory_import import import_directory
from models.directory import Person

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "samples" / "northshire-directory.yaml"
DOMAIN = "@northshire.example"

Lookup = Callable[[str], Person]


def emails(*names: str) -> set[str]:
    """'jess.turner' -> 'jess.turner@northshire.example', for comparing who was told."""
    return {name + DOMAIN for name in names}


@pytest.fixture
def northshire(session: Session) -> Lookup:
    """Imports the sample; returns a lookup from an email's local part to the person."""
    report = import_directory(read_directory_file(SAMPLE), session=session)
    assert report.problems == []

    def person(name: str) -> Person:
        found = session.scalar(select(Person).where(Person.email == name + DOMAIN))
        assert found is not None, name
        return found

    return person
