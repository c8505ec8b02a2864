"""A busy person's `/dispute list` and Home tab show the first few of each group and say how
many more there are; the list pages through the rest of a group in place; and nobody is shown
a dispute they are not part of."""

from __future__ import annotations

import copy

from sqlalchemy import select

from bot.database import transaction
from bot.messages.home import HOME_ITEMS, LIST_ITEMS
from bot.messages.list_paging import LIST_ALL, LIST_NEXT, LIST_PREVIOUS
from models.directory import Person
from models.dispute import Dispute
from tests.e2e.conftest import Bot

BUSY = LIST_ITEMS + 12


def open_between(bot: Bot, raiser: str, counterpart: str, count: int) -> list[str]:
    """`count` disputes between two people, each about a different child; their references."""
    with transaction(bot.rt.factory) as session:
        people = {
            key: session.scalars(select(Person).where(Person.slack_user_id == bot.ids[key])).one()
            for key in (raiser, counterpart)
        }
        return [
            bot.rt.service.open(
                session=session,
                protocol_key="suffolk",
                category="referral-threshold",
                raiser=people[raiser],
                counterpart=people[counterpart],
                child_ref=f"CS-7{n:05d}",
                summary=f"Threshold disagreement {n}",
            ).transition.dispute.reference
            for n in range(count)
        ]


def shown(payload: object, references: list[str]) -> set[str]:
    return {ref for ref in references if f"*{ref}*" in str(payload)}


def buttons(message: dict) -> list[dict]:
    found = [b["accessory"] for b in message["blocks"] if "accessory" in b]
    return found + [e for b in message["blocks"] for e in b.get("elements", []) if "value" in e]


def press(bot: Bot, key: str, message: dict, action_id: str, value: str | None = None) -> dict:
    """Presses a list button (the first with `action_id`, or the one carrying `value`); the
    reply as it reads afterwards, redrawn in place."""
    chosen = [b for b in buttons(message) if b["action_id"] == action_id]
    chosen = [b for b in chosen if value is None or b["value"] == value]
    assert chosen, f"no {action_id} button"
    block = {"type": "actions", "elements": [chosen[0]]}
    reply = bot.slack.press(bot.ids[key], {**message, "blocks": [block]}, action_id)
    assert reply.status == 200
    [now] = [m for m in bot.emulator.messages() if m["ts"] == message["ts"]]
    return now


