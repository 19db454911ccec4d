"""The PDF builder: every chart kind drawn, a long table split over pages with its header repeated, page
numbers, and text a reader (pypdf) can find."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdf
import pytest

from core.charts import Chart, ChartKind, Series
from core.pdf import (
    KpiTile,
    ReportDocument,
    ReportSection,
    ReportTable,
    chart_drawing,
    chart_table,
    format_value,
    nice_scale,
    pareto_order,
    render_pdf,
)

MONTHS = tuple(f"2026-{month:02d}" for month in range(1, 13))
KINDS: tuple[ChartKind, ...] = ("bar", "stacked_bar", "line", "hbar", "pareto")


def chart(kind: ChartKind) -> Chart:
    series = (
        Series("Labour", tuple(float(n) for n in range(12))),
        Series("Parts", tuple(None if n == 3 else 2.5 * n for n in range(12))),
    )
    if kind == "hbar":
        return Chart("top", "Top resources by downtime", kind, tuple(f"P-{n} pump" for n in range(10)),
                     (Series("Downtime", tuple(float(10 - n) for n in range(10))),), unit="h")  # fmt: skip
    if kind == "pareto":
        return Chart(
            "causes", "Failure causes", kind, ("Seal", "Bearing", "Motor"), (Series("Failures", (3.0, 10.0, 1.0)),)
        )
    return Chart(kind, f"Chart {kind}", kind, MONTHS, series, unit="USD", reference=20.0, reference_label="Budget")


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_a_document_with_every_chart_kind_and_a_long_table() -> None:
    rows = [[f"WO-{n:05d}", f"Seal change {n}", Decimal(n) / 4, n % 2 == 0] for n in range(200)]
    document = ReportDocument(
        title="Monthly maintenance report",
        subtitle="North works · 2026-11",
        sections=[
            ReportSection(
                "Work",
                tiles=[
                    KpiTile(
                        "MTBF", Decimal("123.456"), "h", previous=Decimal("100"), definition="Hours between failures"
                    ),
                    KpiTile("PM compliance", 87.5, "%", previous=None),
                    KpiTile("Backlog", None, "count"),
                ],
                charts=[chart(kind) for kind in KINDS],
            ),
            ReportSection("Orders", tables=[ReportTable(["Number", "Title", "Hours", "Closed"], rows, title="Orders")]),
        ],
    )
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF")
    pages, text = text_of(pdf)
    assert pages > 3  # the charts and 200 rows do not fit on one or two A4 pages
    assert "Monthly maintenance report" in text
    assert "WO-00199" in text  # the last table row made it
    assert "Seal change 150" in text
    assert f"Page {pages} of {pages}" in text
    assert "123.46 h" in text  # a tile: value with its unit
    assert "previous period: 100 h (+23.46)" in text
    # The table's header is repeated on every page the table runs over.
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    table_pages = [page.extract_text() for page in reader.pages if "WO-00" in page.extract_text()]
    assert len(table_pages) >= 3
    assert all("Number" in page and "Closed" in page for page in table_pages)


@pytest.mark.parametrize("kind", KINDS)
def test_each_chart_kind_draws(kind: ChartKind) -> None:
    drawing = chart_drawing(chart(kind))
    assert drawing.width > 0
    assert drawing.contents  # the plot and its axes


def test_an_empty_chart_and_an_empty_table_say_so() -> None:
    document = ReportDocument(
        title="Empty",
        sections=[
            ReportSection(
                "Nothing",
                charts=[Chart("none", "Backlog", "line", (), ())],
                tables=[ReportTable(["A"], [], title="Orders")],
            )
        ],
    )
    pages, text = text_of(render_pdf(document))
    assert pages == 1
    assert "No data for this period." in text
    assert "Nothing to list for this period." in text


def test_the_pareto_is_in_falling_order_with_its_cumulative_share() -> None:
    categories, values, cumulative = pareto_order(chart("pareto"))
    assert categories == ["Bearing", "Seal", "Motor"]
    assert values == [10.0, 3.0, 1.0]
    # 10/14, 13/14, 14/14
    assert [round(share, 1) for share in cumulative] == [71.4, 92.9, 100.0]
    header, rows = chart_table(chart("pareto")).header, chart_table(chart("pareto")).rows
    assert header[2] == "cumulative share (%)"
    assert rows[0] == ["Bearing", 10.0, 71.4]


def test_axes_have_round_steps_and_values_read_plainly() -> None:
    assert nice_scale(0, 23) == (0, 25, 5)
    assert nice_scale(-3, 7) == (-4, 8, 2)
    assert nice_scale(0, 0) == (0, 1, 0.2)
    assert format_value(Decimal("1234.5")) == "1,234.50"
    assert format_value(12.0) == "12"
    assert format_value(None) == "–"
