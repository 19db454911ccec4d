"""PDF documents: a report described as data (``ReportDocument``) rendered to A4 pages with reportlab.

Why reportlab and not weasyprint: reportlab is pure Python plus a small C accelerator shipped in its
wheels, and it brings its own fonts (Bitstream Vera, embedded in the file), so ``pip install`` is all a
fresh machine needs and ``make run``, CI and the Docker image produce PDFs as they are. Weasyprint lays out
HTML through pango and cairo, system libraries that a fresh machine, a slim image or a Windows or macOS
laptop does not have and that pip cannot install. Its charts come from ``reportlab.graphics``, the same
library, so the PDF draws the very ``core.charts.Chart`` objects the screens draw as SVG, without
rasterising anything.

A document is a title, a subtitle, when it was generated, and sections; a section has a heading and, in
this order, KPI tiles (value, unit, the previous period's value, the definition), charts (every
``core.charts.ChartKind``: bar, stacked bar, line, horizontal bar, Pareto with its cumulative line; each
followed by its numbers as a table unless ``chart.extra["table"]`` is False) and tables (a header and rows). Tables split across pages and repeat
their header; every page carries "page n of m". Nothing here knows about KPIs or orders: the callers
(``reports.monthly``) assemble the document.
"""

from __future__ import annotations

import datetime
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, PolyLine, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.charts import Chart

# --- What a document is ------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiTile:
    """One number of a section: ``value`` in ``unit``, with the previous period's value for the trend and
    the definition written under it (a reader of the PDF has no screen to ask). ``trend=False`` for a
    number that has no previous period (stock on hand now)."""

    label: Any
    value: Any
    unit: str = ""
    previous: Any = None
    definition: Any = ""
    trend: bool = True


@dataclass(frozen=True)
class ReportTable:
    """A table: its header and rows of plain values (numbers are right-aligned and formatted)."""

    header: Sequence[Any]
    rows: Sequence[Sequence[Any]]
    title: Any = ""


@dataclass(frozen=True)
class ReportSection:
    """A heading with, in this order, KPI tiles, charts and tables; ``note`` is a paragraph under the
    heading (what the section covers, or why it is empty)."""

    heading: Any
    tiles: Sequence[KpiTile] = ()
    charts: Sequence[Chart] = ()
    tables: Sequence[ReportTable] = ()
    note: Any = ""


@dataclass(frozen=True)
class ReportDocument:
    """A whole document; its times (``generated_at``, times in tables) are written in ``time_zone`` (a
    site's zone, say), or the current time zone when it is empty."""

    title: Any
    subtitle: Any = ""
    generated_at: datetime.datetime = field(default_factory=timezone.now)
    sections: Sequence[ReportSection] = ()
    author: str = "MMS"
    time_zone: str = ""


# --- Look --------------------------------------------------------------------------------------
FONT, FONT_BOLD = "MMS-Vera", "MMS-Vera-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
CHART_HEIGHT = 190.0
PALETTE = [
    colors.HexColor(value)
    for value in ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
]
GRID = colors.HexColor("#c8c8c8")
MUTED = colors.HexColor("#555555")
HEADER_FILL = colors.HexColor("#e8eef5")
STRIPE_FILL = colors.HexColor("#f6f6f6")
TILES_PER_ROW = 3
# A chart's numbers are tabled under it up to this many categories (a longer series is its own table).
CHART_TABLE_LIMIT = 40
LABEL_CHARACTERS = 28


@cache
def _fonts() -> tuple[str, str]:
    """Register the Vera fonts that ship inside reportlab (no system fonts needed); once per process."""
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT, FONT_BOLD


@cache
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=bold, fontSize=18, leading=22, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=11, leading=14, textColor=MUTED),
        "heading": ParagraphStyle("heading", parent=body, fontName=bold, fontSize=13, leading=16, spaceBefore=10),
        "subheading": ParagraphStyle("subheading", parent=body, fontName=bold, fontSize=10, spaceBefore=6),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "cell_number": ParagraphStyle("cell_number", parent=body, fontSize=8, leading=10, alignment=TA_RIGHT),
        "cell_header": ParagraphStyle("cell_header", parent=body, fontName=bold, fontSize=8, leading=10),
        "tile_label": ParagraphStyle("tile_label", parent=body, fontName=bold, fontSize=8.5, leading=10.5),
        "tile_value": ParagraphStyle("tile_value", parent=body, fontName=bold, fontSize=15, leading=19),
    }


