"""Planar geometry on lon/lat rings: point in polygon, area, interior point.

Point-in-polygon is even-odd ray casting over *all* rings of a unit at once, so
holes and the parts of a multipolygon need no special case. It is vectorised
in NumPy: a bounding-box prefilter, then the candidate points sorted by latitude
so each edge only touches the contiguous slab of points whose latitude it spans
(``searchsorted``); the cost is about (candidates x edges crossing a parallel),
not candidates x all edges. Edges are oriented upwards before the intersection
is computed, so two units sharing an edge compute bit-identical crossings and a
point on a shared boundary lands in exactly one of them.
"""

from __future__ import annotations

import math

import numpy as np

from .model import EARTH_RADIUS_M, BoolArray, FloatArray, IntArray, Polygon, Unit


def unit_edges(
    polygons: tuple[Polygon, ...],
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """All non-horizontal edges, oriented so that y0 < y1."""
    rings = [ring for polygon in polygons for ring in polygon]
    x0 = np.concatenate([r[:-1, 0] for r in rings])
    y0 = np.concatenate([r[:-1, 1] for r in rings])
    x1 = np.concatenate([r[1:, 0] for r in rings])
    y1 = np.concatenate([r[1:, 1] for r in rings])
    keep = y0 != y1
    x0, y0, x1, y1 = x0[keep], y0[keep], x1[keep], y1[keep]
    flip = y0 > y1
    x0[flip], x1[flip] = x1[flip], x0[flip].copy()
    y0[flip], y1[flip] = y1[flip], y0[flip].copy()
    return x0, y0, x1, y1


def bbox(polygons: tuple[Polygon, ...]) -> tuple[float, float, float, float]:
    allpts = np.concatenate([ring for polygon in polygons for ring in polygon])
    lo = allpts.min(axis=0)
    hi = allpts.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def points_in_unit(unit: Unit, lon: FloatArray, lat: FloatArray) -> IntArray:
    """Indices of the points inside ``unit`` (even-odd rule over all its rings)."""
    minx, miny, maxx, maxy = bbox(unit.polygons)
    cand = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
    if cand.size == 0:
        return cand
    order = np.argsort(lat[cand], kind="stable")
    cand = cand[order]
    px = lon[cand]
    py = lat[cand]
    inside = np.zeros(cand.size, dtype=np.bool_)
    x0, y0, x1, y1 = unit_edges(unit.polygons)
    # Half-open rule y0 <= y < y1, matching the classic (y0 > y) != (y1 > y) test.
    starts = np.searchsorted(py, y0, side="left")
    stops = np.searchsorted(py, y1, side="left")
    for k in np.flatnonzero(stops > starts):
        a, b = starts[k], stops[k]
        slope = (x1[k] - x0[k]) / (y1[k] - y0[k])
        xcross = x0[k] + (py[a:b] - y0[k]) * slope
        inside[a:b] ^= px[a:b] < xcross
    return np.sort(cand[inside])


def assign_points(units: tuple[Unit, ...], lon: FloatArray, lat: FloatArray) -> list[IntArray]:
    """For each unit, the indices of the points it contains."""
    return [points_in_unit(u, lon, lat) for u in units]


def outside_all(members: list[IntArray], n: int) -> BoolArray:
    covered = np.zeros(n, dtype=np.bool_)
    for idx in members:
        covered[idx] = True
    return ~covered


def ring_area_deg2(ring: FloatArray) -> float:
    """Signed shoelace area in square degrees (positive counter-clockwise)."""
    x = ring[:, 0]
    y = ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def polygon_area_m2(polygon: Polygon) -> float:
    """Area in a local equirectangular projection; enough for proportional shares."""
    lat0 = math.radians(float(np.mean(polygon[0][:, 1])))
    deg = math.radians(1.0) * EARTH_RADIUS_M
    outer = abs(ring_area_deg2(polygon[0]))
    holes = sum(abs(ring_area_deg2(r)) for r in polygon[1:])
    return (outer - holes) * deg * deg * math.cos(lat0)


def unit_area_m2(unit: Unit) -> float:
    return sum(polygon_area_m2(p) for p in unit.polygons)


def _scanline_y(polygon: Polygon) -> float:
    """A parallel through the middle of the polygon that avoids every vertex."""
    ys = np.unique(np.concatenate([r[:, 1] for r in polygon]))
    centre = 0.5 * (ys[0] + ys[-1])
    below = ys[ys <= centre]
    above = ys[ys > centre]
    if above.size == 0:  # degenerate (flat) polygon
        return float(centre)
    return 0.5 * float(below[-1] + above[0])


def point_on_surface(unit: Unit) -> tuple[float, float]:
    """A point strictly inside the unit (unlike a centroid, which may fall outside).

    Like GEOS's interior point: on a horizontal line through the largest part, the
    midpoint of the widest interior interval between edge crossings.
    """
    polygon = max(unit.polygons, key=polygon_area_m2)
    y = _scanline_y(polygon)
    x0, y0, x1, y1 = unit_edges((polygon,))
    hit = (y0 <= y) & (y < y1)
    xs = np.sort(x0[hit] + (y - y0[hit]) * (x1[hit] - x0[hit]) / (y1[hit] - y0[hit]))
    if xs.size < 2:
        ring = polygon[0]
        return float(ring[:-1, 0].mean()), float(ring[:-1, 1].mean())
    lefts = xs[0::2]
    rights = xs[1::2]
    widest = int(np.argmax(rights[: lefts.size] - lefts[: rights.size]))
    return 0.5 * float(lefts[widest] + rights[widest]), y
