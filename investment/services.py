"""The business actions of investment planning: move a replacement to another year, change a resource's own
lifecycle figures, change the forecast settings. The screens, the API and the admin call these.

Each checks the user's permission and sites (``ActionForbidden``: 403 on screens and in the API) and
validates its input (``ValidationError`` with field errors: form errors on screens, 400 in the API).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Resource
from core.errors import ActionForbidden
from core.scoping import visible_site_ids
from investment.models import SETTINGS_ID, InvestmentSettings, ResourceLifecycle

VIEW_PERMISSION = "investment.view_assessedresource"
PLAN_PERMISSION = "investment.change_resourcelifecycle"
SETTINGS_PERMISSION = "investment.change_investmentsettings"
LIFECYCLE_FIELDS = ("expected_life_years", "replacement_cost", "currency", "consequence", "likelihood")


def _require_planner(user: Any, resource: Resource) -> None:
    if not user.has_perm(PLAN_PERMISSION):
        raise ActionForbidden(_("You may not plan replacements."))
    site_ids = visible_site_ids(user)
    if site_ids is not None and resource.area.site_id not in site_ids:
        raise ActionForbidden(_("This resource is not in one of your sites."))


def _locked_lifecycle(resource: Resource) -> ResourceLifecycle:
    """The resource's lifecycle row, locked for this transaction (made when it has none yet)."""
    # Two planners moving the same resource at once: the lock orders them; a lost race to create the
    # row is caught by its one-to-one constraint (the API answers 409).
    lifecycle = ResourceLifecycle.objects.select_for_update().filter(resource=resource).first()
    return lifecycle or ResourceLifecycle(resource=resource)


def planned_year_error(year: int | None) -> str | None:
    """Why ``year`` cannot be a planned replacement year (``None``: it can; no year at all always can)."""
    if year is None:
        return None
    years = InvestmentSettings.load().forecast_years(timezone.localdate())
    if year in years:
        return None
    return _("Choose a year from %(first)s to %(last)s (the forecast's horizon).") % {
        "first": years[0],
        "last": years[-1],
    }


@transaction.atomic
def replacement_move(*, resource: Resource, year: int | None, user: Any) -> ResourceLifecycle:
    """Plan the resource's replacement for ``year`` (``None``: back to the year the forecast computes).

    The year must lie within the forecast's horizon, so the move shows in the forecast it was made on.
    """
    _require_planner(user, resource)
    error = planned_year_error(year)
    if error:
        raise ValidationError({"year": error})
    lifecycle = _locked_lifecycle(resource)
    lifecycle.planned_replacement_year = year
    lifecycle.planned_by = user if year is not None else None
    lifecycle.planned_at = timezone.now() if year is not None else None
    lifecycle._history_user = user  # type: ignore[attr-defined]  # read by simple-history
    lifecycle.full_clean()
    lifecycle.save()
    return lifecycle


@transaction.atomic
def resource_lifecycle_update(*, resource: Resource, user: Any, **figures: Any) -> ResourceLifecycle:
    """Set the resource's own expected life, replacement cost and currency, consequence and likelihood
    (``None`` or ``""``: take the type's). Other keywords are refused."""
    unknown = set(figures) - set(LIFECYCLE_FIELDS)
    if unknown:
        raise TypeError(f"not lifecycle figures: {sorted(unknown)}")
    _require_planner(user, resource)
    lifecycle = _locked_lifecycle(resource)
    for name, value in figures.items():
        setattr(lifecycle, name, ("" if value is None else value.upper()) if name == "currency" else value)
    lifecycle._history_user = user  # type: ignore[attr-defined]
    lifecycle.full_clean()
    lifecycle.save()
    return lifecycle


@transaction.atomic
def settings_update(
    *, user: Any, inflation_rate: Decimal, horizon_years: int, base_year: int | None
) -> InvestmentSettings:
    """Change the organisation's forecast settings (the row is made on the first change)."""
    if not user.has_perm(SETTINGS_PERMISSION):
        raise ActionForbidden(_("You may not change the forecast settings."))
    settings = InvestmentSettings.objects.select_for_update().filter(pk=SETTINGS_ID).first()
    settings = settings or InvestmentSettings(pk=SETTINGS_ID)
    settings.inflation_rate = inflation_rate
    settings.horizon_years = horizon_years
    settings.base_year = base_year
    settings._history_user = user  # type: ignore[attr-defined]
    settings.full_clean()
    settings.save()
    return settings
