"""The leads' digests: when each is due, that each goes once, and what it says (and never says)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import transaction
from bot.messages.dates import as_fallback
from bot.messages.digest_lines import overdue_by
from bot.services.digest_chart import weekly_chart
from bot.services.digests import FIRST_START, DigestService
from bot.services.disputes import DisputeService
from bot.services.notifications import Notifier
from bot.settings import QuietDigest, Settings, load_settings
from bot.slack_emulator import validate_blocks
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute
from models.outbox import OutboxKind, OutboxMessage
from models.schedule import DigestRun
from tests.conftest import london
from tests.services.conftest import add_person

LEADS = "C0LEADS"
CHILD = "CS-104233"
SUMMARY = "Referral refused as below threshold; police believe section 47 is met."
PNG = b"\x89PNG\r\n\x1a\n"


def make_digests(clock: FrozenClock, calendar: WorkingCalendar, settings: Settings):
    notifier = Notifier(clock=clock, calendar=calendar, settings=settings)
    return DigestService(clock=clock, calendar=calendar, settings=settings, notifier=notifier)


def running_since(factory: sessionmaker[Session], started: datetime) -> None:
    """Records that the bot first started at `started`, as its first sweep would have."""
    with transaction(factory) as session:
        session.add(DigestRun(period=FIRST_START, created_at=started))


@pytest.fixture(autouse=True)
def running_since_january(factory: sessionmaker[Session]) -> None:
    """The bot has been running since 1 January 2026, so every period here may be sent."""
    running_since(factory, london(2026, 1, 1, 9, 0))


@pytest.fixture
def settings() -> Settings:
    return load_settings(leads_channel=LEADS, admins_channel=None)


@pytest.fixture
def digests(clock: FrozenClock, calendar: WorkingCalendar, settings: Settings) -> DigestService:
    return make_digests(clock, calendar, settings)


def open_dispute(
    service: DisputeService, session: Session, raiser: Person, counterpart: Person, **kw: Any
) -> Dispute:
    args: dict[str, Any] = {
        "protocol_key": "suffolk",
        "category": "referral-threshold",
        "child_ref": CHILD,
        "summary": SUMMARY,
    }
    args.update(kw)
    entry = service.open(session=session, raiser=raiser, counterpart=counterpart, **args)
    return entry.transition.dispute


def rows(session: Session, kind: OutboxKind | None = None) -> list[OutboxMessage]:
    statement = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    return list(session.scalars(statement))


def periods(session: Session) -> set[str]:
    return set(session.scalars(select(DigestRun.period).where(DigestRun.period != FIRST_START)))


def block(payload: dict[str, Any], block_id: str) -> str:
    """The block's text as read where Slack shows each date token's UK fallback."""
    found = [b for b in payload["blocks"] if b.get("block_id") == block_id]
    assert len(found) == 1, block_id
    return as_fallback(found[0]["text"]["text"])


def tallies(payload: dict[str, Any]) -> dict[str, str]:
    """The fields block's texts by their bold label."""
    found = [b for b in payload["blocks"] if "fields" in b]
    assert len(found) == 1
    texts = [f["text"] for f in found[0]["fields"]]
    return {t.split("\n", 1)[0].strip("*"): t.split("\n", 1)[1] for t in texts}


# when --------------------------------------------------------------------------------------


def test_the_daily_digest_is_due_at_digest_time_on_a_working_day_and_not_before(
    session, digests, clock
):
    # Monday 23 November, 10:00: that morning's digests have come round and were never sent.
    assert digests.run_due(session) == ["daily:2026-11-23", "weekly:2026-W48"]
    clock.set(london(2026, 11, 24, 8, 29, 59))
    assert digests.run_due(session) == []
    clock.set(london(2026, 11, 24, 8, 30))
    assert digests.run_due(session) == ["daily:2026-11-24"]
    daily = rows(session, OutboxKind.CHANNEL)[-1]
    assert daily.channel == LEADS
    assert (
        daily.payload["text"]
        == "Tuesday 24 November 2026: no change; no disputes open, none overdue."
    )


