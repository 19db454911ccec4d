"""The replacement forecast screen: per year of the horizon and site, the replacements due and their cost
against the site's budget, as a chart and a table (exported as CSV and XLSX), and the resources behind
them, which planners move to another year (``services.replacement_move``) to see the budget effect.
The forecast settings (inflation, horizon, base year) are changed here too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assets.models import Resource
from core.csv_export import EXPORT_PARAM, wants_csv
from core.pagination import paginate
from core.scoping import visible_site_ids
from core.views import back, screen
from investment import exports, services
from investment.filters import ForecastFilterSet
from investment.forecast import EXPORT_HEADER, Forecast, export_rows, in_horizon, inflated, replacement_forecast
from investment.forms import ForecastSettingsForm, ReplacementMoveForm, add_service_error
from investment.health import assessed_resources
from investment.models import InvestmentSettings

PAGE_SIZE = 25


def _money(amount: Decimal | None) -> str:
    return "—" if amount is None else number_format(amount, decimal_pos=2, force_grouping=True)


def _choice(filterset: ForecastFilterSet, name: str) -> Any:
    """A filter's valid value, or ``None`` (a wrong one shows as a form error and filters nothing)."""
    filterset.form.is_valid()  # cleaned_data then holds the valid values only
    return filterset.form.cleaned_data.get(name)


def _forecast_page(request: HttpRequest, settings_form: ForecastSettingsForm | None = None) -> HttpResponseBase:
    site_ids = visible_site_ids(request.user)
    now = timezone.now()
    settings = InvestmentSettings.load()
    years = settings.forecast_years(timezone.localdate())
    filterset = ForecastFilterSet(request.GET, queryset=Resource.objects.none(), request=request)
    site = _choice(filterset, "site")
    year = _choice(filterset, "year")
    year = int(year) if year is not None and int(year) in years else None
    forecast = replacement_forecast(site_ids, now=now, site_id=site.pk if site else None, settings=settings)
    if wants_csv(request):
        return exports.table_csv(EXPORT_HEADER, export_rows(forecast), name=_("replacement forecast"))
    if request.GET.get(EXPORT_PARAM) == "xlsx":
        return exports.table_xlsx(EXPORT_HEADER, export_rows(forecast), name=_("replacement forecast"))
    resources = in_horizon(assessed_resources(site_ids, now=now, components=False), years).select_related(
        "area__site", "resource_type"
    )
    if site is not None:
        resources = resources.filter(area__site=site)
    if year is not None:
        resources = resources.filter(forecast_year=year)
    page = paginate(request, resources.order_by("forecast_year", "-risk", "tag"), "page", PAGE_SIZE)
    for resource in page:
        resource.cost_then = inflated(
            resource.replacement_cost_today, settings.inflation_rate, resource.forecast_year - years[0]
        )

    def year_link(chart_year: int) -> str:
        params = {"year": chart_year, **({"site": site.pk} if site else {})}
        return f"{reverse('investment:forecast')}?{urlencode(params)}#replacements"

    may_change_settings = request.user.has_perm(services.SETTINGS_PERMISSION)
    return render(
        request,
        "investment/forecast.html",
        {
            "forecast": forecast,
            "settings": settings,
            "years": years,
            "filterset": filterset,
            "site": site,
            "year": year,
            "charts": [forecast.chart(currency, link=year_link) for currency in forecast.currencies],
            "totals": [(currency, forecast.totals(currency)) for currency in forecast.currencies],
            "resources": page,
            "may_plan": request.user.has_perm(services.PLAN_PERMISSION),
            "settings_form": settings_form
            or (ForecastSettingsForm(instance=settings, prefix="settings") if may_change_settings else None),
            "export_csv": exports.export_url(request, "csv"),
            "export_xlsx": exports.export_url(request, "xlsx"),
            "next": request.get_full_path(),
        },
        status=400 if settings_form is not None else 200,
    )


@screen(services.VIEW_PERMISSION)
def forecast(request: HttpRequest) -> HttpResponseBase:
    """The forecast of the user's sites (or one of them), the replacements of a year, the exports."""
    return _forecast_page(request)


@require_POST
@screen(services.SETTINGS_PERMISSION)
def forecast_settings(request: HttpRequest) -> HttpResponseBase:
    """Change inflation, horizon and base year; a wrong value shows on the form."""
    form = ForecastSettingsForm(request.POST, instance=InvestmentSettings.load(), prefix="settings")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.settings_update(
                user=request.user,
                inflation_rate=data["inflation_rate"],
                horizon_years=data["horizon_years"],
                base_year=data["base_year"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The forecast settings are saved."))
            return back(request, reverse("investment:forecast"))
    return _forecast_page(request, settings_form=form)


def budget_effect(forecast: Forecast, *, site_id: int, currency: str, years: list[int]) -> str:
    """What a move did to the budget, in words: each touched year's replacements against the budget."""
    parts = []
    for year in sorted(set(years)):
        line = forecast.line(year, site_id, currency)
        cost = line.cost if line else Decimal(0)
        budget = line.budget if line else None
        if budget is None:
            parts.append(
                _("%(year)s: %(cost)s %(currency)s of replacements, no budget")
                % {"year": year, "cost": _money(cost), "currency": currency}
            )
        else:
            parts.append(
                _("%(year)s: %(cost)s of %(budget)s %(currency)s budget (%(left)s left)")
                % {
                    "year": year,
                    "cost": _money(cost),
                    "budget": _money(budget),
                    "currency": currency,
                    "left": _money(budget - (cost or Decimal(0))),
                }
            )
    return "; ".join(parts)


@require_POST
@screen(services.PLAN_PERMISSION)
def replacement_move(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Plan the resource's replacement for another year (or back to the computed one), then say what
    that did to the budgets of the years it left and joined."""
    site_ids = visible_site_ids(request.user)
    now = timezone.now()
    resource = get_object_or_404(assessed_resources(site_ids, now=now).select_related("area__site"), pk=pk)
    years = InvestmentSettings.load().forecast_years(timezone.localdate())
    default = f"{reverse('investment:forecast')}?{urlencode({'site': resource.area.site_id})}#replacements"
    form = ReplacementMoveForm(request.POST, years=years)
    if not form.is_valid():
        messages.error(request, " ".join(str(message) for errors in form.errors.values() for message in errors))
        return back(request, default)
    before = resource.replacement_year
    try:
        services.replacement_move(resource=resource, year=form.cleaned_data["year"], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back(request, default)
    after = assessed_resources(site_ids, now=now).filter(pk=pk).values_list("replacement_year", flat=True).first()
    message = _("%(resource)s: replacement moved from %(before)s to %(after)s.") % {
        "resource": resource,
        "before": before or _("no year"),
        "after": after or _("no year"),
    }
    touched = [max(year, years[0]) for year in (before, after) if year is not None and year <= years[-1]]
    if resource.cost_currency and touched:
        forecast = replacement_forecast(site_ids, now=now, site_id=resource.area.site_id)
        effect = budget_effect(forecast, site_id=resource.area.site_id, currency=resource.cost_currency, years=touched)
        message = f"{message} {resource.area.site.name}: {effect}."
    messages.success(request, message)
    return back(request, default)
