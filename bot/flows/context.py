"""What every flow works with."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.disputes import DisputeService
from bot.services.notifications import Notifier
from bot.working_days import WorkingCalendar


@dataclass(frozen=True)
class FlowContext:
    """The service that changes disputes, and the notifier that queues what people are told."""

    service: DisputeService
    notifier: Notifier

    @property
    def calendar(self) -> WorkingCalendar:
        return self.service.calendar
