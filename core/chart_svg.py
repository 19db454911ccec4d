"""A ``core.charts.Chart`` drawn as server-rendered SVG: no JavaScript, no build step.

Why the drawing is sized as it is: the SVG's ``viewBox`` is about as wide as a small phone (360 units)
and scales with the page, so at 360 px one unit is about one pixel and the 11-unit text stays readable;
on a desktop the same drawing just grows (the stylesheet caps its width). Narrow plots therefore show
fewer category labels (every n-th), turned and shortened ones when they are long, and the value axis has
a handful of round ticks. Every bar and point carries a ``<title>`` with its value (a tooltip on hover
and on long-press), series links become ``<a>`` around their bars, and every text is escaped.

Colours come from classes (``chart-s1`` …) that the vendored stylesheet maps to CSS variables
(``--mms-chart-1`` …) with a colour-blind-safe palette (Okabe and Ito); the ``fill`` attributes carry the
same colours so the SVG also reads on its own (a saved file, an e-mail).

The drawing is for seeing; ``role="img"`` with its title and description names it for assistive
technology, and the ``{% chart %}`` tag puts the numbers beside it as a table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.charts import Chart, Series

WIDTH = 360
PLOT_HEIGHT = 170
FONT = 11
CHAR_WIDTH = FONT * 0.6  # an average glyph of the sans-serif text, wide enough for digits
TOP = 8
RIGHT = 10
TICKS = 5
LABEL_CHARS = 12  # a longer category label is shortened on the axis (the title keeps all of it)
HBAR_ROW = 24
UNIT_ROOM = FONT * 2  # above the value axis: the unit, clear of the top tick's label
# Okabe and Ito, the order that keeps neighbours apart; yellow (weak on white) last.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442")
REFERENCE_COLOUR = "#b3261e"
SAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


# --- Numbers ------------------------------------------------------------------------------------
def nice_step(span: float, count: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that cuts ``span`` into about ``count`` parts."""
    raw = span / max(count, 1)
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def nice_ticks(low: float, high: float, count: int = TICKS) -> list[float]:
    """Round tick values covering ``[low, high]``, always including zero (bars grow from it)."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1.0
    step = nice_step(high - low, count)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    ticks = []
    value = first
    while value <= last + step / 1000:
        ticks.append(round(value, 10))
        value += step
    return ticks


def format_value(value: float | None, unit: str = "") -> str:
    """A value as the numbers table and the tooltips show it: grouped, at most two decimals, with the unit."""
    if value is None:
        return _("no value")
    places = 0 if float(value).is_integer() else (1 if abs(value) >= 10 else 2)
    text = number_format(value, places, force_grouping=True)
    return f"{text} {unit}".strip() if unit and unit != "count" else text


def short_value(value: float) -> str:
    """A tick label that fits a narrow axis: 1.5k, 20k, 3M."""
    size = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            scaled = value / limit
            return f"{scaled:.1f}".rstrip("0").rstrip(".") + suffix
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def shorten(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


# --- SVG pieces -----------------------------------------------------------------------------------
def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attrs(**attributes: object) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        text = _num(value) if isinstance(value, float) else str(value)
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(text)}"')
    return " ".join(parts)


def _text(x: float, y: float, content: str, **attributes: object) -> str:
    return f"<text {_attrs(x=float(x), y=float(y), **attributes)}>{escape(content)}</text>"


def _linked(element: str, link: str | None) -> str:
    return f'<a href="{escape(link)}">{element}</a>' if link else element


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def series_class(index: int) -> str:
    return f"chart-s{index % len(PALETTE) + 1}"


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _link(series: Series, index: int) -> str | None:
    return series.links[index] if index < len(series.links) else None


@dataclass
class Frame:
    """Where the plot sits in the drawing, and how values map to it."""

    left: float
    top: float
    width: float
    height: float
    ticks: list[float]

    @property
    def low(self) -> float:
        return self.ticks[0]

    @property
    def high(self) -> float:
        return self.ticks[-1]

    def y(self, value: float) -> float:
        """The vertical position of ``value`` (vertical charts)."""
        return self.top + self.height * (self.high - value) / (self.high - self.low)

    def x(self, value: float) -> float:
        """The horizontal position of ``value`` (horizontal bars)."""
        return self.left + self.width * (value - self.low) / (self.high - self.low)

    @property
    def bottom(self) -> float:
        return self.top + self.height


def _values(chart: Chart) -> Iterable[float]:
    return (value for series in chart.series for value in series.values if value is not None)


def _value_range(chart: Chart) -> tuple[float, float]:
    if chart.kind == "stacked_bar":
        highs, lows = [0.0], [0.0]
        for i in range(len(chart.categories)):
            column = [s.values[i] for s in chart.series if i < len(s.values) and s.values[i] is not None]
            highs.append(sum(v for v in column if v is not None and v > 0))
            lows.append(sum(v for v in column if v is not None and v < 0))
        low, high = min(lows), max(highs)
    else:
        values = list(_values(chart)) or [0.0]
        low, high = min(values), max(values)
    if chart.reference is not None:
        low, high = min(low, chart.reference), max(high, chart.reference)
    return low, high


def _legend_entries(chart: Chart) -> list[tuple[str, str, str]]:
    """(class, colour, name) of each legend entry; none for a single series without a reference."""
    entries = [(series_class(i), _colour(i), str(s.name)) for i, s in enumerate(chart.series)]
    if chart.kind == "pareto":
        entries = [*entries[:1], ("chart-cumulative", PALETTE[5], _("Cumulative share"))]
    if chart.reference is not None:
        entries.append(("chart-reference", REFERENCE_COLOUR, str(chart.reference_label or _("Reference"))))
    return entries if len(entries) > 1 else []


def _legend(chart: Chart, top: float) -> tuple[list[str], float]:
    """The legend as rows of swatches and names wrapped to the width; returns the elements and its height."""
    entries = _legend_entries(chart)
    if not entries:
        return [], 0.0
    parts = ['<g class="chart-legend">']
    x, y = 4.0, top
    for css, colour, name in entries:
        name = shorten(name, 24)
        width = 16 + len(name) * CHAR_WIDTH + 12
        if x > 4 and x + width > WIDTH:
            x, y = 4.0, y + FONT + 6
        if css == "chart-reference":
            parts.append(
                f"<line {_attrs(x1=x, y1=y + 6.0, x2=x + 12, y2=y + 6.0, class_=css, stroke=colour)} "
                'stroke-width="2" stroke-dasharray="4 2"/>'
            )
        elif css == "chart-cumulative":
            parts.append(
                f'<line {_attrs(x1=x, y1=y + 6.0, x2=x + 12, y2=y + 6.0, class_=css, stroke=colour)} stroke-width="2"/>'
            )
        else:
            parts.append(f"<rect {_attrs(x=x, y=y + 1.0, width=10, height=10, class_=css, fill=colour)}/>")
        parts.append(_text(x + 16, y + 10, name, class_="chart-label", fill="currentColor"))
        x += width
    parts.append("</g>")
    return parts, y + FONT + 8 - top


def _tick_width(ticks: Sequence[float]) -> float:
    return max(len(short_value(t)) for t in ticks) * CHAR_WIDTH + 8


def _value_axis(frame: Frame, unit: str) -> list[str]:
    """Grid lines and tick labels of the vertical value axis, the unit above it."""
    parts = ['<g class="chart-axis">']
    for tick in frame.ticks:
        y = frame.y(tick)
        css = "chart-zero" if tick == 0 else "chart-grid"
        parts.append(
            f"<line {_attrs(x1=frame.left, y1=y, x2=frame.left + frame.width, y2=y, class_=css)} "
            f'stroke="currentColor" stroke-opacity="{0.6 if tick == 0 else 0.15}"/>'
        )
        parts.append(
            _text(
                frame.left - 4,
                y + FONT / 3,
                short_value(tick),
                class_="chart-tick",
                fill="currentColor",
                text_anchor="end",
            )
        )
    if unit and unit != "count":
        parts.append(_text(4, frame.top - UNIT_ROOM + FONT, unit, class_="chart-unit", fill="currentColor"))
    parts.append("</g>")
    return parts


def _category_layout(categories: Sequence[str], slot: float) -> tuple[int, bool, int]:
    """(every n-th label shown, turned or not, characters kept) for category labels ``slot`` apart."""
    longest = max((len(c) for c in categories), default=0)
    if longest * CHAR_WIDTH + 4 <= slot:
        return 1, False, longest
    chars = min(longest, LABEL_CHARS)
    # Turned labels need only a line height of room each along the axis.
    return max(1, math.ceil((FONT + 3) / slot)), True, chars


def _category_axis(categories: Sequence[str], frame: Frame) -> list[str]:
    slot = frame.width / len(categories)
    step, turned, chars = _category_layout(categories, slot)
    parts = ['<g class="chart-categories">']
    # Show the last label too when thinning (the latest period is the one people look for).
    shown = {i for i in range(len(categories)) if (len(categories) - 1 - i) % step == 0}
    for i, category in enumerate(categories):
        if i not in shown:
            continue
        x = frame.left + slot * (i + 0.5)
        label = shorten(category, chars)
        if turned:
            y = frame.bottom + 10
            parts.append(
                f"<text {_attrs(x=x, y=y, class_='chart-tick', fill='currentColor', text_anchor='end')} "
                f'transform="rotate(-45 {_num(x)} {_num(y)})">{_title(category)}{escape(label)}</text>'
            )
        else:
            parts.append(
                _text(x, frame.bottom + FONT + 4, label, class_="chart-tick", fill="currentColor", text_anchor="middle")
            )
    parts.append("</g>")
    return parts


def _category_axis_height(categories: Sequence[str], plot_width: float) -> float:
    _step, turned, chars = _category_layout(categories, plot_width / len(categories))
    return (chars * CHAR_WIDTH * 0.71 + FONT + 14) if turned else FONT + 10


def _reference_h(chart: Chart, frame: Frame) -> list[str]:
    if chart.reference is None:
        return []
    y = frame.y(chart.reference)
    label = str(chart.reference_label or _("Reference"))
    title = f"{label}: {format_value(chart.reference, chart.unit)}"
    return [
        f'<g class="chart-reference-line"><line {_attrs(x1=frame.left, y1=y, x2=frame.left + frame.width, y2=y)} '
        f'class="chart-reference" stroke="{REFERENCE_COLOUR}" stroke-width="2" stroke-dasharray="6 3">'
        f"{_title(title)}</line></g>"
    ]


def _point_title(chart: Chart, category: str, series: Series, value: float | None, unit: str | None = None) -> str:
    name = f" · {series.name}" if len(chart.series) > 1 or chart.kind == "pareto" else ""
    return f"{category}{name}: {format_value(value, chart.unit if unit is None else unit)}"


# --- Kinds ----------------------------------------------------------------------------------------
def _vertical_frame(chart: Chart, top: float, right: float = RIGHT) -> tuple[Frame, float]:
    low, high = _value_range(chart)
    ticks = nice_ticks(low, high)
    left = _tick_width(ticks)
    # A turned first label reaches left of its slot: keep it inside the drawing.
    width = WIDTH - left - right
    _step, turned, chars = _category_layout(chart.categories, width / len(chart.categories))
    if turned:
        reach = chars * CHAR_WIDTH * 0.71 + 4 - width / len(chart.categories) / 2
        left = max(left, reach)
        width = WIDTH - left - right
    unit_room = UNIT_ROOM if chart.unit and chart.unit != "count" else FONT / 2 + 2
    frame = Frame(left, top + unit_room, width, PLOT_HEIGHT, ticks)
    return frame, frame.bottom + _category_axis_height(chart.categories, width)


def _bars(chart: Chart, frame: Frame) -> list[str]:
    slot = frame.width / len(chart.categories)
    count = max(len(chart.series), 1)
    bar = max(slot * 0.8 / count, 1.0)
    parts = ['<g class="chart-bars">']
    for s_index, series in enumerate(chart.series):
        for i, category in enumerate(chart.categories):
            value = series.values[i] if i < len(series.values) else None
            if value is None:
                continue
            x = frame.left + slot * i + slot * 0.1 + bar * s_index
            y0, y1 = sorted((frame.y(0), frame.y(value)))
            rect = (
                f"<rect {_attrs(x=x, y=y0, width=bar, height=max(y1 - y0, 0.5), class_=series_class(s_index))} "
                f'fill="{_colour(s_index)}">{_title(_point_title(chart, category, series, value))}</rect>'
            )
            parts.append(_linked(rect, _link(series, i)))
    parts.append("</g>")
    return parts


def _stacked(chart: Chart, frame: Frame) -> list[str]:
    slot = frame.width / len(chart.categories)
    bar = max(slot * 0.7, 1.0)
    parts = ['<g class="chart-bars">']
    for i, category in enumerate(chart.categories):
        up, down = 0.0, 0.0
        for s_index, series in enumerate(chart.series):
            value = series.values[i] if i < len(series.values) else None
            if not value:
                continue
            base = up if value > 0 else down
            top_value = base + value
            if value > 0:
                up = top_value
            else:
                down = top_value
            y0, y1 = sorted((frame.y(base), frame.y(top_value)))
            rect = (
                f"<rect {_attrs(x=frame.left + slot * i + slot * 0.15, y=y0, width=bar, height=max(y1 - y0, 0.5))} "
                f'class="{series_class(s_index)}" fill="{_colour(s_index)}">'
                f"{_title(_point_title(chart, category, series, value))}</rect>"
            )
            parts.append(_linked(rect, _link(series, i)))
    parts.append("</g>")
    return parts


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points; a ``None`` (no value) breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def _line(
    chart: Chart, frame: Frame, series: Series, s_index: int, values: Sequence[float | None], unit: str | None = None
) -> list[str]:
    slot = frame.width / len(chart.categories)
    css, colour = series_class(s_index), _colour(s_index)
    if unit is not None:  # the cumulative share of a Pareto chart
        css, colour = "chart-cumulative", PALETTE[5]
    points = [
        (frame.left + slot * (i + 0.5), frame.y(value)) if value is not None else None for i, value in enumerate(values)
    ]
    parts = [f'<g class="chart-line {css}">']
    for run in _segments(points):
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    radius = 3.0 if slot >= 8 else 2.0
    for i, point in enumerate(points):
        if point is None:
            continue
        title = _point_title(chart, chart.categories[i], series, values[i], unit)
        circle = f'<circle {_attrs(cx=point[0], cy=point[1], r=radius)} fill="{colour}">{_title(title)}</circle>'
        parts.append(_linked(circle, _link(series, i) if unit is None else None))
    parts.append("</g>")
    return parts


def _pareto_order(chart: Chart) -> Chart:
    """The first series sorted high to low (no value and negatives count as none), categories and links with it."""
    first = chart.series[0]
    values = [max(v or 0.0, 0.0) for v in first.values]
    order = sorted(range(len(chart.categories)), key=lambda i: (-values[i], i))
    links = tuple(_link(first, i) for i in order)
    series = Series(first.name, tuple(values[i] for i in order), links if any(links) else ())
    return Chart(
        key=chart.key,
        title=chart.title,
        kind="pareto",
        categories=tuple(chart.categories[i] for i in order),
        series=(series,),
        unit=chart.unit,
        reference=chart.reference,
        reference_label=chart.reference_label,
        description=chart.description,
    )


def _pareto(chart: Chart, frame: Frame) -> list[str]:
    series = chart.series[0]
    total = sum(v or 0.0 for v in series.values)
    running, shares = 0.0, []
    for value in series.values:
        running += value or 0.0
        shares.append(100.0 * running / total if total else 0.0)
    share_frame = Frame(frame.left, frame.top, frame.width, frame.height, [0.0, 25.0, 50.0, 75.0, 100.0])
    parts = _bars(chart, frame)
    share_series = Series(_("Cumulative share"), tuple(shares))
    parts += _line(chart, share_frame, share_series, 0, shares, unit="%")
    right = frame.left + frame.width
    parts.append('<g class="chart-axis chart-axis-right">')
    for tick in share_frame.ticks:
        label = f"{int(tick)}%"
        parts.append(_text(right + 3, share_frame.y(tick) + FONT / 3, label, class_="chart-tick", fill="currentColor"))
    parts.append("</g>")
    return parts


def _vertical(chart: Chart, top: float) -> tuple[list[str], float]:
    if chart.kind == "pareto":
        chart = _pareto_order(chart)
        frame, bottom = _vertical_frame(chart, top, right=4 * CHAR_WIDTH + 6)
    else:
        frame, bottom = _vertical_frame(chart, top)
    parts = _value_axis(frame, chart.unit)
    if chart.kind == "bar":
        parts += _bars(chart, frame)
    elif chart.kind == "stacked_bar":
        parts += _stacked(chart, frame)
    elif chart.kind == "line":
        for s_index, series in enumerate(chart.series):
            parts += _line(chart, frame, series, s_index, series.values)
    else:
        parts += _pareto(chart, frame)
    parts += _reference_h(chart, frame)
    parts += _category_axis(chart.categories, frame)
    return parts, bottom


def _horizontal(chart: Chart, top: float) -> tuple[list[str], float]:
    """One row per category: its label on the left (shortened), the bars, the value at the bar's end."""
    label_chars = min(max((len(c) for c in chart.categories), default=0), 16)
    left = label_chars * CHAR_WIDTH + 8
    low, high = _value_range(chart)
    value_room = 7 * CHAR_WIDTH
    frame_width = WIDTH - left - value_room
    ticks = nice_ticks(low, high, count=max(2, int(frame_width // 50)))
    frame = Frame(left, top + 4, frame_width, HBAR_ROW * len(chart.categories), ticks)
    parts = ['<g class="chart-axis">']
    for tick in ticks:
        x = frame.x(tick)
        parts.append(
            f'<line {_attrs(x1=x, y1=frame.top, x2=x, y2=frame.bottom)} stroke="currentColor" '
            f'stroke-opacity="{0.6 if tick == 0 else 0.15}"/>'
        )
        parts.append(
            _text(
                x,
                frame.bottom + FONT + 3,
                short_value(tick),
                class_="chart-tick",
                fill="currentColor",
                text_anchor="middle",
            )
        )
    if chart.unit and chart.unit != "count":
        parts.append(
            _text(
                WIDTH - 4,
                frame.bottom + FONT + 3,
                chart.unit,
                class_="chart-unit",
                fill="currentColor",
                text_anchor="end",
            )
        )
    parts.append('</g><g class="chart-bars">')
    count = max(len(chart.series), 1)
    bar = (HBAR_ROW - 6) / count
    for i, category in enumerate(chart.categories):
        row = frame.top + HBAR_ROW * i
        parts.append(
            f"<text {_attrs(x=left - 4, y=row + HBAR_ROW / 2 + FONT / 3, class_='chart-label', fill='currentColor', text_anchor='end')}>"
            f"{_title(category)}{escape(shorten(category, label_chars))}</text>"
        )
        for s_index, series in enumerate(chart.series):
            value = series.values[i] if i < len(series.values) else None
            if value is None:
                continue
            x0, x1 = sorted((frame.x(0), frame.x(value)))
            y = row + 3 + bar * s_index
            rect = (
                f"<rect {_attrs(x=x0, y=y, width=max(x1 - x0, 0.5), height=bar, class_=series_class(s_index))} "
                f'fill="{_colour(s_index)}">{_title(_point_title(chart, category, series, value))}</rect>'
            )
            parts.append(_linked(rect, _link(series, i)))
            if count == 1:
                parts.append(
                    _text(
                        max(x1, frame.x(0)) + 3,
                        y + bar / 2 + FONT / 3,
                        short_value(value),
                        class_="chart-value",
                        fill="currentColor",
                    )
                )
    parts.append("</g>")
    if chart.reference is not None:
        x = frame.x(chart.reference)
        title = f"{chart.reference_label or _('Reference')}: {format_value(chart.reference, chart.unit)}"
        parts.append(
            f'<line {_attrs(x1=x, y1=frame.top, x2=x, y2=frame.bottom)} class="chart-reference" '
            f'stroke="{REFERENCE_COLOUR}" stroke-width="2" stroke-dasharray="6 3">{_title(title)}</line>'
        )
    return parts, frame.bottom + FONT + 10


def chart_dom_id(chart: Chart) -> str:
    return "chart-" + (SAFE_ID.sub("-", chart.key) or "chart")


def render_chart(chart: Chart) -> SafeString:
    """The chart as an inline ``<svg>`` (see the module docstring); an empty chart says there is no data."""
    dom_id = chart_dom_id(chart)
    title_id, desc_id = f"{dom_id}-title", f"{dom_id}-desc"
    description = str(chart.description or "")
    if chart.is_empty:
        body = [
            _text(
                WIDTH / 2,
                40,
                _("No data for this period"),
                class_="chart-empty",
                fill="currentColor",
                text_anchor="middle",
            )
        ]
        height = 64.0
        description = _("No data for this period")
    else:
        legend, legend_height = _legend(chart, TOP)
        top = TOP + legend_height
        drawing, height = _horizontal(chart, top) if chart.kind == "hbar" else _vertical(chart, top)
        body = legend + drawing
        height += 4
    labelled_by = f"{title_id} {desc_id}" if description else title_id
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(id=dom_id, viewBox=f"0 0 {WIDTH} {_num(height)}")} '
        f'class="mms-chart mms-chart-{chart.kind}" role="img" aria-labelledby="{labelled_by}" '
        f'font-size="{FONT}" font-family="system-ui, sans-serif">'
        f'<title id="{title_id}">{escape(str(chart.title))}</title>'
    )
    if description:
        head += f'<desc id="{desc_id}">{escape(description)}</desc>'
    return mark_safe(head + "".join(body) + "</svg>")
