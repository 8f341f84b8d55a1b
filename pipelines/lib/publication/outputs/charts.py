"""Charts of the reports, as SVG text (matplotlib), used by both the HTML and the PDF.

A masked value is never drawn: where it would be, the chart writes « secret »; an empty value
("sans objet") leaves a gap. Stacked bars are avoided on purpose — the top of a stack would give
back the sum of a masked part. Every drawn value and every « secret » mark carries the published
cell's key as its SVG id (`v:<key>`, `secret:<key>`), so a test can check what a chart shows.
"""

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipelines.lib.publication.outputs.cells import Kind, format_value
from pipelines.lib.publication.outputs.published import Row, cell_key

mpl.rcParams.update(
    {
        "svg.hashsalt": "observatoire-parcours-jeunes",  # same input, same SVG
        # Text stays text: lighter and faster SVG, searchable in the HTML; the PDF gets the same
        # DejaVu Sans from matplotlib's own fonts (rendu.py), browsers their sans-serif.
        "svg.fonttype": "none",
        "font.family": ["DejaVu Sans", "sans-serif"],
        "font.size": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 9,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
    }
)

WIDTH_IN = 6.4
PALETTE = ("#1f5f8b", "#e07b39", "#5b9a68", "#8e5ea2", "#c44e52", "#7f7f7f")
HIGHLIGHT = "#e07b39"
BASE = "#1f5f8b"
REGION = "#444444"
SECRET_COLOUR = "#8a6d00"


@dataclass(frozen=True)
class Point:
    """One value to draw, from a published cell."""

    label: str
    value: float | None
    key: str | None = None
    secret: bool = False

    @classmethod
    def of(cls, label: str, row: Row | None, column: str) -> "Point":
        if row is None:
            return cls(label, None)
        return cls(
            label,
            row.number(column),
            cell_key(row.mart, column, row.values),
            row.is_masked(column),
        )


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[Point]  # one per x position, in order


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _frame(
    height_in: float,
    *,
    left_in: float = 0.6,
    bottom_in: float = 0.45,
    legend_rows: int = 0,
    top_in: float = 0.35,
    right_in: float = 0.25,
) -> tuple[Figure, Axes, float]:
    """A figure with its axes placed in inches (no "tight" layout: it draws everything twice).
    Returns the legend's y anchor, in axes fraction, below the x tick labels."""
    legend_in = 0.2 * legend_rows + (0.08 if legend_rows else 0)
    total = height_in + bottom_in + legend_in + top_in
    fig = Figure(figsize=(WIDTH_IN, total))
    ax = fig.add_axes(
        (
            left_in / WIDTH_IN,
            (bottom_in + legend_in) / total,
            (WIDTH_IN - left_in - right_in) / WIDTH_IN,
            height_in / total,
        )
    )
    return fig, ax, -(bottom_in - 0.05) / height_in


def _legend_below(ax: Axes, anchor: float, handles: list[Artist] | None = None) -> None:
    options: dict[str, Any] = {
        "frameon": False,
        "fontsize": 7,
        "bbox_to_anchor": (0.0, anchor),
        "ncol": 2,
        "borderaxespad": 0.0,
    }
    if handles is not None:
        ax.legend(handles=handles, loc="upper left", **options)
    else:
        ax.legend(loc="upper left", **options)


def _rows(n: int) -> int:
    return (n + 1) // 2 if n > 1 else 0


def _fmt(value: float, kind: Kind) -> str:
    if kind == "entier":
        value = round(value)
    return format_value(value, kind)


