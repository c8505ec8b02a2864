"""Protocol rules as people meet them in Slack: stated timeframes, who may refer, oversight bodies
told without acting, scope refusals, the urgent route's check-ins and the final review."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.flows.sweep import Sweeper
from bot.messages.dates import as_fallback
from bot.protocols import ProtocolCatalog
from models.directory import Agency, Person
from models.dispute import Dispute
from models.schedule import Reminder, ReminderKind, ReminderStatus
from tests.conftest import london
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, REF, open_dispute

SUSSEX = pytest.mark.protocol("sussex")


def texts(bot: Bot, key: str) -> list[str]:
    return [m["text"] + str(m.get("blocks")) for m in bot.dms(key)]


def escalate(bot: Bot, key: str, reason: str = "Still no agreement", **values: str) -> None:
    bot.slack.command(bot.ids[key], f"escalate {REF}")
    modal = bot.emulator.views_opened()[-1]
    assert modal["callback_id"] == "escalate_dispute"
    reply = bot.slack.submit(bot.ids[key], modal, {"reason": reason} | values)
    assert reply.status == 200 and reply.body == ""
    bot.deliver()


def stage_key(bot: Bot) -> str:
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None
        return dispute.protocol_snapshot.stage(dispute.stage_index).key


def add_directors(bot: Bot) -> None:
    """Directors of two of the three Safeguarding Partners, known to Slack and the directory,
    with each agency's safeguarding lead, who acts at Stage 4 so the directors are only told."""
    with bot.rt.factory() as session, session.begin():
        for slack_id, key, name, agency, role in (
            ("U0CSCDIR", "csc_dir", "Meg Lowe", "csc", "director"),
            ("U0POLDIR", "pol_dir", "Ian Grant", "police", "director"),
            ("U0CSCSGL", "csc_sgl", "Kay Ward", "csc", "safeguarding_lead"),
            ("U0POLSGL", "pol_sgl", "Raj Bains", "police", "safeguarding_lead"),
        ):
            session.add(
                Person(
                    email=f"{key}@northshire.example",
                    name=name,
                    slack_user_id=slack_id,
                    agency=session.scalar(select(Agency).where(Agency.key == agency)),
                    role=role,
                    job_title=role.replace("_", " ").title(),
                )
            )
            bot.emulator.add_user(slack_id, name, f"{key}@northshire.example")
            bot.ids[key] = slack_id


def to_independent_scrutineer(bot: Bot) -> None:
    """Open at Stage 4 (immediate risk allows it) and refer to the Independent Scrutineer."""
    open_dispute(
        bot,
        category="information-sharing",
        urgency="immediate",
        start_stage="professional-leads",
    )
    escalate(bot, "pol_dc", "Professional leads could not agree")
    assert stage_key(bot) == "independent-scrutineer"


@SUSSEX
def test_pan_sussex_escalator_states_a_longer_timeframe_and_it_holds(bot: Bot) -> None:
    open_dispute(bot, category="information-sharing", stated_timescale="15 working days")
    assert any("Monday 14 December 2026 at 5:00pm" in t for t in texts(bot, "pol_dc"))
    assert "Monday 14 December 2026 at 5:00pm" in str(bot.dms("csc_sw")[-1]["blocks"])


@SUSSEX
def test_the_hand_escalator_gets_exactly_one_message(bot: Bot) -> None:
    open_dispute(bot, category="information-sharing")
    before = len(bot.dms("pol_dc"))
    escalate(bot, "pol_dc", stated_timescale="3 working days")
    new = bot.dms("pol_dc")[before:]
    assert len(new) == 1
    shown = as_fallback(new[0]["text"] + str(new[0]["blocks"]))
    assert "moved to *Stage 2 of 6: Manager to manager* by hand" in shown
    assert "• you (Detective Constable, Northshire Police)" in shown
    assert "• <@U0POLDS> (Detective Sergeant, Northshire Police)" in shown
    assert "• <@U0CSCTM> (Team Manager, Northshire Children's Social Care)" in shown
    assert "Thursday 26 November 2026 at 5:00pm (GMT), it escalates automatically" in shown


