"""The screen where a planner or supervisor creates a work order from an ad-hoc activity of a plan instance.

Ad-hoc activities have no trigger: the scheduler never creates their orders, a person does, from the
resource page (the "Ad-hoc work from the applied plans" panel links here). The view is thin: the
instance is read scoped to the user's sites (other sites' ids answer 404), the form offers the ad-hoc
activities of the plan's effective version, and ``services.order_create_ad_hoc`` decides the rest.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ActionNotAllowed
from core.queries import count_of
from core.scoping import visible_site_ids
from core.views import screen
from orders import services
from orders.forms import add_service_error
from plans.models import Activity, BillOfPartsLine, ChecklistItem, DataParameter, PlanInstance, Priority, TriggerKind

# Signed in with a role that sees work orders; whether the user may create them is the service's rule.
ad_hoc_screen = screen("orders.view_workorder")


def ad_hoc_activities(instance: PlanInstance) -> QuerySet[Activity]:
    """The ad-hoc activities of the instance's plan's effective version, with what each carries (counted)."""
    version_id = instance.plan.effective_version_id
    if version_id is None:
        return Activity.objects.none()
    return (
        Activity.objects.filter(version_id=version_id, trigger=TriggerKind.AD_HOC)
        .select_related("executing_role")
        .annotate(
            checklist_count=count_of(ChecklistItem.objects.filter(activity_id=OuterRef("pk"))),
            data_count=count_of(DataParameter.objects.filter(activity_id=OuterRef("pk"))),
            parts_count=count_of(BillOfPartsLine.objects.filter(activity_id=OuterRef("pk"))),
        )
        .order_by("position", "pk")
    )


class AdHocOrderForm(forms.Form):
    """Which ad-hoc activity, and optionally the order's own title, description, priority and due time."""

    activity = forms.ModelChoiceField(
        label=gettext_lazy("Activity"),
        queryset=Activity.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": gettext_lazy("Choose the activity to do."),
            "invalid_choice": gettext_lazy("Choose one of the ad-hoc activities of this plan."),
        },
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave empty for the activity's name."),
    )
    description = forms.CharField(
        label=gettext_lazy("Why, and what to look at"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The activity's instructions are shown on the order as well."),
    )
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"),
        choices=[("", gettext_lazy("As the activity says")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    due_at = forms.DateTimeField(
        label=gettext_lazy("Due at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Leave empty for no due date."),
    )

    def __init__(self, *args: Any, activities: QuerySet[Activity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities  # type: ignore[attr-defined]

    def clean_title(self) -> str:
        return str(self.cleaned_data["title"]).strip()

    def clean_due_at(self) -> datetime.datetime | None:
        due_at: datetime.datetime | None = self.cleaned_data["due_at"]
        if due_at is not None and due_at < timezone.now() - datetime.timedelta(days=1):
            raise ValidationError(_("The due time cannot be in the past."))
        return due_at


def get_instance(request: HttpRequest, pk: int) -> PlanInstance:
    """The plan instance if it is on one of the user's sites (404 otherwise) and the user may create ad-hoc
    work on it (403 otherwise)."""
    instance = get_object_or_404(
        PlanInstance.objects.in_sites(visible_site_ids(request.user)).select_related(
            "plan__effective_version",
            "owner_role",
            "area",
            "resource__area",
            "container__area",
            "material__area",
        ),
        pk=pk,
    )
    if not services.may_create_ad_hoc(request.user, instance):
        raise PermissionDenied
    return instance


def chosen_activity(request: HttpRequest, activities: list[Activity]) -> int | None:
    """The activity the resource page's button asked for (``?activity=``), or the only one there is."""
    if len(activities) == 1:
        return activities[0].pk
    asked = request.GET.get("activity", "")
    return next((a.pk for a in activities if str(a.pk) == asked), None)


@ad_hoc_screen
def ad_hoc_order_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a work order from an ad-hoc activity of a plan instance, then show it."""
    instance = get_instance(request, pk)
    activities = ad_hoc_activities(instance)
    listed = list(activities)
    form = AdHocOrderForm(
        request.POST if request.method == "POST" else None,
        activities=activities,
        initial={"activity": chosen_activity(request, listed)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = services.order_create_ad_hoc(
                    plan_instance=instance,
                    activity=data["activity"],
                    user=request.user,
                    title=data["title"],
                    description=data["description"],
                    priority=data["priority"],
                    due_at=data["due_at"],
                )
            except ActionNotAllowed as refusal:
                form.add_error(None, refusal.message)
                status = 409
            except ValidationError as invalid:
                add_service_error(form, invalid)
            else:
                messages.success(
                    request,
                    _("%(number)s created from %(activity)s.")
                    % {"number": order.number, "activity": data["activity"].name},
                )
                return redirect(reverse("orders:detail", args=[order.pk]))
    entity = instance.entity
    return render(
        request,
        "orders/ad_hoc_create.html",
        {
            "instance": instance,
            "entity": entity,
            "entity_url": reverse("assets:resource_detail", args=[instance.resource_id])
            if instance.resource_id
            else "",
            "activities": listed,
            "form": form,
            "chosen": str(form["activity"].value() or ""),
        },
        status=status,
    )
