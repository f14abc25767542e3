"""Server-side SVG charts: accessible, escaped, no style attributes, sane with no data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from activity_log.reports.charts import bar_chart, column_chart


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_column_chart_is_valid_svg_with_a_title_and_one_bar_per_point():
    svg = column_chart([("1 Nov", 3), ("8 Nov", 0), ("15 Nov", 12)], title="Contacts per week")
    root = _parse(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Contacts per week"
    assert root.find(f"{ns}title").text == "Contacts per week"
    assert len(root.findall(f"{ns}rect")) == 3
    assert "style=" not in svg


def test_the_tallest_bar_fits_the_plot_and_zero_bars_are_flat():
    svg = column_chart([("a", 7), ("b", 0)], title="t")
    heights = [float(h) for h in re.findall(r'<rect[^>]* height="([\d.]+)"', svg)]
    assert heights[1] == 0.0
    assert 0 < heights[0] <= 200


def test_an_empty_chart_still_renders():
    assert "<svg" in column_chart([], title="Nothing yet")
    assert "<svg" in bar_chart([], title="Nothing yet")


def test_labels_are_escaped():
    svg = bar_chart([("<script>alert(1)</script>", 2)], title="<b>t</b>")
    assert "<script>" not in svg and "<b>" not in svg
    _parse(svg)


def test_long_labels_are_shortened_but_kept_in_the_tooltip():
    label = "Family and relationships and a great deal more"
    svg = bar_chart([(label, 4)], title="Topics")
    assert "Family and relation…" in svg
    assert f"<title>{label}: 4</title>" in svg


def test_many_weeks_thin_the_axis_labels():
    points = [(f"w{i}", i) for i in range(52)]
    svg = column_chart(points, title="A year")
    axis_labels = re.findall(r'class="chart-axis"[^>]*text-anchor="middle">([^<]+)<', svg)
    assert 0 < len(axis_labels) <= 10
