"""Sends the outbox to Slack: at least once, in order, retrying what Slack asks us to retry.

Delivery is at-least-once: a row is marked sent only after Slack accepts it, so a crash between
the two sends it again after its lease expires. For child-protection notices a rare duplicate is
better than a lost escalation. Leases (claimed with FOR UPDATE SKIP LOCKED on PostgreSQL) keep
replicas from sending the same row at the same time.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, inspect, or_, select, update
from sqlalchemy.orm import Session, defer, sessionmaker

from bot.clock import Clock
from bot.database import Changes, changed_columns, read_only, transaction
from bot.messages.outbox import conversation_not_set_up, undeliverable
from bot.services.digest_chart import weekly_chart
from bot.services.notifications import Notifier
from bot.services.superseding import retired
from bot.settings import ConversationKind, Settings
from models.directory import Person
from models.dispute import Dispute, StageNotice, StageTransition
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.roles import Role

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_BACKOFF = 900
GROUP_DM_LIMIT = 8
DIRECT_CHANNELS_KEPT = 50_000
WAIT_FOR_SETUP = 5.0
SETUP_FAILED = "the dispute's conversation could not be set up"


class Retry(Exception):
    """Try again after `after` seconds (None: back off exponentially); `counts` says whether it
    uses up an attempt."""

    def __init__(self, reason: str, after: float | None = None, *, counts: bool = True) -> None:
        super().__init__(reason)
        self.after = after
        self.counts = counts


class Permanent(Exception):
    """Slack will never accept this as it is; dead-letter it and tell the admins."""


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    announced: int = 0  # lapsed stages whose messages were drawn and queued
    errors: list[str] = field(default_factory=list)


_OUTBOX = OutboxMessage.__table__.c
# One statement built once: the row marked sent, guarded by its still being pending.
_MARK_SENT = (
    update(OutboxMessage.__table__)
    .where(_OUTBOX.id == bindparam("row"), _OUTBOX.status == OutboxStatus.PENDING.value)
    .values(
        status=OutboxStatus.SENT.value,
        result=bindparam("result", type_=_OUTBOX.result.type),
        sent_at=bindparam("at", type_=_OUTBOX.sent_at.type),
        lease_until=None,
        attempts=_OUTBOX.attempts + 1,
    )
)


def _store(session: Session, learned: Changes) -> None:
    """Writes what a send learned (a Slack id, the dispute's conversation, where a notice was
    posted), one UPDATE a row; a row erased meanwhile, under the retention policy, is left
    erased."""
    for model, key, values in learned:
        session.execute(
            update(model)
            .where(*(c == v for c, v in zip(inspect(model).primary_key, key, strict=True)))
            .values(values)
            .execution_options(synchronize_session=False)
        )


def _retry_after(error: SlackApiError) -> float:
    headers = {k.lower(): v for k, v in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0]
    try:
        return max(float(value), 1.0)
    except (TypeError, ValueError):
        return 30.0


class OutboxDelivery:
    """One instance per process; `deliver_due` is what the scheduler calls."""

    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        client: WebClient,
        clock: Clock,
        settings: Settings,
        notifier: Notifier,
        pacing_seconds: float = 1.0,
    ) -> None:
        self.factory = factory
        self.client = client
        self.notifier = notifier
        self.clock = clock
        self.settings = settings
        self.pacing_seconds = pacing_seconds
        self._last_post: dict[str, float] = {}
        self._direct_channels: dict[str, str] = {}  # Slack user id: their conversation with the bot

    # claiming -------------------------------------------------------------------------------

    def claim(self, limit: int) -> list[int]:
        """Leases up to `limit` due rows to this process, oldest first; messages before the
        announcements of lapsed stages, so that a surge of lapses has its first messages on
        their way while the rest are still to be drawn."""
        now = self.clock.now()
        with transaction(self.factory) as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.not_before <= now,
                    or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
                )
                .order_by(OutboxMessage.kind == OutboxKind.STAGE_ENTERED, OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                row.lease_until = now + LEASE
            return [row.id for row in rows]

    def deliver_due(self, limit: int = 200) -> DeliveryReport:
        """Sends what is due; when that drew lapsed stages' messages, they go out in the same
        run."""
        report = DeliveryReport()
        for row_id in self.claim(limit):
            self._deliver(row_id, report)
        if report.announced:
            for row_id in self.claim(limit):
                self._deliver(row_id, report)
        return report

    def drain(self, rounds: int = 20) -> DeliveryReport:
        """Delivers until nothing is due (messages can cause further messages)."""
        total = DeliveryReport()
        for _ in range(rounds):
            report = self.deliver_due()
            total.sent += report.sent
            total.retried += report.retried
            total.dead += report.dead
            total.announced += report.announced
            total.errors += report.errors
            if not (report.sent or report.dead or report.announced):
                break
        return total

    # one row --------------------------------------------------------------------------------

    def _deliver(self, row_id: int, report: DeliveryReport) -> None:
        """Sends one leased row from a read-only snapshot, then records what happened in a short
        transaction of its own: SQLite's write lock is never held while Slack answers, nor while
        pacing waits, so people using the bot meanwhile are not held up by a backlog."""
        with read_only(self.factory) as session, session.no_autoflush:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.status != OutboxStatus.PENDING:
                return
            if row.kind == OutboxKind.STAGE_ENTERED:
                session.rollback()
                self.announce(row_id, report)
                return
            outcome: dict[str, Any] | Retry | Permanent
            try:
                outcome = self._send(session, row)
            except (Retry, Permanent) as failure:
                outcome = failure
            learned = changed_columns(session)
        with transaction(self.factory) as session:
            if isinstance(outcome, dict):
                if self._mark_sent(session, row_id, outcome):
                    _store(session, learned)
                    report.sent += 1
                return
            # The payload was read to send it; a failure needs it only to decide whether its
            # dead letter is itself an alert, so it is not decrypted again here.
            row = session.get(OutboxMessage, row_id, options=[defer(OutboxMessage.payload)])
            if row is None or row.status != OutboxStatus.PENDING:
                return  # its lease ran out and another process finished it meanwhile
            _store(session, learned)
            if isinstance(outcome, Retry):
                self._reschedule(session, row, outcome, report)
            else:
                self._dead(session, row, str(outcome), report)

    def announce(self, row_id: int, report: DeliveryReport) -> None:
        """Draws and queues the messages of a stage entered on a lapse, in the transaction that
        marks its row sent: they are written exactly once however many replicas try. The row is
        locked first (SQLite's writers are serialised already), so a replica whose lease ran out
        meanwhile finds it sent and leaves it."""
        with transaction(self.factory) as session:
            row = session.get(OutboxMessage, row_id, with_for_update=True)
            if row is None or row.status != OutboxStatus.PENDING:
                return
            transition = session.get(StageTransition, row.payload["transition"])
            # A stage already over (the dispute moved on by hand, or closed, before this came
            # round) asks nothing of anyone: the change that ended it told its members; one
            # erased under the retention policy has nobody to tell.
            current = transition is not None and transition.ended_at is None
            if current:
                self.notifier.announce_lapse(session, transition)
            self._mark_sent(session, row_id, {"announced": current})
            report.announced += 1

    def _mark_sent(self, session: Session, row_id: int, result: dict[str, Any]) -> bool:
        """Records Slack's answer on the row without loading it again; False when the row is no
        longer pending (its lease ran out and another process finished it meanwhile)."""
        values = {"row": row_id, "result": result, "at": self.clock.now()}
        sent = session.execute(_MARK_SENT, values)
        return bool(sent.rowcount)  # type: ignore[attr-defined]

    def _reschedule(
        self, session: Session, row: OutboxMessage, retry: Retry, report: DeliveryReport
    ) -> None:
        if retry.counts:
            row.attempts += 1
        row.last_error = str(retry)
        row.lease_until = None
        if row.attempts >= self.settings.outbox_max_attempts and not self._waits_on_setup(row):
            self._dead(session, row, f"gave up after {row.attempts} attempts: {retry}", report)
            return
        delay = retry.after if retry.after is not None else min(2**row.attempts, MAX_BACKOFF)
        row.not_before = self.clock.now() + timedelta(seconds=delay)
        report.retried += 1

    @staticmethod
    def _waits_on_setup(row: OutboxMessage) -> bool:
        """A post whose conversation set-up is still being tried lives and dies with it."""
        return row.depends_on is not None and row.depends_on.status == OutboxStatus.PENDING

    def _dead(self, session: Session, row: OutboxMessage, reason: str, report: DeliveryReport):
        row.status = OutboxStatus.DEAD
        row.last_error = reason
        row.lease_until = None
        report.dead += 1
        report.errors.append(reason)
        log.warning("outbox message %s dead-lettered: %s", row.id, reason)
        if row.payload.get("alert"):
            return  # an alert about an alert would loop
        if row.depends_on is not None and row.depends_on.status == OutboxStatus.DEAD:
            return  # the admins were told when its conversation set-up failed
        dispute = session.get(Dispute, row.dispute_id) if row.dispute_id else None
        reference = dispute.reference if dispute else None
        setup = OutboxKind(row.kind) is OutboxKind.SYNC_MEMBERS
        if setup and dispute is not None and dispute.conversation_id is None:
            held = self._dead_dependants(session, row, report)
            alert = conversation_not_set_up(dispute.reference, reason, held)
        else:
            alert = undeliverable(reference, reason)
        target = self.settings.admins_channel
        session.add(
            OutboxMessage(
                kind=(OutboxKind.CHANNEL if target else OutboxKind.DIRECT).value,
                dispute_id=row.dispute_id,
                channel=target,
                person_id=None if target else self._fallback_admin(session),
                payload=alert | {"alert": True},
                not_before=self.clock.now(),
                created_at=self.clock.now(),
            )
        )

    def _dead_dependants(self, session: Session, row: OutboxMessage, report: DeliveryReport) -> int:
        """Dead-letters, with a set-up that left its dispute without a conversation, the posts
        still waiting for it; returns how many."""
        waiting = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.depends_on_id == row.id,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
        ).all()
        for dependant in waiting:
            dependant.status = OutboxStatus.DEAD
            dependant.last_error = f"{SETUP_FAILED}: {row.last_error}"
            dependant.lease_until = None
            report.dead += 1
        return len(waiting)

    @staticmethod
    def _fallback_admin(session: Session) -> int | None:
        return session.scalar(
            select(Person.id).where(Person.role == Role.PARTNERSHIP_ADMIN).order_by(Person.id)
        )

    # Slack calls -----------------------------------------------------------------------------

    @staticmethod
    @contextmanager
    def _classified(method: str) -> Iterator[None]:
        """Turns Slack's answer into Retry (429, 5xx, network) or Permanent (anything else)."""
        try:
            yield
        except SlackApiError as error:
            status = error.response.status_code
            code = error.response.get("error", "unknown_error")
            if status == 429:
                raise Retry(f"{method}: rate limited", _retry_after(error)) from None
            if status >= 500:
                raise Retry(f"{method}: Slack answered {status} ({code})") from None
            raise Permanent(f"{method}: {code}") from None
        except (URLError, OSError, TimeoutError) as error:
            raise Retry(f"{method}: network error ({type(error).__name__})") from None

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        with self._classified(method):
            response = self.client.api_call(method, json=kwargs)
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _post(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage, at most about one per second per channel."""
        wait = self._last_post.get(channel, 0.0) + self.pacing_seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        body = {k: v for k, v in payload.items() if k in ("text", "blocks")}
        result = self._call("chat.postMessage", channel=channel, **body)
        self._last_post[channel] = time.monotonic()
        return {"channel": result.get("channel"), "ts": result.get("ts")}

    def _post_direct(self, user: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Posts to the person's direct messages with the bot. The conversation's id never
        changes, so it is opened once per process; should a remembered one fail, it is forgotten
        and the message tried again at once, to be opened afresh."""
        channel = self._direct_channels.get(user)
        if channel is None:
            channel = self._call("conversations.open", users=user)["channel"]["id"]
            if len(self._direct_channels) >= DIRECT_CHANNELS_KEPT:
                self._direct_channels.clear()
            self._direct_channels[user] = channel
            return self._post(channel, payload)
        try:
            return self._post(channel, payload)
        except Permanent as failure:
            del self._direct_channels[user]
            raise Retry(f"{failure}; opening the conversation afresh", 0, counts=False) from None

    def _upload(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        """files_upload_v2 with the bytes stored (base64) in the outbox row, or the weekly chart
        drawn from the figures stored there."""
        if "chart" in payload:
            content = weekly_chart(**payload["chart"])
        else:
            content = base64.b64decode(payload["content_b64"])
        with self._classified("files_upload_v2"):
            response = self.client.files_upload_v2(
                channel=channel,
                content=content,
                filename=payload["filename"],
                title=payload.get("title"),
                initial_comment=payload.get("initial_comment"),
                alt_txt=payload.get("alt_txt"),
            )
        files = response.get("files") or [{}]
        return {"channel": channel, "file": files[0].get("id")}

    def _slack_id(self, session: Session, person: Person) -> str:
        if person.slack_user_id:
            return person.slack_user_id
        try:
            found = self._call("users.lookupByEmail", email=person.email)
        except Permanent:
            raise Permanent(
                f"{person.name} ({person.agency.name}) has no Slack account with their directory "
                "email: add their Slack user id to the directory"
            ) from None
        person.slack_user_id = found["user"]["id"]
        return person.slack_user_id

    def _send(self, session: Session, row: OutboxMessage) -> dict[str, Any]:
        kind = OutboxKind(row.kind)
        if kind is OutboxKind.CHANNEL:
            assert row.channel is not None
            return self._post(row.channel, row.payload)
        if kind is OutboxKind.FILE:
            assert row.channel is not None
            return self._upload(row.channel, row.payload)
        if kind in (OutboxKind.DIRECT, OutboxKind.REMINDER):
            person = session.get(Person, row.person_id)
            if person is None:
                raise Permanent("nobody to send it to: the directory has no partnership admin")
            user = self._slack_id(session, person)
            result = self._post_direct(user, row.payload)
            if row.notice_id is not None:
                notice = session.get(StageNotice, row.notice_id)
                if notice is not None:
                    notice.message_channel, notice.message_ts = result["channel"], result["ts"]
            return result
        dispute = session.get(Dispute, row.dispute_id)
        assert dispute is not None
        if kind is OutboxKind.SYNC_MEMBERS:
            return self._sync_members(session, dispute)
        if kind is OutboxKind.CONVERSATION:
            if dispute.conversation_id is None:
                raise self._without_conversation(row)
            return self._post(dispute.conversation_id, row.payload)
        if kind is OutboxKind.UPDATE_NOTICE:
            return self._update_notice(session, row)
        if kind is OutboxKind.RETIRE:
            return self._retire(session, row)
        raise Permanent(f"unknown outbox kind {row.kind}")

    def _without_conversation(self, row: OutboxMessage) -> Retry | Permanent:
        """A post with no conversation to go to: it fails with its set-up, else counts an
        attempt and waits for the set-up's next try."""
        setup = row.depends_on
        if setup is not None and setup.status == OutboxStatus.DEAD:
            return Permanent(SETUP_FAILED)
        wait = WAIT_FOR_SETUP
        if setup is not None and setup.status == OutboxStatus.PENDING:
            wait = max(wait, (setup.not_before - self.clock.now()).total_seconds())
        return Retry("the dispute's conversation is not set up yet", wait)

    def _update_notice(self, session: Session, row: OutboxMessage) -> dict[str, Any]:
        notice = session.get(StageNotice, row.notice_id)
        if notice is None:
            raise Permanent("the notice to update no longer exists")
        if notice.message_ts is None or notice.message_channel is None:
            original = session.scalar(
                select(OutboxMessage.status).where(
                    OutboxMessage.notice_id == notice.id, OutboxMessage.kind == OutboxKind.DIRECT
                )
            )
            if original == OutboxStatus.DEAD:
                raise Permanent("the original notice was never delivered")
            raise Retry("the original notice has not been delivered yet", 5, counts=False)
        if self._retired(session, notice):
            return {"skipped": "the dispute has moved past this notice"}
        body = {k: v for k, v in row.payload.items() if k in ("text", "blocks")}
        self._call("chat.update", channel=notice.message_channel, ts=notice.message_ts, **body)
        return {"channel": notice.message_channel, "ts": notice.message_ts}

    @staticmethod
    def _retired(session: Session, notice: StageNotice) -> bool:
        """True once the notice was superseded: a late redraw must not bring its buttons back."""
        originals = select(OutboxMessage.id).where(OutboxMessage.notice_id == notice.id)
        return (
            session.scalar(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.kind == OutboxKind.RETIRE,
                    OutboxMessage.depends_on_id.in_(originals),
                )
                .limit(1)
            )
            is not None
        )

    def _retire(self, session: Session, row: OutboxMessage) -> dict[str, Any]:
        """Redraws a superseded message in place, once it has been delivered at all."""
        original = row.depends_on
        if original is None or original.status == OutboxStatus.DEAD:
            return {"skipped": "the message was never delivered"}
        if original.status == OutboxStatus.PENDING:
            raise Retry("the message to retire has not been delivered yet", 5, counts=False)
        where = original.result or {}
        body = retired(session, row)
        self._call("chat.update", channel=where["channel"], ts=where["ts"], **body)
        return {"channel": where["channel"], "ts": where["ts"]}

    def _sync_members(self, session: Session, dispute: Dispute) -> dict[str, Any]:
        """The dispute's one private conversation holds exactly the people entitled to see it."""
        users = [self._slack_id(session, m.person) for m in dispute.members]
        group = (
            self.settings.conversation == ConversationKind.GROUP_DM and len(users) < GROUP_DM_LIMIT
        )
        if group:
            opened = self._call("conversations.open", users=",".join(users))
            dispute.conversation_id = opened["channel"]["id"]
            return {"channel": dispute.conversation_id, "members": len(users)}
        if dispute.conversation_id is None or self._is_group_dm(dispute.conversation_id):
            dispute.conversation_id = self._create_private_channel(dispute.reference.lower())
        present = set(
            self._call("conversations.members", channel=dispute.conversation_id)["members"]
        )
        missing = [u for u in users if u not in present]
        if missing:
            self._call(
                "conversations.invite", channel=dispute.conversation_id, users=",".join(missing)
            )
        return {"channel": dispute.conversation_id, "invited": missing}

    def _is_group_dm(self, channel: str) -> bool:
        """True when a dispute outgrew a group DM and needs a private channel instead."""
        info = self._call("conversations.info", channel=channel)["channel"]
        return bool(info.get("is_mpim") or info.get("is_im"))

    def _create_private_channel(self, name: str) -> str:
        for suffix in ("", *(f"-{n}" for n in range(2, 10))):
            try:
                created = self._call("conversations.create", name=name + suffix, is_private=True)
            except Permanent as exc:
                if "name_taken" in str(exc):
                    continue
                raise
            return str(created["channel"]["id"])
        raise Permanent(f"every private channel name for {name} is taken")
