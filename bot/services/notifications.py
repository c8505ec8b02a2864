"""Turns dispute changes into outbox rows, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.messages import disputes as views
from bot.messages import duties as duty_views
from bot.messages import learning as learning_views
from bot.messages import procedures, replies, superseded
from bot.messages import reminders as nudges
from bot.messages.blocks import Block
from bot.messages.held import held
from bot.services import sweep_batch
from bot.services.disputes import StageEntry
from bot.services.disputes.routing import referrers
from bot.services.duty_list import (
    BoundDuty,
    acting_for,
    current_duties,
    other_side,
    record_side,
    side_of,
    ticks,
)
from bot.services.outbox_retry import requeue_conversation_setups
from bot.services.reminder_spacing import one_a_half_day
from bot.services.superseding import is_stage_bound, retire
from bot.services.sweep_batch import Pending
from bot.settings import Settings
from bot.working_days import WorkingCalendar
from models.directory import Agency, Person
from models.dispute import (
    DiscussionEntry,
    Dispute,
    NoticeKind,
    Resolution,
    StageNotice,
    StageTransition,
)
from models.learning import LearningItem
from models.outbox import OutboxKind, OutboxMessage
from models.procedures import ReflectiveRequest
from models.roles import AgencyKind, Role


class _Checklists:
    """Each side's duty checklist for one dispute's messages, drawn once however many read it."""

    def __init__(self, notifier: Notifier, session: Session, dispute: Dispute) -> None:
        self.calendar = notifier.calendar
        self.dispute = dispute
        self.items = current_duties(dispute, self.calendar)
        self.done = ticks(session, dispute)
        self.drawn: dict[str | None, list[Block]] = {}

    def __call__(self, side: str | None) -> list[Block]:
        if side not in self.drawn:
            self.drawn[side] = duty_views.checklist(
                self.dispute, self.items, side, self.done, self.calendar
            )
        return self.drawn[side]


class Notifier:
    """Decides who hears about what; the delivery job does the sending."""

    def __init__(self, *, clock: Clock, calendar: WorkingCalendar, settings: Settings) -> None:
        self.clock = clock
        self.calendar = calendar
        self.settings = settings

    def _add(
        self,
        session: Session,
        kind: OutboxKind,
        payload: dict[str, Any],
        *,
        dispute: Dispute | None = None,
        person: Person | None = None,
        notice: StageNotice | None = None,
        channel: str | None = None,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
        depends_on: OutboxMessage | Pending | None = None,
    ) -> OutboxMessage | Pending:
        now = self.clock.now()
        values = {
            "kind": kind.value,
            "dispute_id": dispute.id if dispute else None,
            "person_id": person.id if person else None,
            "notice_id": notice.id if notice else None,
            "channel": channel,
            "payload": payload,
            "dedupe_key": dedupe_key,
            "not_before": not_before or now,
            "created_at": now,
            "stage_bound": (
                kind in (OutboxKind.DIRECT, OutboxKind.REMINDER, OutboxKind.CONVERSATION)
                and dispute is not None
                and is_stage_bound(payload)
            ),
        }
        row = sweep_batch.add(session, OutboxMessage, values, depends_on=depends_on)
        assert isinstance(row, OutboxMessage | Pending)
        return row

    def direct(self, session: Session, person: Person, payload: dict[str, Any], **kw: Any) -> None:
        self._add(session, OutboxKind.DIRECT, payload, person=person, **kw)

    def remind(
        self, session: Session, dispute: Dispute, person: Person, payload: dict[str, Any]
    ) -> None:
        """A reminder to one person, at most one a half day unless the dispute's route runs at
        any hour; raises RemindLater otherwise (see bot.services.reminder_spacing). Callers
        write one reminder to a person once."""
        urgency = dispute.protocol_snapshot.urgency(dispute.urgency)
        if urgency is None or not urgency.any_hour:
            one_a_half_day(session, self.calendar, person, self.clock.now())
        self._add(session, OutboxKind.REMINDER, payload, dispute=dispute, person=person)

    def file(self, session: Session, channel: str, payload: dict[str, Any]) -> None:
        """A file upload (the weekly chart); payload as OutboxDelivery expects for FILE rows."""
        self._add(session, OutboxKind.FILE, payload, channel=channel)

    def admins(self, session: Session, payload: dict[str, Any], **kw: Any) -> None:
        """The admins' channel when configured, else each partnership admin directly."""
        if self.settings.admins_channel:
            self._add(
                session, OutboxKind.CHANNEL, payload, channel=self.settings.admins_channel, **kw
            )
            return
        admins = session.scalars(
            select(Person)
            .join(Agency)
            .where(Person.role == Role.PARTNERSHIP_ADMIN, Agency.kind == AgencyKind.PARTNERSHIP)
        ).all()
        for admin in admins:
            self.direct(session, admin, payload, **kw)

    def leads(self, session: Session, payload: dict[str, Any], **kw: Any) -> None:
        """The safeguarding leads' channel, falling back to the admins."""
        if self.settings.leads_channel:
            self._add(
                session, OutboxKind.CHANNEL, payload, channel=self.settings.leads_channel, **kw
            )
        else:
            self.admins(session, payload, **kw)

    def learning_queue(self, session: Session, payload: dict[str, Any], **kw: Any) -> None:
        """The practice committee's queue: its own channel when configured, else the admins."""
        if self.settings.learning_channel:
            self._add(
                session, OutboxKind.CHANNEL, payload, channel=self.settings.learning_channel, **kw
            )
        else:
            self.admins(session, payload, **kw)

    def conversation(self, session: Session, dispute: Dispute, payload: dict[str, Any]) -> None:
        """A post in the dispute's conversation, after setting it up. A dispute still without
        one gets its failed set-up, and the posts that waited for it, queued again first."""
        if dispute.conversation_id is None:
            requeue_conversation_setups(session, dispute_ids=[dispute.id], now=self.clock.now())
        setup = self._add(session, OutboxKind.SYNC_MEMBERS, {}, dispute=dispute)
        self._add(session, OutboxKind.CONVERSATION, payload, dispute=dispute, depends_on=setup)

    def duty_checklist(self, session: Session, dispute: Dispute, side: str | None) -> list[Block]:
        """The current stage's duties binding `side`, with what is ticked so far."""
        return _Checklists(self, session, dispute)(side)

    def _notice(
        self,
        session: Session,
        dispute: Dispute,
        notice: StageNotice,
        duties: list[Block] | None = None,
    ) -> dict[str, Any]:
        if duties is None:
            duties = self.duty_checklist(session, dispute, notice.side)
        protocol = dispute.protocol_snapshot
        summary = self.settings.summary_in_dms
        return views.stage_notice(dispute, protocol, notice, self.calendar, duties, summary=summary)

    def _information(self, dispute: Dispute, notice: StageNotice) -> dict[str, Any]:
        protocol = dispute.protocol_snapshot
        summary = self.settings.summary_in_dms
        return views.information_notice(dispute, protocol, notice, self.calendar, summary=summary)

    # events --------------------------------------------------------------------------------

    def stage_entered(self, session: Session, entry: StageEntry) -> None:
        """Notices to those now acting; news to the parties and the tier below; gaps to admins."""
        self._announce(session, entry.transition, [a.person for a in entry.assignment.people])

    def stage_lapsed(self, session: Session, entry: StageEntry) -> None:
        """A stage entered because the last one lapsed: one row, which the delivery job turns
        into the messages `stage_entered` would write when it sends it (`announce_lapse`).

        Lapses come by the thousand at once (after a holiday, or an outage), and their messages
        go out at Slack's pace whenever they are written; drawn as they are sent, they cost the
        sweep one row a stage rather than seven drawn and sealed, and show the stage as it then
        stands."""
        transition = entry.transition
        payload = {"transition": transition.id}
        self._add(session, OutboxKind.STAGE_ENTERED, payload, dispute=transition.dispute)

    def announce_lapse(self, session: Session, transition: StageTransition) -> None:
        """The messages of a stage entered on a lapse (see `stage_lapsed`): nobody took the step,
        so everyone the stage asks to act has a notice of it."""
        self._announce(session, transition, [n.person for n in transition.acting_notices])

    def _announce(
        self, session: Session, transition: StageTransition, acting: list[Person]
    ) -> None:
        """Nothing here changes who acts or what is ticked, so both are worked out once for all
        the messages rather than again for each reader."""
        dispute = transition.dispute
        with held(dispute):
            self._stage_entered(session, transition, acting, _Checklists(self, session, dispute))

    def _stage_entered(
        self,
        session: Session,
        transition: StageTransition,
        acting: list[Person],
        lists: _Checklists,
    ) -> None:
        dispute = transition.dispute
        protocol = dispute.protocol_snapshot
        if transition.from_stage is not None:
            moved = superseded.moved_on(dispute, transition, self.calendar)
            retire(session, dispute, moved, self.clock.now())
        for notice in transition.acting_notices:
            payload = self._notice(session, dispute, notice, lists(notice.side))
            self.direct(session, notice.person, payload, dispute=dispute, notice=notice)
        for notice in transition.informed_notices:
            payload = self._information(dispute, notice)
            self.direct(session, notice.person, payload, dispute=dispute, notice=notice)
        self.conversation(
            session, dispute, views.conversation_stage(dispute, protocol, acting, self.calendar)
        )
        if transition.from_stage is not None:
            # whoever escalated by hand hears once, from the flow that did it
            told = {p.id for p in acting} | {transition.actor_id}
            for person in self._previous_tier(dispute, transition.from_stage):
                if person.id in told:
                    continue
                told.add(person.id)
                duties = lists(side_of(dispute, person))
                update = views.stage_moved(
                    dispute,
                    protocol,
                    acting,
                    transition.trigger,
                    transition.reason,
                    self.calendar,
                    duties,
                    reader=person,
                )
                self.direct(session, person, update, dispute=dispute)
        if transition.missing:
            self.admins(
                session, views.directory_gap(dispute, protocol, transition.missing), dispute=dispute
            )
        if transition.to_stage == protocol.final_index:
            reached = views.final_stage_reached(dispute, protocol, self.calendar)
            self.admins(session, reached, dispute=dispute)

    @staticmethod
    def _previous_tier(dispute: Dispute, from_stage: int) -> list[Person]:
        """The raiser, the counterpart, and whoever was asked to act at the stage just left."""
        people = [dispute.raiser, dispute.counterpart]
        for transition in dispute.transitions:
            if transition.to_stage == from_stage:
                people += [n.person for n in transition.acting_notices]
        return people

    def discussion_logged(self, session: Session, entry: DiscussionEntry) -> None:
        """Asks the other side to approve or correct the latest version of the record; the
        side that proposed it has nothing to approve."""
        dispute = entry.dispute
        payload = views.approval_request(dispute, entry, self.calendar)
        side = record_side(dispute, entry.current.proposed_by)
        sides = [other_side(side)] if side is not None else ["raiser", "counterpart"]
        people = {p.id: p for s in sides for p in acting_for(dispute, s)}
        people.pop(entry.current.proposed_by.id, None)
        for person in people.values():
            self.direct(session, person, payload, dispute=dispute)

    def discussion_approved(self, session: Session, entry: DiscussionEntry) -> None:
        """Everyone who proposed a version hears which wording was agreed."""
        proposers = {v.proposed_by.id: v.proposed_by for v in entry.versions}
        proposers.pop(entry.approved_by_id or 0, None)
        for person in proposers.values():
            text = replies.approved_news(entry, self.calendar, person)
            self.direct(session, person, views.plain_message(text), dispute=entry.dispute)

    def acknowledged(self, session: Session, notice: StageNotice) -> None:
        """Redraws the notice in place, and tells the raiser who has it in hand."""
        dispute = notice.transition.dispute
        payload = self._notice(session, dispute, notice)
        self._add(session, OutboxKind.UPDATE_NOTICE, payload, dispute=dispute, notice=notice)
        if dispute.raiser_id != notice.person_id:
            text = replies.acknowledged_news(notice, self.calendar)
            people = views.acting_section(dispute, dispute.raiser)
            news = views.message(text, [views.section(text), people])
            self.direct(session, dispute.raiser, news, dispute=dispute)

    def resolved(self, session: Session, resolution: Resolution) -> None:
        dispute = resolution.dispute
        retire(session, dispute, superseded.closed(resolution, self.calendar), self.clock.now())
        payload = views.resolved_notice(dispute, resolution, self.calendar)
        self.conversation(session, dispute, payload)
        for member in dispute.members:
            if member.person_id != resolution.resolved_by_id:
                self.direct(session, member.person, payload, dispute=dispute)
        if resolution.learning_item is not None:
            self.learning_queued(session, resolution.learning_item)

    def learning_queued(self, session: Session, item: LearningItem) -> None:
        """The learning, with its Reviewed / Needs discussion buttons, to the committee's queue."""
        payload = learning_views.learning_notice(item, self.calendar)
        self.learning_queue(session, payload, dispute=item.dispute)

    def reflective_requested(self, session: Session, request: ReflectiveRequest) -> None:
        """Both sides and the people acting at the stage hear of it; the asker gets it too."""
        dispute = request.dispute
        payload = procedures.reflective_requested(dispute, request, self.calendar)
        people = {p.id: p for p in [dispute.raiser, dispute.counterpart, *self.acting(dispute)]}
        people.setdefault(request.requested_by_id, request.requested_by)
        for person in people.values():
            self.direct(session, person, payload, dispute=dispute)

    def pattern_found(self, session: Session, disputes: list[Dispute]) -> None:
        """One alert to the safeguarding leads: references and agency names, nothing more."""
        newest = disputes[-1]
        protocol = newest.protocol_snapshot
        rule = protocol.pattern_alert
        if rule is None:
            return
        payload = procedures.pattern_found(disputes, rule, protocol, self.calendar)
        self.leads(session, payload)

    # reminders -----------------------------------------------------------------------------

    @staticmethod
    def acting(dispute: Dispute) -> list[Person]:
        """Who acts at the current stage: those given notice, and the parties at the first."""
        people = {n.person_id: n.person for n in dispute.current_transition.acting_notices}
        if dispute.stage_index == 0:
            people.setdefault(dispute.raiser_id, dispute.raiser)
            people.setdefault(dispute.counterpart_id, dispute.counterpart)
        return list(people.values())

    def remind_deadline(self, session: Session, dispute: Dispute, label: str) -> None:
        protocol = dispute.protocol_snapshot
        for person in self.acting(dispute):
            payload = nudges.deadline_reminder(
                dispute, protocol, label, self.calendar, self.clock.now(), person
            )
            self.remind(session, dispute, person, payload)

    def remind_acknowledge(
        self, session: Session, dispute: Dispute, people: list[Person], sequence: int
    ) -> None:
        protocol = dispute.protocol_snapshot
        for person in {p.id: p for p in people}.values():
            payload = nudges.acknowledgement_reminder(
                dispute, protocol, sequence, self.calendar, person
            )
            self.remind(session, dispute, person, payload)

    def not_acknowledged(
        self, session: Session, dispute: Dispute, people: list[Person], reminders: int
    ) -> None:
        protocol = dispute.protocol_snapshot
        payload = nudges.not_acknowledged(dispute, protocol, people, reminders, self.calendar)
        self.leads(session, payload, dispute=dispute)

    def final_review(self, session: Session, dispute: Dispute) -> None:
        protocol = dispute.protocol_snapshot
        # the next review falls one cadence after this one, as the reminder is planned
        following = self.calendar.due(self.clock.now(), protocol.final_review_every)
        payload = nudges.final_review(dispute, protocol, following, self.calendar)
        self.admins(session, payload, dispute=dispute)
        for person in self.acting(dispute):
            payload = nudges.final_review(dispute, protocol, following, self.calendar, person)
            self.remind(session, dispute, person, payload)

    def referral_due(self, session: Session, dispute: Dispute) -> None:
        """To those the protocol lets make the referral; to the parties and those acting when
        it names nobody (or the directory holds nobody who may)."""
        protocol = dispute.protocol_snapshot
        following = protocol.stage(dispute.stage_index + 1)
        people = referrers(session, dispute, following) or [
            dispute.raiser,
            dispute.counterpart,
            *self.acting(dispute),
        ]
        for person in {p.id: p for p in people}.values():
            payload = nudges.referral_due(dispute, protocol, self.calendar, person)
            self.remind(session, dispute, person, payload)

    def check_in(self, session: Session, dispute: Dispute, every: str) -> None:
        """The urgent route's regular joint problem-solving, to those acting at the stage."""
        protocol = dispute.protocol_snapshot
        for person in self.acting(dispute):
            payload = nudges.check_in(dispute, protocol, every, self.calendar, person)
            self.remind(session, dispute, person, payload)

    def remind_duty(self, session: Session, dispute: Dispute, item: BoundDuty) -> bool:
        """Each side yet to tick the duty hears it is due soon; False when all have ticked. One
        person acting for both sides hears it once, for the first."""
        done = ticks(session, dispute)
        waiting = [side for side in item.sides if (item.key, side) not in done]
        told: set[int] = set()
        for side in waiting:
            for person in acting_for(dispute, side):
                if person.id not in told:
                    told.add(person.id)
                    payload = duty_views.duty_due_soon(
                        dispute, item, side, done, self.calendar, person
                    )
                    self.remind(session, dispute, person, payload)
        return bool(waiting)

    def duty_overdue(self, session: Session, dispute: Dispute, item: BoundDuty) -> bool:
        """The sides yet to tick an overdue duty, and the safeguarding leads, hear of it."""
        done = ticks(session, dispute)
        waiting = [side for side in item.sides if (item.key, side) not in done]
        if not waiting:
            return False
        people = {p.id: p for side in waiting for p in acting_for(dispute, side)}
        for person in people.values():
            payload = duty_views.duty_overdue(dispute, item, waiting, self.calendar, person)
            self.remind(session, dispute, person, payload)
        payload = duty_views.duty_overdue(dispute, item, waiting, self.calendar)
        self.leads(session, payload, dispute=dispute)
        return True

    def directory_still_missing(self, session: Session, dispute: Dispute, gaps: list[str]) -> None:
        protocol = dispute.protocol_snapshot
        self.admins(session, views.directory_gap(dispute, protocol, gaps), dispute=dispute)

    def joined_late(self, session: Session, dispute: Dispute, notices: list[StageNotice]) -> None:
        """People found once the directory was fixed get the stage notice they missed."""
        for notice in notices:
            if notice.kind == NoticeKind.INFORMED:
                payload = self._information(dispute, notice)
            else:
                payload = self._notice(session, dispute, notice)
            self.direct(session, notice.person, payload, dispute=dispute, notice=notice)
        self._add(session, OutboxKind.SYNC_MEMBERS, {}, dispute=dispute)
