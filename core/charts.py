"""What a chart shows, independent of how it is drawn.

A ``Chart`` is data: a title, category labels along one axis and one or more named series of numbers
(``None`` where there is no value). The screens draw it as server-rendered SVG (``core.chart_svg``), the
PDF report draws the same object with reportlab, and every chart's numbers are also given as a table
(``Chart.table``) for screen readers and exports. Nothing here knows about KPIs or orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChartKind = Literal["bar", "stacked_bar", "line", "hbar", "pareto"]


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category; ``None`` is "no value" (drawn as a gap)."""

    name: Any
    values: tuple[float | None, ...]
    # Where each value drills down to (a URL per category, or ``None``); drawn as links on screen.
    links: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A chart: ``kind`` says how it is drawn.

    - ``bar``: vertical bars per category, one bar per series side by side;
    - ``stacked_bar``: the series stacked in each category (cost by category per month);
    - ``line``: one line per series over the categories (backlog over time);
    - ``hbar``: horizontal bars, one category per row (top 10 resources);
    - ``pareto``: bars of the first series in falling order with the cumulative share as a line.

    ``unit`` is shown on the value axis ("h", "%", a currency code). ``reference`` is an optional
    horizontal line (a target, a budget) with its label.
    """

    key: str
    title: Any
    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""
    reference: float | None = None
    reference_label: Any = ""
    description: Any = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(value in (None, 0) for s in self.series for value in s.values)

    def table(self) -> tuple[list[Any], list[list[Any]]]:
        """The chart's numbers as (header, rows): one row per category, one column per series."""
        header: list[Any] = ["", *[s.name for s in self.series]]
        rows = [[category, *[s.values[i] for s in self.series]] for i, category in enumerate(self.categories)]
        return header, rows
