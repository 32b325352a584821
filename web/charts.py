"""Bar charts drawn on the server with matplotlib as SVG, embedded as a data: image: no
script, nothing fetched, and the page's Content-Security-Policy (no inline style) stays
strict, since an SVG shown as an image carries its own styles. Every chart has a table
beside it with the same figures (WCAG 1.1.1), and the title as its text alternative."""

from __future__ import annotations

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

BAR = "#1d5a3a"
_ATTRS = re.compile(r"<\?xml[^>]*>|<!DOCTYPE[^>]*>", re.S)


def bar_svg(title: str, values: list[tuple[str, float]], *, unit: str = "") -> str:
    """A horizontal bar chart as an <img> with a data: SVG and the title as its alt text
    (the figures themselves are in the table beside it)."""
    height = 0.6 + 0.42 * max(len(values), 1)
    figure = Figure(figsize=(6.2, height), dpi=96)
    axes = figure.subplots()
    labels = [label for label, _ in values] or ["Inga uppgifter"]
    numbers = [number for _, number in values] or [0]
    axes.barh(range(len(numbers)), numbers, color=BAR)
    axes.set_yticks(range(len(labels)), labels=labels, fontsize=10)
    axes.invert_yaxis()
    axes.set_xlim(0, max(max(numbers), 1) * 1.05)
    if all(float(n).is_integer() for n in numbers):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="x", labelsize=9)
    if unit:
        axes.set_xlabel(unit, fontsize=10)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _ATTRS.sub("", buffer.getvalue()).strip()
    data = base64.b64encode(svg.encode()).decode()
    return f'<img class="trygg-chart" src="data:image/svg+xml;base64,{data}" alt="{_escape(title)} (diagram; siffrorna står i tabellen)">'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
