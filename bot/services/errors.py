"""Errors a person can act on; raised before anything changes."""


class DomainError(Exception):
    """A step the protocol or the data does not allow; the message says what to do instead."""


class NotFound(DomainError):
    """No such dispute for this person. Also used when they may not see it, so nothing leaks."""
