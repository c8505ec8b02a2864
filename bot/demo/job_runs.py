"""Knows when each scheduler job last finished, so the demo waits for its jobs, not the clock."""

from __future__ import annotations

import threading
import time

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.base import BaseScheduler


class JobRuns:
    """Records the monotonic time at which each job's latest run finished (or failed)."""

    def __init__(self, scheduler: BaseScheduler) -> None:
        self._scheduler = scheduler
        self._finished: dict[str, float] = {}
        self._changed = threading.Condition()
        scheduler.add_listener(self._record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _record(self, event: JobExecutionEvent) -> None:
        with self._changed:
            self._finished[event.job_id] = time.monotonic()
            self._changed.notify_all()

    def wait_all_since(self, since: float, timeout: float) -> bool:
        """Waits until every job has finished a run after `since`; False if `timeout` passes."""
        jobs = [job.id for job in self._scheduler.get_jobs()]
        with self._changed:
            return self._changed.wait_for(
                lambda: all(self._finished.get(job, float("-inf")) >= since for job in jobs),
                timeout=max(timeout, 0.0),
            )
