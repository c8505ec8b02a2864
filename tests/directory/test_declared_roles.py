"""Roles a protocol declares for itself: validated where they are named, placed on the ladder,
held in the directory, and reported by `resolve protocols check` when no one holds them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.commands.protocols import render_protocol
from bot.protocols import PRESET_DIR, ProtocolCatalog, validate_protocol_data
from bot.services.counterparts import find_stage_people
from bot.services.directory_files import read_directory_file
from bot.services.directory_import import import_directory
from bot.services.disputes import DisputeService
from models.directory import Person
from tests.directory.conftest import SAMPLE

SCRUTINEER = {
    "key": "independent_scrutineer",
    "label": "Independent Scrutineer",
    "partnership": True,
    "source": "Stage 5: 'the Independent Scrutineer'",
}


def sussex() -> dict[str, Any]:
    return yaml.safe_load((PRESET_DIR / "sussex.yaml").read_text())


def test_oxfordshire_places_its_deputy_director_between_head_of_service_and_director():
    book = ProtocolCatalog().get("oxfordshire").role_book
    assert book.label("deputy_director") == "Local Authority Deputy Director for Safeguarding"
    assert book.above("head_of_service")[:2] == ["deputy_director", "safeguarding_lead"]
    assert book.rank("deputy_director") < book.rank("director")


def test_a_stage_naming_an_undeclared_role_is_reported_where_it_is():
    data = sussex()
    data["stages"][2]["role"] = "named_nurse"
    data["stages"][2]["alternatives"][0]["role"] = "head_nurse"
    protocol, errors = validate_protocol_data(data)
    assert protocol is None
    assert errors[0].startswith(
        "stages[3] (senior-managers) role: no role 'named_nurse'; declare it under roles or use "
        "one of: practitioner, line_manager,"
    )
    assert errors[1].startswith(
        "stages[3] (senior-managers) alternatives[1] role: no role 'head_nurse'"
    )
    data["roles"] = [
        {"key": "named_nurse", "label": "Named Nurse", "above": "line_manager", "source": "x"},
        {"key": "head_nurse", "label": "Head Nurse", "source": "y"},
    ]
    protocol, errors = validate_protocol_data(data)
    assert errors == []
    assert protocol.role_book.above("line_manager")[0] == "named_nurse"


def test_an_unknown_role_is_reported_beside_other_errors():
    data = sussex()
    data["stages"][2]["role"] = "named_nurse"
    data["stages"][1]["timescale"] = "a fortnight or so"
    _, errors = validate_protocol_data(data)
    assert any(e.startswith("stages[2] (managers) timescale:") for e in errors)
    assert any(
        e.startswith("stages[3] (senior-managers) role: no role 'named_nurse'") for e in errors
    )


def test_a_declared_role_must_be_new_and_sit_above_a_ladder_role():
    data = sussex()
    data["roles"] = [
        {"key": "director", "label": "Director", "source": "x"},
        {"key": "scrutineer", "label": "Scrutineer", "above": "chief_constable", "source": "y"},
    ]
    _, errors = validate_protocol_data(data)
    assert errors[0] == "roles[1] (director) key: 'director' is already a role; choose another key"
    assert errors[1].startswith(
        "roles[2] (scrutineer) above: no ladder role 'chief_constable'; use one of: practitioner,"
    )


def test_a_partnership_role_is_found_once_for_the_partnership(service, session, tmp_path):
    data = sussex()
    data["key"] = "northshire"
    data["roles"] = [SCRUTINEER]
    data["stages"][4]["role"] = "independent_scrutineer"
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "northshire.yaml").write_text(yaml.safe_dump(data))
    catalog = ProtocolCatalog(tmp_path / "protocols")
    directory = SAMPLE.read_text().replace(
        "role: partnership_chair", "role: Independent Scrutineer", 1
    )
    (tmp_path / "directory.yaml").write_text(directory)
    report = import_directory(
        read_directory_file(tmp_path / "directory.yaml"),
        session=session,
        roles=catalog.role_book(),
    )
    assert report.problems == []
    scrutineer = session.scalar(select(Person).where(Person.role == "independent_scrutineer"))
    raiser, counterpart = (
        session.scalar(select(Person).where(Person.email == f"{name}@northshire.example"))
        for name in ("ben.carter", "jess.turner")
    )
    dispute = (
        DisputeService(clock=service.clock, calendar=service.calendar, catalog=catalog)
        .open(
            session=session,
            protocol_key="northshire",
            category="information-sharing",
            raiser=raiser,
            counterpart=counterpart,
            child_ref="NS-104233",
            summary="The agencies disagree about what the child needs next.",
        )
        .transition.dispute
    )
    found = find_stage_people(
        session,
        parties=DisputeService.parties(dispute),
        protocol=catalog.get("northshire"),
        index=4,
        category="information-sharing",
        on=dispute.opened_at.date(),
    )
    assert [(a.person.id, a.side, a.explanation) for a in found.people] == [
        (
            scrutineer.id,
            "partnership",
            f"{scrutineer.described}: Independent Scrutineer for the partnership",
        )
    ]


def check(path: Path, database: str):
    return CliRunner().invoke(
        cli, ["protocols", "check", str(path)], env={"DATABASE_URL": database}
    )


def test_protocols_check_lists_the_roles_no_one_holds(tmp_path, sqlite_copy):
    database = f"sqlite:///{sqlite_copy('directory.sqlite3')}"
    imported = CliRunner().invoke(
        cli, ["directory", "import", str(SAMPLE)], env={"DATABASE_URL": database}
    )
    assert imported.exit_code == 0
    data = sussex()
    data["key"] = "northshire"
    data["roles"] = [SCRUTINEER]
    data["stages"][4]["role"] = "independent_scrutineer"
    path = tmp_path / "northshire.yaml"
    path.write_text(yaml.safe_dump(data))
    result = check(path, database)
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{path}: valid protocol 'northshire' with 6 stages.",
        "Warning: no one in the directory holds these roles the protocols use; until someone "
        "does, each protocol's fallback order chooses who acts:",
        "  Independent Scrutineer (northshire): the partnership",
        "  line manager (northshire): NHS Northshire Integrated Care Board",
        # Health's senior manager and safeguarding lead are replaced by named and designated
        # professionals, so only the charity lacks a senior manager.
        "  senior manager (northshire): Northshire Family Support Trust",
    ]


def test_protocols_check_without_a_directory_says_so_and_creates_none(tmp_path):
    database = tmp_path / "nothing-here.sqlite3"
    result = check(PRESET_DIR / "oxfordshire.yaml", f"sqlite:///{database}")
    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == [
        "No directory yet: import one to see which roles no one holds."
    ]
    assert not database.exists()


def test_protocols_show_names_a_declared_role_and_the_fallback_order():
    result = CliRunner().invoke(cli, ["protocols", "show", "oxfordshire"])
    assert result.exit_code == 0
    assert (
        "Local Authority Deputy Director for Safeguarding (one post, childrens social care)"
        in result.output
    )
    assert (
        "When an agency has no one in a stage's role: the next senior role it holds, then its "
        "safeguarding lead, then whoever acted for that side before" in result.output.splitlines()
    )


def test_protocols_show_names_a_stage_that_sets_its_own_fallback_order():
    protocol = ProtocolCatalog().get("suffolk")
    stages = list(protocol.stages)
    stages[3] = stages[3].model_copy(update={"fallback": ["safeguarding_lead"]})
    shown = render_protocol(protocol.model_copy(update={"stages": stages})).splitlines()
    assert (
        "Stage 4 fallback: its safeguarding lead, then whoever acted for that side before" in shown
    )