def test_no_daily_digest_at_the_weekend(session, digests, clock):
    clock.set(london(2026, 11, 27, 8, 30))
    assert digests.run_due(session) == ["daily:2026-11-27", "weekly:2026-W48"]
    for moment in (london(2026, 11, 28, 8, 30), london(2026, 11, 29, 23, 59)):
        clock.set(moment)
        assert digests.run_due(session) == []
    clock.set(london(2026, 11, 30, 8, 30))
    assert digests.run_due(session) == ["daily:2026-11-30", "weekly:2026-W49"]
    monday, weekly = rows(session, OutboxKind.CHANNEL)[-2:]
    assert monday.payload["text"].startswith("Monday 30 November 2026: no change;")
    assert "Since Monday 23 November 2026 at 8:30am" in block(weekly.payload, "digest-summary")
    since = int(london(2026, 11, 23, 8, 30).timestamp())
    assert f"Since <!date^{since}^" in str(weekly.payload["blocks"])  # each reader's own time


def test_no_digest_on_bank_holidays_and_the_weekly_waits_for_the_first_working_day(
    session, digests, clock
):
    clock.set(london(2026, 12, 24, 8, 30))
    assert digests.run_due(session) == ["daily:2026-12-24", "weekly:2026-W52"]
    # Christmas Day, the weekend, and Monday 28th (Boxing Day falls on a Saturday in 2026).
    for day in (25, 26, 27, 28):
        clock.set(london(2026, 12, day, 9, 0))
        assert digests.run_due(session) == []
    clock.set(london(2026, 12, 29, 8, 29))
    assert digests.run_due(session) == []
    clock.set(london(2026, 12, 29, 8, 30))
    assert digests.run_due(session) == ["daily:2026-12-29", "weekly:2026-W53"]
    daily, weekly = rows(session, OutboxKind.CHANNEL)[-2:]
    assert daily.payload["text"].startswith("Tuesday 29 December 2026: no change;")
    assert weekly.payload["text"].startswith("Weekly digest: week commencing 21 December 2026:")
    assert "Since Monday 21 December 2026 at 8:30am" in block(weekly.payload, "digest-summary")
    assert rows(session, OutboxKind.FILE)[-1].payload["filename"] == "digest-2026-W53.png"


def test_the_digest_time_and_zone_come_from_settings(session, clock, calendar):
    settings = load_settings(leads_channel=LEADS, digest_time="07:15")
    digests = make_digests(clock, calendar, settings)
    # British Summer Time: 07:15 in London is 06:15 UTC.
    clock.set(london(2026, 6, 2, 7, 14))
    assert digests.run_due(session) == ["daily:2026-06-01", "weekly:2026-W23"]
    clock.set(london(2026, 6, 2, 7, 15))
    assert digests.run_due(session) == ["daily:2026-06-02"]


