"""Domain errors. Each carries a message written for the user who caused it."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the debate was broken; ``str(error)`` is the message to show the user."""


class InvalidInput(DomainError):
    """The user's input is malformed: empty, too long, out of range, an unknown side."""


class NotFound(DomainError):
    """The record named does not exist in this debate (or this guild)."""


class NotAllowed(DomainError):
    """The user may not do this: not the creator, no Manage Threads, not the author."""


class WrongPlace(DomainError):
    """The command was used outside a debate thread, or in a debate that no longer accepts it."""
