"""What the scheduler and its actions leave behind: the action log of schedule transitions, the runs of
the scheduler jobs, and integrators' webhook subscriptions with their deliveries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models.workorders import WorkOrder
from plans.models import (
    ActionKind,
    ScheduleTransition,
)


class ActionLogStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed")


class ActionLog(models.Model):
    """One activity action fired by a schedule transition of an order, and how each attempt went."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="action_log"
    )
    kind = models.CharField(_("action"), max_length=16, choices=ActionKind.choices)
    transition = models.CharField(_("transition"), max_length=10, choices=ScheduleTransition.choices)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionLogStatus.choices, default=ActionLogStatus.QUEUED
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("action log entry")
        verbose_name_plural = _("action log")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "transition", "kind"], name="actionlog_once_per_transition"),
            models.CheckConstraint(condition=Q(status__in=ActionLogStatus.values), name="actionlog_status_valid"),
        ]
        indexes = [models.Index(fields=["status"], name="actionlog_status")]

    def __str__(self) -> str:
        return f"{self.order.number} {self.get_kind_display()} ({self.get_status_display()})"


class SchedulerRun(models.Model):
    """One row per scheduler job: locked while the job runs (so two beats never run it at once) and a
    record of its last run for administrators."""

    name = models.CharField(_("job"), max_length=50, unique=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_count = models.PositiveIntegerField(_("rows changed by the last run"), default=0)

    class Meta:
        verbose_name = _("scheduler run")
        verbose_name_plural = _("scheduler runs")

    def __str__(self) -> str:
        return self.name


# --- Outgoing webhooks to integrators (see orders/webhooks.py) ---------------------------------
class WebhookEvent(models.TextChoices):
    ORDER_CREATED = "order.created", _("Work order created")
    EXECUTION_TRANSITION = "order.execution_transition", _("Execution state changed")
    SCHEDULE_TRANSITION = "order.schedule_transition", _("Schedule state changed")


class WebhookSubscription(models.Model):
    """An integrator's URL that receives signed JSON POSTs for the chosen work-order events.

    Events are sent only for orders of the sites the owner may see, signed with HMAC-SHA256 of the body
    with ``secret`` (header ``X-MMS-Signature: sha256=<hex>``).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"), max_length=128, help_text=_("Shared with the receiver to check the signature (16+ characters).")
    )
    events = models.JSONField(_("events"), default=list, help_text=_('Event names, e.g. ["order.created"].'))
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if len(self.secret or "") < 16:
            errors["secret"] = _("Use a secret of at least 16 characters.")
        if (
            not isinstance(self.events, list)
            or not self.events
            or not all(isinstance(e, str) and e in WebhookEvent.values for e in self.events)
        ):
            errors["events"] = _("Choose one or more of: %(events)s.") % {"events": ", ".join(WebhookEvent.values)}
        if errors:
            raise ValidationError(errors)


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one subscription, with how each attempt went: the delivery log."""

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    transition = models.CharField(_("transition"), max_length=40, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionLogStatus.choices, default=ActionLogStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status = models.PositiveSmallIntegerField(_("HTTP status of the last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActionLogStatus.values), name="webhookdelivery_status_valid"),
            models.CheckConstraint(condition=Q(event__in=WebhookEvent.values), name="webhookdelivery_event_valid"),
        ]
        indexes = [
            models.Index(fields=["status"], name="webhookdelivery_status"),
            models.Index(fields=["subscription", "-created_at"], name="webhookdelivery_subscription"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.order_id} → {self.subscription.url} ({self.get_status_display()})"
