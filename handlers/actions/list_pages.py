"""The paging buttons under a long `/dispute list` group: each press redraws the reply in place
with another page of that group, read afresh for the person who pressed it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext, Respond
from sqlalchemy.orm import Session

from bot.messages.home import LIST_ITEMS, group_page, list_message
from bot.messages.list_paging import LIST_ALL, LIST_PAGING, ListPage
from bot.runtime import Runtime
from bot.services.errors import DomainError
from bot.services.queries import awaiting_acknowledgement, my_disputes, my_group
from handlers.middleware import STALE, answered, button_context
from handlers.support import unit_of_work
from models.directory import Person
from models.my_disputes import Capped
from models.payloads import InvalidPayload

Body = dict[str, Any]


@answered
def page_list(context: BoltContext, body: Body, respond: Respond) -> None:
    rt: Runtime = context["rt"]
    action = body["actions"][0]
    with unit_of_work(rt) as session:
        me = context["acting"].person(session)
        if action["action_id"] == LIST_ALL:
            mine = my_disputes(session, me, limit=LIST_ITEMS, with_parties=False)
            message = list_message(mine, calendar=rt.calendar)
        else:
            try:
                wanted = ListPage.decode(action.get("value"))
            except InvalidPayload:
                raise DomainError(STALE) from None
            rows = _page(session, me, wanted)
            message = group_page(wanted.group, rows, wanted.page, calendar=rt.calendar)
    respond(**message, replace_original=True)


def _page(session: Session, person: Person, wanted: ListPage) -> Capped[Any]:
    offset = (wanted.page - 1) * LIST_ITEMS
    if wanted.group == "awaiting":
        return awaiting_acknowledgement(
            session, person, limit=LIST_ITEMS, offset=offset, with_parties=False
        )
    return my_group(session, person, wanted.group, limit=LIST_ITEMS, offset=offset)


def register(app: App, rt: Runtime) -> None:
    # The value names a group and a page, not a dispute: the middleware finds who pressed.
    app.action(LIST_PAGING, middleware=[button_context(rt, needs_dispute=False)])(page_list)
