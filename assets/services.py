"""Business actions of the asset register: recording a counter reading."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Area, Counter, Reading, ReadingSource, site_of
from assets.signals import readings_recorded
from core.errors import ActionForbidden, ActionNotAllowed
from core.scoping import visible_site_ids


def entity_site(entity: Any) -> Area:
    """The site (top area) an area, resource, container or material is at."""
    return site_of(entity if isinstance(entity, Area) else entity.area)


@transaction.atomic
def reading_record(
    *,
    counter: Counter,
    value: Decimal,
    user: Any,
    taken_at: datetime.datetime | None = None,
    source: str = ReadingSource.MANUAL,
    is_reset: bool = False,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Reading:
    """Record a counter reading and set the counter's latest value; ``readings_recorded`` tells the apps
    that react (usage orders of the counter move on, new ones appear) in the same transaction."""
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    entity = counter.entity
    site_ids = visible_site_ids(user)
    if user is not None and site_ids is not None and entity is not None and entity_site(entity).pk not in site_ids:
        raise ActionForbidden(_("You do not have access to this counter."))
    reading = Reading(
        counter=counter,
        value=value,
        taken_at=taken_at or timezone.now(),
        source=source,
        is_reset=is_reset,
        note=note,
        entered_by=user if getattr(user, "is_authenticated", False) else None,
    )
    try:
        reading.full_clean()
    except ValidationError as error:
        raise ActionNotAllowed(" ".join(error.messages)) from error
    reading.save()
    if counter.last_read_at is None or reading.taken_at >= counter.last_read_at:
        Counter.objects.filter(pk=counter.pk).update(
            last_value=reading.value, last_read_at=reading.taken_at, updated_at=timezone.now()
        )
        counter.last_value, counter.last_read_at = reading.value, reading.taken_at
    readings_recorded.send(sender=Counter, counters=[counter], now=now)
    return reading
