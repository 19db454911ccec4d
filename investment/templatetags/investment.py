"""``{% risk_class_of risk as class %}``: the class (key, label) of a risk of 1-25, for its badge;
``{% forecast_chart chart %}``: the forecast chart as SVG."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from core.chart_svg import render_chart
from core.charts import Chart
from investment.health import risk_class

register = template.Library()


@register.simple_tag
def risk_class_of(risk: int | None) -> tuple[str, Any]:
    return risk_class(risk)


@register.simple_tag
def forecast_chart(chart: Chart) -> SafeString:
    """The forecast chart drawn as SVG (``core.chart_svg``)."""
    return render_chart(chart)
