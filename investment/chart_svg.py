"""The forecast's chart drawn as a small server-rendered SVG: bars per year, one per series (replacement
cost, budget), side by side. No JavaScript, no build step.

Written here because the shared drawing (``core.chart_svg``) had not landed when this screen was made;
it draws the same ``core.charts.Chart`` data, so the screen can switch to it without other changes. The
drawing is 360 units wide (about one pixel a unit on a small phone) and scales with the page; every bar
carries a ``<title>`` with its value, bars with a link become links, and every text is escaped. The
numbers are also on the page as a table (``templates/investment/_chart.html``).
"""

from __future__ import annotations

import math

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.charts import Chart

WIDTH = 360
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 34
COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7")
TICKS = 4


def _step(top: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts ``top`` into about ``TICKS`` parts."""
    raw = top / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(factor * magnitude for factor in (1, 2, 5, 10) if raw <= factor * magnitude)


def _short(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:g}{suffix}"
    return f"{value:g}"


def render_bar_chart(chart: Chart) -> SafeString:
    """The chart as an ``<svg>`` element (empty when it has nothing to show)."""
    values = [value for series in chart.series for value in series.values if value is not None]
    if not chart.categories or not values or max(values) <= 0:
        return mark_safe("")
    step = _step(max(values))
    steps = math.ceil(max(values) / step)
    top = step * steps
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / len(chart.categories)
    bar = max(slot * 0.8 / len(chart.series), 1.0)
    parts = [
        f'<svg class="bar-chart" viewBox="0 0 {WIDTH} {HEIGHT + 16 * len(chart.series)}" role="img" '
        f'aria-labelledby="{escape(chart.key)}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart.key)}-title">{escape(str(chart.title))}</title>',
    ]
    for tick in range(steps + 1):
        y = TOP + plot_height * (1 - tick / steps)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc" stroke-width="0.5"/>'
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="9">{escape(_short(step * tick))}</text>'
        )
    label_every = max(1, math.ceil(len(chart.categories) * 22 / plot_width))
    for index, category in enumerate(chart.categories):
        x = LEFT + slot * index + slot * 0.1
        for number, series in enumerate(chart.series):
            value = series.values[index]
            if value is None or value <= 0:
                continue
            height = plot_height * value / top
            title = f"{category} · {series.name}: {number_format(value, decimal_pos=2, force_grouping=True)}"
            rect = (
                f'<rect x="{x + bar * number:.1f}" y="{TOP + plot_height - height:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[number % len(COLOURS)]}">'
                f"<title>{escape(title)} {escape(chart.unit)}</title></rect>"
            )
            link = series.links[index] if index < len(series.links) else None
            parts.append(f'<a href="{escape(link)}">{rect}</a>' if link else rect)
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + slot * 0.4:.1f}" y="{HEIGHT - BOTTOM + 12}" text-anchor="middle" '
                f'font-size="9">{escape(category)}</text>'
            )
    for number, series in enumerate(chart.series):
        y = HEIGHT + 16 * number
        parts.append(
            f'<rect x="{LEFT}" y="{y - 8}" width="10" height="10" fill="{COLOURS[number % len(COLOURS)]}"/>'
            f'<text x="{LEFT + 14}" y="{y + 1}" font-size="10">{escape(str(series.name))} ({escape(chart.unit)})</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text and attribute above is escaped
