"""``{% export_csv_link %}``: the "Export CSV" and "Export XLSX" links of a list screen, keeping its filters
(``core.csv_export``)."""

from __future__ import annotations

from typing import Any

from django import template

from core.csv_export import export_query

register = template.Library()


@register.inclusion_tag("core/_export_csv.html", takes_context=True)
def export_csv_link(context: Any) -> dict[str, Any]:
    request = context["request"]
    return {
        "export_url": f"{request.path}?{export_query(request.GET, 'csv')}",
        "export_xlsx_url": f"{request.path}?{export_query(request.GET, 'xlsx')}",
    }
