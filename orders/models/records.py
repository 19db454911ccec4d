"""What is recorded on a work order while it is worked: assignments, labour, checklist answers, collected
data, planned and used parts, comments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.devices import EntryChannel
from inventory.models import Part
from orders.models.workorders import WorkOrder
from people.models import Employee
from plans.models import (
    ChecklistItem,
    DataParameter,
)


class Assignment(models.Model):
    """An employee assigned to work on an order."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="assignments"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["order", "employee"], name="assignment_once_per_employee")]

    def __str__(self) -> str:
        return f"{self.employee} → {self.order.number}"


class LabourEntry(models.Model):
    """Time an employee spent on an order, with the cost at the rate of that day."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="labour")
    employee = models.ForeignKey(Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="labour")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    hours = models.DecimalField(
        _("hours"), max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    hourly_rate = models.DecimalField(
        _("hourly rate"), max_digits=10, decimal_places=2, default=Decimal(0), editable=False
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", editable=False)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=Decimal(0), editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # When the entry was made (a clock entry: when the clock started) and through what: the labour and
    # adoption KPIs date labour by it and count what was entered by phone. Rows from before these were
    # kept got their clock start (else their last change) as recorded_at, and no channel ("unknown").
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    entered_via = models.CharField(
        _("entered via"), max_length=10, choices=EntryChannel.choices, blank=True, default=EntryChannel.UNKNOWN
    )
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("labour entry")
        verbose_name_plural = _("labour")
        ordering = ["order", "started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True) | Q(started_at__isnull=False), name="labour_stop_needs_start"
            ),
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True) | Q(stopped_at__gte=F("started_at")),
                name="labour_stop_after_start",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=False) | Q(started_at__isnull=False), name="labour_hours_or_start"
            ),
            models.CheckConstraint(condition=Q(hours__isnull=True) | Q(hours__gte=0), name="labour_hours_not_negative"),
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(started_at__isnull=False, stopped_at__isnull=True, hours__isnull=True),
                name="labour_one_running_clock_per_employee",
                violation_error_message=_("This employee's clock is already running on another order."),
            ),
            models.CheckConstraint(condition=Q(entered_via__in=EntryChannel.values), name="labour_entered_via_valid"),
        ]
        indexes = [models.Index(fields=["recorded_at"], name="labour_recorded_at")]

    def __str__(self) -> str:
        return f"{self.employee} {self.hours or '…'} h on {self.order.number}"

    def clean(self) -> None:
        super().clean()
        if self.started_at and self.stopped_at and self.stopped_at < self.started_at:
            raise ValidationError({"stopped_at": _("The stop time must be after the start time.")})
        if self.hours is None and self.started_at is None:
            raise ValidationError({"hours": _("Give the hours worked, or start the clock.")})


class ChecklistAnswer(models.Model):
    """The answer to one checklist item of the order's activity."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="checklist_answers"
    )
    item = models.ForeignKey(ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    done = models.BooleanField(_("done"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    number = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="checklists/%Y/%m/", blank=True)
    within_limits = models.BooleanField(_("within limits"), null=True, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["order", "item__position"]
        constraints = [models.UniqueConstraint(fields=["order", "item"], name="checklistanswer_one_per_item")]

    def __str__(self) -> str:
        return f"{self.item.text}: {self.display_value}"

    @property
    def is_answered(self) -> bool:
        return any(
            (
                self.done is True,
                self.passed is not None,
                self.number is not None,
                bool(self.text.strip()),
                bool(self.photo),
            )
        )

    @property
    def display_value(self) -> str:
        if self.passed is not None:
            return str(_("pass") if self.passed else _("fail"))
        if self.number is not None:
            return f"{self.number} {self.item.unit}".strip()
        if self.done is not None:
            return str(_("done") if self.done else _("not done"))
        return self.text or ("📷" if self.photo else "—")


class DataValue(models.Model):
    """A value collected for a data parameter, evaluated against its limit set when recorded."""

    class Evaluation(models.TextChoices):
        IN = "in", _("Within limits")
        WARNING = "warning", _("Warning")
        ACTION = "action", _("Action needed")

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="data_values"
    )
    parameter = models.ForeignKey(
        DataParameter, verbose_name=_("parameter"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    evaluation = models.CharField(_("evaluation"), max_length=8, choices=Evaluation.choices, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        ordering = ["order", "parameter__position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "parameter"], name="datavalue_one_per_parameter"),
            models.CheckConstraint(
                condition=Q(evaluation__in=["in", "warning", "action"]), name="datavalue_evaluation_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parameter.name} = {self.value} {self.parameter.unit}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.evaluation = self.parameter.evaluate(self.value)
        super().save(*args, **kwargs)


class PlannedPart(models.Model):
    """A part the order expects to use, copied from the activity's bill of parts when the order is made."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="planned_parts"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("planned part")
        verbose_name_plural = _("planned parts")
        constraints = [
            models.UniqueConstraint(fields=["order", "part"], name="plannedpart_once_per_order"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="plannedpart_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.part.unit} {self.part.part_number}"


class UsedPart(models.Model):
    """A part consumed by the order, with its cost at the time."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="used_parts"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=4, default=Decimal(0), editable=False)
    currency = models.CharField(_("currency"), max_length=3, default="USD", editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("used part")
        verbose_name_plural = _("used parts")
        ordering = ["order", "recorded_at"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="usedpart_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} {self.part.unit} {self.part.part_number}"


class Comment(models.Model):
    """A remark on an order by anyone who can see it."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["order", "created_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="comment_not_empty")]

    def __str__(self) -> str:
        return self.text[:60]
