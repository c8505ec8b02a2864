"""Importing and exporting the directory: idempotent, validated row by row, and round-trippable."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.protocols import PRESET_DIR, ProtocolCatalog
from bot.services.directory_export import export_csv, export_yaml
from bot.services.directory_files import DirectoryFileError, read_csv, read_directory_file
from bot.services.directory_import import ImportReport, Problem, import_directory
from models.directory import Agency, Person
from tests.directory.conftest import SAMPLE, Lookup

N = "@northshire.example"
HEADER = (
    "name,email,slack_user_id,agency,agency_name,agency_kind,role,job_title,line_manager,deputy,"
    "absent_until"
)
ROLES = (
    "practitioner, line_manager, senior_manager, head_of_service, named_safeguarding_professional, "
    "designated_safeguarding_professional, safeguarding_lead, threshold_adviser, director, "
    "partnership_chair, partnership_admin, deputy_director (or declare it under roles in a "
    "protocol)"
)
KINDS = (
    "childrens_social_care, police, health, education, probation, housing, early_help, "
    "voluntary_community_faith, partnership, other"
)


def load(session: Session, path: Path, **options: bool) -> ImportReport:
    return import_directory(read_directory_file(path), session=session, **options)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(session: Session) -> tuple[int, int]:
    agencies = session.scalar(select(func.count()).select_from(Agency)) or 0
    people = session.scalar(select(func.count()).select_from(Person)) or 0
    return agencies, people


def tallies(report: ImportReport) -> list[tuple[int, int, int]]:
    """(added, updated, unchanged) for agencies, then for people."""
    return [(len(t.added), len(t.updated), t.unchanged) for t in (report.agencies, report.people)]


def test_the_sample_imports_from_yaml(session, northshire: Lookup):
    assert counts(session) == (9, 70)
    claire = northshire("claire.donovan")
    assert claire.agency.key == "childrens-services"
    assert claire.agency.kind == "childrens_social_care"
    assert claire.role == "senior_manager"
    assert claire.job_title == "Service Manager, Assessment and Intervention"
    assert claire.line_manager is northshire("daniel.hughes")
    assert claire.deputy is northshire("tom.whitfield")
    assert claire.absent_until == date(2027, 8, 31)
    assert claire.slack_user_id == "U0NSC006"
    assert northshire("owen.price").slack_user_id is None


def test_csv_rows_define_agencies_and_read_labels_and_uk_dates(session, tmp_path):
    path = write(
        tmp_path,
        "directory.csv",
        f"{HEADER}\n"
        "Ann Lee,Ann.Lee@northshire.example,U0A001,csc,Northshire Children's Services,"
        "Children's social care,Head of Service,Head of Service,,,\n"
        'Bob Ray,bob.ray@northshire.example,,csc,,,Line Manager,"Team Manager, Assessment",'
        "ann.lee@northshire.example,cat.fox@northshire.example,31/08/2027\n"
        "Cat Fox,cat.fox@northshire.example,U0A003,csc,,,line_manager,Team Manager,"
        "ann.lee@northshire.example,bob.ray@northshire.example,\n",
    )
    report = load(session, path)
    assert report.problems == []
    assert tallies(report) == [(1, 0, 0), (3, 0, 0)]
    ann, bob, cat = (
        session.scalar(select(Person).where(Person.email == f"{name}{N}"))
        for name in ("ann.lee", "bob.ray", "cat.fox")
    )
    assert ann.role == "head_of_service" and ann.agency.name == "Northshire Children's Services"
    assert bob.job_title == "Team Manager, Assessment"
    assert bob.role == "line_manager" and bob.line_manager is ann and bob.deputy is cat
    assert bob.absent_until == date(2027, 8, 31)
    assert cat.deputy is bob


def test_reimporting_changes_nothing_and_updates_what_changed(session, northshire, tmp_path):
    again = load(session, SAMPLE)
    assert again.problems == []
    assert tallies(again) == [(0, 0, 9), (0, 0, 70)]
    assert counts(session) == (9, 70)
    edited = SAMPLE.read_text().replace(
        "job_title: Team Manager, Assessment Team", "job_title: Service Manager, Assessment"
    )
    shouting = edited.replace("jess.turner@northshire.example", "JESS.TURNER@NORTHSHIRE.EXAMPLE")
    report = load(session, write(tmp_path, "edited.yaml", shouting))
    assert tallies(report) == [(0, 0, 9), (0, 1, 69)]
    (change,) = report.people.updated
    assert change.label == f"priya.sharma{N}"
    assert change.fields == (
        ("job_title", "Team Manager, Assessment Team", "Service Manager, Assessment"),
    )
    assert northshire("priya.sharma").job_title == "Service Manager, Assessment"
    assert counts(session) == (9, 70)


def test_dry_run_reports_and_changes_nothing(session, northshire, tmp_path):
    edited = (
        SAMPLE.read_text()
        .replace("    absent_until: 2027-08-31\n", "")
        .replace("kind: housing", "kind: other")
    )
    report = load(session, write(tmp_path, "edited.yaml", edited), dry_run=True)
    assert not report.applied
    assert [(c.label, c.fields) for c in report.agencies.updated] == [
        ("housing", (("kind", "housing", "other"),))
    ]
    assert [(c.label, c.fields) for c in report.people.updated] == [
        (f"claire.donovan{N}", (("absent_until", date(2027, 8, 31), None),))
    ]
    session.expire_all()
    assert northshire("claire.donovan").absent_until == date(2027, 8, 31)
    assert session.scalar(select(Agency.kind).where(Agency.key == "housing")) == "housing"


def test_dry_run_on_an_empty_directory_adds_nothing(session):
    report = load(session, SAMPLE, dry_run=True)
    assert tallies(report) == [(9, 0, 0), (70, 0, 0)]
    assert counts(session) == (0, 0)


def test_export_then_import_is_a_no_op_in_both_formats(session, northshire, tmp_path):
    for name, text in (
        ("export.yaml", export_yaml(session=session)),
        ("export.csv", export_csv(session=session)),
    ):
        report = load(session, write(tmp_path, name, text))
        assert report.problems == []
        assert tallies(report) == [(0, 0, 9), (0, 0, 70)], name
    assert counts(session) == (9, 70)


def test_an_export_loads_into_an_empty_directory_as_the_same_directory(session, northshire):
    text = export_csv(session=session)
    yaml_text = export_yaml(session=session)
    assert text.splitlines()[0] == HEADER
    assert "Northshire Children's Services,childrens_social_care" in text.splitlines()[1]
    session.rollback()
    assert counts(session) == (0, 0)
    report = import_directory(read_csv(text), session=session)
    assert tallies(report) == [(9, 0, 0), (70, 0, 0)]
    assert export_yaml(session=session) == yaml_text


BAD_YAML = f"""agencies:
  - {{key: csc, name: Northshire Children's Services, kind: childrens_social_care}}
  - {{key: coast, name: Coastguard, kind: coastguard}}
people:
  - {{name: Ann Lee, email: ann.lee{N}, agency: csc, role: head of service, job_title: Head}}
  - {{name: Bob Ray, email: bob.ray{N}, agency: csc, role: boss, job_title: Team Manager}}
  - {{name: Cat Fox, email: cat.fox{N}, agency: fire, role: practitioner, job_title: Firefighter}}
  - {{name: Dan Oak, email: dan.oak{N}, agency: csc, role: practitioner, job_title: Social Worker,
      line_manager: nobody{N}}}
  - {{name: Eve Ash, email: eve.ash{N}, agency: csc, role: practitioner, job_title: Social Worker,
      line_manager: ann.lee{N}, deputy: ghost{N}}}
  - {{name: Fay Elm, email: fay.elm{N}, agency: csc, role: line_manager, job_title: Team Manager,
      line_manager: gus.yew{N}}}
  - {{name: Gus Yew, email: gus.yew{N}, agency: csc, role: senior_manager, job_title: Manager,
      line_manager: fay.elm{N}}}
  - {{name: Ann Lee, email: ANN.LEE{N}, agency: csc, role: practitioner, job_title: Social Worker}}
  - {{name: Hal Ivy, email: hal.ivy{N}, agency: csc, role: practitioner}}
  - {{name: Ida Bay, email: ida.bay{N}, agency: csc, role: practitioner, job_title: Social Worker,
      absent_until: 31/02/2027}}
  - {{name: Jo Kew, email: jo.kew{N}, agency: coast, role: practitioner, job_title: Officer}}
  - {{name: Kim Lo, email: kim.lo{N}, agency: csc, role: practitioner, job_title: Social Worker,
      line_manager: bob.ray{N}}}
  - name: Lee Moss
    email: lee.moss{N}
    agency: csc
    role: practitioner
    job_title: Social Worker
    absent_until: 2027-13-01
  - {{name: Mo Nye, email: not-an-email, agency: csc, role: practitioner, job_title: Worker,
      phone: "0123"}}
"""

BAD_YAML_PROBLEMS = [
    Problem(3, f"unknown agency kind 'coastguard'; use one of: {KINDS}"),
    Problem(6, f"unknown role 'boss'; use one of: {ROLES}"),
    Problem(7, "unknown agency 'fire': define it in the file or the directory"),
    Problem(8, f"line manager nobody{N} not found in the file or the directory"),
    Problem(10, f"deputy ghost{N} not found in the file or the directory"),
    Problem(12, "the management chain goes round in a circle: Fay Elm -> Gus Yew -> Fay Elm"),
    Problem(14, "the management chain goes round in a circle: Fay Elm -> Gus Yew -> Fay Elm"),
    Problem(16, f"duplicate email ann.lee{N} (first on line 5)"),
    Problem(17, "missing required field 'job_title'"),
    Problem(18, "bad date '31/02/2027' for absent_until; use YYYY-MM-DD or DD/MM/YYYY"),
    Problem(20, "agency 'coast' is not imported: line 3 has errors"),
    Problem(21, f"line manager bob.ray{N} is not imported: line 6 has errors"),
    Problem(23, "bad date '2027-13-01' for absent_until; use YYYY-MM-DD or DD/MM/YYYY"),
    Problem(29, "email 'not-an-email' is not an email address"),
    Problem(29, "unknown field 'phone'"),
]


def test_every_bad_yaml_row_is_reported_with_its_line_and_nothing_is_imported(session, tmp_path):
    report = load(session, write(tmp_path, "bad.yaml", BAD_YAML))
    assert report.problems == BAD_YAML_PROBLEMS
    assert not report.applied
    assert counts(session) == (0, 0)


def test_skip_bad_imports_the_good_rows_and_still_reports_the_bad(session, tmp_path):
    report = load(session, write(tmp_path, "bad.yaml", BAD_YAML), skip_bad=True)
    assert report.problems == BAD_YAML_PROBLEMS
    assert report.applied
    assert tallies(report) == [(1, 0, 0), (1, 0, 0)]
    assert list(session.scalars(select(Person.email))) == [f"ann.lee{N}"]


def test_every_bad_csv_row_is_reported_with_its_physical_line(session, tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        f"{HEADER}\n"
        f"Ann Lee,ann.lee{N},U0A001,csc,Northshire Children's Services,childrens_social_care,"
        "head_of_service,Head of Service,,,\n"
        f'Bob Ray,bob.ray{N},,csc,,,line_manager,"Team Manager,\nAssessment",ann.lee{N},,\n'
        "\n"
        f"Cat Fox,cat.fox{N},,fire,Fire Service,firefighting,practitioner,Firefighter,,,\n"
        f"Dan Oak,dan.oak{N},,csc,,,boss,Social Worker,bob.ray{N},,\n"
        f"Eve Ash,eve.ash{N},,csc,,,practitioner,Social Worker,bob.ray{N},,2027-02-30\n"
        f"Fay Elm,fay.elm{N},U0A001,csc,,,practitioner,Social Worker,bob.ray{N},,\n"
        f"Gus Yew,gus.yew{N},,csc,Other Name,police,practitioner,Social Worker,,,\n"
        f"Hal Ivy,hal.ivy{N},,,,,practitioner,Social Worker,cat.fox{N},,,\n"
        f"Ida Bay,,,csc,,,practitioner,Social Worker,,,\n",
    )
    report = load(session, path)
    assert report.problems == [
        Problem(6, f"unknown agency kind 'firefighting'; use one of: {KINDS}"),
        Problem(7, f"unknown role 'boss'; use one of: {ROLES}"),
        Problem(8, "bad date '2027-02-30' for absent_until; use YYYY-MM-DD or DD/MM/YYYY"),
        Problem(9, "slack_user_id U0A001 already belongs to Ann Lee"),
        Problem(10, "agency 'csc' is defined differently on line 2"),
        Problem(11, "has 12 cells but the header has 11 columns"),
        Problem(12, "missing required field 'email'"),
    ]
    assert counts(session) == (0, 0)
    load(session, path, skip_bad=True)
    assert sorted(session.scalars(select(Person.email))) == [f"ann.lee{N}", f"bob.ray{N}"]


def test_rows_leaning_on_a_skipped_row_are_skipped_too(session, tmp_path):
    path = write(
        tmp_path,
        "chain.csv",
        f"{HEADER}\n"
        f"Ann Lee,ann.lee{N},,csc,Children's Services,childrens_social_care,director,Director,"
        f"ann.lee{N},,\n"
        f"Bob Ray,bob.ray{N},,csc,,,line_manager,Team Manager,ann.lee{N},,\n"
        f"Cat Fox,cat.fox{N},,csc,,,practitioner,Social Worker,bob.ray{N},,\n"
        f"Dan Oak,dan.oak{N},,csc,,,practitioner,Social Worker,,cat.fox{N},\n"
        f"Eve Ash,eve.ash{N},,csc,,,practitioner,Social Worker,,,\n",
    )
    report = load(session, path, skip_bad=True)
    assert report.problems == [
        Problem(2, "the management chain goes round in a circle: Ann Lee -> Ann Lee"),
        Problem(3, f"line manager ann.lee{N} is not imported: line 2 has errors"),
        Problem(4, f"line manager bob.ray{N} is not imported: line 3 has errors"),
        Problem(5, f"deputy cat.fox{N} is not imported: line 4 has errors"),
    ]
    assert list(session.scalars(select(Person.email))) == [f"eve.ash{N}"]


def test_a_file_can_lean_on_people_already_in_the_directory(session, northshire, tmp_path):
    path = write(
        tmp_path,
        "new-starters.yaml",
        "people:\n"
        f"  - {{name: Nia Hart, email: nia.hart{N}, agency: childrens-services,\n"
        f"      role: practitioner, job_title: Social Worker, line_manager: priya.sharma{N}}}\n"
        f"  - {{name: Priya Sharma, email: priya.sharma{N}, agency: childrens-services,\n"
        f"      role: line_manager, job_title: Team Manager, line_manager: jess.turner{N}}}\n",
    )
    report = load(session, path)
    assert report.problems == [
        Problem(
            4,
            "the management chain goes round in a circle: "
            "Priya Sharma -> Jess Turner -> Priya Sharma",
        ),
    ]
    report = load(session, write(tmp_path, "one.yaml", path.read_text().split("  - {name: P")[0]))
    assert report.problems == []
    assert northshire("nia.hart").line_manager is northshire("priya.sharma")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.txt", "hello", "use a .csv, .yaml or .yml file"),
        ("b.yaml", "people: [", "line 1 column 10: not valid YAML"),
        ("c.yaml", "staff: []", "line 1: unknown section 'staff'"),
        ("d.yaml", "- 1", "the file must be a mapping"),
        ("e.csv", "name,email,phone\n", "line 1: unknown column(s) 'phone'"),
        ("f.csv", "name,email,agency,role\n", "line 1: missing column(s) job_title"),
        ("g.csv", "", "the file is empty"),
    ],
)
def test_whole_file_problems_stop_the_import_before_any_row(tmp_path, name, text, message):
    with pytest.raises(DirectoryFileError) as raised:
        read_directory_file(write(tmp_path, name, text))
    assert message in str(raised.value)


DECLARED = """\
agencies:
  - key: csc
    name: Children's Services
    kind: childrens_social_care
people:
  - name: Ann Lee
    email: ann.lee@example.org
    agency: csc
    role: {role}
    job_title: {title}
"""


def test_a_role_a_preset_declares_is_accepted_by_its_key_or_label(session, tmp_path):
    for n, role in enumerate(
        ("deputy_director", "Local Authority Deputy Director for Safeguarding")
    ):
        path = write(tmp_path, f"d{n}.yaml", DECLARED.format(role=role, title="Deputy Director"))
        assert load(session, path).problems == []
        ann = session.scalar(select(Person).where(Person.email == "ann.lee@example.org"))
        assert ann.role == "deputy_director"


def test_a_role_only_a_partnerships_own_protocol_declares_needs_that_protocol(session, tmp_path):
    path = write(tmp_path, "d.yaml", DECLARED.format(role="Named Nurse", title="Named Nurse"))
    refused = load(session, path)
    assert refused.problems == [Problem(6, f"unknown role 'Named Nurse'; use one of: {ROLES}")]
    assert session.scalar(select(func.count()).select_from(Person)) == 0
    own = yaml.safe_load((PRESET_DIR / "suffolk.yaml").read_text())
    own["key"] = "northshire"
    own["roles"] = [{"key": "named_nurse", "label": "Named Nurse", "source": "our protocol"}]
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "northshire.yaml").write_text(yaml.safe_dump(own))
    book = ProtocolCatalog(tmp_path / "protocols").role_book()
    accepted = import_directory(read_directory_file(path), session=session, roles=book)
    assert accepted.problems == []
    ann = session.scalar(select(Person).where(Person.email == "ann.lee@example.org"))
    assert ann.role == "named_nurse"
