"""The flows wired to the test database, clock and the small partnership's directory."""

from __future__ import annotations

import pytest

from bot.clock import FrozenClock
from bot.flows.context import FlowContext
from bot.services.disputes import DisputeService
from bot.services.notifications import Notifier
from bot.settings import load_settings
from bot.working_days import WorkingCalendar
from tests.services.conftest import people  # noqa: F401 - the directory fixture


@pytest.fixture
def ctx(clock: FrozenClock, calendar: WorkingCalendar, service: DisputeService) -> FlowContext:
    settings = load_settings(leads_channel="C0LEADS", admins_channel="C0ADMINS")
    return FlowContext(
        service=service, notifier=Notifier(clock=clock, calendar=calendar, settings=settings)
    )
