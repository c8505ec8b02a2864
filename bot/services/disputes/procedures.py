"""Procedures only some protocols provide: a reflective practice meeting asked for at any stage,
and the pattern of similar disagreements between two agencies that the leads must hear about."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.services.disputes.access import AccessService
from bot.services.disputes.base import required
from bot.services.errors import DomainError
from models.directory import Person
from models.dispute import Dispute
from models.protocol import PatternAlert, ReflectiveMeeting
from models.reflective import ReflectiveRequest


class ProcedureService(AccessService):
    """Protocol-specific steps beside the stages."""

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
                f"The {protocol.name} protocol does not provide a reflective practice meeting, "
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
