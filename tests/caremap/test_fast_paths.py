"""The vectorised CSV paths give exactly what the row-by-row paths give.

Loaders: a plain file is read by pyarrow; anything unusual or wrong falls back
to the row-by-row reader, which alone writes error messages. Writers: columns
are formatted by Arrow kernels and must be byte-identical to ``repr`` cells.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import subprocess
from pathlib import Path

import numpy as np
import pytest

from app.caremap import (
    CareDataError,
    Params,
    fastcsv,
    load_cost_table,
    load_demand,
    load_supply,
    loaders,
    writers,
)
from app.caremap.model import CareMapResult, FacilityResults, PointResults

DEMAND_CASES = {
    "plain": "id,lon,lat,care_group,persons\n"
    "d1,-56.2,-34.9,children_0_5,12\nd2,-56.1,-34.8,older_persons,3.5\n",
    "crlf and trailing lines": "id,lon,lat,care_group,persons\r\n"
    "d1,-56.2,-34.9,children_0_5,12\r\nd2,-56.1,-34.8,older_persons,0\r\n\r\n",
    "header case, spaces, bom": "\ufeff ID , Lon,LAT ,Care_Group,persons,extra\n"
    " d1 ,  -56.2 ,-34.9, Children_0_5 ,+1e1,x\nd2,-56.1,-34.8,OLDER_PERSONS,.5,y\n",
    "non-ascii ids": "id,lon,lat,care_group,persons\n"
    "jardín-1,-56.2,-34.9,children_0_5,1\nd2,-56.1,-34.8,older_persons,2\n",
    "internal spaces": "id,lon,lat,care_group,persons\n"
    "zona 1,-56.2,-34.9,children_0_5,1\nzona 2,-56.1,-34.8,older_persons,2\n",
    "quoted (slow path)": 'id,lon,lat,care_group,persons\n"a,b",-56.2,-34.9,children_0_5,1\n',
    "underscore number (slow path)": "id,lon,lat,care_group,persons\n"
    "d1,-56.2,-34.9,children_0_5,1_000\n",
    "blank line (slow path)": "id,lon,lat,care_group,persons\n"
    "d1,-56.2,-34.9,children_0_5,1\n\nd2,-56.1,-34.8,older_persons,2\n",
}

DEMAND_BAD = {
    "not a number": "id,lon,lat,care_group,persons\nd1,-56.2,-34.9,children_0_5,many\n",
    "blank": "id,lon,lat,care_group,persons\nd1,,-34.9,children_0_5,1\n",
    "out of range": "id,lon,lat,care_group,persons\nd1,-56.2,-94.9,children_0_5,1\n",
    "negative": "id,lon,lat,care_group,persons\nd1,-56.2,-34.9,children_0_5,-1\n",
    "nan": "id,lon,lat,care_group,persons\nd1,-56.2,-34.9,children_0_5,nan\n",
    "unknown group": "id,lon,lat,care_group,persons\nd1,-56.2,-34.9,babies,1\n",
    "duplicate id": "id,lon,lat,care_group,persons\n"
    "d1,-56.2,-34.9,children_0_5,1\n d1,-56.2,-34.9,children_0_5,1\n",
    "blank id": "id,lon,lat,care_group,persons\n ,-56.2,-34.9,children_0_5,1\n",
    "missing column": "id,lon,care_group,persons\nd1,-56.2,children_0_5,1\n",
    "field count": "id,lon,lat,care_group,persons\nd1,-56.2,-34.9,children_0_5\n",
}

SUPPLY = (
    "id,lon,lat,care_group,sphere,capacity,name,source,services,opening_hours\n"
    "s1,-56.2,-34.9,children_0_5,public,40, Jardín A ,admin,meals,8-17\n"
    "s2,-56.1,-34.8,children_0_5,public,,B,,,\n"
    "s3,-56.1,-34.8,older_persons,Private,10,C,Crowd,,\n"
    "s4,-56.0,-34.7,older_persons,family,,D,survey,,\n"
)


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("fast_demand", "fast_supply", "fast_cost_table"):
        monkeypatch.setattr(loaders, name, lambda *a, **k: None)


def _fields(obj: object) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        out[f.name] = (value.dtype.str, value.tolist()) if isinstance(value, np.ndarray) else value
    return out


def _load(kind: str, text: str, name: str = "in.csv") -> object:
    fn = {"demand": load_demand, "supply": load_supply, "cost": load_cost_table}[kind]
    try:
        return _fields(fn(text.encode("utf-8"), filename=name))
    except CareDataError as exc:
        return [(i.file, i.row, i.field, i.message()) for i in exc.issues]


def _both(kind: str, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    fast = _load(kind, text)
    with monkeypatch.context() as m:
        for name in ("fast_demand", "fast_supply", "fast_cost_table"):
            m.setattr(loaders, name, lambda *a, **k: None)
        slow = _load(kind, text)
    return fast, slow


@pytest.mark.parametrize("case", sorted(DEMAND_CASES))
def test_demand_fast_equals_row_by_row(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both("demand", DEMAND_CASES[case], monkeypatch)
    assert isinstance(fast, dict)
    assert fast == slow


@pytest.mark.parametrize("case", sorted(DEMAND_BAD))
def test_bad_demand_keeps_the_row_by_row_messages(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fastcsv.fast_demand(DEMAND_BAD[case].encode(), "in.csv") is None
    fast, slow = _both("demand", DEMAND_BAD[case], monkeypatch)
    assert isinstance(fast, list)
    assert fast
    assert fast == slow


def test_supply_and_cost_table_fast_equal_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fastcsv.fast_supply(SUPPLY.encode(), "in.csv") is not None
    fast, slow = _both("supply", SUPPLY, monkeypatch)
    assert fast == slow
    cost = "origin_id,destination_id,cost\nd1,s1,10\n d2 ,s1,0\r\n"
    fast, slow = _both("cost", cost, monkeypatch)
    assert isinstance(fast, dict)
    assert fast == slow
    bad = "origin_id,destination_id,cost\nd1,s1,-1\n"
    fast, slow = _both("cost", bad, monkeypatch)
    assert isinstance(fast, list)
    assert fast == slow


def test_sources_path_file_object_and_geojson(tmp_path: Path) -> None:
    text = DEMAND_CASES["plain"]
    path = tmp_path / "d.csv"
    path.write_text(text)
    a = _fields(load_demand(path))
    b = _fields(load_demand(io.StringIO(text), filename="d.csv"))
    c = _fields(load_demand(io.BytesIO(text.encode()), filename="d.csv"))
    assert a == b == c
    assert fastcsv.fast_demand(b'{"type": "FeatureCollection"}', "upload") is None


def test_random_large_demand_fast_equals_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    lines = [
        f"p{k},{float(x)!r},{y:.6f},{g},{int(p)}"
        for k, (x, y, g, p) in enumerate(
            zip(
                -56.4 + 0.4 * rng.random(n),
                -35.0 + 0.3 * rng.random(n),
                rng.choice(["children_0_5", "older_persons", "persons_with_disabilities"], n),
                rng.integers(0, 40, n),
                strict=True,
            )
        )
    ]
    text = "id,lon,lat,care_group,persons\n" + "\n".join(lines) + "\n"
    fast, slow = _both("demand", text, monkeypatch)
    assert isinstance(fast, dict)
    assert fast == slow


def _chunked_demand(n: int, last: str) -> str:
    """A demand file pyarrow reads in several chunks, its last row given."""
    rows = [f"p{k},-56.{k % 1000:03d},-34.9,older_persons,{k % 7}" for k in range(n - 1)]
    return "id,lon,lat,care_group,persons\n" + "\n".join([*rows, last]) + "\n"


@pytest.mark.parametrize(
    "last",
    [
        "q1,-56.1,-34.8,Children_0_5,2",  # a code only the last chunk's dictionary holds
        " q1,-56.1,-34.8,children_0_5,2",  # a space at an id's edge, in the last chunk
        "qñ,-56.1,-34.8,children_0_5,2",  # non-ASCII, in the last chunk
        "q1,-56.1,-34.8,babies,2",  # an unknown code, in the last chunk: the row-by-row error
        "p3,-56.1,-34.8,children_0_5,2",  # a duplicate of the first chunk's id
        "q1,-56.1,-34.8,children_0_5,",  # blank where required, in the last chunk
    ],
)
def test_demand_read_in_several_chunks_equals_row_by_row(
    last: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _chunked_demand(80_000, last)
    parsed = fastcsv._plain_csv_columns(
        text.encode(), "d.csv", ("id", "care_group"), frozenset(), codes=frozenset({"care_group"})
    )
    assert parsed is not None
    assert parsed[0]["id"].num_chunks > 1
    fast, slow = _both("demand", text, monkeypatch)
    assert fast == slow


def _old_writers(folder: Path) -> object:
    """writers.py as it was before the column-wise path (the reference for the bytes)."""
    src = subprocess.run(
        ["git", "show", "cfbd724:app/caremap/writers.py"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    if src.returncode != 0:
        pytest.skip("git history not available")
    path = folder / "old_writers.py"
    path.write_text(src.stdout.replace("from .", "from app.caremap."))
    spec = importlib.util.spec_from_file_location("old_writers", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("ids_kind", ["plain", "specials", "unicode", "blank"])
def test_writers_are_byte_identical_to_repr_cells(ids_kind: str, tmp_path: Path) -> None:
    old = _old_writers(tmp_path)
    rng = np.random.default_rng(7)
    n = 50_000

    def values() -> np.ndarray:
        v = 10 ** rng.uniform(-8, 14, n) * rng.choice([-1.0, 1.0], n)
        v[rng.random(n) < 0.05] = 0.0
        v[rng.random(n) < 0.01] = -0.0
        v[rng.random(n) < 0.01] = np.inf
        v[rng.random(n) < 0.01] = np.nan
        k = rng.random(n) < 0.1
        v[k] = np.round(v[k])
        v[:6] = [1e-4, 9.999999999999999e-05, 1e10, 9999999999.999998, 5e-324, 1e308]
        return v

    ids = np.array([f"d{k}" for k in range(n)], dtype=np.str_)
    if ids_kind == "specials":
        ids[5], ids[7] = 'a,"b"', "x\ny"
    elif ids_kind == "unicode":
        ids[3] = "jardín"
    elif ids_kind == "blank":
        ids[9] = ""
    group = rng.integers(0, 3, n).astype(np.int8)
    flags = rng.random(n) < 0.5
    points = PointResults(
        ids, group, rng.random(n), values(), values(), rng.integers(0, 500, n), flags
    )
    facilities = FacilityResults(ids, group, values(), values(), values(), flags)
    result = CareMapResult(Params(), "h", points, facilities, (), (), (), 0.0, 0)
    for fn in ("write_points_csv", "write_facilities_csv"):
        expected, got = io.StringIO(), io.StringIO()
        getattr(old, fn)(result, expected)
        getattr(writers, fn)(result, got)
        assert got.getvalue() == expected.getvalue()
        getattr(writers, fn)(result, tmp_path / "out.csv")
        assert (tmp_path / "out.csv").read_bytes() == expected.getvalue().encode("utf-8")
