"""``{{ value|kpi_value:unit }}`` and ``{{ change|kpi_change:unit }}``: a KPI number as the dashboards write it."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()

# How a KPI's unit (``KpiDefinition.unit``) is written after the number; counts and money stand alone
# (the currency is in the KPI's label).
UNIT_SUFFIX = {"%": " %", "h": " h", "days": " d"}


def _number(value: float, unit: str) -> str:
    places = 0 if unit == "count" or float(value).is_integer() else (2 if unit == "money" else 1)
    return number_format(value, places, force_grouping=True)


@register.filter
def kpi_value(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return _number(value, unit) + UNIT_SUFFIX.get(unit, "")


@register.filter
def kpi_change(value: float | None, unit: str = "") -> str:
    """A signed change: "+3", "\u22121.5 h" (a true minus sign), "±0"."""
    if value is None:
        return ""
    if value == 0:
        return _("±0")
    sign = "+" if value > 0 else "−"
    return sign + _number(abs(value), unit) + UNIT_SUFFIX.get(unit, "")
