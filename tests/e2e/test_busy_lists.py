"""A busy person's `/dispute list` and Home tab show the first few of each group and say how
many more there are, and still show nobody a dispute they are not part of."""

from __future__ import annotations

from sqlalchemy import select

from bot.database import transaction
from bot.messages.home import HOME_ITEMS, LIST_ITEMS
from models.directory import Person
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
    assert lines.count("…and 12 more. See the Resolve App Home tab.") == 2
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
