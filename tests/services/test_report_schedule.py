"""The partnership report goes to the leads once a period, whoever wakes up to send it."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.notifications import Notifier
from bot.services.report_schedule import ReportSchedule
from bot.settings import SettingsError, load_settings
from models.outbox import OutboxMessage
from tests.conftest import london
from tests.services.test_digests import CHILD, LEADS, open_dispute

SETTINGS = load_settings(leads_channel=LEADS, admins_channel=None)


def schedule(clock, calendar, settings=SETTINGS) -> ReportSchedule:
    notifier = Notifier(clock=clock, calendar=calendar, settings=settings)
    return ReportSchedule(clock=clock, calendar=calendar, settings=settings, notifier=notifier)


def queued(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_each_period_is_sent_once_across_two_replicas(
    factory, session, service, people, clock, calendar
):
    clock.set(london(2026, 5, 12, 10, 0))
    open_dispute(service, session, people["pol_dc"], people["csc_sw"])
    session.commit()
    first, second = schedule(clock, calendar), schedule(clock, calendar)
    before = len(queued(factory))

    clock.set(london(2026, 7, 1, 8, 29))  # Wednesday 1 July, a minute before the digest time
    assert first.send_due(factory) == []
    clock.set(london(2026, 7, 1, 8, 30))
    assert first.send_due(factory) == ["report:2026-01-01..2026-06-30"]
    assert second.send_due(factory) == []
    clock.set(london(2026, 9, 30, 9, 0))
    assert first.send_due(factory) == [] and second.send_due(factory) == []

    sent = queued(factory)[before:]
    assert [(m.kind, m.channel) for m in sent] == [
        ("channel", LEADS),
        ("file", LEADS),
        ("file", LEADS),
    ]
    text = sent[0].payload["text"]
    assert text.startswith("The partnership report for January 2026 to June 2026, sent every 6")
    assert "Disputes opened in the period, as they stood at its end: **1**." in json.dumps(
        sent[0].payload
    )
    assert [m.payload["filename"] for m in sent[1:]] == [
        "disputes-report-2026-01-01-to-2026-06-30.pdf",
        "disputes-report-2026-01-01-to-2026-06-30.csv",
    ]
    for message in sent:
        assert CHILD not in json.dumps(message.payload)
        if "content_b64" in message.payload:
            assert CHILD.encode() not in base64.b64decode(message.payload["content_b64"])

    clock.set(london(2027, 1, 4, 8, 30))  # 1 January is a bank holiday, then a weekend
    assert first.latest_period().due_at == london(2027, 1, 4, 8, 30)
    assert second.send_due(factory) == ["report:2026-07-01..2026-12-31"]
    assert first.send_due(factory) == []


def test_the_cadence_is_configurable_and_checked(clock, calendar):
    clock.set(london(2026, 11, 23, 10, 0))
    quarterly = schedule(clock, calendar, load_settings(report_every_months=3))
    period = quarterly.latest_period()
    assert (period.key, period.due_at) == (
        "report:2026-07-01..2026-09-30",
        london(2026, 10, 1, 8, 30),
    )
    with pytest.raises(SettingsError) as refused:
        load_settings(report_every_months=5)
    assert "one of 1, 2, 3, 4, 6 or 12" in str(refused.value)
