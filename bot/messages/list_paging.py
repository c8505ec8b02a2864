"""Which page of one `/dispute list` group a button asks for.

A head of service can be part of more than a thousand open disputes; the reply shows the first
of each group, and these buttons page through the rest of one group in place, a page at a time,
as Slack's own lists do. The button carries only the group and the page number, so a press is
answered from the database as it is then: a changed or forged value is refused, never trusted.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.payloads import InvalidPayload

Group = Literal["awaiting", "raised", "counterpart", "involved"]

GROUP_TITLES: dict[Group, str] = {
    "awaiting": "Waiting for your acknowledgement",
    "raised": "You raised",
    "counterpart": "You are the counterpart",
    "involved": "Escalated to you",
}

LIST_NEXT = "list_page_next"
LIST_PREVIOUS = "list_page_previous"
LIST_ALL = "list_page_all"
LIST_PAGING = re.compile(r"^list_page_(next|previous|all)$")
MAX_PAGE = 100_000


class ListPage(BaseModel):
    """A group of one person's open disputes, and which page of it (from 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: Group
    page: int = Field(ge=1, le=MAX_PAGE)

    def encode(self) -> str:
        return f"{self.group}:{self.page}"

    @classmethod
    def decode(cls, raw: object) -> ListPage:
        """Reads a value the bot wrote; raises InvalidPayload for anything else."""
        if not isinstance(raw, str):
            raise InvalidPayload("not a page")
        group, _, page = raw.partition(":")
        try:
            return cls.model_validate({"group": group, "page": page})
        except ValidationError:
            raise InvalidPayload("page out of shape") from None
