"""SYNTHETIC demo data for the care map: an invented territory, not real statistics.

Sixteen "zones" on a jittered 4 x 4 grid near Montevideo's coordinates
(about 4 km a side, the size of a municipal district), grouped into four
"districts" (``parent_id``); demand points for the three care groups, denser
towards a made-up centre; and facilities in the four spheres (public, private,
community, family) with plausible-looking capacities, about 5 % of them left
blank to show imputation. Deterministic for a given seed. None of it describes
any real place, population or service.
"""

from __future__ import annotations

import json

import numpy as np

from .model import CARE_GROUPS, SOURCES, SPHERES
from .writers import rows_to_csv

DEMO_NOTICE = (
    "Demo data: this territory, its population and its care services are SYNTHETIC, "
    "generated at random near Montevideo's coordinates. They are not real statistics."
)

LON0, LAT0 = -56.27, -34.92
CELL_LON, CELL_LAT = 0.045, 0.036
GRID = 4
CENTRE = (-56.17, -34.86)

POINTS_PER_GROUP = {"children_0_5": 1000, "older_persons": 1000, "persons_with_disabilities": 500}
MEAN_PERSONS = {"children_0_5": 6.0, "older_persons": 8.0, "persons_with_disabilities": 3.0}
# (count, min capacity, max capacity) per care group and sphere.
FACILITIES: dict[str, dict[str, tuple[int, int, int]]] = {
    "children_0_5": {
        "public": (25, 40, 150),
        "private": (15, 20, 60),
        "community": (10, 15, 40),
        "family": (20, 1, 4),
    },
    "older_persons": {
        "public": (8, 30, 120),
        "private": (15, 10, 60),
        "community": (10, 10, 30),
        "family": (30, 1, 2),
    },
    "persons_with_disabilities": {
        "public": (6, 20, 60),
        "private": (4, 10, 30),
        "community": (8, 10, 25),
        "family": (15, 1, 2),
    },
}
SERVICES = {
    "children_0_5": "early childhood care",
    "older_persons": "day care; residential care",
    "persons_with_disabilities": "day care; rehabilitation",
}

Coord = tuple[float, float]


def _grid(
    rng: np.random.Generator,
) -> tuple[list[list[Coord]], list[list[Coord]], list[list[Coord]]]:
    """Vertices V, horizontal-edge midpoints H, vertical-edge midpoints M (shared by neighbours)."""
    vx = LON0 + CELL_LON * np.arange(GRID + 1)
    vy = LAT0 + CELL_LAT * np.arange(GRID + 1)
    jitter = 0.18
    verts = [[(float(vx[c]), float(vy[r])) for c in range(GRID + 1)] for r in range(GRID + 1)]
    for r in range(1, GRID):
        for c in range(1, GRID):
            dx, dy = rng.uniform(-jitter, jitter, 2)
            verts[r][c] = (verts[r][c][0] + dx * CELL_LON, verts[r][c][1] + dy * CELL_LAT)
    hmid: list[list[Coord]] = []
    for r in range(GRID + 1):
        row: list[Coord] = []
        for c in range(GRID):
            (x0, y0), (x1, y1) = verts[r][c], verts[r][c + 1]
            shift = 0.0 if r in (0, GRID) else float(rng.uniform(-0.12, 0.12)) * CELL_LAT
            row.append(((x0 + x1) / 2, (y0 + y1) / 2 + shift))
        hmid.append(row)
    vmid: list[list[Coord]] = []
    for r in range(GRID):
        row = []
        for c in range(GRID + 1):
            (x0, y0), (x1, y1) = verts[r][c], verts[r + 1][c]
            shift = 0.0 if c in (0, GRID) else float(rng.uniform(-0.12, 0.12)) * CELL_LON
            row.append(((x0 + x1) / 2 + shift, (y0 + y1) / 2))
        vmid.append(row)
    return verts, hmid, vmid


def _block_ring(
    grid: tuple[list[list[Coord]], list[list[Coord]], list[list[Coord]]],
    r0: int,
    c0: int,
    size: int,
) -> list[list[float]]:
    """Counter-clockwise boundary of the size x size block of cells at (r0, c0)."""
    verts, hmid, vmid = grid
    ring: list[Coord] = []
    for c in range(c0, c0 + size):  # south side, eastwards
        ring += [verts[r0][c], hmid[r0][c]]
    for r in range(r0, r0 + size):  # east side, northwards
        ring += [verts[r][c0 + size], vmid[r][c0 + size]]
    for c in range(c0 + size - 1, c0 - 1, -1):  # north side, westwards
        ring += [verts[r0 + size][c + 1], hmid[r0 + size][c]]
    for r in range(r0 + size - 1, r0 - 1, -1):  # west side, southwards
        ring += [verts[r + 1][c0], vmid[r][c0]]
    ring.append(ring[0])
    return [[round(x, 6), round(y, 6)] for x, y in ring]