def texts(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        if block["type"] == "section":
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found += [element["text"] for element in block["elements"]]
    return found


def test_the_list_shows_the_first_of_each_group_and_counts_the_rest(bot: Bot) -> None:
    busy = open_between(bot, "pol_dc", "csc_sw", BUSY)
    others = open_between(bot, "pol_ds", "csc_tm", 3)

    bot.slack.command(bot.ids["csc_sw"], "list")
    reply = bot.replies("csc_sw")[-1]
    assert reply["text"] == (
        f"You have {BUSY} open disputes; {BUSY} waiting for your acknowledgement."
    )
    lines = "\n".join(texts(reply["blocks"]))
    # Soonest deadline first: all opened at once, so the first opened come first.
    assert shown(reply, busy) == set(busy[:LIST_ITEMS])
    assert lines.count("…and 12 more.") == 2  # waiting for acknowledgement; counterpart
    assert [b["text"]["text"] for b in buttons(reply)] == ["Next 12", "Next 12"]
    assert not shown(reply, others)
    assert "CS-7" not in str(reply)


def test_the_home_tab_shows_the_first_of_each_group_and_counts_the_rest(bot: Bot) -> None:
    busy = open_between(bot, "pol_dc", "csc_sw", BUSY)
    others = open_between(bot, "pol_ds", "csc_tm", 3)

    bot.slack.open_home(bot.ids["csc_sw"])
    home = bot.emulator.home_views(bot.ids["csc_sw"])[-1]
    hidden = BUSY - HOME_ITEMS
    more = [t for t in texts(home["blocks"]) if t.startswith("and ")]
    # Awaiting acknowledgement, open disputes, deadlines in the next two weeks.
    assert more == [f"and {hidden} more: use `/dispute list`"] * 3
    assert shown(home["blocks"], busy) == set(busy[:HOME_ITEMS])
    assert str(home["blocks"]).count("notice_acknowledge") == HOME_ITEMS
    assert not shown(home["blocks"], others)
    assert "CS-7" not in str(home["blocks"])


def test_someone_in_none_of_them_sees_none_of_them(bot: Bot) -> None:
    busy = open_between(bot, "pol_dc", "csc_sw", BUSY)

    bot.slack.command(bot.ids["outsider"], "list")
    reply = bot.replies("outsider")[-1]
    assert reply["text"] == "You have 0 open disputes; 0 waiting for your acknowledgement."
    assert not shown(reply, busy)
    bot.slack.open_home(bot.ids["outsider"])
    home = bot.emulator.home_views(bot.ids["outsider"])[-1]
    assert not shown(home["blocks"], busy)
    assert "You have no open disputes." in texts(home["blocks"])


def test_the_list_pages_through_a_long_group_in_place(bot: Bot) -> None:
    busy = open_between(bot, "pol_dc", "csc_sw", LIST_ITEMS * 2 + 7)
    bot.slack.command(bot.ids["csc_sw"], "list")
    reply = bot.replies("csc_sw")[-1]
    count = len(bot.replies("csc_sw"))

    second = press(bot, "csc_sw", reply, LIST_NEXT, "counterpart:2")
    assert second["text"] == "You are the counterpart: 51–100 of 107, soonest deadline first."
    assert shown(second, busy) == set(busy[LIST_ITEMS : 2 * LIST_ITEMS])
    assert [b["text"]["text"] for b in buttons(second)] == [
        "Previous 50",
        "Next 7",
        "Back to the whole list",
    ]
    third = press(bot, "csc_sw", second, LIST_NEXT)
    assert third["text"] == "You are the counterpart: 101–107 of 107, soonest deadline first."
    assert shown(third, busy) == set(busy[2 * LIST_ITEMS :])
    assert [b["action_id"] for b in buttons(third)] == [LIST_PREVIOUS, LIST_ALL]
    assert shown(press(bot, "csc_sw", third, LIST_PREVIOUS), busy) == shown(second, busy)

    whole = press(bot, "csc_sw", third, LIST_ALL)
    assert whole["text"] == "You have 107 open disputes; 107 waiting for your acknowledgement."
    assert len(bot.replies("csc_sw")) == count  # every page drawn over the one reply
    assert "CS-7" not in str(bot.emulator.messages())


def test_acknowledgements_page_too_and_a_page_is_read_afresh(bot: Bot) -> None:
    busy = open_between(bot, "pol_dc", "csc_sw", LIST_ITEMS + 3)
    bot.slack.command(bot.ids["csc_sw"], "list")
    reply = bot.replies("csc_sw")[-1]
    with transaction(bot.rt.factory) as session:  # three close while the reply sits there
        for dispute in session.scalars(select(Dispute).where(Dispute.reference.in_(busy[-3:]))):
            dispute.status = "closed"

    page = press(bot, "csc_sw", reply, LIST_NEXT, "awaiting:2")
    assert page["text"] == "Waiting for your acknowledgement: nothing on this page any more."
    assert [b["action_id"] for b in buttons(page)] == [LIST_PREVIOUS, LIST_ALL]
    first = press(bot, "csc_sw", page, LIST_PREVIOUS)
    assert first["text"] == "Waiting for your acknowledgement: 1–50 of 50, soonest deadline first."
    assert "acknowledge by" in str(first["blocks"])


def test_a_page_button_shows_only_the_presser_their_own_disputes(bot: Bot) -> None:
    busy = open_between(bot, "pol_dc", "csc_sw", LIST_ITEMS + 3)
    bot.slack.command(bot.ids["csc_sw"], "list")
    reply = bot.replies("csc_sw")[-1]

    mine = press(bot, "outsider", reply, LIST_NEXT, "counterpart:2")
    assert mine["text"] == "You are the counterpart: nothing on this page any more."
    assert not shown(mine, busy)


def test_a_forged_page_button_is_refused_and_changes_nothing(bot: Bot) -> None:
    open_between(bot, "pol_dc", "csc_sw", LIST_ITEMS + 3)
    bot.slack.command(bot.ids["csc_sw"], "list")
    reply = bot.replies("csc_sw")[-1]
    before = copy.deepcopy(reply)
    for value in ("everyone:2", "counterpart:0", "counterpart:x", "counterpart"):
        [button] = [b for b in buttons(reply) if b["value"] == "counterpart:2"]
        element = {**button, "value": value}
        forged = {**reply, "blocks": [{"type": "actions", "elements": [element]}]}
        assert bot.slack.press(bot.ids["csc_sw"], forged, LIST_NEXT).status == 200
        assert bot.replies("csc_sw")[-1]["text"] == "That button is not valid any more."
    [now] = [m for m in bot.emulator.messages() if m["ts"] == reply["ts"]]
    assert now["blocks"] == before["blocks"]
