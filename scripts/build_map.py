"""Build research/data/russia_map.json, the SVG outlines of the map of home regions.

    python3 -m venv /tmp/mapbuild && /tmp/mapbuild/bin/pip install 'shapely>=2.0,<3'
    /tmp/mapbuild/bin/python scripts/build_map.py SOURCE.geojson [--check]

shapely is needed for this build step only; the site reads the JSON it writes and never
imports shapely.

The source is geoBoundaries' gbOpen RUS ADM1 (boundary RUS-ADM1-28173009: Russia's 83
federal subjects within its internationally recognised borders, drawn from OpenStreetMap
by Wambacher's OSM boundaries, source data of 25 Sep 2020), licensed under the Open Data
Commons Open Database License 1.0, as simplified to ~50,000 points by the cartogram-cpp
project (github.com/mgastner/cartogram-cpp, commit abe8b45, file
``sample_data/russia_by_federal_subjects_since_2008/russia_by_federal_subjects_since_2008
.geojson``, SHA-256 9b8c6b8d…). The regions ``conscripts.geo`` lists that the dataset
does not draw (Crimea, Sevastopol and the occupied parts of Ukraine's Donetsk, Luhansk,
Zaporizhzhia and Kherson oblasts) are left off the map and stay in its table.

What the build does, the same way every time (``--check`` rebuilds in memory and exits 1
if the committed file differs):

1. Longitudes west of the antimeridian (Chukotka's eastern end) are shifted by 360°.
2. Albers equal-area conic projection (central meridian 100° E, standard parallels 52° N
   and 64° N, the usual one for maps of all Russia): areas stay comparable, which a map
   coloured by count needs.
3. Scaled to ``WIDTH`` units across; each region simplified (Douglas–Peucker, topology
   kept) to ``TOLERANCE`` units, islands under ``MIN_AREA`` square units dropped.
4. Written as SVG path data with whole-unit relative moves (``M12 34l3-2…z``), the
   smallest text a browser draws the same. Regions too small to point at (Moscow,
   Saint Petersburg) also get a dot.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

from shapely.geometry import MultiPolygon, Polygon

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "research/data/russia_map.json"
SOURCE_SHA256 = "9b8c6b8dc1261713cd7886e771841ed9613dec9cfb17bb3ba96c3e686a349e94"

WIDTH = 1000
TOLERANCE = 1.1
MIN_AREA = 6.0
#: Below this area (square units) a region also gets a dot of ``DOT_RADIUS`` to point at.
DOT_AREA = 40.0
DOT_RADIUS = 5

# Albers equal-area conic.
LON0, LAT0, PAR1, PAR2 = 100.0, 56.0, 52.0, 64.0


def _albers():
    phi1, phi2, phi0 = (math.radians(v) for v in (PAR1, PAR2, LAT0))
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho0 = math.sqrt(c - 2 * n * math.sin(phi0)) / n

    def project(lon: float, lat: float) -> tuple[float, float]:
        if lon < 0:
            lon += 360
        theta = n * math.radians(lon - LON0)
        rho = math.sqrt(c - 2 * n * math.sin(math.radians(lat))) / n
        return rho * math.sin(theta), -(rho0 - rho * math.cos(theta))  # y grows downwards

    return project


def _project_geometry(geometry: dict, project) -> MultiPolygon:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    projected = [
        Polygon(
            [project(*point[:2]) for point in rings[0]],
            [[project(*point[:2]) for point in ring] for ring in rings[1:]],
        )
        for rings in polygons
    ]
    return MultiPolygon([p.buffer(0) if not p.is_valid else p for p in projected])


def _ring_path(coords) -> str:
    points = [(round(x), round(y)) for x, y in coords]
    last = points[0]
    moves = []
    for point in points[1:]:
        dx, dy = point[0] - last[0], point[1] - last[1]
        if dx or dy:
            moves.append(f"{dx} {dy}")
            last = point
    # The closing move back to the start is «z»'s to draw.
    if moves and last == points[0]:
        moves.pop()
    # «3-2» reads as 3, −2 in SVG path data: a minus sign needs no space before it.
    return f"M{points[0][0]} {points[0][1]}l{' '.join(moves)}z".replace(" -", "-")


def _polygons(geometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]


def build(source: Path) -> dict:
    raw = source.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{source}: SHA-256 {digest}, expected {SOURCE_SHA256} (another file?)")
    features = json.loads(raw)["features"]
    project = _albers()
    shapes = {
        f["properties"]["shapeISO"].removeprefix("RU-"): _project_geometry(f["geometry"], project)
        for f in features
    }
    min_x = min(s.bounds[0] for s in shapes.values())
    min_y = min(s.bounds[1] for s in shapes.values())
    max_x = max(s.bounds[2] for s in shapes.values())
    max_y = max(s.bounds[3] for s in shapes.values())
    scale = WIDTH / (max_x - min_x)
    height = math.ceil((max_y - min_y) * scale)

    regions: dict[str, str] = {}
    dots: dict[str, list[int]] = {}
    for code in sorted(shapes):
        geometry = shapes[code]
        scaled = MultiPolygon(
            [
                Polygon(
                    [((x - min_x) * scale, (y - min_y) * scale) for x, y in p.exterior.coords],
                    [
                        [((x - min_x) * scale, (y - min_y) * scale) for x, y in r.coords]
                        for r in p.interiors
                    ],
                )
                for p in _polygons(geometry)
            ]
        )
        simple = scaled.simplify(TOLERANCE, preserve_topology=True)
        kept = [p for p in _polygons(simple) if p.area >= MIN_AREA]
        if not kept:  # a city: keep its largest part however small
            kept = [max(_polygons(simple), key=lambda p: p.area)]
        paths = []
        for polygon in sorted(kept, key=lambda p: -p.area):
            paths.append(_ring_path(polygon.exterior.coords))
            holes = [r for r in polygon.interiors if Polygon(r).area >= MIN_AREA]
            paths += [_ring_path(r.coords) for r in holes]
        regions[code] = "".join(paths)
        if scaled.area < DOT_AREA:
            centre = scaled.representative_point()
            dots[code] = [round(centre.x), round(centre.y)]
    return {
        "source": {
            "name": (
                "geoBoundaries gbOpen RUS ADM1 (RUS-ADM1-28173009), simplified by cartogram-cpp"
            ),
            "licence": "ODbL-1.0",
            "attribution": "© OpenStreetMap contributors; geoBoundaries (Runfola et al. 2020)",
            "sha256": digest,
        },
        "projection": f"Albers equal-area conic, lon0={LON0}, parallels {PAR1}/{PAR2}",
        "width": WIDTH,
        "height": height,
        "dot_radius": DOT_RADIUS,
        "regions": regions,
        "dots": dots,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    data = build(args.source)
    text = json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n"
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUTPUT} is stale: run scripts/build_map.py")
        print(f"{OUTPUT} is up to date")
        return
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    points = sum(path.count(" ") for path in data["regions"].values())
    print(
        f"wrote {OUTPUT.relative_to(ROOT)}: {len(data['regions'])} regions, ~{points} points, "
        f"{len(text.encode()):,} bytes, {data['width']}×{data['height']}"
    )


if __name__ == "__main__":
    main()
