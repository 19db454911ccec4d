"""Downtime periods: a resource or container down or on hold, with who, why and the order that caused it."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.models import Container, Resource
from orders.models.workorders import WorkOrder


# --- Downtime ------------------------------------------------------------------------------------
class DowntimeKind(models.TextChoices):
    DOWN = "down", _("Down")
    ON_HOLD = "on_hold", _("On hold")


class DowntimePeriodQuerySet(models.QuerySet["DowntimePeriod"]):
    def open(self) -> DowntimePeriodQuerySet:
        return self.filter(ended_at__isnull=True)

    def in_sites(self, site_ids: list[int] | None) -> DowntimePeriodQuerySet:
        if site_ids is None:
            return self
        return self.filter(Q(resource__area__site_id__in=site_ids) | Q(container__area__site_id__in=site_ids))

    def visible_to(self, user: Any) -> DowntimePeriodQuerySet:
        """Periods of entities at the sites the user belongs to (every site for Administrators and Integrators)."""
        from core.scoping import visible_site_ids

        return self.in_sites(visible_site_ids(user))

    def for_entity(self, entity: Resource | Container) -> DowntimePeriodQuerySet:
        field = type(entity)._meta.model_name
        return self.filter(**{f"{field}_id": entity.pk})

    def overlapping(self, start: datetime.datetime, end: datetime.datetime) -> DowntimePeriodQuerySet:
        """Periods with some time inside ``[start, end)``; an open period lasts until now."""
        return self.filter(started_at__lt=min(end, timezone.now())).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=start)
        )

    def with_duration_within(self, start: datetime.datetime, end: datetime.datetime) -> DowntimePeriodQuerySet:
        """Annotate ``duration_within``: the part of each period inside ``[start, end)``, computed in SQL
        (an open period counts up to ``end`` or now, whichever is earlier). Use with ``overlapping``."""
        until = min(end, timezone.now())
        clipped_end = models.functions.Least(Coalesce(F("ended_at"), models.Value(until)), models.Value(until))
        clipped_start = models.functions.Greatest(F("started_at"), models.Value(start))
        return self.annotate(
            duration_within=models.ExpressionWrapper(clipped_end - clipped_start, output_field=models.DurationField())
        )

    def hours_between(self, start: datetime.datetime, end: datetime.datetime) -> float:
        """Hours of downtime inside ``[start, end)`` over these periods, summed in SQL (for the KPIs)."""
        total = (
            self.overlapping(start, end)
            .with_duration_within(start, end)
            .aggregate(total=models.Sum("duration_within"))["total"]
        )
        return total.total_seconds() / 3600 if total else 0.0

    def hours_by_entity(self, start: datetime.datetime, end: datetime.datetime) -> dict[tuple[str, int], float]:
        """Hours of downtime inside ``[start, end)`` per entity: ``{("resource", id): hours, ...}``."""
        rows = (
            self.overlapping(start, end)
            .with_duration_within(start, end)
            .order_by()
            .values("resource_id", "container_id")
            .annotate(total=models.Sum("duration_within"))
        )
        return {
            (("resource", row["resource_id"]) if row["resource_id"] else ("container", row["container_id"])): (
                row["total"].total_seconds() / 3600 if row["total"] else 0.0
            )
            for row in rows
        }


class DowntimePeriod(models.Model):
    """A time a resource or container was down or on hold: who opened and closed it, why, and the work
    order that caused it (a breakdown report, a hold at late due). Open while ``ended_at`` is empty; at
    most one period of an entity is open at a time."""

    kind = models.CharField(_("kind"), max_length=10, choices=DowntimeKind.choices)
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="downtime_periods",
    )
    container = models.ForeignKey(
        Container,
        verbose_name=_("container"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="downtime_periods",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downtime_periods",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    close_note = models.TextField(_("note on closing"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = DowntimePeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("downtime period")
        verbose_name_plural = _("downtime periods")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DowntimeKind.values), name="downtimeperiod_kind_valid"),
            models.CheckConstraint(
                condition=Q(resource__isnull=False, container__isnull=True)
                | Q(resource__isnull=True, container__isnull=False),
                name="downtimeperiod_one_entity",
                violation_error_message=_("A downtime period belongs to one resource or one container."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="downtimeperiod_ends_after_start",
                violation_error_message=_("A downtime period cannot end before it starts."),
            ),
            # Two reports at once cannot open two periods: the second insert fails.
            models.UniqueConstraint(
                fields=["resource"], condition=Q(ended_at__isnull=True), name="downtimeperiod_one_open_per_resource"
            ),
            models.UniqueConstraint(
                fields=["container"], condition=Q(ended_at__isnull=True), name="downtimeperiod_one_open_per_container"
            ),
        ]
        indexes = [
            models.Index(fields=["resource", "-started_at"], name="downtimeperiod_resource_start"),
            models.Index(fields=["container", "-started_at"], name="downtimeperiod_container_start"),
            # The downtime KPIs read the periods overlapping a window: those still open (NULL) or ended
            # after its start, a few among years of history.
            models.Index(fields=["ended_at"], name="downtimeperiod_ended_at"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def entity(self) -> Resource | Container | None:
        return self.resource if self.resource_id else self.container

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def duration(self) -> datetime.timedelta:
        """How long it lasted (an open period: until now)."""
        return (self.ended_at or timezone.now()) - self.started_at
