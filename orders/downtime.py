"""Downtime periods: a resource or container goes down or on hold, and comes back in service.

Every path that changes an entity's status for downtime calls these two services: the hold action at
late due and its release when the order closes (``orders.actions``), a breakdown report that says the
asset is down (``orders.services.order_request_corrective``), the resource page's downtime panel and the
API. Each locks the entity row first, so the status and the open period change together.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Container, EntityStatus, Resource
from core.errors import ActionNotAllowed
from orders.models import DowntimeKind, DowntimePeriod, ExecutionState, WorkOrder

Entity = Resource | Container

STATUS_BY_KIND = {DowntimeKind.DOWN: EntityStatus.DOWN, DowntimeKind.ON_HOLD: EntityStatus.ON_HOLD}
DOWNTIME_STATUSES = tuple(STATUS_BY_KIND.values())


def _locked(entity: Entity) -> Entity:
    # Two reports (or a report and the hold action) at once: the second waits here for the first's
    # commit, then sees its open period instead of opening another.
    return type(entity).objects.select_for_update().get(pk=entity.pk)


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _set_status(entity: Entity, status: str, user: Any, reason: str) -> None:
    entity.status = status
    entity._change_reason = reason[:100]  # type: ignore[union-attr]  # read by simple-history
    entity._history_user = _user_or_none(user)  # type: ignore[union-attr]
    entity.save(update_fields=["status", "updated_at"])


def open_period_of(entity: Entity) -> DowntimePeriod | None:
    """The entity's open downtime period, if any."""
    return DowntimePeriod.objects.for_entity(entity).open().first()


@transaction.atomic
def downtime_open(
    *,
    entity: Entity,
    kind: str,
    reason: str,
    user: Any,
    order: WorkOrder | None = None,
    at: datetime.datetime | None = None,
) -> DowntimePeriod:
    """Mark the entity down or on hold and open its downtime period.

    If a period is already open, one of the same kind is kept (and returned); one of the other kind is
    closed at ``at`` and the new one opens there. Permissions are the caller's: the system (hold action),
    anyone who may report a breakdown on the asset, or a user allowed to change it.
    """
    if kind not in STATUS_BY_KIND:
        raise ActionNotAllowed(_("Choose down or on hold."))
    reason = reason.strip()
    if not reason:
        raise ActionNotAllowed(_("Say why the asset is out of service."))
    at = at or timezone.now()
    entity = _locked(entity)
    if entity.status == EntityStatus.RETIRED:
        raise ActionNotAllowed(_("%(entity)s is retired: it cannot go down or on hold.") % {"entity": entity})
    current = open_period_of(entity)
    if current is not None:
        if current.kind == kind:
            return current
        if at < current.started_at:
            raise ActionNotAllowed(_("The new period cannot start before the open one."))
        _end(current, user=user, note=_("Now %(kind)s") % {"kind": DowntimeKind(kind).label.lower()}, at=at)
    period = DowntimePeriod(
        kind=kind,
        started_at=at,
        reason=reason,
        order=order,
        opened_by=_user_or_none(user),
        **{type(entity)._meta.model_name: entity},  # type: ignore[misc]
    )
    period.full_clean(exclude=["resource", "container", "order", "opened_by", "closed_by"])
    period.save()
    _set_status(entity, STATUS_BY_KIND[DowntimeKind(kind)], user, reason)
    return period


def _end(period: DowntimePeriod, *, user: Any, note: str, at: datetime.datetime) -> None:
    period.ended_at = at
    period.closed_by = _user_or_none(user)
    period.close_note = note
    period.save(update_fields=["ended_at", "closed_by", "close_note", "updated_at"])


@transaction.atomic
def downtime_close(
    *,
    entity: Entity,
    user: Any,
    note: str = "",
    at: datetime.datetime | None = None,
    period_id: int | None = None,
) -> DowntimePeriod | None:
    """Close the entity's open downtime period and put it back in service.

    ``period_id``, when given, is the period the caller means: if another one is open now (it was closed
    and a new one opened meanwhile) nothing is closed. An entity down or on hold without a period (set
    before periods were recorded) just goes back in service; ``None`` is returned then.
    """
    at = at or timezone.now()
    entity = _locked(entity)
    current = open_period_of(entity)
    if period_id is not None and (current is None or current.pk != period_id):
        raise ActionNotAllowed(_("This downtime period is already closed."))
    if current is None and entity.status not in DOWNTIME_STATUSES:
        raise ActionNotAllowed(_("%(entity)s is not down or on hold.") % {"entity": entity})
    if current is not None:
        if at < current.started_at:
            raise ActionNotAllowed(_("A downtime period cannot end before it starts."))
        _end(current, user=user, note=note.strip(), at=at)
    if entity.status in DOWNTIME_STATUSES:
        _set_status(entity, EntityStatus.IN_SERVICE, user, note.strip() or _("Back in service"))
    return current


def downtime_follow_order_close(*, order: WorkOrder, user: Any) -> DowntimePeriod | None:
    """When the order that took its asset down closes, the downtime follows it.

    Accepted (closed): the repair is done, so the asset's open "down" period that this order opened is
    closed and the asset goes back in service. Joined into another order: that order now carries the
    period. Skipped, rejected or canceled: the period stays open (whether the asset still is down is a
    person's call, on the resource page). Returns the period closed or moved, if any.
    """
    period = DowntimePeriod.objects.filter(order=order, ended_at__isnull=True, kind=DowntimeKind.DOWN).first()
    if period is None:
        return None
    if order.execution_state == ExecutionState.CLOSED_AS_JOINED and order.joined_into_id:
        DowntimePeriod.objects.filter(pk=period.pk).update(order_id=order.joined_into_id, updated_at=timezone.now())
        period.order_id = order.joined_into_id
        return period
    if order.execution_state != ExecutionState.CLOSED:
        return None
    entity = period.resource or period.container
    assert entity is not None  # exactly one (a database constraint)
    return downtime_close(
        entity=entity,
        user=user,
        note=_("repaired: %(number)s accepted") % {"number": order.number},
        at=order.closed_at,
        period_id=period.pk,
    )
