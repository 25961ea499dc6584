"""Which facilities lie within reach of which demand points, and how far.

Great-circle distances on a sphere of radius :data:`EARTH_RADIUS_M`. Points are
mapped to unit vectors in 3-D; the straight-line (chord) distance c between two
unit vectors and the great-circle distance d are tied by d = 2R·asin(c/2), a
monotone map. A pair is in reach when the distance the engine reports,
computed from the chord, is <= d0, so "d == d0" is decided once, on that number.

The search is a sorted-cell join in NumPy (no tree, no SciPy):

* Facilities are cut into latitude bands one catchment high and sorted by
  (band, longitude); each is stored three times, at λ-2π, λ and λ+2π, so that a
  longitude window across the antimeridian is still one run of the sorted array.
* For each demand point and each band its catchment can touch, the longitude
  half-width Λ follows from the haversine identity
  hav θ = hav Δφ + cos φ1 cos φ2 hav Δλ: hav Λ <= (hav θ1 - hav Δφmin) / (cos φ1 min cos φ2),
  with Δφmin the gap from the point's latitude to the band and θ1 the catchment
  angle widened by 1e-6 and 1e-13 rad. Where that bound reaches π (near a pole, or
  a catchment around half the globe) the whole band is taken. Two ``searchsorted``
  calls on integer keys (band, quantised longitude, rounded outwards) give the run.
* The candidates of a few thousand points are expanded into index arrays and the
  chord is computed exactly as the KD-tree did, ((dx² + dy²) + dz²) then the
  square root, so the pairs and their distances are the same numbers; the bound
  only decides which facilities are looked at, never which pair is kept.

Candidates are about 1.3-1.5 times the pairs in reach. Work is chunked: demand
blocks of ``chunk`` points, each expanded in slices of about ``SLICE`` candidates,
so temporaries stay in cache and memory grows with the pairs kept, never with
demand x supply. Blocks run on a thread pool (NumPy releases the GIL).

Each yielded chunk holds the pairs of one block of consecutive demand points, in
increasing demand order, every point's pairs together: :func:`nearest_from_pairs`
relies on that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from .model import EARTH_RADIUS_M, FloatArray, Int32Array

PairChunk = tuple[Int32Array, Int32Array, FloatArray]
ChunkProgress = Callable[[int, int], None]
Int64Array = npt.NDArray[np.int64]

CHUNK = 4_096  # demand points per block
SLICE = 1 << 15  # candidates expanded at once
BANDS_PER_CATCHMENT = 1
MAX_BANDS = 1 << 18  # keys: band << 45 | longitude quantised to 2**-40 rad
_LON_BITS = 40
_BAND_SHIFT = 45
_WIDEN_REL, _WIDEN_ABS = 1e-6, 1e-13  # the catchment angle the bound is computed for
_LAMBDA_ABS = 1e-12  # extra longitude slack, radians
NEAREST_MAX_CANDIDATES = 20_000_000  # per round of the expanding nearest search


def unit_vectors(lon: FloatArray, lat: FloatArray) -> FloatArray:
    lam = np.radians(lon)
    phi = np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord_radius(d0_m: float) -> float:
    return 2.0 * float(np.sin(min(d0_m / (2.0 * EARTH_RADIUS_M), np.pi / 2)))


def chord_to_m(chord: FloatArray) -> FloatArray:
    half = np.minimum(chord * 0.5, 1.0)
    return 2.0 * EARTH_RADIUS_M * np.arcsin(half)


def haversine_m(
    lon1: FloatArray | float,
    lat1: FloatArray | float,
    lon2: FloatArray | float,
    lat2: FloatArray | float,
) -> FloatArray:
    """Great-circle distance in metres by the haversine formula (for checks and callers)."""
    phi1 = np.radians(lat1)
    phi2 = np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0))), np.float64)


def _wrapped_lon(lon: FloatArray) -> FloatArray:
    """Longitude in radians in [-π, π) (for the bands only; distances use the unit vectors)."""
    lam = np.remainder(np.radians(lon) + np.pi, 2.0 * np.pi) - np.pi
    return np.asarray(np.where(lam >= np.pi, lam - 2.0 * np.pi, lam), dtype=np.float64)


def _quantised(lam: FloatArray) -> Int64Array:
    """Longitudes in (-4π, 4π) as non-negative integers, monotone (floor)."""
    return np.floor((lam + 4.0 * np.pi) * float(1 << _LON_BITS)).astype(np.int64)


class _Grid:
    """Facilities in latitude bands, sorted by (band, longitude), each stored three times."""

    def __init__(self, s_lon: FloatArray, s_lat: FloatArray, chord: float) -> None:
        # The widest angle any pair in reach can have, with room for rounding.
        theta = 2.0 * math.asin(min(1.0, chord / 2.0))
        self.theta = min(math.pi, theta * (1.0 + _WIDEN_REL) + _WIDEN_ABS)
        self.hav_theta = math.sin(self.theta / 2.0) ** 2
        self.n_bands = max(1, min(MAX_BANDS, math.ceil(math.pi * BANDS_PER_CATCHMENT / self.theta)))
        self.h = math.pi / self.n_bands
        edges = -math.pi / 2 + self.h * np.arange(self.n_bands + 1, dtype=np.float64)
        self.band_lo, self.band_hi = edges[:-1], edges[1:]
        self.band_cos = np.clip(np.minimum(np.cos(self.band_lo), np.cos(self.band_hi)), 0.0, 1.0)

        phi = np.radians(s_lat)
        lam = _wrapped_lon(s_lon)
        band = self.band_of(phi)
        order = np.lexsort((lam, band))
        m = order.shape[0]
        count = np.bincount(band, minlength=self.n_bands).astype(np.int64)
        start = np.cumsum(count) - count  # of each band in the sorted (single) order
        sorted_band = band[order]
        rank = np.arange(m, dtype=np.int64) - start[sorted_band]
        base = 3 * start[sorted_band] + rank
        three = np.concatenate((base, base + count[sorted_band], base + 2 * count[sorted_band]))
        self.index = np.empty(3 * m, dtype=np.int32)  # extended position -> facility
        self.index[three] = np.tile(order, 3)
        lam_ext = np.empty(3 * m)
        lam_ext[three] = np.concatenate(
            (lam[order] - 2.0 * np.pi, lam[order], lam[order] + 2.0 * np.pi)
        )
        band_ext = np.empty(3 * m, dtype=np.int64)
        band_ext[three] = np.tile(sorted_band, 3)
        self.keys = (band_ext << _BAND_SHIFT) | _quantised(lam_ext)
        self.full_start = 3 * start + count  # the middle copy of each band
        self.full_count = count

    def band_of(self, phi: FloatArray) -> Int64Array:
        b = np.floor((phi + math.pi / 2) / self.h).astype(np.int64)
        return np.asarray(np.clip(b, 0, self.n_bands - 1), dtype=np.int64)

    def runs(
        self, phi: FloatArray, lam: FloatArray, cos_phi: FloatArray
    ) -> tuple[Int32Array, Int64Array, Int64Array]:
        """(point, first, stop) of every run of extended positions a point must look at."""
        b0 = self.band_of(phi - self.theta)
        b1 = self.band_of(phi + self.theta)
        per = b1 - b0 + 1
        point = np.repeat(np.arange(phi.shape[0], dtype=np.int32), per)
        band = b0[point] + (
            np.arange(point.shape[0], dtype=np.int64) - np.repeat(np.cumsum(per) - per, per)
        )
        p_phi = phi[point]
        gap = np.maximum(0.0, np.maximum(self.band_lo[band] - p_phi, p_phi - self.band_hi[band]))
        room = self.hav_theta - np.sin(gap / 2.0) ** 2
        denominator = np.maximum(cos_phi[point], 0.0) * self.band_cos[band]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = room / denominator
        near = room >= 0.0
        # A window close to the whole circle is the whole band (no copy counted twice).
        full = near & ~(ratio < 0.999_999_999)
        half = 2.0 * np.arcsin(np.sqrt(np.clip(ratio, 0.0, 0.999_999_999)))
        half = half * (1.0 + _WIDEN_REL) + _LAMBDA_ABS
        p_lam = lam[point]
        prefix = band << _BAND_SHIFT
        first = np.searchsorted(self.keys, prefix | _quantised(p_lam - half), side="left")
        stop = np.searchsorted(self.keys, prefix | _quantised(p_lam + half), side="right")
        first = np.where(full, self.full_start[band], first)
        stop = np.where(full, self.full_start[band] + self.full_count[band], stop)
        stop = np.where(near, stop, first)
        keep = stop > first
        return point[keep], first[keep], stop[keep]


def _slices(counts: Int64Array, size: int) -> list[tuple[int, int]]:
    """Consecutive row ranges whose counts add up to about ``size`` (at least one row each)."""
    if counts.shape[0] == 0:
        return []
    ends = np.cumsum(counts)
    cuts = np.searchsorted(ends, np.arange(size, int(ends[-1]), size), side="left") + 1
    bounds = np.unique(np.concatenate(([0], cuts, [counts.shape[0]])))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _candidate_chords(
    demand: Sequence[FloatArray],
    supply_ext: Sequence[FloatArray],
    point: Int32Array,
    first: Int64Array,
    stop: Int64Array,
) -> tuple[Int32Array, Int64Array, FloatArray]:
    """(point, extended position, squared chord) of every candidate of these runs."""
    counts = stop - first
    total = int(counts.sum())
    at = np.repeat(first - (np.cumsum(counts) - counts), counts)
    at += np.arange(total, dtype=np.int64)
    who = np.repeat(point, counts)
    # ((dx² + dy²) + dz²): the order of the KD-tree's sum, so the same bits.
    sq = np.empty(total)
    part = np.empty(total)
    for axis in range(3):
        coord = supply_ext[axis].take(at)
        coord -= np.repeat(demand[axis].take(point), counts)
        if axis == 0:
            np.multiply(coord, coord, out=sq)
        else:
            np.multiply(coord, coord, out=part)
            sq += part
    return who, at, sq


def pairs_within(
    d_lon: FloatArray,
    d_lat: FloatArray,
    s_lon: FloatArray,
    s_lat: FloatArray,
    d0_m: float,
    *,
    workers: int = 2,
    chunk: int | None = None,
    progress: ChunkProgress | None = None,
) -> Iterator[PairChunk]:
    """Yield (demand index, supply index, metres) for every pair with distance <= d0_m."""
    n = d_lon.shape[0]
    if n == 0 or s_lon.shape[0] == 0:
        return
    chunk = max(1, chunk or CHUNK)
    radius = chord_radius(d0_m) * (1.0 + 1e-9)
    # Looser than the radius by far more than rounding: the kept set is decided on d alone.
    sq_limit = (radius * (1.0 + 1e-7)) ** 2
    grid = _Grid(s_lon, s_lat, radius)
    supply = unit_vectors(s_lon, s_lat)
    supply_ext = [np.ascontiguousarray(supply[grid.index, axis]) for axis in range(3)]
    demand = unit_vectors(d_lon, d_lat)
    phi = np.radians(d_lat)
    lam = _wrapped_lon(d_lon)
    cos_phi = np.cos(phi)

    def job(start: int) -> PairChunk:
        stop_at = min(n, start + chunk)
        block = [demand[start:stop_at, axis].copy() for axis in range(3)]
        point, first, stop = grid.runs(
            phi[start:stop_at], lam[start:stop_at], cos_phi[start:stop_at]
        )
        parts_i: list[Int32Array] = []
        parts_j: list[Int32Array] = []
        parts_d: list[FloatArray] = []
        for a, b in _slices(stop - first, SLICE):
            who, at, sq = _candidate_chords(block, supply_ext, point[a:b], first[a:b], stop[a:b])
            keep = np.flatnonzero(sq <= sq_limit)
            dist = np.sqrt(sq.take(keep))
            # chord_to_m in place, the same operations as before.
            dist *= 0.5
            np.minimum(dist, 1.0, out=dist)
            np.arcsin(dist, out=dist)
            dist *= 2.0 * EARTH_RADIUS_M
            inside = dist <= d0_m
            if not inside.all():
                keep = keep[inside]
                dist = dist[inside]
            parts_i.append(who.take(keep))
            parts_j.append(grid.index.take(at.take(keep)))
            parts_d.append(dist)
        if not parts_d:
            return (np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float64))
        i = np.concatenate(parts_i) if len(parts_i) > 1 else parts_i[0]
        i += np.int32(start)
        j = np.concatenate(parts_j) if len(parts_j) > 1 else parts_j[0]
        return i, j, np.concatenate(parts_d) if len(parts_d) > 1 else parts_d[0]

    starts = list(range(0, n, chunk))
    width = max(1, workers)
    if width == 1 or len(starts) == 1:
        for k, start in enumerate(starts):
            yield job(start)
            if progress is not None and (k % 16 == 15 or k == len(starts) - 1):
                progress(min(n, start + chunk), n)
        return
    with ThreadPoolExecutor(max_workers=width) as pool:
        # A window of blocks in flight bounds what is held before the caller takes it.
        step = 4 * width
        for w0 in range(0, len(starts), step):
            window = starts[w0 : w0 + step]
            yield from pool.map(job, window)
            if progress is not None:
                progress(min(n, window[-1] + chunk), n)


def nearest_from_pairs(chunks: Sequence[PairChunk], n: int) -> FloatArray:
    """Per demand point, the smallest distance among its pairs (inf without any): chunks
    as :func:`pairs_within` yields them, each point's pairs together."""
    near = np.full(n, np.inf)
    for i, _, d in chunks:
        if i.shape[0] == 0:
            continue
        heads = np.flatnonzero(np.concatenate(([True], i[1:] != i[:-1])))
        near[i[heads]] = np.minimum.reduceat(d, heads)
    return near


