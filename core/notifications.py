"""``notify()``: the one way any app tells people something in the app (their bell and inbox)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.models import Notification

TITLE_MAX = 200


def notify(recipients: Iterable[Any], title: str, body: str = "", url: str = "") -> list[Notification]:
    """One unread notification per recipient (users or user ids; duplicates and ``None`` are dropped).

    One INSERT for all of them; the title is cut to what the inbox shows.
    """
    seen: set[int] = set()
    rows = []
    for recipient in recipients:
        recipient_id = getattr(recipient, "pk", recipient)
        if recipient_id is None or recipient_id in seen:
            continue
        seen.add(recipient_id)
        rows.append(Notification(recipient_id=recipient_id, title=str(title)[:TITLE_MAX], body=str(body), url=url))
    return Notification.objects.bulk_create(rows)
