"""Admin of work orders: states are read-only; transitions run as admin actions through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.errors import ActionForbidden, ActionNotAllowed
from core.history_admin import ReadOnlyHistoryAdmin
from orders import downtime, services
from orders.models import (
    PARENT_KIND,
    ActionLog,
    Assignment,
    ChecklistAnswer,
    Comment,
    DataValue,
    DowntimePeriod,
    FailureCode,
    FailureKind,
    LabourEntry,
    PlannedPart,
    SchedulerRun,
    UsedPart,
    WebhookDelivery,
    WebhookSubscription,
    WorkOrder,
)


class ReadOnlyInline(admin.TabularInline):
    """Work is recorded on the order screens; the admin shows it."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return self.fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ("employee", "assigned_by", "assigned_at")
    raw_id_fields = ("employee", "assigned_by")


class ChecklistAnswerInline(ReadOnlyInline):
    model = ChecklistAnswer
    fields = ("item", "done", "passed", "number", "text", "within_limits", "note", "answered_by")
    raw_id_fields = ("answered_by",)


class DataValueInline(ReadOnlyInline):
    model = DataValue
    fields = ("parameter", "value", "evaluation", "recorded_by", "recorded_at")
    raw_id_fields = ("recorded_by",)


class LabourInline(ReadOnlyInline):
    model = LabourEntry
    fields = ("employee", "started_at", "stopped_at", "hours", "cost", "currency", "recorded_at", "entered_via")
    raw_id_fields = ("employee",)


class PlannedPartInline(ReadOnlyInline):
    model = PlannedPart
    fields = ("part", "quantity")


class UsedPartInline(ReadOnlyInline):
    model = UsedPart
    fields = ("part", "quantity", "unit_cost", "currency", "recorded_by")
    raw_id_fields = ("recorded_by",)


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ("author", "text", "created_at")
    raw_id_fields = ("author",)


class ActionLogInline(ReadOnlyInline):
    model = ActionLog
    fields = ("transition", "kind", "status", "attempts", "last_error", "finished_at")


