"""Floating-catchment accessibility on sparse pairs.

Every method reduces to two weighted sums over the pairs (i, j) in reach
(d_ij <= d0, distance 0 included), with a pair weight w_ij:

* ``2sfca`` (Luo & Wang 2003): w = 1.
* ``e2sfca`` (Luo & Qi 2009): w = W(d), Gaussian exp(-d²/2σ²) cut at d0, or
  step zones (weight of the first threshold t with d <= t).
* ``3sfca`` (Wan, Zou & Sternberg 2012): w = W(d)·G_ij, with the selection
  weight G_ij = W(d_ij) / Σ_{j' in reach of i} W(d_ij').
* ``gravity`` (Hansen-type potential with competition, Joseph & Bantock 1982):
  w = (max(d, d_min) / scale)^-β, cut at d0.

Then R_j = S_j / Σ_i w_ij P_i and A_i = Σ_j w_ij R_j, as in PySAL ``access``
(``two_stage_fca`` / ``enhanced_two_stage_fca`` / ``three_stage_fca`` given the
same weight function and ``max_cost``). A facility with no person in reach gets
R_j = 0 (``access`` would yield inf/NaN), so Σ_i P_i A_i equals the capacity of
the facilities with at least one person in reach.

Sums are ``np.bincount`` over chunked pair arrays: no dense matrix, and
temporaries bounded by one chunk.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .errors import CareParamError
from .model import (
    CARE_GROUPS,
    COST_UNITS,
    DECAYS,
    METHODS,
    FloatArray,
    Int32Array,
    IntArray,
    Params,
)

WeightedChunk = tuple[Int32Array, Int32Array, FloatArray | None]

_T = TypeVar("_T")
_R = TypeVar("_R")
THREADS = max(1, min(2, os.cpu_count() or 1))
PARALLEL_MIN = 1 << 18  # below this many pairs, threads cost more than they save


def _map(fn: Callable[[_T], _R], items: Sequence[_T], size: int) -> list[_R]:
    """``[fn(x) for x in items]``, on threads when the work is large (NumPy releases the GIL).

    Results come back in order, so sums over them are made in the same order
    (and give the same bits) whether or not threads were used.
    """
    if THREADS == 1 or len(items) < 2 or size < PARALLEL_MIN:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(fn, items))


def validate_params(params: Params, groups: Sequence[str] = CARE_GROUPS) -> None:
    if params.method not in METHODS:
        raise CareParamError(
            "Unknown method %(value)s; expected one of %(allowed)s",
            value=params.method,
            allowed=", ".join(METHODS),
        )
    if params.cost_unit not in COST_UNITS:
        raise CareParamError("Unknown cost unit %(value)s", value=params.cost_unit)
    for group in groups:
        d0 = params.catchment.get(group)
        if d0 is None or not np.isfinite(d0) or d0 <= 0:
            raise CareParamError(
                "The catchment for %(group)s must be a positive number", group=group
            )
        target = params.targets_per_1000.get(group)
        if target is None or not np.isfinite(target) or target < 0:
            raise CareParamError(
                "The target for %(group)s must be zero or a positive number", group=group
            )
    if params.method in ("e2sfca", "3sfca"):
        if params.decay not in DECAYS:
            raise CareParamError("Unknown decay %(value)s", value=params.decay)
        if params.decay == "gaussian" and params.sigma is not None and not params.sigma > 0:
            raise CareParamError("Sigma must be a positive number")
        if params.decay == "steps":
            _validate_steps(params, groups)
    if params.method == "gravity" and not (
        params.gravity_beta > 0 and params.gravity_scale > 0 and params.gravity_min > 0
    ):
        raise CareParamError("Gravity beta, scale and minimum distance must be positive")


def _validate_steps(params: Params, groups: Sequence[str]) -> None:
    if not params.steps:
        raise CareParamError("Step decay needs at least one threshold:weight pair")
    thresholds = [t for t, _ in params.steps]
    if any(b <= a for a, b in itertools.pairwise(thresholds)):
        raise CareParamError("Step thresholds must be strictly increasing")
    if any(not w > 0 for _, w in params.steps):
        raise CareParamError("Step weights must be positive")
    for group in groups:
        if thresholds[-1] < params.catchment[group]:
            raise CareParamError(
                "The last step threshold %(value)s is below the catchment of %(group)s",
                value=thresholds[-1],
                group=group,
            )


def pair_weights(d: FloatArray, params: Params, d0: float) -> FloatArray | None:
    """W(d) for pairs already cut at d0; None means all ones (plain 2SFCA)."""
    method = params.method
    if method == "2sfca":
        return None
    if method == "gravity":
        return np.power(
            np.maximum(d, params.gravity_min) / params.gravity_scale, -params.gravity_beta
        )
    if params.decay == "steps":
        thresholds = np.array([t for t, _ in params.steps], dtype=np.float64)
        values = np.array([w for _, w in params.steps], dtype=np.float64)
        # First threshold t with d <= t, as access.weights.step_fn.
        return values[np.searchsorted(thresholds, d, side="left")]
    sigma = params.sigma if params.sigma is not None else d0 / 2.0
    # exp(-(d*d) / (2σ²)) in place and in slices on threads: same operations, same bits.
    out = np.empty_like(d, dtype=np.float64)
    denominator = 2.0 * sigma * sigma

    def gaussian(part: slice) -> None:
        w = out[part]
        np.multiply(d[part], d[part], out=w)
        np.negative(w, out=w)
        w /= denominator
        np.exp(w, out=w)

    step = max(1, -(-d.shape[0] // THREADS))
    _map(gaussian, [slice(k, k + step) for k in range(0, d.shape[0], step)], d.shape[0])
    return out


def weigh_chunks(
    chunks: Sequence[tuple[Int32Array, Int32Array, FloatArray]], params: Params, d0: float
) -> list[WeightedChunk]:
    """Each chunk's (i, j, W(d)), the chunks on threads: one chunk is too small for
    pair_weights to split, and weighing them one after another left a core idle."""
    size = sum(int(d.shape[0]) for _, _, d in chunks)

    def weigh(chunk: tuple[Int32Array, Int32Array, FloatArray]) -> WeightedChunk:
        i, j, d = chunk
        return i, j, pair_weights(d, params, d0)

    return _map(weigh, chunks, size)


@dataclass(frozen=True)
class CatchmentResult:
    access: FloatArray  # A_i
    ratio: FloatArray  # R_j
    catchment_demand: FloatArray  # Σ_i w_ij P_i
    n_in_reach: IntArray
    n_pairs: int


def _span(i: Int32Array) -> tuple[int, int]:
    """The demand indices a chunk touches, [lo, hi): sums are made over that slice only, so
    that many chunks never cost many demand-sized arrays (adding a chunk's zeros elsewhere
    changed no bits)."""
    if i.shape[0] == 0:
        return 0, 0
    return int(i.min()), int(i.max()) + 1


def selection_weights(chunks: list[WeightedChunk], n_demand: int) -> list[WeightedChunk]:
    """3SFCA: multiply each weight by the demand point's selection probability G_ij."""
    row_sum = np.zeros(n_demand)
    for i, _, w in chunks:
        lo, hi = _span(i)
        row_sum[lo:hi] += np.bincount(i - np.int32(lo), weights=w, minlength=hi - lo)
    out: list[WeightedChunk] = []
    for i, j, w in chunks:
        base = np.ones(i.shape[0]) if w is None else w
        out.append((i, j, base * base / row_sum[i]))
    return out


