"""Files of the investment screens: the risk ranking as CSV (``core.csv_export``), the forecast table as
CSV and as an XLSX workbook (``core.xlsx_export``), each with what the screen shows (its filters and sites)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest, QueryDict, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from core.csv_export import EXPORT_PARAM, CsvColumn, csv_response, export_query
from core.xlsx_export import xlsx_response


def _rounded(value: float | None) -> Decimal | None:
    """A score to one decimal (written without trailing zeros: 80, 64.2)."""
    return None if value is None else Decimal(str(round(value, 1)))


RANKING_COLUMNS = [
    CsvColumn(_("Tag"), "tag"),
    CsvColumn(_("Name"), "name"),
    CsvColumn(_("Site"), "area.site.name"),
    CsvColumn(_("Type"), lambda resource: resource.resource_type.name if resource.resource_type else ""),
    CsvColumn(_("Risk"), "risk"),
    CsvColumn(_("Consequence"), "consequence_level"),
    CsvColumn(_("Likelihood (after health)"), "likelihood_level"),
    CsvColumn(_("Likelihood (before health)"), "likelihood_base"),
    CsvColumn(_("Health"), lambda resource: _rounded(resource.health)),
    CsvColumn(_("Age score"), lambda resource: _rounded(resource.age_score)),
    CsvColumn(_("Condition score"), lambda resource: _rounded(resource.condition_score)),
    CsvColumn(_("Breakdown score"), lambda resource: _rounded(resource.breakdown_score)),
    CsvColumn(_("Open work score"), lambda resource: _rounded(resource.open_work_score)),
    CsvColumn(_("Age (years)"), lambda resource: _rounded(resource.age_years)),
    CsvColumn(_("Expected life (years)"), "life_years"),
    CsvColumn(_("Replacement year"), "replacement_year"),
    CsvColumn(_("Planned by a planner"), lambda resource: resource.planned_year is not None),
    CsvColumn(_("Replacement cost (today)"), "replacement_cost_today"),
    CsvColumn(_("Currency"), "cost_currency"),
]


def _cell_at(index: int) -> Callable[[Sequence[Any]], Any]:
    def cell(row: Sequence[Any]) -> Any:
        return row[index]

    return cell


def _indexed_columns(header: Sequence[Any]) -> list[CsvColumn]:
    return [CsvColumn(title, _cell_at(index)) for index, title in enumerate(header)]


def table_csv(header: Sequence[Any], rows: Sequence[Sequence[Any]], *, name: str) -> StreamingHttpResponse:
    """A CSV download of a table of rows (lists of cells) under ``header``."""
    return csv_response(rows, _indexed_columns(header), name=name)


def table_xlsx(header: Sequence[Any], rows: Sequence[Sequence[Any]], *, name: str) -> FileResponse:
    """An XLSX download of a table (``core.xlsx_export``: the CSV's cells, typed)."""
    return xlsx_response(rows, _indexed_columns(header), name=name)


def export_url(request: HttpRequest, kind: str) -> str:
    """The URL of the screen's file of ``kind`` ("csv", "xlsx"): its filters, every page."""
    params = QueryDict(export_query(request.GET), mutable=True)
    params[EXPORT_PARAM] = kind
    return f"{request.path}?{params.urlencode()}"
