"""`resolve directory ...` as an administrator runs it, against a SQLite file of its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.commands.common import Context
from bot.commands.directory import directory_group
from bot.database import make_engine, make_session_factory, transaction
from models.directory import Person
from tests.directory.conftest import DOMAIN, SAMPLE

# The sample's integrated care board holds only its designated professionals and director, and
# the family support trust is a small charity with no senior manager or head of service.
SAMPLE_GAPS = [
    "Warning: no one in the directory holds these roles the protocols use; until someone does, "
    "each protocol's fallback order chooses who acts:",
    "  head of service (oxfordshire, specialist-childrens-services, suffolk, sussex): "
    "NHS Northshire Integrated Care Board, Northshire Family Support Trust",
    "  line manager (oxfordshire, portsmouth, specialist-childrens-services, suffolk, sussex): "
    "NHS Northshire Integrated Care Board",
    "  agency safeguarding lead (oxfordshire, portsmouth, specialist-childrens-services, sussex): "
    "NHS Northshire Integrated Care Board",
    "  senior manager (oxfordshire, specialist-childrens-services, suffolk, sussex): "
    "NHS Northshire Integrated Care Board, Northshire Family Support Trust",
]


@pytest.fixture
def database(sqlite_copy: Callable[[str], Path]) -> str:
    return f"sqlite:///{sqlite_copy('directory.sqlite3')}"


def run(database: str, *args: str, clock: FrozenClock | None = None) -> Result:
    return CliRunner().invoke(
        directory_group,
        list(args),
        env={"DATABASE_URL": database},
        obj=Context(clock=clock),
        catch_exceptions=False,
    )


def test_import_then_import_again(database):
    first = run(database, "import", str(SAMPLE))
    assert first.exit_code == 0
    lines = first.output.splitlines()
    assert lines[0] == "Agencies: 9 added, 0 updated, 0 unchanged"
    assert "  added: police (Northshire Police)" in lines
    assert "People: 70 added, 0 updated, 0 unchanged" in lines
    assert f"  added: jess.turner{DOMAIN} (Jess Turner)" in lines
    again = run(database, "import", str(SAMPLE))
    assert again.exit_code == 0
    assert again.output.splitlines() == [
        "Agencies: 0 added, 0 updated, 9 unchanged",
        "People: 0 added, 0 updated, 70 unchanged",
        *SAMPLE_GAPS,
    ]


def test_dry_run_prints_the_changes_and_makes_none(database, tmp_path):
    run(database, "import", str(SAMPLE))
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        SAMPLE.read_text().replace("job_title: Housing Officer", "job_title: Tenancy Officer")
    )
    result = run(database, "import", "--dry-run", str(edited))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "Dry run: nothing was changed.",
        "Agencies: 0 to add, 0 to update, 9 unchanged",
        "People: 0 to add, 1 to update, 69 unchanged",
        f"  to update: mariam.yusuf{DOMAIN}: job_title 'Housing Officer' -> 'Tenancy Officer'",
        *SAMPLE_GAPS,
    ]
    assert "job_title: Housing Officer" in run(database, "export").output


def test_a_dry_run_warns_about_the_directory_as_the_import_would_leave_it(database):
    result = run(database, "import", "--dry-run", str(SAMPLE))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:2] == [
        "Dry run: nothing was changed.",
        "Agencies: 9 to add, 0 to update, 0 unchanged",
    ]
    assert lines[-len(SAMPLE_GAPS) :] == SAMPLE_GAPS
    assert run(database, "export").output == "agencies: []\npeople: []\n"


def test_import_names_the_agencies_lacking_a_role_and_the_partnership_lacking_its_own(
    database, tmp_path
):
    path = tmp_path / "small.yaml"
    path.write_text(
        "agencies:\n"
        "  - {key: csc, name: Children's Services, kind: childrens_social_care}\n"
        "people:\n"
        f"  - {{name: Ann Lee, email: ann.lee{DOMAIN}, agency: csc, role: director, "
        "job_title: Director}\n"
    )
    result = run(database, "import", str(path))
    assert result.exit_code == 0
    assert result.output.splitlines()[4:] == [
        SAMPLE_GAPS[0],
        # One post for the whole dispute: any children's social care agency may hold it.
        "  Local Authority Deputy Director for Safeguarding (oxfordshire): any childrens social "
        "care agency",
        "  head of service (oxfordshire, specialist-childrens-services, suffolk, sussex): "
        "Children's Services",
        "  line manager (oxfordshire, portsmouth, specialist-childrens-services, suffolk, sussex): "
        "Children's Services",
        # Held once for the whole partnership, and no partnership agency holds it.
        "  partnership chair or scrutineer (portsmouth, suffolk, sussex): the partnership",
        "  agency safeguarding lead (oxfordshire, portsmouth, specialist-childrens-services, "
        "sussex): Children's Services",
        "  senior manager (oxfordshire, specialist-childrens-services, suffolk, sussex): "
        "Children's Services",
        "  threshold adviser (specialist-childrens-services): the partnership",
    ]


def test_list_shows_agencies_and_people_with_their_cover(database):
    run(database, "import", str(SAMPLE))
    result = run(database, "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["KEY", "AGENCY", "KIND", "PEOPLE"]
    assert lines[2].split() == [
        "childrens-services",
        "Northshire",
        "Children's",
        "Services",
        "childrens_social_care",
        "15",
    ]
    claire = next(line for line in lines if line.startswith("Claire Donovan"))
    for cell in (
        "Service Manager, Assessment and Intervention",
        "senior manager",
        "Northshire Children's Services",
        "Daniel Hughes",
        "Tom Whitfield",
        "31/08/2027",
        "U0NSC006",
    ):
        assert cell in claire
    header = lines[lines.index("") + 1]
    assert header.split("  ")[0] == "NAME"
    for column in ("JOB TITLE", "ROLE", "LINE MANAGER", "DEPUTY", "ABSENT UNTIL", "SLACK ID"):
        assert column in header


@pytest.mark.parametrize("form", ["yaml", "csv"])
def test_export_then_import_changes_nothing(database, tmp_path, form):
    run(database, "import", str(SAMPLE))
    exported = run(database, "export", "--format", form)
    assert exported.exit_code == 0
    path = tmp_path / f"export.{form}"
    path.write_text(exported.output)
    result = run(database, "import", str(path))
    assert result.output.splitlines() == [
        "Agencies: 0 added, 0 updated, 9 unchanged",
        "People: 0 added, 0 updated, 70 unchanged",
        *SAMPLE_GAPS,
    ]


def test_bad_rows_are_listed_and_exit_1_unless_skipped(database, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "name,email,agency,agency_name,agency_kind,role,job_title,line_manager\n"
        f"Ann Lee,ann.lee{DOMAIN},csc,Children's Services,childrens_social_care,director,"
        "Director,\n"
        f"Bob Ray,bob.ray{DOMAIN},csc,,,line manager,Team Manager,ghost{DOMAIN}\n"
    )
    result = run(database, "import", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "bad.csv: 1 bad row",
        f"  line 3: line manager ghost{DOMAIN} not found in the file or the directory",
        "Nothing was imported. Fix these rows, or use --skip-bad to import the others.",
    ]
    assert run(database, "export").output == "agencies: []\npeople: []\n"
    skipped = run(database, "import", "--skip-bad", str(path))
    assert skipped.exit_code == 0
    assert skipped.output.splitlines()[:8] == [
        "bad.csv: 1 bad row",
        f"  line 3: line manager ghost{DOMAIN} not found in the file or the directory",
        "These rows were skipped.",
        "Agencies: 1 added, 0 updated, 0 unchanged",
        "  added: csc (Children's Services)",
        "People: 1 added, 0 updated, 0 unchanged",
        f"  added: ann.lee{DOMAIN} (Ann Lee)",
        SAMPLE_GAPS[0],
    ]
    assert f"ann.lee{DOMAIN}" in run(database, "export").output


def test_a_file_that_cannot_be_read_is_one_line_and_exit_2(database, tmp_path):
    path = tmp_path / "directory.json"
    path.write_text("{}")
    result = run(database, "import", str(path))
    assert result.exit_code == 2
    assert result.output == (
        "directory.json: nothing was imported: directory.json: use a .csv, .yaml or .yml file\n"
    )


def test_who_names_each_side_now_and_next_with_the_fallback_explained(database, service, clock):
    run(database, "import", str(SAMPLE))
    engine = make_engine(database)
    with transaction(make_session_factory(engine)) as session:
        probation, social_care = (
            session.scalar(select(Person).where(Person.email == name + DOMAIN))
            for name in ("zoe.malik", "jess.turner")
        )
        dispute = service.open(
            session=session,
            protocol_key="suffolk",
            category="referral-threshold",
            raiser=probation,
            counterpart=social_care,
            child_ref="NS-104233",
            summary="Probation see risk from a new partner; social care see no role for them.",
        ).transition.dispute
        for _ in range(2):
            service.escalate(session=session, dispute=dispute, actor=probation, reason="Stuck")
    engine.dispose()
    result = run(database, "who", "--dispute", "rpd-2026-0001", clock=clock)
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "RPD-2026-0001: Working Together to Resolve Professional Disputes [suffolk], open",
        "Current, stage 3 of 5: Senior managers (deadline Monday 30 November 2026 at 5:00pm (GMT))",
        "  raiser: Tanya Briggs, Deputy Head of Probation Delivery Unit, Northshire Probation "
        "Service: in the management chain of Zoe Malik",
        "  counterpart: Tom Whitfield, Service Manager, Child Protection, Northshire Children's "
        "Services: deputy for Claire Donovan, who is absent until Tuesday 31 August 2027",
        "Next, stage 4 of 5: Heads of service",
        "  raiser: Victoria Hale, Regional Probation Director, Northshire Probation Service: "
        "Graham Webb (head of service, Northshire Probation Service) is absent with no deputy "
        "available; next senior role under the protocol's fallback order",
        "  counterpart: Daniel Hughes, Head of Service, Children in Need and Child Protection, "
        "Northshire Children's Services: in the management chain of Jess Turner",
    ]


def test_who_at_the_final_stage_says_there_is_no_next(database, service, clock):
    run(database, "import", str(SAMPLE))
    engine = make_engine(database)
    with transaction(make_session_factory(engine)) as session:
        raiser, counterpart = (
            session.scalar(select(Person).where(Person.email == name + DOMAIN))
            for name in ("amy.richardson", "mariam.yusuf")
        )
        dispute = service.open(
            session=session,
            protocol_key="portsmouth",
            category="referral-criteria",
            raiser=raiser,
            counterpart=counterpart,
            child_ref="NS-104233",
            summary="School and housing disagree about a family's move.",
        ).transition.dispute
        for _ in range(4):
            service.escalate(session=session, dispute=dispute, actor=raiser, reason="Stuck")
    engine.dispose()
    result = run(database, "who", "--dispute", "RPD-2026-0001", clock=clock)
    assert result.output.splitlines()[1:] == [
        "Current, stage 5 of 5: Chair of the PSCB",
        "  partnership: Margaret Fenwick, Independent Chair and Scrutineer, Northshire "
        "Safeguarding Children Partnership: partnership chair or scrutineer for the partnership",
        "Next: none, this is the final stage.",
    ]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("RPD-2026-0999", "There is no dispute RPD-2026-0999."),
        ("the big one", "'the big one' is not a dispute reference. They look like RPD-2026-0042."),
    ],
)
def test_who_with_an_unknown_reference_exits_1(database, reference, message):
    result = run(database, "who", "--dispute", reference)
    assert result.exit_code == 1
    assert result.output.strip() == message


def test_directory_help_lists_the_commands(database):
    result = run(database, "--help")
    for command in ("import", "list", "export", "who"):
        assert command in result.output