def _percent_axis(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    formatter = FuncFormatter(lambda v, _pos: f"{round(100 * v)} %")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _integer_axis(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(integer=True, nbins=5))
    target.set_major_formatter(FuncFormatter(lambda v, _p: format_value(int(v), "entier")))


def _secret_mark(ax: Axes, x: float, y: float, key: str | None, **kw: object) -> None:
    options: dict[str, object] = {"color": SECRET_COLOUR, "fontsize": 7, "style": "italic"}
    options.update(kw)
    text = ax.text(x, y, "secret", **options)  # type: ignore[arg-type]
    if key:
        text.set_gid(f"secret:{key}")


def _marker(
    ax: Axes, x: float, p: Point, edge: str, face: str, shape: str = "o", size: float = 4.5
) -> None:
    """One drawn value (a Line2D marker: much cheaper to render than a scatter)."""
    (line,) = ax.plot(
        [x],
        [p.value if p.value is not None else math.nan],
        marker=shape,
        markersize=size,
        markerfacecolor=face,
        markeredgecolor=edge,
        linestyle="none",
        zorder=3,
    )
    if p.key:
        line.set_gid(f"v:{p.key}")


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    kind: Kind = "entier",
    provisional: Sequence[bool] = (),
) -> str:
    """Evolution over the years; masked years are marked « secret » on the x axis."""
    two_lines = any(provisional)
    fig, ax, anchor = _frame(
        1.9, bottom_in=0.55 if two_lines else 0.4, legend_rows=_rows(len(series))
    )
    xs = list(range(len(x_labels)))
    secret_rows: dict[int, int] = {}
    for n, s in enumerate(series):
        colour = REGION if s.label.startswith("Région") else PALETTE[n % len(PALETTE)]
        ys = [p.value if p.value is not None else math.nan for p in s.points]
        ax.plot(xs, ys, color=colour, linewidth=1.6, label=s.label)
        for x, p in zip(xs, s.points, strict=True):
            if p.value is not None:
                hollow = x < len(provisional) and provisional[x]
                _marker(ax, x, p, colour, "white" if hollow else colour)
            elif p.secret:
                level = secret_rows.get(x, 0)
                secret_rows[x] = level + 1
                _secret_mark(
                    ax,
                    x,
                    0.03 + 0.08 * level,
                    p.key,
                    color=colour,
                    ha="center",
                    transform=ax.get_xaxis_transform(),
                )
    ax.set_xticks(
        xs, [f"{lab}\n(provisoire)" if xs_p else lab for lab, xs_p in _prov(x_labels, provisional)]
    )
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    if kind == "part":
        _percent_axis(ax)
        top = ax.get_ylim()[1]
        ax.set_ylim(0, min(1.05, max(top, 0.1)))
    elif kind == "entier":
        _integer_axis(ax)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_xlim(-0.4, len(xs) - 0.6)
    if len(series) > 1:
        _legend_below(ax, anchor)
    return _svg(fig)


def _prov(labels: Sequence[str], provisional: Sequence[bool]) -> list[tuple[str, bool]]:
    return [(lab, i < len(provisional) and provisional[i]) for i, lab in enumerate(labels)]


def bar_chart(
    title: str,
    bars: Sequence[Point],
    kind: Kind = "entier",
    highlight: frozenset[str] = frozenset(),
    reference: Point | None = None,
) -> str:
    """Horizontal bars, one per category or department; `reference` (the regional value) is a
    vertical line."""
    longest = max((len(b.label) for b in bars), default=4)
    fig, ax, _ = _frame(
        0.22 * len(bars) + 0.1,
        left_in=0.25 + 0.058 * longest,
        bottom_in=0.3,
        top_in=0.5 if reference is not None else 0.35,
        right_in=0.2,
    )
    ys = list(range(len(bars)))[::-1]
    known = [b.value for b in bars if b.value is not None]
    span = max([*known, reference.value if reference and reference.value else 0, 0]) or 1.0
    drawn = [(y, b) for y, b in zip(ys, bars, strict=True) if b.value is not None]
    patches = ax.barh(
        [y for y, _ in drawn],
        [b.value or 0.0 for _, b in drawn],
        color=[HIGHLIGHT if b.label in highlight else BASE for _, b in drawn],
        height=0.65,
    )
    for patch, (_, b) in zip(patches, drawn, strict=True):
        if b.key:
            patch.set_gid(f"v:{b.key}")
    for y, b in zip(ys, bars, strict=True):
        if b.value is not None:
            ax.text(b.value + span * 0.01, y, _fmt(b.value, kind), va="center", fontsize=7)
        elif b.secret:
            _secret_mark(ax, span * 0.01, y, b.key, va="center")
        else:
            ax.text(span * 0.01, y, "—", va="center", fontsize=7, color="#777777")
    if reference is not None and reference.value is not None:
        line = ax.axvline(reference.value, color=REGION, linestyle="--", linewidth=1)
        if reference.key:
            line.set_gid(f"v:{reference.key}")
        ax.text(
            reference.value,
            1.0,
            f" {reference.label} : {_fmt(reference.value, kind)}",
            transform=ax.get_xaxis_transform(),
            fontsize=7,
            color=REGION,
            va="bottom",
        )
    ax.set_yticks(ys, [b.label for b in bars])
    ax.set_xlim(0, span * 1.18)
    if kind == "part":
        _percent_axis(ax, "x")
    elif kind == "entier":
        _integer_axis(ax, "x")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_title(title, pad=14 if reference is not None else 6)
    return _svg(fig)