def nearest_m(
    d_lon: FloatArray,
    d_lat: FloatArray,
    s_lon: FloatArray,
    s_lat: FloatArray,
    *,
    workers: int = 2,
    start_m: float | None = None,
) -> FloatArray:
    """Unbounded nearest-facility distance per demand point; inf when there is no facility.

    An expanding search: the pairs within r, for the points not settled yet, with r
    quadrupled each round from ``start_m`` (default: about the spacing of the
    facilities). A point's smallest chord within r is its nearest as soon as it is
    <= r's chord. The distance is chord_to_m of the exact chord, as the KD-tree's was.
    A round that would look at more than ``NEAREST_MAX_CANDIDATES`` candidates hands
    the points left to SciPy's KD-tree instead (imported only then).
    """
    n, m = d_lon.shape[0], s_lon.shape[0]
    if m == 0:
        return np.full(n, np.inf)
    if n == 0:
        return np.empty(0, dtype=np.float64)
    out = np.full(n, np.inf)
    supply = unit_vectors(s_lon, s_lat)
    demand = unit_vectors(d_lon, d_lat)
    phi_all, lam_all = np.radians(d_lat), _wrapped_lon(d_lon)
    if start_m is None:
        start_m = 2.0 * EARTH_RADIUS_M * math.sqrt(math.pi / m)  # spacing if spread evenly
        start_m = max(1.0, min(start_m, 50_000.0))
    left = np.arange(n, dtype=np.int64)
    r_m = start_m
    while left.shape[0]:
        chord = chord_radius(r_m)
        grid = _Grid(s_lon, s_lat, chord * (1.0 + 1e-9))
        supply_ext = [np.ascontiguousarray(supply[grid.index, axis]) for axis in range(3)]
        phi = phi_all[left]
        point, first, stop = grid.runs(phi, lam_all[left], np.cos(phi))
        if int((stop - first).sum()) > NEAREST_MAX_CANDIDATES:
            out[left] = _kdtree_nearest(demand[left], supply, workers)
            break
        best = np.full(left.shape[0], np.inf)
        block = [demand[left, axis] for axis in range(3)]
        for a, b in _slices(stop - first, SLICE):
            who, _, sq = _candidate_chords(block, supply_ext, point[a:b], first[a:b], stop[a:b])
            heads = np.flatnonzero(np.concatenate(([True], who[1:] != who[:-1])))
            np.minimum.at(best, who[heads], np.minimum.reduceat(sq, heads))
        best_chord = np.sqrt(best)
        settled = best_chord <= chord
        if chord >= 2.0:  # the whole sphere was searched
            settled[:] = True
        out[left[settled]] = chord_to_m(best_chord[settled])
        left = left[~settled]
        r_m *= 4.0
    return out


