"""The change history of plans and plan versions (``core.audit``), behind the same permission as the
plan pages (plans are shared by every site, like their pages)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from core.audit import render_history
from plans.models import MaintenancePlan, PlanVersion
from plans.views import plans_screen


@plans_screen
def plan_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed the plan's code, name, description or effective version, when and why."""
    plan = get_object_or_404(MaintenancePlan, pk=pk)
    return render_history(
        request, plan, title=f"{plan.code} · {plan.name}", back_url=reverse("plans:plan_detail", args=[plan.pk])
    )


@plans_screen
def version_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A version's life: drafted, approved with its change set, made effective, superseded."""
    version = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=pk)
    title = _("%(code)s version %(number)s") % {"code": version.plan.code, "number": version.number}
    return render_history(request, version, title=title, back_url=reverse("plans:version_detail", args=[version.pk]))
