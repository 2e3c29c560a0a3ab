#!/usr/bin/env python3
"""Turns the detailed kabupaten/kota boundaries into the small map the briefing draws.

    scripts/simplify_geo.py [../shared/geo/kaltim-kabkota.geojson] [assets/geo/kaltim-kabkota.json]

Reads GeoJSON (WGS84, [lng, lat]) with `kabkota_id`, `nama`, `kode` and `label_point` per
feature and writes JSON whose areas are SVG path strings in a fixed view box, so the Rust side
only inserts them (src/digest/map.rs). Steps:

1. Borders shared by two areas are split into arcs at the points where the set of rings using
   them changes, and each arc is simplified once (Douglas-Peucker), so neighbours keep one
   common border: no slivers or gaps between them.
2. Islands and holes smaller than MIN_AREA square degrees are dropped; each area keeps at least
   its largest polygon, so all ten are drawn.
3. Coordinates are projected (equirectangular, scaled by cos of the mean latitude, which near
   the equator is nearly 1) to whole units of a view box WIDTH wide, and written as relative
   path commands.

Python 3 standard library only. Running it again on the same input gives the same file.
"""

import json
import math
import sys

# Two levels of detail: `d` for the province map, `d_small` for the small map of each issue.
# Tolerance in degrees (0.01° is about 1.1 km); islands and holes under the area (square
# degrees; 0.004 is about 50 km²) are dropped.
LEVELS = {"d": (0.01, 0.004), "d_small": (0.03, 0.02)}
WIDTH = 400  # view box width; the height follows the province's shape
MARGIN = 4


def rings_of(geometry):
    """Polygons of a Polygon or MultiPolygon as lists of rings (outer first)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def ring_area(ring):
    a = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        a += x1 * y2 - x2 * y1
    return abs(a) / 2


def douglas_peucker(points, tol):
    """Simplifies an open polyline, keeping both ends."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, index = -1.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            if norm == 0:
                d = math.hypot(px - x1, py - y1)
            else:
                d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
            if d > best:
                best, index = d, i
        if index is not None and best > tol:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep) if k]


def simplify_arc(arc, tol, cache):
    """Simplifies an arc the same way whichever way round a ring walks it."""
    forward = tuple(arc)
    backward = forward[::-1]
    key = min(forward, backward)
    if key not in cache:
        cache[key] = douglas_peucker(list(key), tol)
    result = cache[key]
    return list(result) if key == forward else list(reversed(result))


def simplify_rings(features, tol):
    """Every ring of every feature, simplified with shared borders kept common."""
    users = {}  # point -> ids of the rings it lies on
    all_rings = []
    for f in features:
        for poly in rings_of(f["geometry"]):
            for ring in poly:
                rid = len(all_rings)
                pts = [tuple(p) for p in ring]
                if pts[0] == pts[-1]:
                    pts = pts[:-1]
                all_rings.append(pts)
                for p in pts:
                    users.setdefault(p, set()).add(rid)
    cache = {}
    out = []
    for pts in all_rings:
        n = len(pts)
        sets = [frozenset(users[p]) for p in pts]
        breaks = [
            i
            for i in range(n)
            if len(sets[i]) > 1 and (sets[i] != sets[i - 1] or sets[i] != sets[(i + 1) % n])
        ]
        if not breaks:
            # A ring that touches no other: an island or a lone outline. Start at its lowest
            # point so the result does not depend on where the source began it.
            start = min(range(n), key=lambda i: pts[i])
            loop = pts[start:] + pts[:start] + [pts[start]]
            out.append(simplify_arc(loop, tol, cache)[:-1])
            continue
        ring = []
        for k, b in enumerate(breaks):
            e = breaks[(k + 1) % len(breaks)]
            arc = pts[b : e + 1] if e > b else pts[b:] + pts[: e + 1]
            ring.extend(simplify_arc(arc, tol, cache)[:-1])
        out.append(ring)
    return out


def keep(features, tol, min_area):
    """Per feature, its simplified polygons (lists of rings), the small ones dropped: each
    keeps at least its largest polygon. Areas are measured on the detailed data."""
    simple = iter(simplify_rings(features, tol))
    kept = []
    for f in features:
        polys = [[(next(simple), ring_area(r)) for r in poly] for poly in rings_of(f["geometry"])]
        polys.sort(key=lambda rs: -rs[0][1])
        chosen = [p for i, p in enumerate(polys) if i == 0 or p[0][1] >= min_area]
        kept.append([[r for j, (r, a) in enumerate(p) if j == 0 or a >= min_area] for p in chosen])
    return kept


def path(polys, project):
    """SVG path data of polygons in whole view-box units, relative after each ring's start."""
    parts = []
    for poly in polys:
        for ring in poly:
            pts = [project(x, y) for x, y in ring]
            # Whole units can make neighbours equal: drop the repeats.
            pts = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
            if len(pts) > 1 and pts[-1] == pts[0]:
                pts.pop()
            if len(pts) < 3:
                continue
            d = "M%d %d" % pts[0]
            d += "l" + " ".join("%d %d" % (b[0] - a[0], b[1] - a[1]) for a, b in zip(pts, pts[1:]))
            parts.append(d + "z")
    return "".join(parts)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "../shared/geo/kaltim-kabkota.geojson"
    dst = sys.argv[2] if len(sys.argv) > 2 else "assets/geo/kaltim-kabkota.json"
    with open(src, encoding="utf-8") as f:
        features = json.load(f)["features"]
    levels = {key: keep(features, tol, min_area) for key, (tol, min_area) in LEVELS.items()}

    detailed = levels["d"]
    lats = [y for polys in detailed for p in polys for r in p for _, y in r]
    lngs = [x for polys in detailed for p in polys for r in p for x, _ in r]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((max(lngs) - min(lngs)) * kx)
    height = math.ceil((max(lats) - min(lats)) * scale) + 2 * MARGIN

    def project(x, y):
        return (
            round(MARGIN + (x - min(lngs)) * kx * scale),
            round(MARGIN + (max(lats) - y) * scale),
        )

    areas = []
    for i, f in enumerate(features):
        props = f["properties"]
        lx, ly = project(*props["label_point"])
        area = {
            "id": props["kabkota_id"],
            "kode": props["kode"],
            "name": props["nama"],
            "label": [lx, ly],
        }
        for key, polys in levels.items():
            area[key] = path(polys[i], project)
        areas.append(area)
    areas.sort(key=lambda a: a["kode"])
    doc = {
        "source": "wilayah_boundaries (Cahya DSN), Kepmendagri No 100.1.1-6117 Tahun 2022; MIT, see LICENSE.wilayah_boundaries",
        "made_by": "scripts/simplify_geo.py: "
        + "; ".join(
            "%s Douglas-Peucker %g°, islands under %g deg² dropped" % (k, t, a)
            for k, (t, a) in LEVELS.items()
        ),
        "width": WIDTH,
        "height": height,
        "areas": areas,
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"{dst}: {len(areas)} areas, {len(text.encode())} bytes, view box {WIDTH}×{height}")


if __name__ == "__main__":
    main()
