"""Charts drawn as SVG: every kind is valid XML, says its values in tooltips, copes with odd data, stays
readable with many categories and escapes what it is given; the ``{% chart %}`` tag adds the numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template

from core.chart_svg import nice_ticks, render_chart, short_value
from core.charts import Chart, ChartKind, Series

SVG = "{http://www.w3.org/2000/svg}"
KINDS: list[ChartKind] = ["bar", "stacked_bar", "line", "hbar", "pareto"]


def parse(chart: Chart) -> ET.Element:
    root = ET.fromstring(str(render_chart(chart)))
    assert root.tag == f"{SVG}svg"
    return root


def titles(root: ET.Element) -> list[str]:
    """The tooltip texts of the bars and points (not the chart's own title)."""
    marks = [e for e in root.iter() if e.tag in (f"{SVG}rect", f"{SVG}circle")]
    return [t.text or "" for mark in marks for t in mark.findall(f"{SVG}title")]


def make(
    kind: ChartKind, values: tuple[float | None, ...], *, categories: tuple[str, ...] | None = None, **kw
) -> Chart:
    categories = categories or tuple(f"C{i}" for i in range(len(values)))
    return Chart(key="k", title="Downtime", kind=kind, categories=categories, series=(Series("Hours", values),), **kw)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_valid_svg_named_for_assistive_technology(kind: ChartKind) -> None:
    chart = Chart(
        key="cost by month",
        title="Cost",
        kind=kind,
        categories=("2025-01", "2025-02", "2025-03"),
        series=(Series("Labour", (120.0, 80.0, 95.5)), Series("Parts", (30.0, 12.0, 0.0))),
        unit="EUR",
        description="Labour and parts per month",
    )
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 360 ")
    labelled = root.get("aria-labelledby", "").split()
    ids = {element.get("id"): element.text for element in root.iter() if element.get("id")}
    assert [ids[i] for i in labelled] == ["Cost", "Labour and parts per month"]
    assert root.get("id") == "chart-cost-by-month"  # the key made safe for an HTML id
    # No fixed pixel width: the drawing scales with the page.
    assert root.get("width") is None


@pytest.mark.parametrize("kind", ["bar", "stacked_bar", "line", "hbar"])
def test_values_are_in_the_tooltips(kind: ChartKind) -> None:
    chart = Chart(
        key="k",
        title="Cost",
        kind=kind,
        categories=("Jan", "Feb"),
        series=(Series("Labour", (1250.0, 80.0)), Series("Parts", (30.5, 12.0))),
        unit="EUR",
    )
    tips = titles(parse(chart))
    assert "Jan · Labour: 1,250 EUR" in tips
    assert "Feb · Parts: 12 EUR" in tips
    assert "Jan · Parts: 30.5 EUR" in tips


def test_pareto_sorts_high_to_low_and_adds_the_cumulative_share() -> None:
    chart = make("pareto", (1.0, 6.0, 3.0), categories=("Wear", "Corrosion", "Leak"))
    root = parse(chart)
    tips = titles(root)
    bars = [t for t in tips if t.startswith(("Wear", "Corrosion", "Leak")) and "Hours" in t]
    assert bars == ["Corrosion · Hours: 6", "Leak · Hours: 3", "Wear · Hours: 1"]
    # Cumulative: 6/10 = 60 %, (6+3)/10 = 90 %, 100 %.
    assert "Corrosion · Cumulative share: 60 %" in tips
    assert "Leak · Cumulative share: 90 %" in tips
    assert "Wear · Cumulative share: 100 %" in tips


@pytest.mark.parametrize("kind", KINDS)
def test_negative_and_missing_values(kind: ChartKind) -> None:
    root = parse(make(kind, (-5.0, None, 12.0)))
    tips = titles(root)
    if kind == "pareto":  # a Pareto of causes counts negatives and gaps as none, sorted last
        assert [t for t in tips if "Hours" in t] == ["C2 · Hours: 12", "C0 · Hours: 0", "C1 · Hours: 0"]
        return
    assert tips == ["C0: -5", "C2: 12"]  # no value, no bar or point (a gap in a line)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert ticks[0] == "-5"
    assert "0" in ticks


@pytest.mark.parametrize("kind", KINDS)
def test_all_zero_or_nothing_is_the_empty_state(kind: ChartKind) -> None:
    for chart in (make(kind, (0.0, 0.0)), make(kind, (None, None)), make(kind, (), categories=())):
        root = parse(chart)
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert texts == ["No data for this period"]
        assert root.get("role") == "img"


@pytest.mark.parametrize("kind", KINDS)
def test_one_category(kind: ChartKind) -> None:
    root = parse(make(kind, (7.0,), categories=("Only",)))
    assert any(t.startswith("Only") and "7" in t for t in titles(root))


@pytest.mark.parametrize("kind", ["bar", "stacked_bar", "line", "pareto"])
def test_sixty_categories_show_fewer_turned_labels(kind: ChartKind) -> None:
    categories = tuple(f"2021-{i:02d} month" for i in range(60))
    root = parse(make(kind, tuple(float(i + 1) for i in range(60)), categories=categories))
    labels = [t for t in root.iter(f"{SVG}text") if t.get("transform", "").startswith("rotate(")]
    # 300 units of plot for 60 categories: 5 each, a turned label needs 14, so every third is shown.
    assert 10 <= len(labels) <= 30
    # Shortened on the axis; the full label stays in its title.
    assert all(len("".join(label.itertext())) < 40 for label in labels)
    assert any(label.find(f"{SVG}title") is not None for label in labels)
    assert len([t for t in titles(root) if "Hours" in t or ":" in t]) >= 60


def test_hbar_rows_grow_with_the_categories() -> None:
    small = parse(make("hbar", (1.0,)))
    large = parse(make("hbar", tuple(float(i) + 1 for i in range(60))))
    height = lambda root: float(root.get("viewBox", "").split()[3])  # noqa: E731
    assert height(large) > height(small) + 50 * 20


@pytest.mark.parametrize("kind", KINDS)
def test_text_is_escaped(kind: ChartKind) -> None:
    chart = Chart(
        key="<k>",
        title="<script>alert(1)</script>",
        kind=kind,
        categories=("<script>x</script>", "A & B"),
        series=(Series('"><script>', (1.0, 2.0), links=("/orders/?a=1&b=<2>", None)), Series("S2", (3.0, 1.0))),
        reference=2.0,
        reference_label="<b>budget</b>",
    )
    svg = str(render_chart(chart))
    assert "<script>" not in svg
    assert "<b>" not in svg
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"
    if kind != "pareto":  # the second series is not drawn in a Pareto chart
        links = [a.get("href") for a in root.iter(f"{SVG}a")]
        assert links == ["/orders/?a=1&b=<2>"]


def test_links_wrap_the_bars_and_a_reference_line_is_drawn() -> None:
    chart = Chart(
        key="k",
        title="Open orders",
        kind="bar",
        categories=("A", "B"),
        series=(Series("Open", (4.0, 9.0), links=("/orders/?site=1", "/orders/?site=2")),),
        reference=6.0,
        reference_label="Target",
    )
    root = parse(chart)
    anchors = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in anchors] == ["/orders/?site=1", "/orders/?site=2"]
    assert all(a.find(f"{SVG}rect") is not None for a in anchors)
    reference = [line for line in root.iter(f"{SVG}line") if line.get("class") == "chart-reference"]
    assert [line.findtext(f"{SVG}title") for line in reference] == [None, "Target: 6"]  # legend, then the line
    legend = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert legend == ["Open", "Target"]