# --- Values as text ----------------------------------------------------------------------------
def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def format_value(value: Any) -> str:
    """A value as the document writes it: numbers grouped with at most two decimals ("1,234.50", "12"),
    times in the current time zone, an en dash for no value."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            return "–"
        text = f"{value:,.2f}"
        return text[:-3] if text.endswith(".00") else text
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def with_unit(value: Any, unit: str) -> str:
    text = format_value(value)
    if value is None or not unit or unit == "count":
        return text
    return f"{text} %" if unit == "%" else f"{text} {unit}"


def _paragraph(text: Any, style: str) -> Paragraph:
    return Paragraph(escape(str(text)), _styles()[style])


# --- Tiles and tables --------------------------------------------------------------------------
def _trend(tile: KpiTile) -> str:
    if tile.previous is None:
        return _("previous period: no value")
    previous = with_unit(tile.previous, tile.unit)
    if is_number(tile.value) and is_number(tile.previous):
        delta = Decimal(str(tile.value)) - Decimal(str(tile.previous))
        sign = "+" if delta > 0 else ""
        return _("previous period: %(previous)s (%(delta)s)") % {
            "previous": previous,
            "delta": sign + format_value(delta),
        }
    return _("previous period: %(previous)s") % {"previous": previous}


def tiles_flowable(tiles: Sequence[KpiTile]) -> Table:
    """The tiles as a grid, ``TILES_PER_ROW`` to a row."""
    cells: list[list[Any]] = []
    for tile in tiles:
        content: list[Flowable] = [
            _paragraph(tile.label, "tile_label"),
            _paragraph(with_unit(tile.value, tile.unit), "tile_value"),
        ]
        if tile.trend:
            content.append(_paragraph(_trend(tile), "small"))
        if tile.definition:
            content.append(_paragraph(tile.definition, "small"))
        cells.append(content)
    cells += [[]] * (-len(cells) % TILES_PER_ROW)  # the last row filled with empty cells
    rows = [cells[index : index + TILES_PER_ROW] for index in range(0, len(cells), TILES_PER_ROW)]
    table = Table(rows, colWidths=[FRAME_WIDTH / TILES_PER_ROW] * TILES_PER_ROW)
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    for index in range(len(tiles)):
        column, row = index % TILES_PER_ROW, index // TILES_PER_ROW
        style.append(("BOX", (column, row), (column, row), 0.5, GRID))
    table.setStyle(TableStyle(style))
    return table


def column_widths(header: Sequence[Any], rows: Sequence[Sequence[Any]], width: float = FRAME_WIDTH) -> list[float]:
    """Widths in proportion to each column's longest text (capped, so one long column does not starve
    the others), filling ``width``."""
    weights = [min(max(len(str(title)), 4), 40) for title in header]
    for row in rows[:200]:
        for index, value in enumerate(row[: len(weights)]):
            weights[index] = max(weights[index], min(len(format_value(value)), 40))
    total = sum(weights) or 1
    return [width * weight / total for weight in weights]


def table_flowable(table: ReportTable) -> Table:
    """A table that splits across pages, repeating its header row on each."""
    header = [_paragraph(title, "cell_header") for title in table.header]
    body = [
        [_paragraph(format_value(value), "cell_number" if is_number(value) else "cell") for value in row]
        for row in table.rows
    ]
    flowable = Table([header, *body], colWidths=column_widths(table.header, table.rows), repeatRows=1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    style += [("BACKGROUND", (0, n), (-1, n), STRIPE_FILL) for n in range(2, len(body) + 1, 2)]
    flowable.setStyle(TableStyle(style))
    return flowable


# --- Charts ------------------------------------------------------------------------------------
def nice_scale(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    """(minimum, maximum, step) of a value axis holding ``low``..``high`` with round steps (1, 2, 2.5, 5
    times a power of ten), zero always on it."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _numbers(values: Sequence[float | None]) -> list[float | None]:
    return [None if value is None else float(value) for value in values]


def _short(label: Any) -> str:
    text = str(label)
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


LEGEND_COLUMNS = 4


def _legend_rows(chart: Chart) -> int:
    """Rows the legend takes above the plot (none for a single series: the title names it)."""
    return 0 if len(chart.series) < 2 else math.ceil(len(chart.series) / LEGEND_COLUMNS)


