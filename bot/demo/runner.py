"""Drives one dispute through its protocol against the emulator, with the real app and scheduler.

People act through signed requests to the Bolt app, exactly as from Slack; time jumps to each
next deadline or reminder and the scheduler's jobs do the rest.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.clock import FrozenClock, SystemClock
from bot.database import read_only, transaction, upgrade
from bot.demo.job_runs import JobRuns
from bot.demo.transcript import Transcript
from bot.http_server import SlackHTTPServer
from bot.messages import disputes as views
from bot.runtime import Runtime, build_runtime
from bot.services.digests import DigestService
from bot.services.directory_files import read_directory_file
from bot.services.directory_import import import_directory
from bot.settings import load_settings
from bot.slack_emulator import SlackEmulator
from bot.slack_emulator.driver import SlackDriver
from models.directory import Agency, Person
from models.dispute import Dispute
from models.encrypted import KeyRing
from models.outbox import OutboxMessage, OutboxStatus
from models.protocol import Protocol
from models.roles import AgencyKind, Role
from models.schedule import Reminder, ReminderKind, ReminderStatus
from schedules.scheduler import build_scheduler

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "northshire-directory.yaml"
CHILD_REF = "NS-2026-4471"
SUMMARY = (
    "Police referred a 6-year-old after a third domestic abuse call-out; children's services "
    "closed the referral at screening as below the threshold for assessment."
)
SETTLE_TIMEOUT = 30.0
Out = Callable[[str], None]


class Demo:
    def __init__(self, *, protocol: str, start: datetime, workdir: Path, out: Out) -> None:
        self.protocol_key = protocol
        self.out = out
        self.clock = FrozenClock(start)
        self.emulator = SlackEmulator().start()
        self.bot_client = WebClient(token="xoxb-demo", base_url=self.emulator.base_url)
        url = f"sqlite:///{workdir / 'demo.sqlite3'}"
        upgrade(url)
        leads = self.emulator.add_channel("safeguarding-leads", members=[self.emulator.bot_user_id])
        admins = self.emulator.add_channel(
            "partnership-business-unit", members=[self.emulator.bot_user_id]
        )
        secret = secrets.token_hex(16)
        self.settings = load_settings(
            database_url=url,
            protocol=protocol,
            slack_bot_token="xoxb-demo",
            slack_signing_secret=secret,
            slack_api_url=self.emulator.base_url,
            leads_channel=leads["id"],
            admins_channel=admins["id"],
            sweep_seconds=1,
            outbox_pacing_seconds=0,
            data_keys=KeyRing.generate("demo"),  # a key for this run only, like its database
        )
        self.rt: Runtime = build_runtime(self.settings, clock=self.clock, migrate=False)
        self.names = self._load_directory()
        self.server = SlackHTTPServer(
            create_app(self.rt, process_before_response=True), host="127.0.0.1", port=0
        ).start()
        self.slack = SlackDriver(
            url=f"http://127.0.0.1:{self.server.port}/slack/events",
            secret=secret,
            emulator=self.emulator,
            bot=self.bot_client,
        )
        self.digests = DigestService(
            clock=self.clock,
            calendar=self.rt.calendar,
            settings=self.settings,
            notifier=self.rt.notifier,
        )
        self.scheduler = build_scheduler(self.rt, run_digests=self.digests.send_due)
        self.job_runs = JobRuns(self.scheduler)
        self.transcript = Transcript(self.emulator, self.bot_client, self.names, out)

    # set-up ------------------------------------------------------------------------------

    def _load_directory(self) -> dict[str, str]:
        with transaction(self.rt.factory) as session:
            report = import_directory(read_directory_file(SAMPLE), session=session)
            assert report.applied, "the sample directory must import cleanly"
            people = session.scalars(select(Person).where(Person.slack_user_id.is_not(None)))
            names = {}
            for person in people:
                self.emulator.add_user(person.slack_user_id, person.name, person.email)
                names[person.slack_user_id] = f"{person.name}, {person.job_title}"
        return names

    def _practitioner(self, session: Session, kind: AgencyKind) -> Person:
        person = session.scalar(
            select(Person)
            .join(Agency)
            .where(
                Agency.kind == kind,
                Person.role == Role.PRACTITIONER,
                Person.slack_user_id.is_not(None),
            )
            .order_by(Person.id)
        )
        assert person is not None, f"the sample directory needs a {kind} practitioner"
        return person

    # the story ---------------------------------------------------------------------------

    def run(self) -> int:
        self.scheduler.start()
        try:
            return self._story()
        finally:
            self.scheduler.shutdown(wait=True)
            self.server.stop()
            self.emulator.stop()
            self.rt.engine.dispose()

    def say(self, text: str) -> None:
        self.out("")
        self.out(f"{self.when()} · {text}")

    def when(self) -> str:
        return self.rt.calendar.describe(self.clock.now())

    def _story(self) -> int:
        protocol = self.rt.catalog.get(self.protocol_key)
        assert protocol is not None
        raiser_id, counterpart_id = self._introduce(protocol)
        reference = self._open(protocol, raiser_id, counterpart_id)
        self.clock.advance(timedelta(hours=1))
        self.acknowledge_all(reference)
        self.clock.advance(timedelta(hours=2))
        self.say(f"{self.names[raiser_id]} logs a quick note of their phone call.")
        self.slack.command(
            raiser_id, f"log {reference} Phone call: we still disagree about the threshold."
        )
        self.settle()
        self.approve_latest(counterpart_id)
        self._through_the_stages(reference)
        self._show_record(raiser_id, reference)
        return 0

    def _introduce(self, protocol: Protocol) -> tuple[str, str]:
        """The two practitioners who disagree, as Slack user ids, once the story names them."""
        with read_only(self.rt.factory) as session:
            raiser = self._practitioner(session, AgencyKind.POLICE)
            counterpart = self._practitioner(session, AgencyKind.CHILDRENS_SOCIAL_CARE)
            raiser_id, counterpart_id = raiser.slack_user_id, counterpart.slack_user_id
            self.out(f"Resolve demo: {protocol.name} ({protocol.partnership}).")
            self.out(f"{raiser.described} disagrees with {counterpart.described}.")
        assert raiser_id and counterpart_id
        return raiser_id, counterpart_id

    def _open(self, protocol: Protocol, raiser_id: str, counterpart_id: str) -> str:
        """The raiser opens the dispute through the form; returns its reference."""
        self.say(f"{self.names[raiser_id]} types /dispute open and fills in the form.")
        self.slack.command(raiser_id, "open")
        modal = self.emulator.views_opened()[-1]
        self.slack.submit(
            raiser_id,
            modal,
            {
                "counterpart": counterpart_id,
                "category": protocol.categories[0].key,
                "child_ref": CHILD_REF,
                "summary": SUMMARY,
            },
        )
        self.settle()
        return self._reference()

    def _through_the_stages(self, reference: str) -> None:
        """Lets each stage lapse, referring where the protocol asks, until the final one closes."""
        while True:
            dispute = self._dispute(reference)
            if not dispute["open"]:
                return
            if dispute["final"]:
                self.final_stage(reference)
                return
            if dispute["awaiting_referral"]:
                self.refer(reference)
                continue
            self.fast_forward()
            self.acknowledge_all(reference)

    def _show_record(self, raiser_id: str, reference: str) -> None:
        # As Markdown, which a terminal shows; `/dispute record REF` alone sends the PDF.
        self.say(
            f"{self.names[raiser_id]} asks for the record as text: /dispute record {reference} md"
        )
        self.slack.command(raiser_id, f"record {reference} md")
        self.settle()
        wanted = f"{reference}-record.md"  # digests upload charts too, in their own time
        record = next(f for f in self.emulator.files() if f["name"] == wanted)["content"].decode()
        self.out("")
        self.out("=" * 78)
        self.out(record)
        self.out("=" * 78)
        self.out(
            "Every message above went through the real Slack Web API client to the local "
            "emulator; nothing left this machine."
        )

    # steps -------------------------------------------------------------------------------

    def _reference(self) -> str:
        with read_only(self.rt.factory) as session:
            reference = session.scalar(select(Dispute.reference).order_by(Dispute.id.desc()))
        assert reference is not None, "the dispute did not open"
        return reference

    def _dispute(self, reference: str) -> dict[str, Any]:
        with read_only(self.rt.factory) as session:
            dispute = session.scalar(select(Dispute).where(Dispute.reference == reference))
            assert dispute is not None
            protocol = self.rt.service.protocol_of(dispute)
            final = dispute.stage_index >= protocol.final_index
            return {
                "open": dispute.is_open,
                "final": final,
                "awaiting_referral": dispute.is_open and not final and dispute.deadline_at is None,
            }

    def _notices(self, reference: str, action_id: str) -> list[tuple[str, dict[str, Any]]]:
        """Messages with the button `action_id` for this dispute, newest first, with their user."""
        found = []
        for message in reversed(self.emulator.messages()):
            for block in message.get("blocks") or []:
                for element in block.get("elements", []):
                    if element.get("action_id") == action_id and str(
                        element.get("value", "")
                    ).startswith(reference):
                        info = self.bot_client.conversations_info(channel=message["channel"])
                        found.append((info["channel"].get("user", ""), message))
        return found

    def acknowledge_all(self, reference: str) -> None:
        with read_only(self.rt.factory) as session:
            dispute = session.scalar(select(Dispute).where(Dispute.reference == reference))
            assert dispute is not None
            waiting = [
                n.person.slack_user_id
                for n in dispute.current_transition.acting_notices
                if n.acknowledged_at is None and n.person.slack_user_id
            ]
        if not waiting:
            return
        self.clock.set(self._working(timedelta(minutes=30)))
        notices = {user: message for user, message in self._notices(reference, views.ACKNOWLEDGE)}
        for user in waiting:
            if user in notices:
                self.say(f"{self.names[user]} presses Acknowledge.")
                self.slack.press(user, notices[user], views.ACKNOWLEDGE)
        self.settle()

    def approve_latest(self, user: str) -> None:
        for owner, message in self._notices("", views.APPROVE):
            if owner == user:
                self.clock.advance(timedelta(minutes=20))
                self.say(f"{self.names[user]} presses Approve record.")
                self.slack.press(user, message, views.APPROVE)
                self.settle()
                return

    def refer(self, reference: str) -> None:
        user, message = self._notices(reference, views.ESCALATE)[0]
        self.clock.set(self._working(timedelta(hours=1)))
        self.say(f"{self.names.get(user, user)} presses Escalate now to refer it.")
        self.slack.press(user, message, views.ESCALATE)
        modal = self.emulator.views_opened()[-1]
        self.slack.submit(user, modal, {"reason": "Still unresolved after every local step."})
        self.settle()
        self.acknowledge_all(reference)

    def final_stage(self, reference: str) -> None:
        """Waits for the partnership's first review of the final stage, then closes it."""
        for _ in range(10):
            if self._reviewed(reference):
                break
            self.fast_forward()
        with read_only(self.rt.factory) as session:
            dispute = session.scalar(select(Dispute).where(Dispute.reference == reference))
            assert dispute is not None
            transition = dispute.current_transition
            acting = [n.person for n in transition.acting_notices] or [transition.actor]
            closer = acting[0].slack_user_id if acting[0] else None
        assert closer is not None
        self.clock.set(self._working(timedelta(hours=1)))
        self.say(f"{self.names[closer]} closes it with /dispute resolve {reference}.")
        calendar = self.rt.calendar
        due = f"{calendar.add_working_days(calendar.local(self.clock.now()).date(), 3):%d/%m/%Y}"
        self.slack.command(closer, f"resolve {reference}")
        modal = self.emulator.views_opened()[-1]
        self.slack.submit(
            closer,
            modal,
            {
                "outcome": "resolved",
                "summary": "Children's services will complete a single assessment.",
                "actions": f"Allocate a social worker for a single assessment; Duty manager; {due}",
                "learning": "Screening did not weigh the pattern of repeated police call-outs.",
                "refer": ["yes"],
            },
        )
        self.settle()

    def _working(self, later: timedelta) -> datetime:
        """When a person next acts: `later` into their working day (people go home at five)."""
        soon = self.clock.now() + timedelta(minutes=1)
        return self.rt.calendar.next_working_moment(soon) + later

    def _reviewed(self, reference: str) -> bool:
        with read_only(self.rt.factory) as session:
            found = session.scalar(
                select(Reminder.id)
                .join(Dispute, Dispute.id == Reminder.dispute_id)
                .where(
                    Dispute.reference == reference,
                    Reminder.kind == ReminderKind.FINAL_REVIEW,
                    Reminder.status == ReminderStatus.SENT,
                )
            )
        return found is not None

    # time --------------------------------------------------------------------------------

    def _next_due(self) -> datetime | None:
        with read_only(self.rt.factory) as session:
            candidates = [
                session.scalar(
                    select(func.min(Dispute.deadline_at)).where(Dispute.status == "open")
                ),
                session.scalar(
                    select(func.min(Reminder.due_at)).where(
                        Reminder.status == ReminderStatus.PENDING
                    )
                ),
            ]
        due = [c for c in candidates if c is not None]
        if not due:
            return None
        return min([*due, self.digests.next_time(self.clock.now())])

    def fast_forward(self) -> None:
        """Jumps to the next deadline or reminder and lets the scheduler act on it."""
        due = self._next_due()
        if due is None:
            return
        self.clock.set(max(due, self.clock.now()))
        self.settle()

    def settle(self) -> None:
        """Has the scheduler run its jobs now, and waits until everything due is delivered."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            kicked = time.monotonic()
            self._kick()
            self.job_runs.wait_all_since(kicked, timeout=deadline - time.monotonic())
            if self._quiet():
                break
        self.transcript.show(self.when())

    def _kick(self) -> None:
        """Brings every job's next run forward to now (the scheduler runs on real time)."""
        now = SystemClock().now()
        for job in self.scheduler.get_jobs():
            job.modify(next_run_time=now)

    def _quiet(self) -> bool:
        """Nothing lapsed, no reminder and no message waiting to go out."""
        now = self.clock.now()
        due = (
            (Dispute, Dispute.status == "open", Dispute.deadline_at <= now),
            (Reminder, Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now),
            (
                OutboxMessage,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.not_before <= now,
            ),
        )
        with read_only(self.rt.factory) as session:
            counts = [
                session.scalar(select(func.count()).select_from(model).where(*where))
                for model, *where in due
            ]
        return not any(counts)
