"""Activities of a plan version, with their trigger, and what they carry: checklist items, bill of
parts, data parameters (with their limits), personnel requirements and actions fired on transitions.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Any
from urllib.parse import urlparse

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inventory.models import Part
from people.models import Certification
from plans.models.plans import PlanVersion, VersionedContent


class TriggerKind(models.TextChoices):
    TIME = "time", _("Time")
    USAGE = "usage", _("Usage")
    TIME_AND_USAGE = "time_and_usage", _("Time and usage (whichever first)")
    AD_HOC = "ad_hoc", _("Ad hoc")


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


class ScheduleNextMode(models.TextChoices):
    FIXED = "fixed", _("Fixed (from the start date)")
    FLOATING = "floating", _("Floating (from the last closing)")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


TIME_TRIGGERS = (TriggerKind.TIME, TriggerKind.TIME_AND_USAGE)
USAGE_TRIGGERS = (TriggerKind.USAGE, TriggerKind.TIME_AND_USAGE)
POSITIVE = [MinValueValidator(Decimal("0.0001"))]
NOT_NEGATIVE = [MinValueValidator(Decimal(0))]


# An activity's own fields, grouped as its screens show them; written once here and used by the editor
# form, the admin, the API and the version diff (plans/tests/test_activity_fields.py keeps them complete).
ACTIVITY_IDENTITY_FIELDS = ("code", "name", "instructions", "position")
ACTIVITY_TIME_FIELDS = ("time_interval", "time_unit", "time_early_window", "time_late_tolerance")
ACTIVITY_USAGE_FIELDS = ("counter_name", "counter_unit", "usage_interval", "usage_early_window", "usage_late_tolerance")
ACTIVITY_SCHEDULING_FIELDS = ("schedule_next_mode", "instances_to_schedule")
ACTIVITY_EXECUTION_FIELDS = ("executing_role", "priority", "estimated_minutes")
ACTIVITY_AUTOMATION_FIELDS = ("auto_approve", "auto_release", "auto_accept", "requires_signature")
ACTIVITY_FIELDS = (
    *ACTIVITY_IDENTITY_FIELDS,
    "trigger",
    *ACTIVITY_TIME_FIELDS,
    *ACTIVITY_USAGE_FIELDS,
    *ACTIVITY_SCHEDULING_FIELDS,
    *ACTIVITY_EXECUTION_FIELDS,
    *ACTIVITY_AUTOMATION_FIELDS,
)


class Activity(VersionedContent):
    """A task of a plan version with its trigger, what it needs and what it fires.

    ``code`` identifies the activity across versions of its plan (copies keep it), so orders and the
    version diff can follow an activity whose other fields changed.
    """

    version = models.ForeignKey(
        PlanVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="activities"
    )
    code = models.SlugField(
        _("code"), max_length=30, help_text=_("Short key, kept across versions, e.g. monthly-inspection")
    )
    name = models.CharField(_("name"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    trigger = models.CharField(_("trigger"), max_length=16, choices=TriggerKind.choices, default=TriggerKind.TIME)
    # Time trigger: interval, early window and late tolerance in one unit.
    time_interval = models.PositiveIntegerField(_("time interval"), null=True, blank=True)
    time_unit = models.CharField(_("time unit"), max_length=6, choices=TimeUnit.choices, blank=True)
    time_early_window = models.PositiveIntegerField(_("early window (time)"), default=0)
    time_late_tolerance = models.PositiveIntegerField(_("late tolerance (time)"), default=0)
    # Usage trigger: interval, early window and late tolerance in the counter's unit.
    counter_name = models.CharField(
        _("counter watched"),
        max_length=100,
        blank=True,
        help_text=_("Matched by name on the entity, e.g. Operating hours"),
    )
    counter_unit = models.CharField(_("counter unit"), max_length=20, blank=True)
    usage_interval = models.DecimalField(
        _("usage interval"), max_digits=14, decimal_places=3, null=True, blank=True, validators=POSITIVE
    )
    usage_early_window = models.DecimalField(
        _("early window (usage)"), max_digits=14, decimal_places=3, default=Decimal(0), validators=NOT_NEGATIVE
    )
    usage_late_tolerance = models.DecimalField(
        _("late tolerance (usage)"), max_digits=14, decimal_places=3, default=Decimal(0), validators=NOT_NEGATIVE
    )
    schedule_next_mode = models.CharField(
        _("schedule next"),
        max_length=8,
        choices=ScheduleNextMode.choices,
        blank=True,
        default=ScheduleNextMode.FLOATING,
    )
    instances_to_schedule = models.PositiveSmallIntegerField(
        _("instances to schedule"), default=1, help_text=_("Orders kept ahead; fixed time triggers only.")
    )
    executing_role = models.ForeignKey(
        Group, verbose_name=_("executing role"), on_delete=models.PROTECT, related_name="+"
    )
    auto_approve = models.BooleanField(_("auto-approve"), default=False)
    auto_release = models.BooleanField(_("auto-release"), default=False)
    auto_accept = models.BooleanField(_("auto-accept"), default=False)
    requires_signature = models.BooleanField(_("acceptance needs an e-signature"), default=False)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    estimated_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), null=True, blank=True)
    history = HistoricalRecords()
    version_path = "version"

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="activity_code_unique_per_version"),
            models.CheckConstraint(condition=Q(trigger__in=TriggerKind.values), name="activity_trigger_valid"),
            models.CheckConstraint(
                # "IS NOT NULL" too: a NULL interval makes "> 0" unknown, and CHECK lets unknown pass.
                condition=~Q(trigger__in=TIME_TRIGGERS)
                | (Q(time_interval__isnull=False) & Q(time_interval__gt=0) & Q(time_unit__in=TimeUnit.values)),
                name="activity_time_trigger_has_interval",
            ),
            models.CheckConstraint(
                condition=~Q(trigger__in=USAGE_TRIGGERS)
                | (Q(usage_interval__isnull=False) & Q(usage_interval__gt=0) & ~Q(counter_name="")),
                name="activity_usage_trigger_has_interval",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=TIME_TRIGGERS) | (Q(time_interval__isnull=True) & Q(time_unit="")),
                name="activity_time_fields_only_for_time",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=USAGE_TRIGGERS) | (Q(usage_interval__isnull=True) & Q(counter_name="")),
                name="activity_usage_fields_only_for_usage",
            ),
            models.CheckConstraint(
                condition=Q(time_interval__isnull=True) | Q(time_early_window__lt=F("time_interval")),
                name="activity_time_early_window_shorter",
            ),
            models.CheckConstraint(
                condition=Q(usage_interval__isnull=True) | Q(usage_early_window__lt=F("usage_interval")),
                name="activity_usage_early_window_shorter",
            ),
            models.CheckConstraint(
                condition=(Q(trigger=TriggerKind.AD_HOC) & Q(schedule_next_mode=""))
                | (~Q(trigger=TriggerKind.AD_HOC) & Q(schedule_next_mode__in=ScheduleNextMode.values)),
                name="activity_schedule_mode_when_triggered",
            ),
            models.CheckConstraint(
                condition=Q(instances_to_schedule=1)
                | (
                    Q(instances_to_schedule__gt=1)
                    & Q(trigger=TriggerKind.TIME)
                    & Q(schedule_next_mode=ScheduleNextMode.FIXED)
                ),
                name="activity_instances_only_fixed_time",
            ),
            models.CheckConstraint(condition=Q(instances_to_schedule__gte=1), name="activity_instances_positive"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="activity_priority_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def watches_counter(self) -> bool:
        return self.trigger in USAGE_TRIGGERS

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[Any]] = {}

        def add(field: str, message: Any) -> None:
            errors.setdefault(field, []).append(message)

        trigger = self.trigger
        if trigger in TIME_TRIGGERS:
            if not self.time_interval:
                add("time_interval", _("A time trigger needs an interval."))
            if not self.time_unit:
                add("time_unit", _("Give the unit of the interval (hours, days, weeks, months or years)."))
            if self.time_interval and self.time_early_window >= self.time_interval:
                add("time_early_window", _("The early window must be shorter than the interval."))
        else:
            if self.time_interval or self.time_unit:
                add("time_interval", _("Only time triggers have a time interval; clear it."))
            if self.time_early_window or self.time_late_tolerance:
                add("time_early_window", _("Only time triggers have a time window; clear it."))
        if trigger in USAGE_TRIGGERS:
            if not self.usage_interval:
                add("usage_interval", _("A usage trigger needs an interval in the counter's unit."))
            if not self.counter_name:
                add("counter_name", _("Name the counter this activity watches (e.g. Operating hours)."))
            if (
                self.usage_interval
                and self.usage_early_window is not None
                and self.usage_early_window >= self.usage_interval
            ):
                add("usage_early_window", _("The early window must be shorter than the interval."))
        else:
            if self.usage_interval or self.counter_name or self.counter_unit:
                add("usage_interval", _("Only usage triggers watch a counter; clear the usage fields."))
            if self.usage_early_window or self.usage_late_tolerance:
                add("usage_early_window", _("Only usage triggers have a usage window; clear it."))
        if trigger == TriggerKind.AD_HOC:
            if self.schedule_next_mode:
                add("schedule_next_mode", _("Ad hoc activities are not scheduled; leave this empty."))
        elif not self.schedule_next_mode:
            add("schedule_next_mode", _("Choose fixed or floating scheduling."))
        if self.instances_to_schedule is not None and self.instances_to_schedule < 1:
            add("instances_to_schedule", _("Schedule at least one order."))
        elif (
            self.instances_to_schedule
            and self.instances_to_schedule > 1
            and not (trigger == TriggerKind.TIME and self.schedule_next_mode == ScheduleNextMode.FIXED)
        ):
            add(
                "instances_to_schedule",
                _("Only fixed time triggers schedule several orders ahead; use 1 for this activity."),
            )
        if self.auto_accept and self.requires_signature:
            add("auto_accept", _("An acceptance that needs an e-signature cannot be automatic."))
        if errors:
            raise ValidationError(errors)


class ChecklistItemKind(models.TextChoices):
    CHECK = "check", _("Check (done / not done)")
    PASS_FAIL = "pass_fail", _("Pass / fail")
    NUMBER = "number", _("Number with limits")
    TEXT = "text", _("Text")
    PHOTO = "photo", _("Photo")


class ChecklistItem(VersionedContent):
    """One step of an activity's checklist; orders answer each item."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="checklist_items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("text"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ChecklistItemKind.choices, default=ChecklistItemKind.CHECK
    )
    required = models.BooleanField(_("required"), default=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    lower_limit = models.DecimalField(_("lower limit"), max_digits=14, decimal_places=4, null=True, blank=True)
    upper_limit = models.DecimalField(_("upper limit"), max_digits=14, decimal_places=4, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["activity", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChecklistItemKind.values), name="checklistitem_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=ChecklistItemKind.NUMBER)
                | (Q(lower_limit__isnull=True) & Q(upper_limit__isnull=True) & Q(unit="")),
                name="checklistitem_limits_only_for_numbers",
            ),
            models.CheckConstraint(
                condition=Q(lower_limit__isnull=True)
                | Q(upper_limit__isnull=True)
                | Q(lower_limit__lte=F("upper_limit")),
                name="checklistitem_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.kind != ChecklistItemKind.NUMBER:
            if self.lower_limit is not None or self.upper_limit is not None or self.unit:
                errors["unit"] = _("Only number items have a unit and limits.")
        elif None not in (self.lower_limit, self.upper_limit) and self.lower_limit > self.upper_limit:  # type: ignore[operator]
            errors["upper_limit"] = _("The upper limit must not be below the lower limit.")
        if errors:
            raise ValidationError(errors)


class BillOfPartsLine(VersionedContent):
    """A part an activity expects to use, and how many."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="parts")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, validators=POSITIVE)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bill of parts line")
        verbose_name_plural = _("bill of parts")
        ordering = ["activity", "part__part_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "part"],
                name="billofparts_part_once_per_activity",
                violation_error_message=_("This part is already on the bill."),
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="billofparts_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.part.unit} {self.part}"


LIMIT_ORDER = ("lower_action_limit", "lower_warning_limit", "upper_warning_limit", "upper_action_limit")


class DataParameter(VersionedContent):
    """A value an order collects (vibration, temperature, pressure) with its limit set.

    Within the warning limits a value is fine; between warning and action limits it is a warning;
    beyond an action limit it needs action. Any limit may be empty; those given must be ordered.
    """

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="data_parameters"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    required = models.BooleanField(_("required"), default=True)
    lower_action_limit = models.DecimalField(
        _("lower action limit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    lower_warning_limit = models.DecimalField(
        _("lower warning limit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    upper_warning_limit = models.DecimalField(
        _("upper warning limit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    upper_action_limit = models.DecimalField(
        _("upper action limit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data parameter")
        verbose_name_plural = _("data collection")
        ordering = ["activity", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "name"], name="dataparameter_name_unique_per_activity"),
            models.CheckConstraint(condition=~Q(unit=""), name="dataparameter_has_unit"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{low}__isnull": True})
                    | Q(**{f"{high}__isnull": True})
                    | Q(**{f"{low}__lte": F(high)}),
                    name=f"dataparameter_{low}_le_{high}"[:60],
                )
                for i, low in enumerate(LIMIT_ORDER)
                for high in LIMIT_ORDER[i + 1 :]
            ],
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    def clean(self) -> None:
        super().clean()
        given = [(name, getattr(self, name)) for name in LIMIT_ORDER if getattr(self, name) is not None]
        for (low_name, low), (high_name, high) in pairwise(given):
            if low > high:
                labels = {name: getattr(self._meta.get_field(name), "verbose_name", name) for name in LIMIT_ORDER}
                raise ValidationError(
                    {
                        high_name: _("%(high)s must not be below %(low)s.")
                        % {"high": labels[high_name], "low": labels[low_name]}
                    }
                )

    def evaluate(self, value: Decimal) -> str:
        """'action', 'warning' or 'in' for a collected value."""
        if (self.lower_action_limit is not None and value < self.lower_action_limit) or (
            self.upper_action_limit is not None and value > self.upper_action_limit
        ):
            return "action"
        if (self.lower_warning_limit is not None and value < self.lower_warning_limit) or (
            self.upper_warning_limit is not None and value > self.upper_warning_limit
        ):
            return "warning"
        return "in"


class PersonnelRequirement(VersionedContent):
    """Who an activity needs: how many people, with which certification, for how long."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="personnel"
    )
    count = models.PositiveSmallIntegerField(_("people"), default=1)
    certification = models.ForeignKey(
        Certification,
        verbose_name=_("certification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    trade = models.CharField(_("trade"), max_length=100, blank=True)
    estimated_hours = models.DecimalField(
        _("estimated hours each"), max_digits=7, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("personnel requirement")
        verbose_name_plural = _("personnel requirements")
        ordering = ["activity", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="personnel_count_positive"),
            models.CheckConstraint(
                condition=Q(estimated_hours__isnull=True) | Q(estimated_hours__gt=0), name="personnel_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        what = self.certification or self.trade or _("person")
        return f"{self.count} × {what}"

    def clean(self) -> None:
        super().clean()
        if self.count is not None and self.count < 1:
            raise ValidationError({"count": _("At least one person is needed.")})


class ScheduleTransition(models.TextChoices):
    TO_EARLY_DUE = "early_due", _("Reaches early due")
    TO_DUE = "due", _("Reaches due")
    TO_LATE_DUE = "late_due", _("Reaches late due")


class ActionKind(models.TextChoices):
    NOTIFY = "notify", _("Notify")
    WEBHOOK = "webhook", _("Webhook")
    HOLD_ENTITY = "hold_entity", _("Put the entity on hold")
    PURCHASE_REQUEST = "purchase_request", _("Purchase request for missing parts")
    RAISE_PRIORITY = "raise_priority", _("Raise priority")


NOTIFY_RECIPIENTS = ("owner_role", "executing_role", "assignees")


class ActivityAction(VersionedContent):
    """Something the scheduler does when an order of the activity reaches a schedule state.

    ``settings`` by kind: notify ``{"recipients": ["owner_role", "executing_role", "assignees"],
    "emails": [...]}``; webhook ``{"url": "https://...", "secret": "..."}``; raise priority
    ``{"priority": 4}``; hold entity and purchase request take none.
    """

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="actions")
    on_transition = models.CharField(_("when the order"), max_length=10, choices=ScheduleTransition.choices)
    kind = models.CharField(_("action"), max_length=16, choices=ActionKind.choices)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity action")
        verbose_name_plural = _("activity actions")
        ordering = ["activity", "on_transition", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "on_transition", "kind"],
                name="activityaction_once_per_transition",
                violation_error_message=_("This action is already set for that transition."),
            ),
            models.CheckConstraint(
                condition=Q(on_transition__in=ScheduleTransition.values), name="activityaction_transition_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=ActionKind.values), name="activityaction_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_on_transition_display()}"

    def clean(self) -> None:
        super().clean()
        error = action_settings_error(self.kind, self.settings)
        if error:
            raise ValidationError({"settings": error})


def action_settings_error(kind: str, value: Any) -> str | None:
    """A human message when ``value`` is not valid settings for an action of ``kind``, else None."""
    if not isinstance(value, dict):
        return str(_("Settings must be a JSON object."))
    if kind == ActionKind.NOTIFY:
        recipients = value.get("recipients", [])
        emails = value.get("emails", [])
        if not isinstance(recipients, list) or any(r not in NOTIFY_RECIPIENTS for r in recipients):
            return str(_("Recipients are a list of: %(choices)s.") % {"choices": ", ".join(NOTIFY_RECIPIENTS)})
        if not isinstance(emails, list) or any(not isinstance(e, str) or "@" not in e for e in emails):
            return str(_("E-mails are a list of addresses."))
        if not recipients and not emails:
            return str(_("Say whom to notify: recipients and/or e-mails."))
        extra = set(value) - {"recipients", "emails"}
    elif kind == ActionKind.WEBHOOK:
        url = value.get("url", "")
        parsed = urlparse(url if isinstance(url, str) else "")
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            return str(_("A webhook needs an http(s) URL."))
        if not isinstance(value.get("secret", ""), str):
            return str(_("The secret is a string."))
        extra = set(value) - {"url", "secret"}
    elif kind == ActionKind.RAISE_PRIORITY:
        priority = value.get("priority")
        if isinstance(priority, bool) or priority not in Priority.values:
            return str(
                _("Give the priority to raise to: %(choices)s.") % {"choices": ", ".join(map(str, Priority.values))}
            )
        extra = set(value) - {"priority"}
    else:
        extra = set(value)
    if extra:
        return str(_("Unknown settings: %(keys)s.") % {"keys": ", ".join(sorted(extra))})
    return None