def grouped_bars(
    title: str,
    groups: Sequence[str],
    series: Sequence[Series],
    kind: Kind = "entier",
    provisional: Sequence[bool] = (),
) -> str:
    """Vertical bars side by side (one group per year, one bar per category): never stacked."""
    two_lines = any(provisional) or any("\n" in g for g in groups)
    fig, ax, anchor = _frame(
        1.9, bottom_in=0.55 if two_lines else 0.4, legend_rows=_rows(len(series)) or 1
    )
    width = 0.8 / max(len(series), 1)
    handles: list[Artist] = []
    known = [p.value for s in series for p in s.points if p.value is not None]
    span = max([*known, 0]) or 1.0
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        drawn = [
            (g - 0.4 + width * (n + 0.5), p) for g, p in enumerate(s.points) if p.value is not None
        ]
        patches = ax.bar(
            [x for x, _ in drawn],
            [p.value or 0.0 for _, p in drawn],
            width=width * 0.92,
            color=colour,
        )
        for patch, (_, p) in zip(patches, drawn, strict=True):
            if p.key:
                patch.set_gid(f"v:{p.key}")
        for g, p in enumerate(s.points):
            x = g - 0.4 + width * (n + 0.5)
            if p.value is None and p.secret:
                _secret_mark(ax, x, span * 0.02, p.key, rotation=90, ha="center", va="bottom")
        handles.append(Patch(color=colour, label=s.label))
    ax.set_xticks(
        range(len(groups)),
        [f"{g}\n(provisoire)" if p else g for g, p in _prov(groups, provisional)],
    )
    ax.set_title(title)
    if kind == "part":
        _percent_axis(ax)
    elif kind == "entier":
        _integer_axis(ax)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_xlim(-0.5, len(groups) - 0.5)
    _legend_below(ax, anchor, handles)
    return _svg(fig)


@dataclass(frozen=True)
class Range:
    """An estimate with its low–high range, and what was observed (backtest) if known."""

    label: str
    low: Point
    central: Point
    high: Point
    observed: Point | None = None


def range_chart(title: str, ranges: Sequence[Range], kind: Kind = "estimation") -> str:
    """Central estimates with their range (vertical bars) and observed values (diamonds)."""
    two_lines = any("\n" in r.label for r in ranges)
    fig, ax, anchor = _frame(1.9, bottom_in=0.55 if two_lines else 0.4, legend_rows=1)
    for x, r in enumerate(ranges):
        if r.low.value is not None and r.high.value is not None:
            span = ax.vlines(x, r.low.value, r.high.value, color=BASE, linewidth=6, alpha=0.35)
            span.set_gid(f"v:{r.low.key}")
        if r.central.value is not None:
            _marker(ax, x, r.central, BASE, BASE, size=6)
            ax.text(x + 0.08, r.central.value, _fmt(r.central.value, kind), fontsize=7, va="center")
        elif r.central.secret:
            _secret_mark(
                ax, x, 0.03, r.central.key, ha="center", transform=ax.get_xaxis_transform()
            )
        if r.observed is not None:
            if r.observed.value is not None:
                _marker(ax, x, r.observed, HIGHLIGHT, HIGHLIGHT, shape="D", size=5)
            elif r.observed.secret:
                _secret_mark(
                    ax, x, 0.10, r.observed.key, ha="center", transform=ax.get_xaxis_transform()
                )
    ax.plot([], [], "o", color=BASE, label="estimation centrale (fourchette en barre)")
    if any(r.observed is not None for r in ranges):
        ax.plot([], [], "D", color=HIGHLIGHT, label="observé (contrôle a posteriori)")
    ax.set_xticks(range(len(ranges)), [r.label for r in ranges])
    ax.set_xlim(-0.5, len(ranges) - 0.5)
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    _legend_below(ax, anchor)
    return _svg(fig)