def floating_catchment(
    chunks: list[WeightedChunk], persons: FloatArray, capacity: FloatArray
) -> CatchmentResult:
    """Two-stage sums; demand and supply indices in the chunks are local to these arrays.

    Each chunk's ``bincount`` runs on a thread; the per-chunk sums are then added
    in chunk order, exactly as a sequential loop would.
    """
    n, m = persons.shape[0], capacity.shape[0]
    size = sum(int(c[0].shape[0]) for c in chunks)

    spans = [_span(c[0]) for c in chunks]

    def first(k: int) -> tuple[FloatArray, IntArray]:
        i, j, w = chunks[k]
        lo, hi = spans[k]
        local = np.subtract(i, lo, dtype=np.intp)  # one pass, and no index copy below
        pw = persons[lo:hi].take(local)  # the same values as persons[i]
        if w is not None:
            pw *= w
        return (
            np.asarray(np.bincount(j, weights=pw, minlength=m), dtype=np.float64),
            np.asarray(np.bincount(local, minlength=hi - lo), dtype=np.int64),
        )

    demand_w = np.zeros(m)
    n_in_reach = np.zeros(n, dtype=np.int64)
    for k, (dw, reach) in enumerate(_map(first, range(len(chunks)), size)):
        demand_w += dw
        lo, hi = spans[k]
        n_in_reach[lo:hi] += reach
    ratio = np.divide(capacity, demand_w, out=np.zeros(m), where=demand_w > 0)

    def second(k: int) -> FloatArray:
        i, j, w = chunks[k]
        lo, hi = spans[k]
        rw = ratio.take(j)
        if w is not None:
            rw *= w
        local = np.subtract(i, lo, dtype=np.intp)
        return np.asarray(np.bincount(local, weights=rw, minlength=hi - lo), dtype=np.float64)

    access = np.zeros(n)
    for k, part in enumerate(_map(second, range(len(chunks)), size)):
        lo, hi = spans[k]
        access[lo:hi] += part
    return CatchmentResult(access, ratio, demand_w, n_in_reach, size)
