"""Screens of investment planning: the risk ranking, the 5x5 risk matrix, and one resource's breakdown
(its health components, criticality, risk and end of life, with the planner's forms).

Supervisors look; Planners and Administrators also change a resource's figures and plan its
replacement. Every list is the user's sites only (``core.scoping.visible_site_ids``): another site's
resource answers 404. The replacement forecast has its own module (``forecast_views``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Resource
from core.csv_export import EXPORT_PARAM, export_response
from core.pagination import paginate
from core.scoping import visible_site_ids
from core.views import require_perm, screen
from investment import exports
from investment.filters import DEFAULT_SORT, SORTS, ResourceRiskFilterSet, ordering_of
from investment.forecast import inflated
from investment.forms import ReplacementMoveForm, ResourceLifecycleForm, add_service_error
from investment.health import (
    LIKELIHOOD_STEPS,
    WEIGHT_AGE,
    WEIGHTING,
    WEIGHTS_WITHOUT_AGE,
    assessed_resources,
    risk_class,
)
from investment.models import Consequence, InvestmentSettings, Likelihood, ResourceLifecycle
from investment.services import PLAN_PERMISSION, SETTINGS_PERMISSION, VIEW_PERMISSION, resource_lifecycle_update

PAGE_SIZE = 25
MATRIX_FILTERS = ("q", "site", "resource_type")


def _filtered(request: HttpRequest, ignore: tuple[str, ...] = ("page", "sort")) -> bool:
    return any(value for key, value in request.GET.items() if key not in ignore)


def ranked_resources(request: HttpRequest, *, components: bool = False) -> Any:
    """The user's resources in service with health and risk, for the screens (site and type loaded;
    ``components``: each health component too, for a breakdown or an export)."""
    return assessed_resources(visible_site_ids(request.user), now=timezone.now(), components=components).select_related(
        "area__site", "resource_type"
    )


# --- The risk ranking --------------------------------------------------------------------------
@screen(VIEW_PERMISSION)
def ranking(request: HttpRequest) -> HttpResponseBase:
    """Resources of the user's sites by risk (or another sort), filtered, paged, exported as CSV or XLSX."""
    resources = ranked_resources(request, components=bool(request.GET.get(EXPORT_PARAM)))
    filterset = ResourceRiskFilterSet(request.GET, queryset=resources, request=request)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else DEFAULT_SORT
    listed = filterset.qs.order_by(*ordering_of(sort))
    export = export_response(request, listed, exports.RANKING_COLUMNS, name=_("risk ranking"))
    if export is not None:
        return export
    return render(
        request,
        "investment/ranking.html",
        {
            "filterset": filterset,
            "resources": paginate(request, listed, "page", PAGE_SIZE),
            "sort": sort,
            "sorts": [(key, label) for key, (label, _ordering) in SORTS.items()],
            "filtered": _filtered(request),
            "weighting": WEIGHTING,
            "likelihood_steps": LIKELIHOOD_STEPS,
        },
    )


# --- The risk matrix ---------------------------------------------------------------------------
def matrix_rows(counts: dict[tuple[int, int], int], query: QueryDict) -> list[dict[str, Any]]:
    """The 5x5 grid, most severe consequence first: each cell's count, risk, class and ranking link."""
    base = query.copy()
    for key in ("consequence", "likelihood", "min_risk", "page"):
        base.pop(key, None)
    ranking_url = reverse("investment:ranking")
    rows = []
    for consequence in reversed(Consequence):
        cells = []
        for likelihood in Likelihood:
            params = base.copy()
            params["consequence"], params["likelihood"] = str(consequence.value), str(likelihood.value)
            risk = consequence.value * likelihood.value
            cells.append(
                {
                    "likelihood": likelihood,
                    "count": counts.get((consequence.value, likelihood.value), 0),
                    "risk": risk,
                    "risk_class": risk_class(risk),
                    "url": f"{ranking_url}?{params.urlencode()}",
                }
            )
        rows.append({"consequence": consequence, "cells": cells})
    return rows


@screen(VIEW_PERMISSION)
def matrix(request: HttpRequest) -> HttpResponseBase:
    """How many resources sit in each cell of the consequence x likelihood matrix (one grouped query);
    each cell links to the ranking filtered by it."""
    query = QueryDict(mutable=True)
    for key in MATRIX_FILTERS:
        if request.GET.get(key):
            query[key] = request.GET[key]
    filterset = ResourceRiskFilterSet(query, queryset=ranked_resources(request), request=request)
    grouped = (
        filterset.qs.order_by()
        .values("consequence_level", "likelihood_level")
        .annotate(resources=Count("pk"))
        .values_list("consequence_level", "likelihood_level", "resources")
    )
    counts = {(consequence, likelihood): number for consequence, likelihood, number in grouped}
    return render(
        request,
        "investment/matrix.html",
        {
            "filterset": filterset,
            "rows": matrix_rows(counts, query),
            "likelihoods": list(Likelihood),
            "consequences": list(Consequence),
            "total": sum(counts.values()),
            "filtered": any(query.values()),
            "weighting": WEIGHTING,
            "likelihood_steps": LIKELIHOOD_STEPS,
        },
    )


