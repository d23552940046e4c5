"""The map of home regions: outlines from ``research/data/russia_map.json`` (built by
``scripts/build_map.py``), coloured by count or by the share of one status. Plain Python.

The outlines cover the 83 federal subjects within Russia's internationally recognised
borders (geoBoundaries RUS ADM1, © OpenStreetMap contributors, ODbL 1.0). The other
regions ``conscripts.geo`` lists (Crimea, Sevastopol, and the occupied parts of
Donetsk, Luhansk, Zaporizhzhia and Kherson oblasts) are not drawn: the page lists them
beside the map, and the table under it has every region.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import charts

MAP_FILE = Path(__file__).resolve().parent / "data" / "russia_map.json"

#: How the map may be coloured: by the number of people, or by the share of a status.
MODES = ("count", "missing", "captured", "dead", "returned")


@cache
def outlines() -> dict:
    """The built map: ``width``, ``height``, ``regions`` (code → path data), ``dots``."""
    return json.loads(MAP_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class MapRegion:
    code: str
    path: str
    dot: tuple[int, int] | None
    css_class: str
    n: int
    by_status: dict


def colour(
    figures: dict[str, dict], *, mode: str
) -> tuple[list[MapRegion], list[tuple[str, str]], list[str]]:
    """The drawn regions with their colour class, the legend ((class, label text)), and
    the codes of regions with people that the map does not draw.

    ``figures``: region code → ``{"n": people, "by_status": {status: people}}``.
    """
    if mode not in MODES:
        mode = "count"
    built = outlines()
    counts = [f["n"] for f in figures.values()]
    breaks = charts.count_breaks(counts)
    regions = []
    for code, path in built["regions"].items():
        figure = figures.get(code, {"n": 0, "by_status": {}})
        n, by_status = figure["n"], figure.get("by_status") or {}
        if mode == "count":
            klass = charts.count_class(n, breaks)
        else:
            klass = charts.share_class(by_status.get(mode, 0), n)
        dot = built["dots"].get(code)
        regions.append(
            MapRegion(
                code=code,
                path=path,
                dot=tuple(dot) if dot else None,
                css_class=f"map-c{klass}",
                n=n,
                by_status=by_status,
            )
        )
    if mode == "count":
        legend = [
            (f"map-c{k}", f"{low:,}" if low == high else f"{low:,}–{high:,}")
            for k, low, high in charts.count_legend(breaks, max(counts, default=0))
        ]
    else:
        legend = [(f"map-c{k}", f"{low}–{high} %") for k, low, high in charts.share_legend()]
    legend = [(k, label.replace(",", "\u202f")) for k, label in legend]
    not_drawn = sorted(c for c, f in figures.items() if c and f["n"] and c not in built["regions"])
    return regions, legend, not_drawn
