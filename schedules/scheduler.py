"""APScheduler wiring: three interval jobs that only wake the services up.

Every deadline, reminder, message and digest period lives in the database, so the scheduler
keeps no state of its own (a memory job store, never shared between processes) and a restart or
a second replica changes nothing. On simulated time the intervals shrink with the clock's speed.
"""

from __future__ import annotations

from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import SimulatedClock
from bot.flows.sweep import Sweeper
from bot.runtime import Runtime
from schedules import jobs

MIN_INTERVAL = 0.05
DELIVERY_INTERVAL = 1.0


def _real_seconds(rt: Runtime, simulated: float) -> float:
    speed = rt.clock.speed if isinstance(rt.clock, SimulatedClock) else 1.0
    return max(simulated / speed, MIN_INTERVAL)


def build_scheduler(
    rt: Runtime, *, run_digests: Callable[..., list[str]] | None = None
) -> BackgroundScheduler:
    """The deadline sweep, outbox delivery and (when given) digests, none overlapping itself."""
    scheduler = BackgroundScheduler(
        timezone=rt.settings.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    sweeper = Sweeper(
        factory=rt.factory,
        service=rt.service,
        notifier=rt.notifier,
        clock=rt.clock,
        batch=rt.settings.sweep_batch,
    )
    scheduler.add_job(
        jobs.deadline_sweep,
        IntervalTrigger(seconds=_real_seconds(rt, rt.settings.sweep_seconds)),
        args=[sweeper],
        id="deadline-sweep",
    )
    scheduler.add_job(
        jobs.outbox_delivery,
        IntervalTrigger(seconds=DELIVERY_INTERVAL),
        args=[rt],
        id="outbox-delivery",
    )
    if run_digests is not None:
        scheduler.add_job(
            jobs.digests,
            IntervalTrigger(seconds=_real_seconds(rt, rt.settings.sweep_seconds)),
            args=[rt, run_digests],
            id="digests",
        )
    return scheduler
