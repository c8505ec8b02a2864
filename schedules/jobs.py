"""The jobs APScheduler wakes. Each is a thin call into a flow or service; the database says what
is due."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.flows.sweep import Sweeper
from bot.runtime import Runtime

log = logging.getLogger("resolve.jobs")


def deadline_sweep(sweeper: Sweeper) -> None:
    report = sweeper.run_once()
    if report.escalated or report.reminders_sent or report.awaiting_referral:
        log.info(
            "sweep: %d escalated, %d awaiting referral, %d reminders sent",
            report.escalated,
            report.awaiting_referral,
            report.reminders_sent,
        )


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