def test_colours_are_palette_classes_with_fallback_fills() -> None:
    chart = Chart(key="k", title="t", kind="bar", categories=("A",), series=(Series("a", (1.0,)), Series("b", (2.0,))))
    rects = [r for r in parse(chart).iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [(r.get("class"), r.get("fill")) for r in rects] == [("chart-s1", "#0072b2"), ("chart-s2", "#e69f00")]


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(-12, 30) == [-20, -10, 0, 10, 20, 30]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 0.07)[-1] == pytest.approx(0.08)
    assert short_value(1500) == "1.5k"
    assert short_value(2_000_000) == "2M"
    assert short_value(0.25) == "0.25"


def test_the_tag_puts_the_numbers_in_a_table_with_the_links() -> None:
    chart = Chart(
        key="k",
        title="Backlog",
        kind="line",
        categories=("2025-01", "2025-02"),
        series=(Series("Open orders", (12.0, None), links=("/orders/?month=1", None)),),
        unit="h",
        reference=10.0,
        reference_label="Target",
    )
    html = Template("{% load charts %}{% chart chart %}").render(Context({"chart": chart}))
    assert "<svg" in html
    assert "<details" in html
    assert '<th scope="col">Open orders</th>' in html
    assert '<th scope="row">2025-01</th><td class="number"><a href="/orders/?month=1">12 h</a></td>' in html
    assert "no value" in html
    assert "Target: 10 h" in html


def test_the_tag_leaves_out_the_table_of_an_empty_chart() -> None:
    chart = make("bar", (0.0,))
    html = Template("{% load charts %}{% chart chart %}").render(Context({"chart": chart}))
    assert "No data for this period" in html
    assert "<table" not in html