def test_each_period_is_sent_once_across_runs_transactions_and_restarts(
    factory: sessionmaker[Session], digests, clock, calendar, settings
):
    with transaction(factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-23", "weekly:2026-W48"]
        assert digests.run_due(session) == []
    with transaction(factory) as session:
        assert digests.run_due(session) == []
    clock.advance(timedelta(hours=3))
    restarted = make_digests(clock, calendar, settings)
    with transaction(factory) as session:
        assert restarted.run_due(session) == []
        assert periods(session) == {"daily:2026-11-23", "weekly:2026-W48"}
        assert len(rows(session, OutboxKind.CHANNEL)) == 2
        assert len(rows(session, OutboxKind.FILE)) == 1


def test_a_failed_run_leaves_the_period_to_the_next_one(factory: sessionmaker[Session], digests):
    with pytest.raises(RuntimeError), transaction(factory) as session:
        digests.run_due(session)
        raise RuntimeError("the job died before committing")
    with transaction(factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-23", "weekly:2026-W48"]


def test_after_an_outage_only_the_latest_period_of_each_kind_is_sent(session, digests, clock):
    assert digests.run_due(session) == ["daily:2026-11-23", "weekly:2026-W48"]
    clock.set(london(2026, 12, 9, 11, 0))
    assert digests.run_due(session) == ["daily:2026-12-09", "weekly:2026-W50"]
    assert periods(session) == {
        "daily:2026-11-23",
        "weekly:2026-W48",
        "daily:2026-12-09",
        "weekly:2026-W50",
    }
    daily, weekly = rows(session, OutboxKind.CHANNEL)[-2:]
    assert daily.payload["text"].startswith("Wednesday 9 December 2026: no change;")
    assert "Since Monday 30 November 2026 at 8:30am" in block(weekly.payload, "digest-summary")


# what --------------------------------------------------------------------------------------


@pytest.fixture
def scenario(session: Session, service: DisputeService, people, digests, clock) -> list[dict]:
    """A week of disputes, then Tuesday 24 November's digests; returns the digest payloads."""
    clock.set(london(2026, 11, 13, 10, 0))
    overdue = open_dispute(service, session, people["pol_dc"], people["csc_sw"])
    clock.set(london(2026, 11, 16, 9, 0))
    service.acknowledge(session=session, dispute=overdue, actor=people["csc_sw"])
    clock.set(london(2026, 11, 18, 10, 0))
    escalated = open_dispute(
        service, session, people["pol_dc"], people["csc_sw"], category="response-to-harm"
    )
    clock.set(london(2026, 11, 18, 11, 0))
    service.acknowledge(session=session, dispute=escalated, actor=people["csc_sw"])
    clock.set(london(2026, 11, 19, 10, 0))
    last_week = open_dispute(
        service, session, people["hv"], people["csc_sw"], category="child-protection-plan"
    )
    clock.set(london(2026, 11, 20, 10, 0))
    service.resolve(
        session=session, dispute=last_week, actor=people["hv"], outcome="resolved", summary="Ok"
    )
    clock.set(london(2026, 11, 23, 10, 0))
    waiting = open_dispute(
        service, session, people["hv"], people["csc_sw"], category="child-protection-plan"
    )
    clock.set(london(2026, 11, 23, 11, 0))
    quick = open_dispute(service, session, people["pol_dc"], people["hv"], urgency="immediate")
    clock.set(london(2026, 11, 23, 14, 0))
    service.escalate(
        session=session, dispute=escalated, actor=people["pol_dc"], reason="No agreement"
    )
    clock.set(london(2026, 11, 23, 15, 0))
    service.resolve(
        session=session, dispute=quick, actor=people["pol_dc"], outcome="resolved", summary="Ok"
    )
    clock.set(london(2026, 11, 23, 16, 0))
    service.log_discussion(
        session=session,
        dispute=waiting,
        actor=people["hv"],
        occurred=clock.now(),
        participants="Both",
        discussion="Talked it through",
    )
    clock.set(london(2026, 11, 23, 16, 30))
    service.acknowledge(session=session, dispute=escalated, actor=people["csc_tm"])
    refs = [d.reference for d in (overdue, escalated, last_week, waiting, quick)]
    assert refs == [f"RPD-2026-000{n}" for n in range(1, 6)]

    clock.set(london(2026, 11, 24, 8, 30))
    assert digests.run_due(session) == ["daily:2026-11-24", "weekly:2026-W48"]
    return [row.payload for row in rows(session)]


CSC = "Northshire Children's Social Care"
POLICE = "Northshire Police"
HEALTH = "Northshire Community Health"


def test_the_daily_digest_counts_what_happened_since_yesterday(scenario):
    daily = scenario[0]
    assert daily["text"] == (
        "Daily digest for Tuesday 24 November 2026: 2 new, 1 escalated, 1 resolved, "
        "2 awaiting acknowledgement, 1 overdue."
    )
    summary = block(daily, "digest-summary")
    assert summary.startswith(
        "Figures as at Tuesday 24 November 2026 at 8:30am (GMT). "
        "Since Monday 23 November 2026 at 8:30am (GMT): "
    )
    assert "1 acknowledgement and 1 discussion logged. 3 disputes open." in summary
    assert block(daily, "digest-new") == (
        "*New* (2)\n"
        f"• *RPD-2026-0004* · {HEALTH} ↔ {CSC} · Implementation of a child protection plan\n"
        f"• *RPD-2026-0005* · {POLICE} ↔ {HEALTH} · Threshold dispute at the point of referral"
        " · Immediate risk of harm"
    )
    assert block(daily, "digest-escalated") == (
        "*Escalated* (1)\n"
        f"• *RPD-2026-0002* · {POLICE} ↔ {CSC} · reached Stage 2 of 5: First line managers "
        "(escalated by hand)"
    )
    assert block(daily, "digest-awaiting") == (
        "*Awaiting acknowledgement* (2)\n"
        f"• *RPD-2026-0002* · {POLICE} ↔ {CSC} · Stage 2 of 5: First line managers · awaiting "
        f"{POLICE} since Monday 23 November 2026 at 2:00pm (GMT)\n"
        f"• *RPD-2026-0004* · {HEALTH} ↔ {CSC} · Stage 1 of 5: Referrer and receiving "
        f"professional · awaiting {CSC} since Monday 23 November 2026 at 10:00am (GMT)"
    )
    # Due Friday 20 November at 17:00; Monday and Tuesday have since begun.
    assert block(daily, "digest-overdue") == (
        "*Overdue* (1)\n"
        f"• *RPD-2026-0001* · {POLICE} ↔ {CSC} · Stage 1 of 5: Referrer and receiving "
        "professional · overdue by 2 working days"
    )
    assert block(daily, "digest-resolved") == (
        "*Resolved* (1)\n"
        f"• *RPD-2026-0005* · {POLICE} ↔ {HEALTH} · Resolved at Stage 1 of 5: Referrer and "
        "receiving professional"
    )
    assert tallies(daily) == {
        "Themes": "Threshold dispute at the point of referral: 2\n"
        "Implementation of a child protection plan: 1\n"
        "Response of a professional colleague to actual or likely harm: 1",
        "Agencies involved": f"{CSC}: 3\n{POLICE}: 3\n{HEALTH}: 2",
        "Stage reached": "Stage 1 of 5: Referrer and receiving professional: 3\n"
        "Stage 2 of 5: First line managers: 1",
    }


def test_the_weekly_digest_covers_the_week_to_monday_and_carries_a_chart(session, scenario):
    weekly = scenario[1]
    # As at Monday's cut-off, before Monday's disputes and escalation: none awaited then.
    assert weekly["text"] == (
        "Weekly digest: week commencing 16 November 2026: 2 new, 0 escalated, 1 resolved, "
        "0 awaiting acknowledgement, 1 overdue."
    )
    assert "Since Monday 16 November 2026 at 8:30am (GMT)" in block(weekly, "digest-summary")
    assert "2 acknowledgements and 0 discussions logged" in block(weekly, "digest-summary")
    assert block(weekly, "digest-new").count("• ") == 2
    assert "RPD-2026-0003" in block(weekly, "digest-resolved")
    assert block(weekly, "digest-escalated") == "*Escalated*: none"

    daily_row, weekly_row, chart = rows(session)
    assert (daily_row.kind, weekly_row.kind, chart.kind) == ("channel", "channel", "file")
    assert chart.channel == LEADS
    assert chart.payload["filename"] == "digest-2026-W48.png"
    assert chart.payload["title"] == "Weekly digest: week commencing 16 November 2026"
    # The figures are queued and the picture drawn as it is uploaded. Weeks are labelled with
    # their Mondays, in summer time (to 25 October) as after it.
    assert chart.payload["chart"] == {
        "stages": [["Referrer and receiving professional", 2]],
        "weeks": ["12 Oct", "19 Oct", "26 Oct", "2 Nov", "9 Nov", "16 Nov"],
        "themes": {
            "Implementation of a child protection plan": [0, 0, 0, 0, 0, 1],
            "Response of a professional colleague to actual or likely harm": [0, 0, 0, 0, 0, 1],
            "Threshold dispute at the point of referral": [0, 0, 0, 0, 1, 0],
        },
    }
    assert weekly_chart(**chart.payload["chart"]).startswith(PNG)


def test_the_child_reference_summary_and_names_never_reach_a_digest(scenario, people):
    text = json.dumps(scenario, ensure_ascii=False)
    assert CHILD not in text
    assert SUMMARY not in text
    for person in people.values():
        if len(person.name) > 3:
            assert person.name not in text


def test_digest_blocks_are_valid_slack_messages(scenario):
    for payload in scenario:
        if "blocks" in payload:
            assert validate_blocks(payload["blocks"], surface="message") == []


def test_long_lists_stay_inside_slack_limits(session, service, people, digests, clock):
    people["pol_dc"].agency.name = "Northshire Police " + "and Crime Commissioner " * 7
    people["csc_sw"].agency.name = "Northshire Children's Social Care " + "Services " * 18
    clock.set(london(2026, 11, 23, 9, 0))
    for _ in range(30):
        open_dispute(service, session, people["pol_dc"], people["csc_sw"])
    clock.set(london(2026, 11, 24, 8, 30))
    assert digests.run_due(session) == ["daily:2026-11-24", "weekly:2026-W48"]
    daily = rows(session)[0].payload
    assert len(daily["blocks"]) <= 50
    assert validate_blocks(daily["blocks"], surface="message") == []
    new = block(daily, "digest-new")
    assert new.startswith("*New* (30)\n")
    assert len(new) <= 3000
    shown = new.count("• ")
    assert 0 < shown < 12
    assert new.endswith(f"_…and {30 - shown} more_")


def test_a_dispute_awaiting_referral_is_overdue_from_its_lapsed_deadline(
    session, service, people, digests, clock
):
    dispute = open_dispute(
        service,
        session,
        people["pol_dc"],
        people["csc_sw"],
        protocol_key="sussex",
        category="referral-criteria",
    )
    for _ in range(3):
        service.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="Up")
    assert dispute.deadline_at == london(2026, 11, 30, 17, 0)
    clock.set(london(2026, 11, 30, 17, 1))
    assert service.escalate_lapsed(session=session, dispute=dispute) is None
    assert dispute.deadline_at is None
    clock.set(london(2026, 12, 1, 10, 0))
    service.log_discussion(
        session=session,
        dispute=dispute,
        actor=people["pol_dc"],
        occurred=clock.now(),
        participants="Both",
        discussion="Agreed to refer",
    )
    clock.set(london(2026, 12, 2, 8, 30))
    assert digests.run_due(session) == ["daily:2026-12-02", "weekly:2026-W49"]
    overdue = block(rows(session)[0].payload, "digest-overdue")
    assert "overdue by 2 working days, awaiting referral to Independent Scrutineer" in overdue


def test_without_a_channel_the_admins_get_the_digest_directly_and_no_chart(
    session, people, clock, calendar
):
    admin = add_person(
        session, people["chair"].agency, "admin", "partnership_admin", "Business Manager"
    )
    session.flush()
    digests = make_digests(clock, calendar, load_settings(leads_channel=None, admins_channel=None))
    assert digests.run_due(session) == ["daily:2026-11-23", "weekly:2026-W48"]
    sent = rows(session)
    assert [(r.kind, r.person_id) for r in sent] == [("direct", admin.id), ("direct", admin.id)]
    assert periods(session) == {"daily:2026-11-23", "weekly:2026-W48"}


def test_periods_are_named_as_people_name_them(session, digests, clock):
    clock.set(london(2026, 12, 29, 8, 30))  # the first working day after Christmas
    assert digests.run_due(session) == ["daily:2026-12-29", "weekly:2026-W53"]
    daily, weekly = rows(session, OutboxKind.CHANNEL)
    assert daily.payload["text"].startswith("Tuesday 29 December 2026: no change;")
    assert weekly.payload["text"].startswith("Weekly digest: week commencing 21 December 2026: ")
    assert block(weekly.payload, "digest-summary").startswith(
        "Figures as at Tuesday 29 December 2026 at 8:30am (GMT). "
        "Since Monday 21 December 2026 at 8:30am (GMT): "
    )
    chart = rows(session, OutboxKind.FILE)[0].payload
    assert chart["title"] == "Weekly digest: week commencing 21 December 2026"


def test_every_figure_is_as_at_the_digest_time_however_late_it_is_sent(
    session, service, people, digests, clock
):
    clock.set(london(2026, 11, 23, 10, 0))
    first = open_dispute(service, session, people["pol_dc"], people["csc_sw"])
    clock.set(london(2026, 11, 23, 11, 0))
    second = open_dispute(service, session, people["hv"], people["csc_sw"])
    # After Tuesday's digest time, before the digest goes: none of this belongs in it.
    clock.set(london(2026, 11, 24, 9, 0))
    late = open_dispute(service, session, people["pol_dc"], people["hv"])
    clock.set(london(2026, 11, 24, 9, 15))
    service.acknowledge(session=session, dispute=second, actor=people["csc_sw"])
    service.escalate(session=session, dispute=first, actor=people["pol_dc"], reason="Stuck")
    clock.set(london(2026, 11, 24, 9, 30))
    service.resolve(
        session=session, dispute=second, actor=people["hv"], outcome="resolved", summary="Ok"
    )
    clock.set(london(2026, 11, 24, 11, 0))
    assert digests.run_due(session) == ["daily:2026-11-24", "weekly:2026-W48"]
    daily, weekly = (row.payload for row in rows(session, OutboxKind.CHANNEL))
    assert daily["text"] == (
        "Daily digest for Tuesday 24 November 2026: 2 new, 0 escalated, 0 resolved, "
        "2 awaiting acknowledgement, 0 overdue."
    )
    summary = block(daily, "digest-summary")
    assert summary.startswith("Figures as at Tuesday 24 November 2026 at 8:30am (GMT). ")
    assert "0 acknowledgements and 0 discussions logged. 2 disputes open." in summary
    awaiting = block(daily, "digest-awaiting")
    assert first.reference in awaiting and second.reference in awaiting
    assert "Stage 2" not in awaiting
    assert tallies(daily)["Stage reached"] == (
        "Stage 1 of 5: Referrer and receiving professional: 2"
    )
    assert late.reference not in json.dumps([daily, weekly])


def test_a_first_start_does_not_back_fill_the_periods_before_it(factory, digests, clock):
    with transaction(factory) as session:
        session.execute(delete(DigestRun))
    # A new installation's first sweep on Monday 23 November at 10:00, after digest time.
    with transaction(factory) as session:
        assert digests.run_due(session) == []
        assert session.scalars(select(DigestRun.created_at)).all() == [clock.now()]
    clock.set(london(2026, 11, 24, 8, 30))
    with transaction(factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-24"]
    clock.set(london(2026, 11, 30, 8, 30))
    with transaction(factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-30", "weekly:2026-W49"]


def quiet_day(service: DisputeService, session: Session, people, clock) -> None:
    """One dispute, overdue since Friday 20 November at 17:00, and no change on Monday."""
    clock.set(london(2026, 11, 13, 10, 0))
    dispute = open_dispute(service, session, people["pol_dc"], people["csc_sw"])
    clock.set(london(2026, 11, 16, 9, 0))
    service.acknowledge(session=session, dispute=dispute, actor=people["csc_sw"])
    clock.set(london(2026, 11, 24, 8, 30))


def test_a_day_with_no_change_is_one_line(session, service, people, digests, clock):
    quiet_day(service, session, people, clock)
    assert digests.run_due(session) == ["daily:2026-11-24", "weekly:2026-W48"]
    daily = rows(session, OutboxKind.CHANNEL)[0].payload
    line = "Tuesday 24 November 2026: no change; 1 dispute open, 1 overdue."
    assert daily["text"] == line
    assert [b["text"]["text"] for b in daily["blocks"]] == [line]


def test_a_day_with_no_change_is_skipped_by_setting(session, service, people, clock, calendar):
    digests = make_digests(
        clock, calendar, load_settings(leads_channel=LEADS, digest_quiet=QuietDigest.SKIP)
    )
    quiet_day(service, session, people, clock)
    assert digests.run_due(session) == ["daily:2026-11-24", "weekly:2026-W48"]
    sent = rows(session, OutboxKind.CHANNEL)
    assert [m.payload["text"].split(":")[0] for m in sent] == ["Weekly digest"]
    clock.set(london(2026, 11, 25, 8, 30))
    assert digests.run_due(session) == ["daily:2026-11-25"]
    assert len(rows(session, OutboxKind.CHANNEL)) == 1


@pytest.mark.parametrize(
    ("deadline", "now", "said"),
    [
        (london(2026, 11, 20, 17, 0), london(2026, 11, 24, 8, 30), "overdue by 2 working days"),
        (london(2026, 11, 20, 17, 0), london(2026, 11, 23, 8, 30), "overdue by 1 working day"),
        (london(2026, 11, 23, 17, 0), london(2026, 11, 24, 8, 30), "overdue by 15 hours"),
        (london(2026, 11, 23, 10, 0), london(2026, 11, 23, 11, 0), "overdue by 1 hour"),
        (london(2026, 11, 20, 17, 0), london(2026, 11, 22, 18, 0), "overdue by 49 hours"),
        (london(2026, 11, 23, 10, 0), london(2026, 11, 23, 10, 10), "overdue by under an hour"),
    ],
)
def test_how_long_overdue_is_said(deadline, now, said, calendar):
    assert overdue_by(deadline, now, calendar) == said
