"""``{% chart chart %}``: a ``core.charts.Chart`` drawn as SVG, with its numbers below as a table.

The drawing is for the eye; the table (in a ``<details>``, closed by default) is what screen readers,
keyboard users and people copying the figures into a spreadsheet use, so its cells carry the same
drill-down links as the bars.
"""

from __future__ import annotations

from typing import Any

from django import template

from core.chart_svg import chart_dom_id, format_value, render_chart
from core.charts import Chart

register = template.Library()


def chart_table(chart: Chart) -> dict[str, Any]:
    """``Chart.table()`` with each value formatted with the unit and paired with its link (or ``None``)."""
    header, rows = chart.table()
    cells = []
    for i, row in enumerate(rows):
        values = []
        for series, value in zip(chart.series, row[1:], strict=True):
            link = series.links[i] if i < len(series.links) else None
            values.append({"text": format_value(value, chart.unit), "link": link, "missing": value is None})
        cells.append({"category": row[0], "values": values})
    return {"header": header[1:], "rows": cells}


@register.inclusion_tag("core/_chart.html")
def chart(chart: Chart) -> dict[str, Any]:
    return {
        "chart": chart,
        "svg": render_chart(chart),
        "dom_id": chart_dom_id(chart),
        "table": chart_table(chart),
        "reference": format_value(chart.reference, chart.unit) if chart.reference is not None else "",
    }