@SUSSEX
def test_only_the_scrutineer_refers_to_the_secretary_of_state(bot: Bot) -> None:
    to_independent_scrutineer(bot)
    opened = len(bot.emulator.views_opened())
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF}")
    refusal = bot.replies("pol_dc")[-1]["text"]
    assert (
        "Only the partnership chair or scrutineer: Ruth Mercer (Northshire Safeguarding "
        "Partnership) can refer RPD-2026-0001 to Escalation to the Secretary of State" in refusal
    )
    assert "Nothing has changed" in refusal
    assert len(bot.emulator.views_opened()) == opened  # no form to fill in
    assert stage_key(bot) == "independent-scrutineer"
    escalate(bot, "chair", "Leadership arrangements are malfunctioning")
    assert stage_key(bot) == "secretary-of-state"


@SUSSEX
def test_directors_are_informed_can_read_but_cannot_act(bot: Bot) -> None:
    add_directors(bot)
    to_independent_scrutineer(bot)
    for key in ("csc_dir", "pol_dir"):
        [notice] = bot.dms(key)
        assert "For your information; no action is asked of you" in notice["text"]
        assert not any(b["type"] == "actions" for b in notice["blocks"])
        shown = str(notice["blocks"])
        assert "Directors / Chief Executives of the three Safeguarding Partners" in shown
        assert "Northshire Police and Northshire Children's Social Care" in shown
        assert "only the partnership chair or scrutineer can refer it" in shown
        assert CHILD not in str(notice)
        # Whom to talk to: both parties by mention, and the reader never by their own name.
        assert "<@U0POLDC> (Detective Constable, Northshire Police)" in shown
        assert "<@U0CSCSW> (Social Worker, Northshire Children's Social Care)" in shown
        director = {"csc_dir": "Meg Lowe", "pol_dir": "Ian Grant"}[key]
        assert director not in shown and f"<@{bot.ids[key]}>" not in shown
    # The chair acts and is asked to acknowledge, as before.
    assert any("your action is needed" in t.lower() for t in texts(bot, "chair"))

    bot.slack.command(bot.ids["pol_dir"], f"status {REF}")
    status = bot.replies("pol_dir")[-1]
    assert "Independent Scrutineer" in status["text"]
    assert (
        "Informed, not asked to act: <@U0CSCDIR> (Director, Northshire Children's Social Care), "
        "you (Director, Northshire Police)"
    ) in str(status["blocks"])
    bot.slack.command(bot.ids["pol_dir"], f"record {REF} md")
    record = bot.emulator.files()[-1]
    assert record["title"] == f"{REF} record (Markdown text)"
    assert "Ian Grant informed, not asked to act" in record["content"].decode()

    opened = len(bot.emulator.views_opened())
    for command in (f"escalate {REF}", f"resolve {REF}", f"log {REF}"):
        bot.slack.command(bot.ids["pol_dir"], command)
        assert "You are kept informed of RPD-2026-0001" in bot.replies("pol_dir")[-1]["text"]
    assert len(bot.emulator.views_opened()) == opened
    assert stage_key(bot) == "independent-scrutineer"


