"""Errors a person can act on; raised before anything changes."""


class DomainError(Exception):
    """A step the protocol or the data does not allow; the message says what to do instead.

    `field` names the input at fault, so a form can show the message beside it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    """No such dispute for this person. Also used when they may not see it, so nothing leaks."""