# --- One resource ------------------------------------------------------------------------------
def _related(obj: Any, name: str) -> Any:
    """A reverse one-to-one already loaded by ``select_related`` (``None`` when there is none)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def figure_sources(resource: Any) -> dict[str, Any]:
    """Where each of the resource's figures comes from: its own, its type's, or the default."""
    own = _related(resource, "lifecycle")
    of_type = _related(resource.resource_type, "lifecycle") if resource.resource_type else None

    def source(name: str) -> str:
        if own is not None and getattr(own, name) not in (None, ""):
            return _("its own")
        if of_type is not None:
            return _("its type's")
        return _("none") if name in ("expected_life_years", "replacement_cost") else _("the default")

    sources = {name: source(name) for name in ("expected_life_years", "replacement_cost", "likelihood")}
    consequence = source("consequence")
    if own is None or own.consequence is None:
        consequence = (
            _("its type's")
            if of_type is not None
            else _("its criticality (%(level)s)") % {"level": resource.get_criticality_display()}
        )
    sources["consequence"] = consequence
    return {"own": own, "of_type": of_type, "sources": sources}


def components(resource: Any) -> list[dict[str, Any]]:
    """The four health components of an annotated resource: weight, score and what it was computed from."""
    with_age = resource.age_score is not None
    total = WEIGHT_AGE + WEIGHTS_WITHOUT_AGE if with_age else WEIGHTS_WITHOUT_AGE
    rows = [
        (
            resource.age_score,
            _("%(age).1f years of %(life)s expected") % {"age": resource.age_years, "life": resource.life_years}
            if with_age
            else _("no expected life or no service date: left out"),
        ),
        (
            resource.condition_score,
            _("%(warnings)s warnings, %(actions)s action-needed values, %(failed)s failed checks in 12 months")
            % {
                "warnings": resource.warning_findings,
                "actions": resource.action_findings,
                "failed": resource.failed_checks,
            },
        ),
        (
            resource.breakdown_score,
            _("%(count)s corrective orders over %(years).1f years: %(rate).2f a year")
            % {
                "count": resource.breakdowns,
                "years": resource.breakdown_window_years,
                "rate": resource.breakdown_rate,
            },
        ),
        (resource.open_work_score, _("%(count)s open corrective orders") % {"count": resource.open_corrective}),
    ]
    result = []
    for (label, weight, rule), (score, basis) in zip(WEIGHTING, rows, strict=True):
        counted = score is not None
        result.append(
            {
                "label": label,
                "weight": weight,
                "share": round(100 * weight / total) if counted else 0,
                "rule": rule,
                "score": score,
                "basis": basis,
            }
        )
    return result


def _lifecycle_form(resource: Resource, data: Any = None) -> ResourceLifecycleForm:
    instance = ResourceLifecycle.objects.filter(resource=resource).first() or ResourceLifecycle(resource=resource)
    return ResourceLifecycleForm(data, instance=instance, prefix="lifecycle")


@screen(VIEW_PERMISSION)
def resource_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One resource's health components, criticality, risk and end of life; planners change its own
    figures here (POST) and plan its replacement (``replacement_move``)."""
    resource = get_object_or_404(
        ranked_resources(request, components=True).select_related("lifecycle", "resource_type__lifecycle"), pk=pk
    )
    may_plan = request.user.has_perm(PLAN_PERMISSION)
    form = _lifecycle_form(resource) if may_plan else None
    status = 200
    if request.method == "POST":
        require_perm(request, PLAN_PERMISSION)
        form = _lifecycle_form(resource, request.POST)
        if form.is_valid():
            figures = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                resource_lifecycle_update(resource=resource, user=request.user, **figures)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The figures of %(resource)s are saved.") % {"resource": resource})
                return redirect("investment:resource", pk=resource.pk)
        status = 400
    settings = InvestmentSettings.load()
    years = settings.forecast_years(timezone.localdate())
    year = resource.replacement_year
    cost_then = (
        inflated(resource.replacement_cost_today, settings.inflation_rate, max(year, years[0]) - years[0])
        if year is not None
        else None
    )
    return render(
        request,
        "investment/resource_detail.html",
        {
            "resource": resource,
            "components": components(resource),
            "risk_class": risk_class(resource.risk),
            "figures": figure_sources(resource),
            "settings": settings,
            "years": years,
            "cost_then": cost_then,
            "forecast_year": max(year, years[0]) if year is not None else None,
            "may_plan": may_plan,
            "may_change_settings": request.user.has_perm(SETTINGS_PERMISSION),
            "lifecycle_form": form,
            "move_form": ReplacementMoveForm(
                initial={"year": resource.planned_year}, years=years, computed_year=resource.end_of_life_year
            )
            if may_plan
            else None,
            "weighting": WEIGHTING,
            "likelihood_steps": LIKELIHOOD_STEPS,
        },
        status=status,
    )
