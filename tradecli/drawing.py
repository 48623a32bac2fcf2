"""Pictures: a ``ChartData`` drawn as a PNG or SVG file, or as text for the terminal.

matplotlib is imported only inside ``draw`` (with the non-interactive Agg
backend), so nothing else pays for it and it stays an optional dependency.
Files are written whole or not at all: into a temporary file in the same
folder, then moved over the target with ``os.replace``.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradecli.errors import ChartNotWritten, require
from tradecli.safe_text import escape_lines

if TYPE_CHECKING:
    from tradecli.analysis.chart import ChartData, Point, Trace

FILE_FORMATS = ("png", "svg")
BAR_WIDTH = 40
BAR_MIN = 10
BLOCKS = " ▏▎▍▌▋▊▉█"
FILL = {"bars": "█", "ytd": "▒", "projection": "░", "line": "█"}
COLORS = {"bars": "#2f6690", "ytd": "#3a7d44", "projection": "#d9822b"}


# -- text ----------------------------------------------------------------------------


def _bar(value: float, largest: float, fill: str, width: int = BAR_WIDTH) -> str:
    """A bar of ``value`` scaled to ``largest``, in eighths of a character when solid."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = round(value / largest * width * 8)
    full, rest = divmod(eighths, 8)
    if fill != "█":
        return fill * max(full + (rest >= 4), 1)
    return "█" * full + (BLOCKS[rest] if rest else "") or "▏"


def _number(data: ChartData, value: float | None) -> str:
    if value is None:
        return ""
    divisor, _ = data.scale()
    scaled = value / divisor
    if data.is_share:
        return f"{scaled:#.3g}".rstrip(".") + "%"
    return f"{scaled:,.3f}" if scaled < 100 else f"{scaled:,.1f}"


def _row(
    data: ChartData, trace: Trace, point: Point, largest: float, label_width: int, bars: int
) -> str:
    bar = _bar(point.value, largest, FILL[str(trace.style)], bars)
    return f"{point.label:<{label_width}}  {bar:<{bars + 1}} {_tail(data, point)}".rstrip()


def _tail(data: ChartData, point: Point) -> str:
    """The number after a bar, its range and how it was published."""
    text = _number(data, point.value)
    if point.low is not None and point.high is not None:
        text += f"  (range {_number(data, point.low)}–{_number(data, point.high)})"
    if point.qualifiers:
        text += f"  [{', '.join(point.qualifiers)}]"
    return text


def text_chart(data: ChartData, explain: bool = False, width: int = 100) -> str:
    """The chart as unicode bars: one line per plotted value, grouped by line for ytd.
    Bars are ``BAR_WIDTH`` long at most, shorter so that a line fits ``width`` (never
    below ``BAR_MIN``); the numbers are never cut."""
    _, unit = data.scale()
    points = data.points()
    largest = max((p.value for _, p in points), default=0.0)
    label_width = max((len(p.label) for _, p in points), default=4)
    indent = 2 if str(data.kind) == "ytd" else 0
    tails = max((len(_tail(data, p)) for _, p in points), default=0)
    bars = max(BAR_MIN, min(BAR_WIDTH, width - indent - label_width - 4 - tails))
    lines = [f"{data.title} ({unit})", ""]
    if str(data.kind) == "ytd":
        for trace in data.traces:
            lines.append(trace.name)
            lines.extend(
                "  " + _row(data, trace, p, largest, label_width, bars) for p in trace.points
            )
    else:
        ordered = sorted(points, key=lambda tp: (tp[1].x, str(tp[0].style) == "projection"))
        lines.extend(_row(data, t, p, largest, label_width, bars) for t, p in ordered)
    legend = {"bars": "█ published", "ytd": "▒ year to date", "projection": "░ projection"}
    shown = [legend[str(t.style)] for t in data.traces if str(t.style) in legend]
    if str(data.kind) != "ytd" and len(shown) > 1:
        lines.extend(["", "   ".join(dict.fromkeys(shown))])
    lines.append("")
    lines.extend(data.notes)
    lines.extend(textwrap.wrap(data.caption, max(min(width, 100), 20)))
    if explain:
        lines.append("")
        lines.extend(line for a in data.answers for line in a.explain())
    return escape_lines("\n".join(lines)) + "\n"  # nothing from the data acts on a terminal


# -- files ---------------------------------------------------------------------------


