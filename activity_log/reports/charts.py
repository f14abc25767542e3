"""Server-side SVG charts: no JavaScript, no style attributes (the CSP forbids them), print-safe.

Each chart scales to its container (viewBox, width 100%) and carries a <title> and an
aria-label; the page shows the same numbers as a table for screen readers and print.
Colours come from CSS classes in static/css/reports.css.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _r(value: float) -> str:
    return f"{value:.1f}"


def _nice_max(value: int) -> int:
    """A round axis maximum at or above value (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def column_chart(
    points: list[tuple[str, int]], *, title: str, width: int = 480, height: int = 200
) -> SafeString:
    """Vertical bars, one per (label, value); labels thinned so they never overlap."""
    left, right, top, bottom = 36, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((v for _, v in points), default=0))
    n = max(len(points), 1)
    slot = plot_w / n
    bar = max(slot * 0.7, 1)
    every = max(1, round(n / 8))
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
            'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
            "<title>{}</title>",
            width,
            height,
            title,
            title,
        )
    ]
    for tick in (0, peak // 2 if peak >= 2 else None, peak):
        if tick is None:
            continue
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - right,
                _r(y),
                _r(y),
                left - 4,
                _r(y + 4),
                tick,
            )
        )
    for i, (label, value) in enumerate(points):
        h = plot_h * value / peak
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h - h
        parts.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {}</title></rect>",
                _r(x),
                _r(y),
                _r(bar),
                _r(h),
                label,
                value,
            )
        )
        if value:
            parts.append(
                format_html(
                    '<text class="chart-value" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _r(x + bar / 2),
                    _r(y - 2),
                    value,
                )
            )
        if i % every == 0:
            parts.append(
                format_html(
                    '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _r(x + bar / 2),
                    height - 10,
                    label,
                )
            )
    parts.append(mark_safe("</svg>"))  # noqa: S308 - constant markup
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 - every part escaped above


def bar_chart(
    rows: list[tuple[str, int]], *, title: str, width: int = 480, row_height: int = 26
) -> SafeString:
    """Horizontal bars with the label on the left and the value at the bar's end."""
    label_w, right, top = 140, 40, 4
    plot_w = width - label_w - right
    height = top * 2 + row_height * max(len(rows), 1)
    peak = max((v for _, v in rows), default=0) or 1
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
            'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            "<title>{}</title>",
            width,
            height,
            title,
            title,
        )
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * row_height
        w = plot_w * value / peak
        short = label if len(label) <= 20 else label[:19] + "…"
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {}</title></rect>"
                '<text class="chart-value" x="{}" y="{}">{}</text>',
                label_w - 6,
                _r(y + row_height * 0.65),
                short,
                label_w,
                _r(y + 3),
                _r(w),
                _r(row_height - 6),
                label,
                value,
                _r(label_w + w + 4),
                _r(y + row_height * 0.65),
                value,
            )
        )
    parts.append(mark_safe("</svg>"))  # noqa: S308 - constant markup
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 - every part escaped above
