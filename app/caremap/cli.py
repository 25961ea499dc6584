"""``compute``: the command-line entry of the gap engine (wired as ``townhall caremap compute``).

Exit codes: 0 done; 2 bad input data or parameters (every problem printed to
stderr with file, row and field). Progress goes to stderr as stage lines and a
plain text bar for the neighbour search.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
import time
from typing import TextIO

from .errors import CareDataError, CareParamError
from .model import CARE_GROUPS, DEFAULT_TARGETS_PER_1000, METHODS, Params


class _Usage(ValueError):
    pass


def _per_group(text: str, what: str) -> dict[str, float]:
    """``1000`` (every group) or ``children_0_5=800,older_persons=1200``."""
    out: dict[str, float] = {}
    try:
        if "=" not in text:
            return dict.fromkeys(CARE_GROUPS, float(text))
        for item in text.split(","):
            group, _, value = item.partition("=")
            group = group.strip()
            if group not in CARE_GROUPS:
                raise _Usage(f"{what}: unknown care group {group!r}")
            out[group] = float(value)
    except ValueError as exc:
        if isinstance(exc, _Usage):
            raise
        raise _Usage(f"{what}: cannot read {text!r}") from None
    return out


def _steps(text: str) -> tuple[tuple[float, float], ...]:
    try:
        pairs = [item.split(":") for item in text.split(",")]
        return tuple((float(t), float(w)) for t, w in pairs)
    except ValueError:
        raise _Usage(f"--steps: expected threshold:weight,... not {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="townhall caremap compute",
        description="Compute care accessibility and gaps per territorial unit.",
    )
    p.add_argument("--units", required=True, help="territorial units (GeoJSON)")
    p.add_argument("--demand", required=True, help="demand points or counts per unit (CSV/GeoJSON)")
    p.add_argument("--supply", required=True, help="care facilities (CSV/GeoJSON)")
    p.add_argument("--method", choices=METHODS, default="e2sfca")
    reach = p.add_mutually_exclusive_group()
    reach.add_argument("--catchment-m", help="catchment in metres: N or group=N,...")
    reach.add_argument("--catchment-min", help="catchment in minutes (with a minutes cost table)")
    p.add_argument("--decay", choices=("gaussian", "steps"), default=None)
    sigma = p.add_mutually_exclusive_group()
    sigma.add_argument("--sigma-m", type=float, help="Gaussian sigma (default: catchment / 2)")
    sigma.add_argument("--sigma-min", type=float, help="Gaussian sigma in minutes")
    p.add_argument("--steps", help="step zones threshold:weight,... e.g. 300:1,600:0.68,1000:0.22")
    p.add_argument("--beta", type=float, default=1.0, help="gravity distance-decay exponent")
    p.add_argument("--gravity-scale", type=float, default=1000.0)
    p.add_argument("--gravity-min", type=float, default=50.0)
    targets = ",".join(f"{g}={v:g}" for g, v in DEFAULT_TARGETS_PER_1000.items())
    p.add_argument("--targets", help=f"places per 1,000 persons (default {targets})")
    p.add_argument("--cost-table", help="origin_id,destination_id,cost CSV")
    p.add_argument("--cost-unit", choices=("m", "min"), default=None)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out-units", required=True)
    p.add_argument("--out-points", required=True)
    p.add_argument("--out-facilities")
    p.add_argument("--out-geojson")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def params_from_args(args: argparse.Namespace) -> Params:
    unit = args.cost_unit or ("min" if args.catchment_min or args.sigma_min else "m")
    if unit == "min" and not args.cost_table:
        raise _Usage("minutes need --cost-table")
    if (args.catchment_min or args.sigma_min) and unit != "min":
        raise _Usage("--catchment-min/--sigma-min need --cost-unit min")
    if (args.catchment_m or args.sigma_m) and unit != "m":
        raise _Usage("--catchment-m/--sigma-m need --cost-unit m")
    reach_text = args.catchment_m or args.catchment_min or "1000"
    catchment = dict.fromkeys(CARE_GROUPS, 1000.0)
    catchment.update(_per_group(reach_text, "catchment"))
    targets = dict(DEFAULT_TARGETS_PER_1000)
    if args.targets:
        targets.update(_per_group(args.targets, "--targets"))
    steps = _steps(args.steps) if args.steps else ()
    decay = args.decay or ("steps" if steps else "gaussian")
    return Params(
        method=args.method,
        catchment=catchment,
        decay=decay,
        sigma=args.sigma_m if args.sigma_m is not None else args.sigma_min,
        steps=steps,
        gravity_beta=args.beta,
        gravity_scale=args.gravity_scale,
        gravity_min=args.gravity_min,
        targets_per_1000=targets,
        cost_unit=unit,
    )


class _Reporter:
    """Stage lines and a text progress bar on stderr."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.t0 = time.perf_counter()
        self.bar_open = False

    def stage(self, text: str) -> None:
        if self.quiet:
            return
        self._close_bar()
        self.stream.write(f"[{time.perf_counter() - self.t0:6.1f}s] {text}\n")
        self.stream.flush()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if not stage.startswith("pairs:"):
            self.stage(stage)
            return
        width = 30
        filled = int(width * done / total) if total else width
        self.stream.write(
            f"\r  {stage:<36} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        )
        self.stream.flush()
        self.bar_open = True

    def _close_bar(self) -> None:
        if self.bar_open:
            self.stream.write("\n")
            self.bar_open = False


def compute_main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Here, not at the top: `--help` and a usage error need none of them (pyarrow, the engine).
    # Before the thread below, which then finds NumPy and pyarrow imported.
    from . import engine, loaders  # noqa: F401

    # The writers need pyarrow.compute: about 0.1 s of imports, nearly all of it Python, that
    # nothing before the writing needs. A thread imports them while the files load and the
    # pairs are searched (pyarrow's reader and NumPy release the GIL meanwhile).
    warm = threading.Thread(target=importlib.import_module, args=(f"{__package__}.writers",))
    warm.start()
    try:
        return _run(args, warm)
    finally:
        warm.join()


def _run(args: argparse.Namespace, warm: threading.Thread) -> int:
    from .engine import compute
    from .loaders import load_cost_table, load_demand, load_supply, load_units

    err = sys.stderr
    report = _Reporter(err, args.quiet)
    try:
        params = params_from_args(args)
        report.stage(f"loading units: {args.units}")
        units = load_units(args.units)
        report.stage(f"loading demand: {args.demand}")
        demand = load_demand(args.demand, units=units)
        report.stage(f"loading supply: {args.supply}")
        supply = load_supply(args.supply)
        table = None
        if args.cost_table:
            report.stage(f"loading cost table: {args.cost_table}")
            table = load_cost_table(args.cost_table, unit=params.cost_unit)
        report.stage(
            f"computing {params.method}: {len(demand)} demand points, {len(supply)} facilities"
        )
        result = compute(
            demand,
            supply,
            params,
            units=units,
            cost_table=table,
            progress=report,
            workers=args.workers,
        )
    except CareDataError as exc:
        for issue in exc.issues:
            err.write(f"error: {issue}\n")
        if exc.truncated:
            err.write("error: (more problems not shown)\n")
        return 2
    except CareParamError as exc:
        err.write(f"error: {exc.message()}\n")
        return 2
    except _Usage as exc:
        err.write(f"error: {exc}\n")
        return 2
    report.stage("writing outputs")
    warm.join()
    from .writers import write_facilities_csv, write_geojson, write_points_csv, write_units_csv

    write_units_csv(result, args.out_units)
    write_points_csv(result, args.out_points)
    if args.out_facilities:
        write_facilities_csv(result, args.out_facilities)
    if args.out_geojson:
        write_geojson(result, units, args.out_geojson)
    if result.outside_demand_ids:
        shown = ", ".join(result.outside_demand_ids[:10])
        more = " ..." if len(result.outside_demand_ids) > 10 else ""
        err.write(
            f"warning: {len(result.outside_demand_ids)} demand points "
            f"({result.outside_persons:g} persons) lie outside every unit: {shown}{more}\n"
        )
    report.stage(f"done: {result.n_pairs} pairs in reach, params hash {result.params_hash[:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(compute_main())
