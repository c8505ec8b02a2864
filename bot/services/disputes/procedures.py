"""Procedures only some protocols provide: details a category asks for when a dispute opens, a
reflective practice meeting asked for at any stage, and the pattern of similar disagreements
between two agencies that the leads must hear about."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.parsing import WhenError, parse_when
from bot.services.disputes.access import AccessService
from bot.services.disputes.base import required
from bot.services.errors import DomainError
from models.directory import Person
from models.dispute import Dispute
from models.procedures import CategoryAnswer, ReflectiveRequest
from models.protocol import PatternAlert, ReflectiveMeeting

MAX_ANSWER = 3000


class ProcedureService(AccessService):
    """Protocol-specific steps beside the stages."""

    def checked_answers(
        self,
        *,
        protocol_key: str,
        category: str,
        answers: Mapping[str, str | None],
        child_ref: str,
    ) -> dict[str, str]:
        """The details the category asks for, each required and checked like other free text;
        a date must be a real day not in the future. Unknown categories ask for nothing."""
        protocol = self.catalog.get(protocol_key)
        chosen = protocol.category(category) if protocol else None
        if chosen is None:
            return {}
        checked: dict[str, str] = {}
        for ask in chosen.asks:
            field = ask.field
            what = "the " + ask.label[0].lower() + ask.label[1:]
            text = required(answers.get(ask.key), what, field, MAX_ANSWER)
            if ask.kind == "past_date":
                text = self._past_day(text, field, what).isoformat()
            else:
                self.child_refs.refuse(text, field=field, where=what, known=child_ref)
            checked[ask.key] = text
        return checked

    def _past_day(self, text: str, field: str, what: str) -> date:
        now = self.clock.now()
        try:
            when = parse_when(text, now=now, zone=self.calendar.zone, prefer="past")
        except WhenError:
            raise DomainError(
                f"'{text}' is not a date: give {what} as dd/mm/yyyy.", field=field
            ) from None
        day = self.calendar.local(when).date()
        if day > self.calendar.local(now).date():
            raise DomainError(f"{what.capitalize()} cannot be in the future.", field=field)
        return day

    def record_answers(
        self, session: Session, dispute: Dispute, answers: Mapping[str, str], actor: Person
    ) -> None:
        """Keeps the category's details with the dispute; the audit names the fields only."""
        if not answers:
            return
        with self.changing(
            session, "category_details_recorded", dispute=dispute, actor=actor, fields=list(answers)
        ):
            for key, value in answers.items():
                session.add(CategoryAnswer(dispute=dispute, key=key, value=value))

    def request_reflective(
        self, *, session: Session, dispute: Dispute, actor: Person, topic: str
    ) -> ReflectiveRequest:
        """Records the request; refused, with the reason, where the protocol has no such step."""
        self.require_acting(session, dispute, actor, "ask for a reflective meeting on")
        self.reflective_step(dispute)
        text = required(topic, "what you want to reflect on", "topic", 1000)
        self.child_refs.refuse(
            text, field="topic", where="what you want to reflect on", known=dispute.child_ref
        )
        with self.changing(
            session, "reflective_meeting_requested", dispute=dispute, actor=actor
        ) as change:
            request = ReflectiveRequest(
                dispute=dispute,
                stage_index=dispute.stage_index,
                requested_by=actor,
                requested_at=change.at,
                topic=text,
            )
            session.add(request)
            session.flush()
            change.note(request=request.id, stage=dispute.stage_index)
        return request

    def reflective_step(self, dispute: Dispute) -> ReflectiveMeeting:
        """The protocol's reflective meeting step, or a polite refusal saying what to do instead."""
        protocol = self.protocol_of(dispute)
        if protocol.reflective_meeting is None:
            raise DomainError(
                f"Your partnership's protocol ({protocol.name}) does not provide a reflective "
                "practice meeting, "
                f"so nothing was recorded on {dispute.reference}. You can still talk it through "
                f"and log the discussion with `/dispute log {dispute.reference}`."
            )
        return protocol.reflective_meeting

    @staticmethod
    def reflective_requests(session: Session, dispute: Dispute) -> list[ReflectiveRequest]:
        return list(
            session.scalars(
                select(ReflectiveRequest)
                .where(ReflectiveRequest.dispute_id == dispute.id)
                .order_by(ReflectiveRequest.id)
            )
        )

    def pattern_completed(self, session: Session, dispute: Dispute) -> list[Dispute]:
        """The disputes forming a pattern this new one completes, oldest first; else empty.

        A pattern completes at the protocol's count of disputes between the same two agencies
        (either way round) in the same category within its window, and again at each further
        multiple of the count, so the leads hear once per pattern, not once per dispute.
        """
        rule = self.protocol_of(dispute).pattern_alert
        if rule is None:
            return []
        pair = (dispute.raiser_agency_id, dispute.counterpart_agency_id)
        similar = list(
            session.scalars(
                select(Dispute)
                .where(
                    Dispute.protocol_key == dispute.protocol_key,
                    Dispute.category == dispute.category,
                    Dispute.opened_at >= self._window_start(rule, dispute.opened_at),
                    Dispute.opened_at <= dispute.opened_at,
                    or_(
                        and_(
                            Dispute.raiser_agency_id == pair[0],
                            Dispute.counterpart_agency_id == pair[1],
                        ),
                        and_(
                            Dispute.raiser_agency_id == pair[1],
                            Dispute.counterpart_agency_id == pair[0],
                        ),
                    ),
                )
                .order_by(Dispute.opened_at, Dispute.id)
            )
        )
        return similar if similar and len(similar) % rule.count == 0 else []

    def _window_start(self, rule: PatternAlert, now: datetime) -> datetime:
        if rule.within.duration is not None:
            return now - rule.within.duration
        local = self.calendar.local(now)
        day = self.calendar.subtract_working_days(local.date(), rule.within.working_days or 0)
        return datetime.combine(day, time(), tzinfo=local.tzinfo)
