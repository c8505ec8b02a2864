"""`resolve person export EMAIL`: everything held about one professional, and no child data."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import cli
from bot.commands.common import Context
from bot.services.duty_list import current_duties
from bot.services.subject_access import export_person
from tests.services.test_disputes import open_dispute

SUMMARY = "Referral refused as below threshold; police believe section 47 is met."


def test_export_holds_their_part_and_nothing_of_the_child(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    service.log_discussion(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        occurred="today 09:00",
        participants="Both practitioners",
        discussion="Talked through the home visit findings.",
    )
    service.acknowledge(session=session, dispute=dispute, actor=people["csc_sw"])
    [resolve_duty] = [
        i for i in current_duties(dispute, service.calendar) if "Resolve the" in i.duty.text
    ]
    service.set_duty_done(
        session=session, dispute=dispute, actor=people["csc_sw"], key=resolve_duty.key, done=True
    )
    open_dispute(service, session, people, raiser=people["hv"], counterpart=people["pol_dc"])
    session.commit()

    document = export_person(session, email="CSC_SW@example.org ")
    entry = document["directory_entry"]
    assert (entry["name"], entry["job_title"], entry["agency"]) == (
        "Csc Sw",
        "Social Worker",
        "Northshire Children's Social Care",
    )
    assert entry["line_manager"] == "Csc Tm, Team Manager, Northshire Children's Social Care"
    assert [(d["reference"], d["roles"]) for d in document["disputes"]] == [
        ("RPD-2026-0001", ["counterpart"])
    ]
    assert [d["dispute"] for d in document["discussions_logged"]] == ["RPD-2026-0001"]
    notice = document["stage_notices"][0]
    assert notice["acknowledged_at"] == "2026-11-23T10:00:00+00:00"
    assert "why_you" in notice
    assert [(d["dispute"], d["side"]) for d in document["duties_ticked"]] == [
        ("RPD-2026-0001", "counterpart")
    ]
    assert [(e["event"], e["you"]) for e in document["audit_events"]] == [
        ("stage_entered", "were notified"),
        ("discussion_logged", "acted"),
        ("acknowledged", "acted"),
        ("duty_done", "acted"),
    ]
    dumped = json.dumps(document)
    for child_data in ("CS-104233", SUMMARY, "home visit", "RPD-2026-0002"):
        assert child_data not in dumped


def test_the_command_prints_json_or_says_who_is_unknown(service, session, people, database_url):
    open_dispute(service, session, people)
    session.commit()
    session.close()
    env = {"DATABASE_URL": database_url}
    found = CliRunner().invoke(
        cli, ["person", "export", "pol_dc@example.org"], env=env, obj=Context()
    )
    assert found.exit_code == 0
    assert json.loads(found.output)["disputes"][0]["roles"] == ["raised the dispute"]
    missing = CliRunner().invoke(
        cli, ["person", "export", "nobody@example.org"], env=env, obj=Context()
    )
    assert missing.exit_code == 1
    assert "No one with the email nobody@example.org is in the directory." in missing.output
