"""Template context for the base layout: the user's unread notification count."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from core.models import Notification


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notification_count``: one COUNT on the inbox index, made only if a template shows it.

    Anonymous users get nothing (and no query); htmx partials that do not show the header make none either.
    """
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}

    @cache
    def count() -> int:
        return Notification.objects.filter(recipient=user).unread().count()

    return {"unread_notification_count": count}