@pytest.mark.protocol("portsmouth")
def test_portsmouth_refuses_a_disagreement_inside_one_agency(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    modal = bot.emulator.views_opened()[-1]
    form = {
        "counterpart": bot.ids["pol_ds"],
        "category": "referral-criteria",
        "child_ref": CHILD,
        "summary": "Disagree with my sergeant about the referral.",
    }
    reply = bot.slack.submit(raiser, modal, form)
    error = reply.json()["errors"]["counterpart"]
    assert "both in Northshire Police" in error
    assert "does not cover disagreements inside one agency" in error
    assert "own agency's arrangements" in error
    with bot.rt.factory() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 0
    # Between agencies the same protocol opens it.
    reply = bot.slack.submit(raiser, modal, form | {"counterpart": bot.ids["csc_sw"]})
    assert reply.status == 200 and reply.body == ""


@pytest.mark.protocol("oxfordshire")
def test_oxfordshire_emergency_checks_in_each_working_day(bot: Bot) -> None:
    sweeper = Sweeper(
        factory=bot.rt.factory,
        service=bot.rt.service,
        notifier=bot.rt.notifier,
        clock=bot.rt.clock,
    )
    open_dispute(
        bot, category="referral-criteria", urgency="emergency", start_stage="service-manager"
    )
    # The step keeps its five working days: the emergency does not make it a step a day.
    assert "Monday 30 November 2026 at 5:00pm" in str(bot.dms("csc_sm")[-1]["blocks"])

    def check_ins(key: str) -> int:
        return sum("check in today" in m["text"] for m in bot.dms(key))

    for day, expected in ((24, 1), (25, 2), (26, 3), (27, 4)):
        bot.clock.set(london(2026, 11, day, 8, 59))
        sweeper.run_once()
        bot.deliver()
        assert check_ins("pol_di") == expected - 1
        bot.clock.set(london(2026, 11, day, 9, 0))  # at the start of the working day
        sweeper.run_once()
        bot.deliver()
        assert check_ins("pol_di") == expected
        assert check_ins("csc_sm") == expected
    shown = [str(m["blocks"]) for m in bot.dms("pol_di") if "check in today" in m["text"]][-1]
    assert "problem-solve together every 1 working day" in shown
    # No check-in at the weekend: the next is Monday's.
    with bot.rt.factory() as session:
        pending = session.scalars(
            select(Reminder.due_at).where(
                Reminder.kind == ReminderKind.CHECK_IN.value,
                Reminder.status == ReminderStatus.PENDING,
            )
        ).all()
    assert pending == [london(2026, 11, 30, 9, 0)]


def test_the_final_stage_says_its_review_interval_is_a_partnership_default(bot: Bot) -> None:
    open_dispute(bot)
    sweeper = Sweeper(
        factory=bot.rt.factory,
        service=bot.rt.service,
        notifier=bot.rt.notifier,
        clock=bot.rt.clock,
    )
    for deadline in (
        london(2026, 11, 30, 17, 0),
        london(2026, 12, 7, 17, 0),
        london(2026, 12, 14, 17, 0),
        london(2026, 12, 21, 17, 0),
    ):
        bot.clock.set(deadline)
        sweeper.run_once()
        bot.deliver()
    notice = [m for m in bot.dms("chair") if "Stage 5 of 5" in str(m["blocks"])][-1]
    assert "every 5 working days (a partnership default; the protocol sets no review" in str(
        notice["blocks"]
    )
    reached = [m for m in bot.dms("admin") if "reached the final stage" in m["text"]][-1]
    assert "a partnership default" in str(reached["blocks"])


EXCLUDING = ("portsmouth", "sussex", "specialist-childrens-services", "oxfordshire")


@pytest.mark.parametrize(
    "key", [pytest.param(k, marks=pytest.mark.protocol(k)) for k in EXCLUDING], ids=EXCLUDING
)
def test_the_open_form_says_what_the_protocol_is_not_for_and_where_to_go(
    bot: Bot, key: str
) -> None:
    protocol = ProtocolCatalog().get(key)
    assert protocol is not None and protocol.not_for
    bot.slack.command(bot.ids["pol_dc"], "open")
    shown = " ".join(str(bot.emulator.views_opened()[-1]["blocks"]).split())
    assert "This protocol is not for:" in shown
    for exclusion in protocol.not_for:
        assert " ".join(exclusion.what.split()) in shown
        assert " ".join(exclusion.where_instead.split()) in shown
    if key == "portsmouth":
        assert "use the relevant organisation's complaints procedure" in shown


@pytest.mark.protocol("suffolk")
def test_a_protocol_that_excludes_nothing_shows_no_exclusions(bot: Bot) -> None:
    bot.slack.command(bot.ids["pol_dc"], "open")
    assert "This protocol is not for" not in str(bot.emulator.views_opened()[-1]["blocks"])
