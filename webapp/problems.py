"""What services raise when a request breaks a rule; routes turn them into pages.

``Invalid`` carries messages per form field, so the page shows each next to its field.
"""

from __future__ import annotations


class Invalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class NotFound(Exception):
    """The thing does not exist, or the actor may not know that it does."""


class Forbidden(Exception):
    """The actor may not do this."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after
