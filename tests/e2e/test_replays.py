"""A replayed or retried request changes nothing a second time and gets the same answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.app import create_app
from bot.http_server import SlackHTTPServer
from bot.slack_emulator.driver import Reply, SlackDriver
from models.dispute import DiscussionEntry, Dispute, StageTransition
from tests.e2e.conftest import SECRET, Bot
from tests.e2e.test_journey import REF, open_dispute


def count(bot: Bot, table: type) -> int:
    with bot.rt.factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def stage(bot: Bot) -> int | None:
    with bot.rt.factory() as session:
        return session.scalar(select(Dispute.stage_index).where(Dispute.reference == REF))


def submit_escalation(bot: Bot, slack: SlackDriver) -> Reply:
    """Fills in and submits the escalate form; the reply carries the request as sent."""
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} No agreement")
    modal = bot.emulator.views_opened()[-1]
    assert modal["callback_id"] == "escalate_dispute"
    return slack.submit(bot.ids["pol_dc"], modal, {"reason": "No agreement"})


def stage_two_notices(bot: Bot) -> list[dict]:
    return [
        m
        for m in bot.dms("pol_ds")
        if "your action is needed" in m["text"].lower() and "Stage 2 of 5" in str(m["blocks"])
    ]


def logged_replies(bot: Bot) -> list[str]:
    return [m["text"] for m in bot.replies("pol_dc") if m["text"].startswith("Your note on")]


def same_answer(first: Reply, *others: Reply) -> bool:
    return all((r.status, r.body) == (first.status, first.body) for r in others)


def test_escalate_submission_sent_three_times_moves_one_stage(bot: Bot) -> None:
    open_dispute(bot)
    first = submit_escalation(bot, bot.slack)
    assert first.status == 200 and first.sent is not None
    replays = [bot.slack.send(first.sent) for _ in range(2)]
    assert same_answer(first, *replays)
    bot.deliver()
    assert stage(bot) == 1
    assert count(bot, StageTransition) == 2  # opened, then escalated once
    assert len(stage_two_notices(bot)) == 1


def test_log_command_sent_three_times_makes_one_entry(bot: Bot) -> None:
    open_dispute(bot)
    first = bot.slack.command(bot.ids["pol_dc"], f"log {REF} Spoke on the phone")
    assert first.sent is not None
    replays = [bot.slack.send(first.sent) for _ in range(2)]
    assert same_answer(first, *replays)
    assert count(bot, DiscussionEntry) == 1
    assert len(logged_replies(bot)) == 1


def test_open_form_sent_three_times_makes_one_dispute(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    command = bot.slack.command(raiser, "open")
    assert command.sent is not None
    bot.slack.send(command.sent)
    assert len(bot.emulator.views_opened()) == 1  # the replayed command opens no second form
    form = {
        "counterpart": bot.ids["csc_sw"],
        "category": "referral-threshold",
        "child_ref": "CS-1",
        "summary": "Referral refused.",
    }
    first = bot.slack.submit(raiser, bot.emulator.views_opened()[-1], form)
    assert first.status == 200 and first.body == "" and first.sent is not None
    replays = [bot.slack.send(first.sent) for _ in range(2)]
    assert same_answer(first, *replays)
    bot.deliver()
    assert count(bot, Dispute) == 1
    assert len([m for m in bot.dms("pol_dc") if "is open" in m["text"]]) == 1


def test_a_refusal_is_replayed_word_for_word(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    form = {"counterpart": raiser, "category": "referral-threshold", "child_ref": "CS-1"}
    first = bot.slack.submit(raiser, bot.emulator.views_opened()[-1], form | {"summary": "x"})
    assert first.json()["response_action"] == "errors" and first.sent is not None
    replay = bot.slack.send(first.sent)
    assert replay.status == first.status and replay.json() == first.json()
    assert count(bot, Dispute) == 0
    # The answer kept for replays is sealed at rest like any text a person typed.
    with bot.rt.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT body FROM seen_requests").scalars().all()
    assert [b for b in stored if b], "the refusal's answer was not kept"
    assert all(b.startswith("v1:") for b in stored if b), stored


def test_identical_requests_at_the_same_moment_run_once(bot: Bot) -> None:
    open_dispute(bot)
    first = bot.slack.command(bot.ids["pol_dc"], f"log {REF} Spoke on the phone")
    assert first.sent is not None
    # The same command signed a second earlier is a new request; four copies of it race.
    stamp = int(first.sent.headers["X-Slack-Request-Timestamp"]) - 1
    racing = bot.slack.signed(first.sent.body, first.sent.headers["Content-Type"], timestamp=stamp)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: bot.slack.send(racing), range(4)))
    assert same_answer(first, *answers)
    assert count(bot, DiscussionEntry) == 2
    assert len(logged_replies(bot)) == 2


def test_slack_retrying_an_event_does_nothing_twice(bot: Bot) -> None:
    first = bot.slack.open_home(bot.ids["pol_dc"])
    assert first.status == 200 and first.sent is not None
    retries = [bot.slack.retry(first.sent, attempt) for attempt in (1, 2)]
    assert all(r.status == 200 for r in retries)
    assert len(bot.emulator.calls("views.publish")) == 1
    assert bot.slack.open_home(bot.ids["pol_dc"]).status == 200  # a new event is served
    assert len(bot.emulator.calls("views.publish")) == 2


def test_the_same_command_signed_afresh_is_a_new_request(bot: Bot) -> None:
    open_dispute(bot)
    first = bot.slack.command(bot.ids["pol_dc"], f"log {REF} Spoke on the phone")
    assert first.sent is not None
    stamp = int(first.sent.headers["X-Slack-Request-Timestamp"]) - 1
    again = bot.slack.post(first.sent.body, first.sent.headers["Content-Type"], timestamp=stamp)
    assert again.status == 200
    assert count(bot, DiscussionEntry) == 2
    assert len(logged_replies(bot)) == 2


def test_replays_are_answered_the_same_when_slack_is_acknowledged_first(bot: Bot) -> None:
    """Production mode: the answer is recorded as it is acknowledged, before Slack gets it."""
    open_dispute(bot)
    server = SlackHTTPServer(create_app(bot.rt), host="127.0.0.1", port=0).start()
    try:
        slack = SlackDriver(
            url=f"http://127.0.0.1:{server.port}/slack/events",
            secret=SECRET,
            emulator=bot.emulator,
            bot=bot.slack.bot,
        )
        first = submit_escalation(bot, slack)
        assert first.status == 200 and first.sent is not None
        replays = [slack.send(first.sent) for _ in range(2)]
    finally:
        server.stop()
    assert same_answer(first, *replays)
    bot.deliver()
    assert stage(bot) == 1
    assert len(stage_two_notices(bot)) == 1