def _legend(drawing: Drawing, chart: Chart, x: float, top: float) -> None:
    """The series' colours and names in rows of ``LEGEND_COLUMNS`` above the plot."""
    rows = _legend_rows(chart)
    if not rows:
        return
    legend = Legend()
    legend.x, legend.y = x, top
    legend.fontName, legend.fontSize = FONT, 7
    legend.alignment = "right"
    legend.boxAnchor = "nw"
    legend.columnMaximum = rows
    legend.dx = legend.dy = 7
    legend.deltay = 10
    legend.deltax = (FRAME_WIDTH - x) / LEGEND_COLUMNS
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], _short(s.name)) for i, s in enumerate(chart.series)]
    drawing.add(legend)


def _style_axes(plot: Any, unit: str) -> None:
    for axis in (plot.categoryAxis, plot.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = FONT, 7
        axis.strokeColor = MUTED
    plot.valueAxis.visibleGrid = True
    plot.valueAxis.gridStrokeColor = GRID
    plot.valueAxis.gridStrokeWidth = 0.25
    plot.valueAxis.labelTextFormat = lambda value: format_value(value) + (f" {unit}" if unit else "")


def _categories(plot: Any, names: Sequence[str], rotate: bool) -> None:
    plot.categoryAxis.categoryNames = [_short(name) for name in names]
    if rotate:
        plot.categoryAxis.labels.angle = 35
        plot.categoryAxis.labels.boxAnchor = "ne"
        plot.categoryAxis.labels.dx = 2


def _value_range(chart: Chart, *, stacked: bool = False) -> tuple[float, float]:
    values = [[value or 0.0 for value in _numbers(series.values)] for series in chart.series]
    if stacked:
        columns = list(zip(*values, strict=True)) or [()]
        high = max(sum(v for v in column if v > 0) for column in columns)
        low = min(sum(v for v in column if v < 0) for column in columns)
    else:
        flat = [value for row in values for value in row] or [0.0]
        high, low = max(flat), min(flat)
    if chart.reference is not None:
        high, low = max(high, chart.reference), min(low, chart.reference)
    return low, high


def _reference(drawing: Drawing, chart: Chart, plot: Any, scale: tuple[float, float, float], *, across: bool) -> None:
    """The chart's reference line (a target, a budget) across the plot, with its label."""
    if chart.reference is None:
        return
    low, high, _step = scale
    share = (chart.reference - low) / (high - low)
    colour = colors.HexColor("#b00020")
    if across:  # a horizontal line over vertical bars or lines
        y = plot.y + share * plot.height
        drawing.add(Line(plot.x, y, plot.x + plot.width, y, strokeColor=colour, strokeDashArray=[3, 2]))
        drawing.add(String(plot.x + plot.width, y + 2, str(chart.reference_label), fontName=FONT, fontSize=7,
                           fillColor=colour, textAnchor="end"))  # fmt: skip
    else:  # a vertical line over horizontal bars
        x = plot.x + share * plot.width
        drawing.add(Line(x, plot.y, x, plot.y + plot.height, strokeColor=colour, strokeDashArray=[3, 2]))
        drawing.add(String(x + 2, plot.y + plot.height + 2, str(chart.reference_label), fontName=FONT, fontSize=7,
                           fillColor=colour))  # fmt: skip


def _vertical(chart: Chart, *, stacked: bool, line: bool) -> Drawing:
    drawing = Drawing(FRAME_WIDTH, CHART_HEIGHT)
    rotate = len(chart.categories) > 8 or max((len(c) for c in chart.categories), default=0) > 10
    plot: Any = HorizontalLineChart() if line else VerticalBarChart()
    plot.x, plot.width = 55, FRAME_WIDTH - 70
    plot.y = 60 if rotate else 40
    plot.height = CHART_HEIGHT - plot.y - 15 - 10 * _legend_rows(chart)
    plot.data = [tuple(_numbers(series.values)) for series in chart.series]
    _categories(plot, chart.categories, rotate)
    _style_axes(plot, chart.unit)
    scale = nice_scale(*_value_range(chart, stacked=stacked))
    plot.valueAxis.valueMin, plot.valueAxis.valueMax, plot.valueAxis.valueStep = scale
    for index in range(len(chart.series)):
        colour = PALETTE[index % len(PALETTE)]
        if line:
            plot.lines[index].strokeColor = colour
            plot.lines[index].strokeWidth = 1.5
            plot.lines[index].symbol = makeMarker("FilledCircle", size=3, fillColor=colour)
        else:
            plot.bars[index].fillColor = colour
            plot.bars[index].strokeColor = None
    if stacked:
        plot.categoryAxis.style = "stacked"
    drawing.add(plot)
    _reference(drawing, chart, plot, scale, across=True)
    _legend(drawing, chart, plot.x, CHART_HEIGHT - 2)
    return drawing


def _horizontal(chart: Chart) -> Drawing:
    rows = max(len(chart.categories), 1)
    legend = 10 * _legend_rows(chart)
    height = max(CHART_HEIGHT, 30 + legend + rows * 16.0 * max(len(chart.series), 1))
    drawing = Drawing(FRAME_WIDTH, height)
    plot = HorizontalBarChart()
    plot.x, plot.y = 160, 25
    plot.width, plot.height = FRAME_WIDTH - 180, height - 40 - legend
    # reportlab puts the first category at the bottom; a ranking reads from the top.
    plot.data = [tuple(reversed(_numbers(series.values))) for series in chart.series]
    _categories(plot, list(reversed(chart.categories)), rotate=False)
    _style_axes(plot, chart.unit)
    scale = nice_scale(*_value_range(chart))
    plot.valueAxis.valueMin, plot.valueAxis.valueMax, plot.valueAxis.valueStep = scale
    for index in range(len(chart.series)):
        plot.bars[index].fillColor = PALETTE[index % len(PALETTE)]
        plot.bars[index].strokeColor = None
    drawing.add(plot)
    _reference(drawing, chart, plot, scale, across=False)
    _legend(drawing, chart, plot.x, height - 2)
    return drawing


def pareto_order(chart: Chart) -> tuple[list[str], list[float], list[float]]:
    """The first series' categories in falling order, their values and the cumulative share (%)."""
    pairs = sorted(
        (
            (category, float(value or 0))
            for category, value in zip(chart.categories, chart.series[0].values, strict=True)
        ),
        key=lambda pair: -pair[1],
    )
    total = sum(value for _category, value in pairs) or 1.0
    cumulative, running = [], 0.0
    for _category, value in pairs:
        running += value
        cumulative.append(100 * running / total)
    return [category for category, _value in pairs], [value for _category, value in pairs], cumulative


def _pareto(chart: Chart) -> Drawing:
    categories, values, cumulative = pareto_order(chart)
    drawing = Drawing(FRAME_WIDTH, CHART_HEIGHT)
    rotate = len(categories) > 6 or max((len(c) for c in categories), default=0) > 10
    plot = VerticalBarChart()
    plot.x, plot.width = 55, FRAME_WIDTH - 95
    plot.y = 60 if rotate else 40
    plot.height = CHART_HEIGHT - plot.y - 25
    plot.data = [tuple(values)]
    _categories(plot, categories, rotate)
    _style_axes(plot, chart.unit)
    scale = nice_scale(0.0, max(values, default=0.0))
    plot.valueAxis.valueMin, plot.valueAxis.valueMax, plot.valueAxis.valueStep = scale
    plot.bars[0].fillColor, plot.bars[0].strokeColor = PALETTE[0], None
    drawing.add(plot)
    # The cumulative share over the bars' centres, on its own 0-100 % axis at the right.
    colour = PALETTE[1]
    step = plot.width / max(len(categories), 1)
    points: list[float] = []
    for index, share in enumerate(cumulative):
        points += [plot.x + (index + 0.5) * step, plot.y + share / 100 * plot.height]
    if len(points) >= 4:
        drawing.add(PolyLine(points, strokeColor=colour, strokeWidth=1.5))
    for x, y in zip(points[::2], points[1::2], strict=True):
        drawing.add(makeMarker("FilledCircle", x=x, y=y, size=3, fillColor=colour))
    right = plot.x + plot.width
    drawing.add(Line(right, plot.y, right, plot.y + plot.height, strokeColor=MUTED))
    for share in (0, 20, 40, 60, 80, 100):
        y = plot.y + share / 100 * plot.height
        drawing.add(String(right + 4, y - 2.5, f"{share} %", fontName=FONT, fontSize=7, fillColor=colour))
    label = f"{_short(chart.series[0].name)} / {_('cumulative share')}"
    drawing.add(String(FRAME_WIDTH, CHART_HEIGHT - 8, label, fontName=FONT, fontSize=7, textAnchor="end"))
    return drawing


def chart_drawing(chart: Chart) -> Drawing:
    """The chart drawn with reportlab.graphics, as a flowable of the frame's width."""
    _fonts()
    if chart.kind == "bar":
        return _vertical(chart, stacked=False, line=False)
    if chart.kind == "stacked_bar":
        return _vertical(chart, stacked=True, line=False)
    if chart.kind == "line":
        return _vertical(chart, stacked=False, line=True)
    if chart.kind == "hbar":
        return _horizontal(chart)
    if chart.kind == "pareto":
        return _pareto(chart)
    raise ValueError(f"unknown chart kind {chart.kind!r}")


def chart_table(chart: Chart) -> ReportTable:
    """A chart's numbers, as the screens give them for screen readers (a Pareto with its cumulative share)."""
    if chart.kind == "pareto" and chart.series:
        categories, values, cumulative = pareto_order(chart)
        header = ["", str(chart.series[0].name), _("cumulative share (%)")]
        return ReportTable(
            header, [[c, v, round(s, 1)] for c, v, s in zip(categories, values, cumulative, strict=True)]
        )
    header, rows = chart.table()
    return ReportTable([str(title) for title in header], rows)


def chart_flowables(chart: Chart) -> list[Flowable]:
    title = _paragraph(chart.title, "subheading")
    if chart.is_empty:
        return [title, _paragraph(_("No data for this period."), "small")]
    parts: list[Flowable] = [title, chart_drawing(chart)]
    if chart.description:
        parts.append(_paragraph(chart.description, "small"))
    flowables: list[Flowable] = [KeepTogether(parts)]
    # ``extra["table"] = False``: the section gives a fuller table of the same numbers itself.
    if len(chart.categories) <= CHART_TABLE_LIMIT and chart.extra.get("table", True):
        flowables += [Spacer(1, 3), table_flowable(chart_table(chart))]
    return flowables


# --- The document ------------------------------------------------------------------------------
def section_flowables(section: ReportSection) -> list[Flowable]:
    flowables: list[Flowable] = [CondPageBreak(60 * mm), _paragraph(section.heading, "heading")]
    if section.note:
        flowables.append(_paragraph(section.note, "body"))
    if section.tiles:
        flowables += [Spacer(1, 4), tiles_flowable(section.tiles)]
    for chart in section.charts:
        flowables += [Spacer(1, 6), *chart_flowables(chart)]
    for table in section.tables:
        flowables.append(Spacer(1, 6))
        if table.title:
            flowables.append(_paragraph(table.title, "subheading"))
        if table.rows:
            flowables.append(table_flowable(table))
        else:
            flowables.append(_paragraph(_("Nothing to list for this period."), "small"))
    return flowables


class NumberedCanvas(Canvas):
    """A canvas that writes "page n of m" on every page once it knows m (pages are kept until save)."""

    def __init__(self, *args: Any, footer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer = footer

    def showPage(self) -> None:  # reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawString(MARGIN, MARGIN / 2, self._footer)
            text = _("Page %(page)s of %(pages)s") % {"page": self._pageNumber, "pages": total}
            self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN / 2, text)
            super().showPage()
        super().save()


def render_pdf(document: ReportDocument) -> bytes:
    """The document as the bytes of an A4 PDF."""
    if document.time_zone:
        with timezone.override(document.time_zone):
            return _render(document)
    return _render(document)


def _render(document: ReportDocument) -> bytes:
    _fonts()
    generated = format_value(document.generated_at)
    story: list[Flowable] = [_paragraph(document.title, "title")]
    if document.subtitle:
        story.append(_paragraph(document.subtitle, "subtitle"))
    story.append(_paragraph(_("Generated %(when)s") % {"when": generated}, "small"))
    for section in document.sections:
        story += section_flowables(section)
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=str(document.title),
        subject=str(document.subtitle),
        author=document.author,
        creator="MMS",
    )
    footer = f"{document.title} · {generated}"

    def canvas(*args: Any, **kwargs: Any) -> NumberedCanvas:
        return NumberedCanvas(*args, footer=footer, **kwargs)

    template.build(story, canvasmaker=canvas)
    return buffer.getvalue()
