"""What the person who acted is told, and the short news others get about it."""

from __future__ import annotations

from bot.messages.dates import when
from bot.messages.disputes import final_stage_verdict, next_step, stage_label
from bot.messages.people import named
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import DiscussionEntry, Dispute, StageNotice


def acknowledged(notice: StageNotice, calendar: WorkingCalendar) -> str:
    """To the person who acknowledged: when, and what happens next."""
    dispute = notice.transition.dispute
    assert notice.acknowledged_at is not None
    return (
        f"You acknowledged {dispute.reference} on {when(calendar, notice.acknowledged_at)}. "
        + next_step(dispute, dispute.protocol_snapshot, calendar)
    )


def acknowledged_news(notice: StageNotice, calendar: WorkingCalendar) -> str:
    """To the raiser: who has the dispute in hand, and what happens next."""
    dispute = notice.transition.dispute
    assert notice.acknowledged_at is not None
    return (
        f"{named(notice.person)} acknowledged {dispute.reference} on "
        f"{when(calendar, notice.acknowledged_at)}. "
        + next_step(dispute, dispute.protocol_snapshot, calendar)
    )


def approved(entry: DiscussionEntry, calendar: WorkingCalendar) -> str:
    """Replaces the approval request the approver pressed."""
    assert entry.approved_at is not None
    return (
        f":white_check_mark: You approved the discussion record on {entry.dispute.reference} "
        f"({when(calendar, entry.approved_at)}). It now stands as the agreed account."
    )


def approved_news(entry: DiscussionEntry, calendar: WorkingCalendar, reader: Person) -> str:
    """To `reader`, who proposed a version of the record."""
    approver = entry.approved_by
    assert approver is not None and entry.approved_at is not None
    version = entry.current
    whose = "Your" if version.proposed_by.id == reader.id else f"{named(version.proposed_by)}'s"
    which = (
        f" {whose} version of {when(calendar, version.proposed_at)} "
        "is the agreed one; every version stays in the record's history."
        if entry.corrections
        else ""
    )
    return (
        f"{named(approver)} approved your discussion record on {entry.dispute.reference} "
        f"({when(calendar, entry.approved_at)}). It now stands as the agreed account.{which}"
    )


def correction_sent(entry: DiscussionEntry, calendar: WorkingCalendar) -> str:
    """Replaces the approval request the corrector answered with the form."""
    version = entry.current
    return (
        f":pencil2: Your correction to the discussion record on {entry.dispute.reference} is "
        f"saved ({when(calendar, version.proposed_at)}). Both versions are kept. The other "
        "side has been asked to approve it or propose a correction of their own; nothing goes "
        "on the record as agreed until one side approves the other's wording."
    )


def discussion_saved(dispute: Dispute, calendar: WorkingCalendar) -> str:
    """After the discussion form."""
    return (
        f"Your discussion record on {dispute.reference} is saved; the other party has been "
        "asked to approve it. " + next_step(dispute, dispute.protocol_snapshot, calendar)
    )


def _you_first(entry: DiscussionEntry) -> str:
    """Who took part, written to the author: the note lists them first, by name."""
    own = f"{entry.logged_by.name} ("
    shown = entry.participants
    return "you (" + shown[len(own) :] if shown.startswith(own) else shown


def quick_note_logged(
    entry: DiscussionEntry, calendar: WorkingCalendar, *, named_others: bool
) -> str:
    """After `/dispute log REF text`; says who is recorded as taking part, and how to name
    the others when nobody was @mentioned."""
    dispute = entry.dispute
    who = f"Recorded as taking part: {_you_first(entry)}."
    if not named_others:
        who += " To record who else took part, @mention them in the note."
    return (
        f"Your note on {dispute.reference} is logged ({when(calendar, entry.logged_at)}). "
        f"{who} The other party has been asked to approve it. "
        + next_step(dispute, dispute.protocol_snapshot, calendar)
    )


def closed(dispute: Dispute) -> str:
    """After the resolution form."""
    verdict = final_stage_verdict(dispute, dispute.resolution) if dispute.resolution else None
    return (
        f"{dispute.reference} is closed. {verdict + ' ' if verdict else ''}"
        "Everyone involved has been told. "
        f"The full record: `/dispute record {dispute.reference}`."
    )


def reopened(dispute: Dispute, calendar: WorkingCalendar) -> str:
    """To whoever reopened the dispute."""
    return (
        f":leftwards_arrow_with_hook: {dispute.reference} is open again at "
        f"{stage_label(dispute, dispute.protocol_snapshot)}, and the people there have been "
        "asked to act. " + next_step(dispute, dispute.protocol_snapshot, calendar)
    )
