"""What a button or a form carries back to the bot: which dispute, and which record or protocol.

One small model, encoded compactly (Slack allows 2000 characters in a button value) and validated
on the way in, so a changed or stale value gets a polite refusal instead of reaching a service.
The encoding is the dispute reference, then ':' and a record number when there is one, then '@'
and the stage entry (transition) a notice's buttons were drawn for, so a press on a notice the
dispute has since moved past is recognised; a form not yet bound to a dispute carries its
protocol key.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_VALUE = 100


class InvalidPayload(ValueError):
    """A button value or form metadata the bot did not write."""


class ActionMeta(BaseModel):
    """The dispute a button or form acts on (with a discussion record), or a form's protocol."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[^:\s]+$")
    entry: int | None = Field(None, ge=1)
    protocol: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    transition: int | None = Field(None, ge=1)

    def encode(self) -> str:
        if self.reference is None:
            return self.protocol or ""
        value = self.reference if self.entry is None else f"{self.reference}:{self.entry}"
        return value if self.transition is None else f"{value}@{self.transition}"

    @classmethod
    def for_dispute(
        cls, reference: str, entry: int | None = None, *, transition: int | None = None
    ) -> ActionMeta:
        return cls(reference=reference, entry=entry, transition=transition)

    @classmethod
    def decode(cls, raw: object, *, form: bool = False) -> ActionMeta:
        """Reads a value the bot wrote; raises InvalidPayload for anything else.

        `form` reads a form's metadata, where a value without a record number may be a protocol.
        """
        if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_VALUE:
            raise InvalidPayload("empty or oversized value")
        value, at, transition = raw.strip().partition("@")
        reference, colon, entry = value.partition(":")
        try:
            if at:
                fields = {"reference": reference, "transition": transition}
                return cls.model_validate(fields | ({"entry": entry} if colon else {}))
            if colon:
                return cls.model_validate({"reference": reference, "entry": entry})
            if form and not reference.upper().startswith("RPD-"):
                return cls(protocol=reference)
            return cls(reference=reference)
        except ValidationError:
            raise InvalidPayload("value out of shape") from None
