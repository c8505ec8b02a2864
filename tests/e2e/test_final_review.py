"""The final stage's review: it gives the date of the next review, not of the one now due."""

from __future__ import annotations

from bot.messages.dates import as_fallback
from tests.conftest import london
from tests.e2e.conftest import Bot, sweep_at
from tests.e2e.test_journey import open_dispute


def test_the_final_review_gives_the_next_review_date(bot: Bot) -> None:
    open_dispute(bot)
    for deadline in (
        london(2026, 11, 30, 17, 0),
        london(2026, 12, 7, 17, 0),
        london(2026, 12, 14, 17, 0),
        london(2026, 12, 21, 17, 0),
    ):
        sweep_at(bot, deadline)
    # Five working days from Monday 21 December skip Christmas and the Boxing Day substitute.
    # The chair is chased for acknowledgement in that same half day, so the review waits for
    # the next one: the morning of Thursday 31 December.
    sweep_at(bot, london(2026, 12, 30, 17, 0))
    assert not [m for m in bot.dms("chair") if "awaits review" in m["text"]]
    sweep_at(bot, london(2026, 12, 31, 9, 0))
    [review] = [m for m in bot.dms("chair") if "awaits review" in m["text"]]
    shown = as_fallback(str(review["blocks"]))
    # Then five more, skipping New Year's Day and the weekend.
    assert "next review Friday 8 January 2027 at 5:00pm (GMT)" in shown
    assert "Thursday 31 December 2026 at 5:00pm" not in shown
