"""``compute_main`` end to end on the synthetic demo, and its error exit."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from app.caremap.cli import compute_main
from app.caremap.demo import demo_files

POINT_COLUMNS = ["id", "care_group", "access", "nearest_m", "n_in_reach", "no_supply"]
UNIT_COLUMNS = [
    "unit_id",
    "care_group",
    "persons",
    "capacity_located",
    "accessible_places",
    "coverage",
    "access_per_1000",
    "gap_places",
    "share_no_access",
    "nearest_median_m",
    "nearest_p90_m",
    "imputed_share",
    "params_hash",
]


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    for name, data in demo_files(seed=3).items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def args(d: Path, *extra: str) -> list[str]:
    return [
        "--units", str(d / "units.geojson"),
        "--demand", str(d / "demand.csv"),
        "--supply", str(d / "supply.csv"),
        "--out-units", str(d / "units.csv"),
        "--out-points", str(d / "points.csv"),
        *extra,
    ]  # fmt: skip


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_compute_writes_the_contract_columns(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = compute_main(
        args(
            demo_dir,
            "--method", "e2sfca",
            "--catchment-m", "1000",
            "--steps", "300:1,600:0.68,1000:0.22",
            "--targets", "children_0_5=330,older_persons=60",
            "--out-geojson", str(demo_dir / "map.geojson"),
        )
    )  # fmt: skip
    assert code == 0
    header, points = read(demo_dir / "points.csv")
    assert header == POINT_COLUMNS
    assert len(points) == 2500
    assert {p["no_supply"] for p in points} == {"true", "false"}
    header, units = read(demo_dir / "units.csv")
    assert header == UNIT_COLUMNS
    assert len(units) == 20 * 3
    gaps = [float(u["gap_places"]) for u in units]
    assert gaps == sorted(gaps, reverse=True)
    assert len({u["params_hash"] for u in units}) == 1
    doc = json.loads((demo_dir / "map.geojson").read_text())
    assert len(doc["features"]) == 20
    assert "stage" not in capsys.readouterr().out  # progress goes to stderr only


def test_same_inputs_same_hash_and_other_params_other_hash(demo_dir: Path) -> None:
    compute_main(args(demo_dir, "--quiet"))
    first = read(demo_dir / "units.csv")[1][0]["params_hash"]
    compute_main(args(demo_dir, "--quiet"))
    assert read(demo_dir / "units.csv")[1][0]["params_hash"] == first
    compute_main(args(demo_dir, "--quiet", "--catchment-m", "1500"))
    assert read(demo_dir / "units.csv")[1][0]["params_hash"] != first


def test_bad_data_exits_2_naming_file_row_and_field(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = demo_dir / "bad.csv"
    bad.write_text("id,lon,lat,care_group,persons\np1,-56.2,-34.9,children_0_5,many\n")
    code = compute_main(args(demo_dir, "--quiet", "--demand", str(bad)))
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.csv: Row 2, field persons: many is not a number" in err
    assert not (demo_dir / "points.csv").exists()


def test_cost_table_in_minutes(demo_dir: Path) -> None:
    costs = demo_dir / "costs.csv"
    costs.write_text(
        "origin_id,destination_id,cost\nchi-00001,chi-pub-001,12\nchi-00002,chi-pub-001,20\n"
    )
    code = compute_main(
        args(
            demo_dir,
            "--quiet",
            "--method",
            "2sfca",
            "--cost-table",
            str(costs),
            "--catchment-min",
            "15",
        )
    )
    assert code == 0
    rows = {p["id"]: p for p in read(demo_dir / "points.csv")[1]}
    assert rows["chi-00001"]["n_in_reach"] == "1"
    assert rows["chi-00002"]["no_supply"] == "true"


def test_bad_parameters_exit_2(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert compute_main(args(demo_dir, "--steps", "300:1")) == 2
    assert "step threshold" in capsys.readouterr().err
