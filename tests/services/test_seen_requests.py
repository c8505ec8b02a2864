"""Seen requests are claimed once and forgotten after an hour."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.services.seen_requests import RETENTION, Answer, answer_for, claim, record
from models.seen_request import SeenRequest


def test_a_key_is_claimed_once_and_its_answer_kept(
    factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    assert claim(factory, "signed:a", now=clock.now())
    assert answer_for(factory, "signed:a") is None  # claimed, not yet answered
    assert not claim(factory, "signed:a", now=clock.now())
    record(factory, "signed:a", Answer(200, '{"ok": true}', {"content-type": "application/json"}))
    assert answer_for(factory, "signed:a") == Answer(
        200, '{"ok": true}', {"content-type": "application/json"}
    )


def test_keys_older_than_an_hour_are_purged_when_a_new_request_comes(
    factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    claim(factory, "signed:old", now=clock.now())
    claim(factory, "signed:recent", now=clock.now() + RETENTION - timedelta(minutes=5))
    claim(factory, "signed:new", now=clock.now() + RETENTION + timedelta(seconds=1))
    with factory() as session:
        kept = set(session.scalars(select(SeenRequest.key)))
    assert kept == {"signed:recent", "signed:new"}
