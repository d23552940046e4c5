"""Chart arithmetic for the server-rendered SVG charts and the map. Plain Python.

Templates draw; this module decides the scales: round axis ticks, where the weeks of a
timeline get a date label, how counts and shares fall into the map's colour classes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

#: The plot area of line and bar timelines, in viewBox units (stretched to the width).
PLOT_WIDTH = 1000
PLOT_HEIGHT = 200


def nice_step(maximum: float, target: int = 5) -> int:
    """A round step (1, 2, 5 × 10ⁿ) giving about ``target`` ticks up to ``maximum``."""
    if maximum <= 0:
        return 1
    raw = maximum / target
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, int(factor * power))
    return max(1, int(10 * power))


def nice_ticks(maximum: float, target: int = 5) -> list[int]:
    """0, step, 2·step … up to the first tick at or above ``maximum``."""
    step = nice_step(maximum, target)
    top = max(step, math.ceil(maximum / step) * step)
    return list(range(0, top + 1, step))


@dataclass(frozen=True)
class Tick:
    value: int
    #: Position along the axis: percent of the width, or viewBox units from the top.
    position: float
    label: str


def value_axis(maximum: float, *, target: int = 5) -> tuple[int, list[Tick]]:
    """The axis top and its ticks, positioned in percent of the axis length."""
    ticks = nice_ticks(maximum, target)
    top = ticks[-1]
    return top, [Tick(t, round(t * 100 / top, 2), f"{t:,}".replace(",", "\u202f")) for t in ticks]


def percent(value: float, top: float) -> float:
    return round(value * 100 / top, 2) if top else 0.0


def line_points(values: Sequence[float], top: float) -> str:
    """SVG polyline points in the plot's viewBox (x across ``PLOT_WIDTH``, y down)."""
    if not values:
        return ""
    step = PLOT_WIDTH / max(1, len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{PLOT_HEIGHT - (v / top * PLOT_HEIGHT if top else 0):.1f}"
        for i, v in enumerate(values)
    )


def week_ticks(weeks: Sequence[date], *, most: int = 4) -> list[tuple[int, date]]:
    """(index, week) of the weeks that get a date under a timeline: the first week of a
    month, thinned to at most ``most`` labels (four fit under a phone-wide chart); the
    first and last week when fewer."""
    if not weeks:
        return []
    starts = [i for i, w in enumerate(weeks) if i == 0 or w.month != weeks[i - 1].month]
    if len(starts) < 2:
        starts = sorted({0, len(weeks) - 1})
    every = math.ceil(len(starts) / most)
    return [(i, weeks[i]) for i in starts[::every]]


def x_percent(index: int, count: int) -> float:
    """Where the ``index``-th of ``count`` evenly spaced points sits, in percent."""
    return round(index * 100 / (count - 1), 2) if count > 1 else 50.0


def slot_percent(index: int, count: int) -> float:
    """The centre of the ``index``-th of ``count`` equal slots (bars), in percent."""
    return round((index + 0.5) * 100 / count, 2) if count else 50.0


# --- The map's colour classes --------------------------------------------------------------
#: Classes 1…CLASSES are the sequential palette (static/css/site.css, ``.map-c1``…);
#: class 0 is «no records», and ``FEW`` marks a share computed from too few people.
CLASSES = 5
FEW = "few"
#: A share over fewer people than this is not coloured (one person is 0 % or 100 %).
MIN_PEOPLE_FOR_SHARE = 10
#: Share classes: [0, 10 %), [10, 20 %), [20, 35 %), [35, 50 %), [50, 100 %].
SHARE_BREAKS = (0.10, 0.20, 0.35, 0.50)


def _round_nice(value: float) -> int:
    """Round up to 1, 2 or 5 × 10ⁿ (a class edge a reader can say)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= value:
            return int(factor * power)
    return int(10 * power)


def count_breaks(counts: Sequence[int]) -> list[int]:
    """Upper edges (exclusive) of classes 1…CLASSES−1 for counts: roughly equal numbers of
    regions per class (quantiles of the regions with people), rounded to edges a reader
    can say, strictly increasing."""
    values = sorted(c for c in counts if c > 0)
    if not values:
        return []
    breaks: list[int] = []
    for k in range(1, CLASSES):
        value = values[min(len(values) - 1, len(values) * k // CLASSES)]
        # A round edge unless rounding would put it past every region (few regions).
        edge = _round_nice(value) if _round_nice(value) <= values[-1] else value
        if edge > (breaks[-1] if breaks else 1):
            breaks.append(edge)
    return breaks


def count_class(count: int, breaks: Sequence[int]) -> int:
    if count <= 0:
        return 0
    return 1 + sum(1 for edge in breaks if count >= edge)


def share_class(part: int, whole: int) -> int | str:
    if whole <= 0:
        return 0
    if whole < MIN_PEOPLE_FOR_SHARE:
        return FEW
    share = part / whole
    return 1 + sum(1 for edge in SHARE_BREAKS if share >= edge)


def count_legend(breaks: Sequence[int], maximum: int) -> list[tuple[int, int, int]]:
    """(class, lowest, highest) for each class in use, class 1 from 1."""
    edges = [1, *breaks, maximum + 1]
    return [(i + 1, edges[i], edges[i + 1] - 1) for i in range(len(edges) - 1)]


def share_legend() -> list[tuple[int, int, int]]:
    """(class, lowest %, highest %) of the share classes."""
    edges = [0, *(round(b * 100) for b in SHARE_BREAKS), 100]
    return [(i + 1, edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
