"""Opening a dispute: the protocol's choices checked, the snapshot taken, the first stage begun."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.services.disputes.base import required
from bot.services.disputes.stages import StageEntry, StageService
from bot.services.errors import DomainError
from bot.services.references import next_reference
from models.directory import Person
from models.dispute import Dispute, DisputeStatus, Trigger
from models.protocol import Protocol, Urgency
from models.snapshots import keep_snapshot

CHILD_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{2,31}$")


def check_child_ref(child_ref: str) -> str:
    """A case number, never a name: letters and digits with at least one digit, no spaces."""
    cleaned = (child_ref or "").strip()
    if not CHILD_REF.match(cleaned) or not any(ch.isdigit() for ch in cleaned):
        raise DomainError(
            "The child reference must be a case number such as 'CS-104233' (3 to 32 letters, "
            "digits, '-', '/', '_' or '.', with at least one digit). Never type a child's name.",
            field="child_ref",
        )
    return cleaned


def _choices(what: str, keys: list[str]) -> str:
    return f"{what} Choose one of: " + ", ".join(keys) + "."


class OpeningService(StageService):
    """Raises a dispute under a protocol in the catalogue."""

    def open(
        self,
        *,
        session: Session,
        protocol_key: str,
        category: str,
        raiser: Person,
        counterpart: Person,
        child_ref: str,
        summary: str,
        urgency: str = "standard",
        stated_timescale: str | None = None,
        start_stage: str | None = None,
    ) -> StageEntry:
        protocol, chosen = self._checked_choices(protocol_key, category, urgency)
        if raiser.id == counterpart.id:
            raise DomainError(
                "The counterpart must be someone other than you.", field="counterpart"
            )
        self._check_scope(protocol, raiser, counterpart)
        child = check_child_ref(child_ref)
        text = required(summary, "a summary of the disagreement", "summary")
        self.child_refs.refuse(text, field="summary", where="the summary", known=child)
        index = self._start_index(protocol, chosen.key, start_stage)
        now = self.clock.now()
        dispute = Dispute(
            reference=next_reference(session, year=self.calendar.local(now).year),
            protocol_key=protocol.key,
            protocol_hash=keep_snapshot(session, protocol.model_dump(mode="json")),
            category=category,
            urgency=chosen.key,
            raiser=raiser,
            counterpart=counterpart,
            raiser_agency=raiser.agency,
            counterpart_agency=counterpart.agency,
            child_ref=child,
            summary=text,
            stage_index=index,
            stage_started_at=now,
            status=DisputeStatus.OPEN,
            opened_at=now,
        )
        with self.changing(
            session,
            "opened",
            dispute=dispute,
            actor=raiser,
            at=now,
            protocol=protocol.key,
            category=category,
            urgency=chosen.key,
        ):
            session.add(dispute)
            self.add_member(dispute, raiser, "raised the dispute", now)
            self.add_member(dispute, counterpart, "counterpart", now)
        return self._enter_stage(
            session, dispute, protocol, index, Trigger.OPENED, raiser, None, stated_timescale
        )

    @staticmethod
    def _check_scope(protocol: Protocol, raiser: Person, counterpart: Person) -> None:
        """A disagreement the protocol does not cover is refused with where to take it."""
        scope = protocol.scope
        if scope is None or scope.intra_agency != "refused":
            return
        if raiser.agency_id == counterpart.agency_id:
            raise DomainError(
                f"You and {counterpart.name} are both in {raiser.agency.name}, and the "
                f"partnership's protocol ({protocol.name}) does not cover disagreements inside "
                "one agency. "
                f"Nothing was opened. {scope.where_instead}",
                field="counterpart",
            )

    def _checked_choices(
        self, protocol_key: str, category: str, urgency: str
    ) -> tuple[Protocol, Urgency]:
        """The protocol and urgency chosen, each known to the catalogue, or what to pick."""
        protocol = self.catalog.get(protocol_key)
        if protocol is None:
            raise DomainError(
                _choices(f"There is no protocol '{protocol_key}'.", list(self.catalog.keys())),
                field="protocol",
            )
        if protocol.category(category) is None:
            raise DomainError(
                _choices(
                    f"'{category}' is not a category in {protocol.name}.",
                    [c.key for c in protocol.categories],
                ),
                field="category",
            )
        chosen = protocol.urgency(urgency)
        if chosen is None:
            raise DomainError(
                _choices(
                    f"'{urgency}' is not an urgency this protocol knows.",
                    [u.key for u in protocol.urgencies],
                ),
                field="urgency",
            )
        return protocol, chosen

    @staticmethod
    def _start_index(protocol: Protocol, urgency: str, start_stage: str | None) -> int:
        if start_stage is None:
            return 0
        keys = [s.key for s in protocol.stages]
        if start_stage not in keys:
            raise DomainError(
                f"There is no stage '{start_stage}'. Stages are: " + ", ".join(keys) + ".",
                field="start_stage",
            )
        index = keys.index(start_stage)
        chosen = protocol.urgency(urgency)
        latest = chosen.latest_start_stage if chosen else None
        if index > 0 and (latest is None or index > keys.index(latest)):
            allowed = f"'{latest}'" if latest else "the first stage"
            raise DomainError(
                f"A {urgency} dispute under this protocol can start no later than {allowed}.",
                field="start_stage",
            )
        return index