def _kdtree_nearest(demand: FloatArray, supply: FloatArray, workers: int) -> FloatArray:
    from scipy.spatial import cKDTree

    chord, _ = cKDTree(supply).query(demand, k=1, workers=workers)
    return chord_to_m(np.asarray(chord, dtype=np.float64))


ESTIMATE_SAMPLE = 2_000


def estimate_pairs(
    d_lon: FloatArray, d_lat: FloatArray, s_lon: FloatArray, s_lat: FloatArray, d0_m: float
) -> int:
    """About how many pairs :func:`pairs_within` would yield, at a bounded cost: the pairs of
    an evenly spread sample of at most ``ESTIMATE_SAMPLE`` demand points, scaled to all."""
    from scipy.spatial import cKDTree

    n = d_lon.shape[0]
    if n == 0 or s_lon.shape[0] == 0:
        return 0
    pick = np.unique(np.linspace(0, n - 1, min(n, ESTIMATE_SAMPLE)).astype(np.int64))
    tree = cKDTree(unit_vectors(s_lon, s_lat), leafsize=16)
    radius = chord_radius(d0_m) * (1.0 + 1e-9)
    counts = tree.query_ball_point(
        unit_vectors(d_lon[pick], d_lat[pick]), radius, return_length=True
    )
    return round(float(np.sum(counts)) * n / pick.size)
