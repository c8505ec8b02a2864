"""The jobs APScheduler wakes. Each is a thin call into a flow or service; the database says what
is due."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.flows.sweep import Sweeper, SweepReport
from bot.runtime import Runtime

log = logging.getLogger("resolve.jobs")


_SAID = (
    ("escalated", "stage escalated", "stages escalated"),
    ("awaiting_referral", "stage awaiting referral", "stages awaiting referral"),
    ("reminders_sent", "reminder sent", "reminders sent"),
)


def sweep_line(report: SweepReport) -> str | None:
    """One line naming only what happened ("Sweep: 3 stages escalated, 2 reminders sent"); None
    for a sweep that found nothing due, so a quiet partnership's log stays empty."""
    said = [
        f"{count} {one if count == 1 else many}"
        for field, one, many in _SAID
        if (count := getattr(report, field))
    ]
    return "Sweep: " + ", ".join(said) if said else None


def deadline_sweep(sweeper: Sweeper) -> None:
    line = sweep_line(sweeper.run_once())
    if line is not None:
        log.info(line)


def outbox_delivery(rt: Runtime) -> None:
    report = rt.delivery.deliver_due()
    if report.sent or report.dead:
        log.info(
            "delivery: %d sent, %d retrying, %d dead", report.sent, report.retried, report.dead
        )


def digests(rt: Runtime, send_due: Callable[..., list[str]]) -> None:
    """Each digest due is read in a transaction of its own; `send_due` opens them."""
    handled = send_due(rt.factory)
    if handled:  # a quiet day skipped by setting is handled too, with nothing sent
        log.info("digest periods handled: %s", ", ".join(handled))
