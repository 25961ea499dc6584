"""The KD-tree pair search as it was before the grid join (app/caremap/neighbours.py at the
commit before it), kept only as the reference the tests compare the grid join with.

"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.spatial import cKDTree

from app.caremap.model import EARTH_RADIUS_M, FloatArray, Int32Array

PairChunk = tuple[Int32Array, Int32Array, FloatArray]
ChunkProgress = Callable[[int, int], None]

CHUNK = 50_000
LEAFSIZE = 16


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
    if chunk is None:
        # One chunk per worker when small: per-tree overhead outweighs finer balancing.
        chunk = int(min(CHUNK, max(8_192, -(-n // max(1, workers)))))
    demand = unit_vectors(d_lon, d_lat)
    tree = cKDTree(unit_vectors(s_lon, s_lat), leafsize=LEAFSIZE)
    radius = chord_radius(d0_m) * (1.0 + 1e-9)

    def job(start: int) -> PairChunk:
        block = cKDTree(demand[start : start + chunk], leafsize=LEAFSIZE)
        found = block.sparse_distance_matrix(tree, radius, output_type="ndarray")
        # chord_to_m in place: one array for the distances instead of four temporaries.
        dist = np.multiply(found["v"], 0.5)
        np.minimum(dist, 1.0, out=dist)
        np.arcsin(dist, out=dist)
        dist *= 2.0 * EARTH_RADIUS_M
        keep = dist <= d0_m
        if keep.all():  # the usual case: the widened radius added nothing
            i = found["i"].astype(np.int32)
            j = found["j"].astype(np.int32)
            dist_kept = dist
        else:
            i = found["i"][keep].astype(np.int32)
            j = found["j"][keep].astype(np.int32)
            dist_kept = dist[keep]
        del found
        i += np.int32(start)
        return i, j, dist_kept

    starts = list(range(0, n, chunk))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        # A window of `workers` chunks in flight bounds the raw KD-tree output held at once.
        for w0 in range(0, len(starts), max(1, workers)):
            window = starts[w0 : w0 + max(1, workers)]
            yield from pool.map(job, window)
            if progress is not None:
                progress(min(n, window[-1] + chunk), n)


def nearest_m(
    d_lon: FloatArray, d_lat: FloatArray, s_lon: FloatArray, s_lat: FloatArray, *, workers: int = 2
) -> FloatArray:
    """Unbounded nearest-facility distance per demand point; inf when there is no facility."""
    if s_lon.shape[0] == 0:
        return np.full(d_lon.shape[0], np.inf)
    if d_lon.shape[0] == 0:
        return np.empty(0, dtype=np.float64)
    tree = cKDTree(unit_vectors(s_lon, s_lat))
    chord, _ = tree.query(unit_vectors(d_lon, d_lat), k=1, workers=workers)
    return chord_to_m(np.asarray(chord, dtype=np.float64))


ESTIMATE_SAMPLE = 2_000


def estimate_pairs(
    d_lon: FloatArray, d_lat: FloatArray, s_lon: FloatArray, s_lat: FloatArray, d0_m: float
) -> int:
    """About how many pairs :func:`pairs_within` would yield, at a bounded cost: the pairs of
    an evenly spread sample of at most ``ESTIMATE_SAMPLE`` demand points, scaled to all."""
    n = d_lon.shape[0]
    if n == 0 or s_lon.shape[0] == 0:
        return 0
    pick = np.unique(np.linspace(0, n - 1, min(n, ESTIMATE_SAMPLE)).astype(np.int64))
    tree = cKDTree(unit_vectors(s_lon, s_lat), leafsize=LEAFSIZE)
    radius = chord_radius(d0_m) * (1.0 + 1e-9)
    counts = tree.query_ball_point(
        unit_vectors(d_lon[pick], d_lat[pick]), radius, return_length=True
    )
    return round(float(np.sum(counts)) * n / pick.size)
