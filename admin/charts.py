"""A report's Chart (models.reports) as an SVG drawn on the server: bars or lines over the
labels, one colour per series, the values written, a legend. No script and no style
attribute (the panel's Content-Security-Policy allows neither inline): presentation
attributes only, so the same picture goes into the page and into the PDF. Every text is
escaped."""
from __future__ import annotations

from markupsafe import Markup, escape

from models.reports import Chart

# Colours told apart in print too (also in grey): blue, orange, green, red, violet, brown.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 34, 64  # room for the axis, the title and the labels
LABEL_CHAR = 7.0  # px a character of a 10 px label takes, with room to spare (DejaVu Sans)


def number_text(value: float) -> str:
    """A value as the chart writes it: «4,25», «12»."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def _top(chart: Chart) -> float:
    """The axis's top: 100 for shares in per cent, else the largest value rounded up."""
    values = [v for _, series in chart.series for v in series if v is not None]
    high = max(values, default=0)
    if chart.unit == "%" and high <= 100:
        return 100.0
    if high <= 0:
        return 4.0
    if high <= 20 and all(float(v).is_integer() for v in values):  # counts: whole ticks
        return float(-(-high // 4) * 4)
    step = 10 ** (len(str(int(high))) - 1)
    return float(-(-high // step) * step)


def _text(x: float, y: float, text: str, size: int = 11, anchor: str = "middle",
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-family="DejaVu Sans, sans-serif" fill="#222"{extra}>{escape(text)}</text>')


def chart_svg(chart: Chart) -> Markup:
    """The chart as an inline <svg> element."""
    labels = list(chart.labels)
    series = [(name, list(values)) for name, values in chart.series]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _top(chart)
    n = max(len(labels), 1)
    slot = plot_w / n

    def y_of(value: float) -> float:
        return TOP + plot_h - plot_h * max(value, 0) / top

    title = chart.title + (f", {chart.unit}" if chart.unit else "")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             f'aria-label="{escape(chart.title)}">',
             f"<title>{escape(chart.title)}</title>",
             _text(LEFT, 16, title, 13, "start", ' font-weight="bold"')]
    for i in range(5):  # the value axis: five gridlines
        value = top * i / 4
        y = y_of(value)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                     f'stroke="#ddd" stroke-width="1"/>')
        parts.append(_text(LEFT - 4, y + 4, number_text(value), 10, "end"))
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
                 f'y2="{TOP + plot_h}" stroke="#555" stroke-width="1"/>')
    fits = max(int(slot / LABEL_CHAR), 2)  # a label's characters that fit its slot
    for i, label in enumerate(labels):  # the labels' axis, cut with «…» to their slot
        shown = label if len(label) <= fits else label[:fits - 1].rstrip() + "…"
        parts.append(_text(LEFT + slot * (i + 0.5), TOP + plot_h + 14, shown, 10))
    count = max(len(series), 1)
    bar = slot * 0.8 / count
    for s, (_, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        points = []
        for i, value in enumerate(values[:len(labels)]):
            if value is None:
                continue
            y = y_of(value)
            if chart.kind == "line":
                x = LEFT + slot * (i + 0.5)
                points.append(f"{x:.1f},{y:.1f}")
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            else:
                x = LEFT + slot * (i + 0.1) + bar * s
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                             f'height="{TOP + plot_h - y:.1f}" fill="{colour}"/>')
                x += bar / 2
            if len(labels) * count <= 40:  # the values, while they still fit
                parts.append(_text(x, y - 4, number_text(value), 9))
        if points:
            parts.append(f'<polyline points="{" ".join(points)}" fill="none" '
                         f'stroke="{colour}" stroke-width="2"/>')
    x = LEFT  # the legend, under the labels
    for s, (name, _) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{HEIGHT - 22}" width="12" height="12" '
                     f'fill="{colour}"/>')
        parts.append(_text(x + 16, HEIGHT - 12, name, 11, "start"))
        x += 28 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))
