"""The forecast chart's SVG: one bar per value above zero, linked where the series links, text escaped."""

from __future__ import annotations

from core.charts import Chart, Series
from investment.chart_svg import render_bar_chart


def chart(**fields) -> Chart:
    values = {
        "key": "forecast-kes",
        "title": "Cost <& budget>",
        "kind": "bar",
        "categories": ("2026", "2027", "2028"),
        "series": (
            Series(name="Replacement cost", values=(0.0, 1500.0, 250.0), links=("/a", "/b?x=1&y=2", "/c")),
            Series(name="Budget", values=(1000.0, None, 1000.0)),
        ),
        "unit": "KES",
    }
    return Chart(**{**values, **fields})


def test_each_value_above_zero_is_a_bar_and_links_where_its_series_does():
    svg = str(render_bar_chart(chart()))

    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    # Cost: 1,500 and 250 (0 draws nothing); budget: 1,000 twice (None draws nothing); 2 legend squares.
    assert svg.count("<rect") == 4 + 2
    assert svg.count("<a href=") == 2
    assert 'href="/b?x=1&amp;y=2"' in svg
    assert "2027 · Replacement cost: 1,500.00 KES" in svg
    assert "Cost &lt;&amp; budget&gt;" in svg
    assert "<&" not in svg


def test_nothing_to_show_draws_nothing():
    empty = chart(series=(Series(name="Replacement cost", values=(0.0, 0.0, None)),))
    assert str(render_bar_chart(empty)) == ""
    assert str(render_bar_chart(chart(categories=(), series=()))) == ""