def _units(rng: np.random.Generator) -> dict[str, object]:
    grid = _grid(rng)
    features: list[dict[str, object]] = []
    for br in range(2):
        for bc in range(2):
            did = f"D{br * 2 + bc + 1}"
            features.append(
                _feature(
                    did,
                    f"District {did[1:]}",
                    "district",
                    None,
                    _block_ring(grid, 2 * br, 2 * bc, 2),
                )
            )
    for r in range(GRID):
        for c in range(GRID):
            zid = f"Z{r * GRID + c + 1:02d}"
            parent = f"D{(r // 2) * 2 + c // 2 + 1}"
            features.append(
                _feature(zid, f"Zone {zid[1:]}", "zone", parent, _block_ring(grid, r, c, 1))
            )
    return {"type": "FeatureCollection", "features": features}


def _feature(
    uid: str, name: str, level: str, parent: str | None, ring: list[list[float]]
) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"unit_id": uid, "name": name, "level": level, "parent_id": parent},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _locations(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Clustered towards the centre, kept strictly inside the territory."""
    clustered = rng.random(n) < 0.6
    lon = np.where(
        clustered, rng.normal(CENTRE[0], 0.035, n), rng.uniform(LON0, LON0 + GRID * CELL_LON, n)
    )
    lat = np.where(
        clustered, rng.normal(CENTRE[1], 0.03, n), rng.uniform(LAT0, LAT0 + GRID * CELL_LAT, n)
    )
    margin = 0.002
    lon = np.clip(lon, LON0 + margin, LON0 + GRID * CELL_LON - margin)
    lat = np.clip(lat, LAT0 + margin, LAT0 + GRID * CELL_LAT - margin)
    return np.round(lon, 6), np.round(lat, 6)


def generate_demo(
    seed: int = 7,
) -> tuple[dict[str, object], list[dict[str, object]], list[dict[str, object]]]:
    """(units GeoJSON, demand rows, supply rows) of the SYNTHETIC demo; see :data:`DEMO_NOTICE`."""
    rng = np.random.default_rng(seed)
    units = _units(rng)
    demand: list[dict[str, object]] = []
    for group in CARE_GROUPS:
        n = POINTS_PER_GROUP[group]
        lon, lat = _locations(rng, n)
        persons = rng.poisson(MEAN_PERSONS[group] - 1, n) + 1
        for k in range(n):
            demand.append(
                {
                    "id": f"{group[:3]}-{k + 1:05d}",
                    "lon": float(lon[k]),
                    "lat": float(lat[k]),
                    "care_group": group,
                    "persons": int(persons[k]),
                }
            )
    supply: list[dict[str, object]] = []
    for group in CARE_GROUPS:
        for sphere in SPHERES:
            count, lo, hi = FACILITIES[group][sphere]
            lon, lat = _locations(rng, count)
            caps = rng.integers(lo, hi + 1, count)
            blank = rng.random(count) < 0.05
            sources = rng.choice(len(SOURCES), count, p=[0.5, 0.1, 0.2, 0.2])
            for k in range(count):
                supply.append(
                    {
                        "id": f"{group[:3]}-{sphere[:3]}-{k + 1:03d}",
                        "lon": float(lon[k]),
                        "lat": float(lat[k]),
                        "care_group": group,
                        "sphere": sphere,
                        "capacity": None if blank[k] else int(caps[k]),
                        "name": f"{sphere.capitalize()} {group.replace('_', ' ')} {k + 1}",
                        "services": SERVICES[group],
                        "opening_hours": "" if sphere == "family" else "Mo-Fr 08:00-18:00",
                        "source": SOURCES[int(sources[k])],
                    }
                )
    return units, demand, supply


DEMAND_COLUMNS = ("id", "lon", "lat", "care_group", "persons")
SUPPLY_COLUMNS = (
    "id",
    "lon",
    "lat",
    "care_group",
    "sphere",
    "capacity",
    "name",
    "services",
    "opening_hours",
    "source",
)


def demo_files(seed: int = 7) -> dict[str, bytes]:
    """The demo as files: ``units.geojson``, ``demand.csv``, ``supply.csv``."""
    units, demand, supply = generate_demo(seed)
    return {
        "units.geojson": json.dumps(units).encode("utf-8"),
        "demand.csv": rows_to_csv(demand, DEMAND_COLUMNS).encode("utf-8"),
        "supply.csv": rows_to_csv(supply, SUPPLY_COLUMNS).encode("utf-8"),
    }