def _service_action(
    name: str, label: Any, call: Callable[[WorkOrder, Any], Any]
) -> Callable[[Any, HttpRequest, QuerySet[WorkOrder]], None]:
    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[WorkOrder]) -> None:
        for order in queryset:
            try:
                call(order, request.user)
            except (ActionNotAllowed, ActionForbidden) as error:
                modeladmin.message_user(request, f"{order.number}: {error.message}", level=messages.ERROR)
            else:
                modeladmin.message_user(request, f"{order.number}: {label}")

    action.__name__ = name
    return admin.action(description=label)(action)


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyHistoryAdmin):
    """Orders come from the scheduler and the request screens; here administrators follow and move them."""

    list_display = (
        "number",
        "title",
        "kind",
        "execution_state",
        "schedule_state",
        "priority",
        "site",
        "due_at",
        "closed_on_time",
    )
    list_filter = ("execution_state", "schedule_state", "kind", "priority", "site")
    list_select_related = ("site",)
    search_fields = ("number", "title", "description", "resource__tag", "container__tag")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in WorkOrder._meta.fields]
    inlines = (
        AssignmentInline,
        ChecklistAnswerInline,
        DataValueInline,
        LabourInline,
        PlannedPartInline,
        UsedPartInline,
        CommentInline,
        ActionLogInline,
    )
    actions = [
        _service_action("approve", _("Approve"), lambda order, user: services.order_approve(order=order, user=user)),
        _service_action("release", _("Release"), lambda order, user: services.order_release(order=order, user=user)),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkOrder]:
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    list_display = ("order", "transition", "kind", "status", "attempts", "created_at", "finished_at")
    list_filter = ("status", "kind", "transition")
    list_select_related = ("order",)
    search_fields = ("order__number", "last_error")
    raw_id_fields = ("order",)
    readonly_fields = (
        "order",
        "kind",
        "transition",
        "settings",
        "attempts",
        "status",
        "last_error",
        "created_at",
        "finished_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SchedulerRun)
class SchedulerRunAdmin(admin.ModelAdmin):
    list_display = ("name", "last_started_at", "last_finished_at", "last_count")
    readonly_fields = ("name", "last_started_at", "last_finished_at", "last_count")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Integrators' webhook URLs; events reach a subscription only for orders its owner may see."""

    list_display = ("url", "owner", "active", "description", "created_at")
    list_filter = ("active",)
    list_select_related = ("owner",)
    search_fields = ("url", "description", "owner__username")
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every event sent to a subscription, with its attempts and last error."""

    list_display = ("event", "order", "subscription", "status", "attempts", "response_status", "created_at")
    list_filter = ("status", "event")
    list_select_related = ("order", "subscription")
    search_fields = ("order__number", "subscription__url", "last_error")
    readonly_fields = (
        "subscription",
        "event",
        "order",
        "transition",
        "occurred_at",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "created_at",
        "finished_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DowntimePeriod)
class DowntimePeriodAdmin(admin.ModelAdmin):
    """Read-only: periods open and close through the services (resource page, API, hold action, reports);
    the admin action "Back in service" calls the same service."""

    list_display = ("entity", "kind", "started_at", "ended_at", "order", "opened_by", "closed_by")
    list_filter = ("kind", ("ended_at", admin.EmptyFieldListFilter))
    list_select_related = ("resource", "container", "order", "opened_by", "closed_by")
    search_fields = ("resource__tag", "container__tag", "order__number", "reason")
    readonly_fields = (
        "kind",
        "resource",
        "container",
        "started_at",
        "ended_at",
        "reason",
        "order",
        "opened_by",
        "closed_by",
        "close_note",
        "updated_at",
    )
    actions = ["back_in_service"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Back in service"), permissions=["change"])
    def back_in_service(self, request: HttpRequest, queryset: QuerySet[DowntimePeriod]) -> None:
        for period in queryset.filter(ended_at__isnull=True).select_related("resource", "container"):
            entity = period.entity
            assert entity is not None
            try:
                downtime.downtime_close(
                    entity=entity, user=request.user, note=str(_("Closed in the admin")), period_id=period.pk
                )
            except (ActionNotAllowed, ActionForbidden) as error:
                self.message_user(request, f"{entity}: {error.message}", level=messages.ERROR)
            else:
                self.message_user(request, f"{entity}: {_('back in service')}")


class FailureCodeAdminForm(forms.ModelForm):
    """A code's parents must be of the kind above it (a cause's problems, a remedy's causes): the
    database cannot check a many-to-many against the row's kind, so the admin does."""

    class Meta:
        model = FailureCode
        fields = ("kind", "code", "name", "description", "parents", "resource_types", "active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, parents = data.get("kind"), data.get("parents")
        if kind and parents:
            parent_kind = PARENT_KIND.get(FailureKind(kind))
            if parent_kind is None:
                raise ValidationError({"parents": _("Problems have no parents.")})
            wrong = [str(parent) for parent in parents if parent.kind != parent_kind]
            if wrong:
                raise ValidationError(
                    {
                        "parents": _("Only %(kind)s codes can be parents here, not %(codes)s.")
                        % {"kind": FailureKind(parent_kind).label.lower(), "codes": ", ".join(wrong)}
                    }
                )
        return data


@admin.register(FailureCode)
class FailureCodeAdmin(ReadOnlyHistoryAdmin):
    """Problem, cause and remedy codes; deactivate a code rather than delete it (orders protect it)."""

    form = FailureCodeAdminForm
    list_display = ("code", "name", "kind", "active", "updated_at")
    list_filter = ("kind", "active", ("parents", admin.RelatedOnlyFieldListFilter), "resource_types")
    search_fields = ("code", "name", "description")
    filter_horizontal = ("parents", "resource_types")
    ordering = ("kind", "code")