def draw(data: ChartData, out: Path) -> None:
    """Draw ``data`` into ``out`` (.png or .svg), whole or not at all."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FILE_FORMATS:
        raise ChartNotWritten(f"{out}: a chart is written as .png or .svg")
    require("matplotlib", "chart", "writing a chart file")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.hashsalt": "tradecli", "font.size": 9}):
        figure = Figure(figsize=(8, 5), dpi=120)
        axes = figure.add_subplot()
        figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.22)
        kind = str(data.kind)
        if kind == "annual":
            _draw_annual(axes, data)
        elif kind == "ytd":
            _draw_ytd(axes, data)
        else:
            _draw_share(axes, data)
        _, unit = data.scale()
        axes.set_title(_plain(data.title), loc="left", fontsize=11, fontweight="bold")
        axes.set_ylabel(_plain(unit))
        axes.set_xlabel(_plain(data.x_label))
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", alpha=0.3)
        axes.set_axisbelow(True)
        lines = [line for text in (*data.notes, data.caption) for line in textwrap.wrap(text, 130)]
        figure.text(
            0.01,
            0.01,
            _plain("\n".join(lines)),
            fontsize=7,
            color="#555555",
            ha="left",
            va="bottom",
        )
        _save(figure, out, fmt)


def _plain(text: str) -> str:
    """Text as written: a dollar sign is not the start of matplotlib's math mode."""
    return text.replace("$", r"\$")


def _save(figure: Any, out: Path, fmt: str) -> None:
    folder = out.parent
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{out.stem}.", suffix=f".{fmt}.tmp", dir=folder
        )
    except OSError as exc:
        raise ChartNotWritten(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            metadata = {"Date": None} if fmt == "svg" else {"Software": None}
            figure.savefig(stream, format=fmt, metadata=metadata)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a chart is not
        os.replace(temporary, out)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ChartNotWritten(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


QUALIFIER_MARKS = {"about": "~", "over": ">", "almost": "<"}


def _values_on_bars(
    axes: Any,
    points: tuple[Point, ...] | list[Point],
    data: ChartData,
    xs: list[float] | None = None,
    color: str = "black",
) -> None:
    """Each bar's value above it; ~ > < mark figures published as about / over / almost."""
    divisor, _ = data.scale()
    for i, p in enumerate(points):
        mark = "".join(QUALIFIER_MARKS.get(q, "") for q in p.qualifiers)
        x = xs[i] if xs is not None else p.x
        axes.annotate(
            mark + _number(data, p.value),
            (x, p.value / divisor),
            ha="center",
            va="bottom",
            fontsize=7,
            xytext=(0, 2),
            textcoords="offset points",
            color=color,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"},
        )


def _draw_annual(axes: Any, data: ChartData) -> None:
    divisor, _ = data.scale()
    years: set[int] = set()
    for trace in data.traces:
        style = str(trace.style)
        xs = [p.x for p in trace.points]
        ys = [p.value / divisor for p in trace.points]
        years |= {int(x) for x in xs}
        if style == "bars":
            axes.bar(xs, ys, width=0.7, color=COLORS["bars"], label=trace.name)
            _values_on_bars(axes, trace.points, data)
        elif style == "projection":
            axes.bar(
                xs,
                ys,
                width=0.7,
                facecolor="none",
                edgecolor=COLORS["projection"],
                hatch="///",
                linewidth=1.2,
                label=trace.name,
            )
            for p in trace.points:
                if p.low is not None and p.high is not None:
                    axes.errorbar(
                        [p.x],
                        [p.value / divisor],
                        yerr=[[(p.value - p.low) / divisor], [(p.high - p.value) / divisor]],
                        fmt="none",
                        ecolor=COLORS["projection"],
                        capsize=5,
                        label="projection range",
                    )
            _values_on_bars(axes, trace.points, data, color=COLORS["projection"])
        else:  # the year to date, narrower, in front of the projection
            axes.bar(xs, ys, width=0.35, color=COLORS["ytd"], label=_plain(trace.name))
            _values_on_bars(axes, trace.points, data, color=COLORS["ytd"])
    ordered = sorted(years)
    axes.set_xticks(ordered, [str(y) for y in ordered], rotation=45 if len(ordered) > 10 else 0)
    axes.legend(frameon=False, fontsize=8)


def _draw_ytd(axes: Any, data: ChartData) -> None:
    from tradecli.analysis.chart import month_ticks

    divisor, _ = data.scale()
    last = len(data.traces) - 1
    for i, trace in enumerate(data.traces):
        xs = [p.x for p in trace.points]
        ys = [p.value / divisor for p in trace.points]
        axes.plot(
            xs, ys, marker="o", markersize=4, linewidth=2.4 if i == last else 1.3, label=trace.name
        )
    ticks = month_ticks()
    axes.set_xticks([m for m, _ in ticks], [name for _, name in ticks])
    axes.set_xlim(0.5, 12.5)
    axes.set_ylim(bottom=0)
    axes.legend(frameon=False, fontsize=8, ncols=2)


def _draw_share(axes: Any, data: ChartData) -> None:
    divisor, _ = data.scale()
    points = [p for _, p in data.points()]
    positions = list(range(len(points)))
    axes.bar(positions, [p.value / divisor for p in points], width=0.6, color=COLORS["bars"])
    _values_on_bars(axes, points, data, xs=[float(x) for x in positions])
    axes.set_xticks(positions, [p.label for p in points])
