"""Domain errors every app's services raise (assets is the lowest app, so all may import this).

Screens show the message; the API maps ``ActionNotAllowed`` to 409 and ``ActionForbidden`` to 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class ActionNotAllowed(Exception):
    """The action is not possible now (state, missing data, duplicates); the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ActionForbidden(PermissionDenied):
    """The user's roles do not allow the action."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
