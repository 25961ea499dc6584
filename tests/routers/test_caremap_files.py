"""Care-map files from the outside: problems named by file, row and field (never a 500)."""

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.caremap.demo import demo_files
from app.models.users import Role
from app.services import caremap as service
from tests.conftest import logout
from tests.routers.test_caremap import territory


def _square(first: list[Any]) -> dict[str, Any]:
    ring = [first, [-56.2, -34.9], [-56.1, -34.8], [-56.2, -34.8], first]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"unit_id": "Z1", "name": "Zone 1", "level": "zone"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


def test_a_huge_integer_coordinate_is_a_file_problem_not_a_500(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db, with_files=False)
    login_as(Role.admin)
    url = f"/api/v1/caremap/territories/{place.id}/datasets"
    params = {"kind": "units", "source": "Survey", "licence": "CC0-1.0", "year": 2024}
    huge = int("9" * 4000)
    body = json.dumps(_square([huge, -34.9])).encode()
    answer = client.post(url, params={**params, "filename": "zones.geojson"}, content=body)
    assert answer.status_code == 422, answer.text
    problems = answer.json()["errors"]["body"]
    assert any("zones.geojson" in m and "Row 1, field geometry" in m for m in problems), problems


def test_a_huge_integer_in_a_geojson_supply_file_is_a_file_problem(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db, with_files=False)
    login_as(Role.admin)
    url = f"/api/v1/caremap/territories/{place.id}/datasets"
    params = {"kind": "supply", "source": "Survey", "licence": "CC0-1.0", "year": 2024}
    props = {"id": "f1", "care_group": "children_0_5", "sphere": "public"}
    feature = {
        "type": "Feature",
        "properties": {**props, "capacity": int("9" * 4000)},
        "geometry": {"type": "Point", "coordinates": [-56.2, -34.9]},
    }
    body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    answer = client.post(url, params={**params, "filename": "supply.geojson"}, content=body)
    assert answer.status_code == 422, answer.text
    problems = answer.json()["errors"]["body"]
    assert any("Row 1, field capacity" in m for m in problems), problems


def _report_and_verify(
    client: TestClient, login_as: Callable[..., Any], place_id: int, report: dict[str, Any]
) -> dict[str, Any]:
    login_as(Role.participant)
    created = client.post(f"/api/v1/caremap/territories/{place_id}/reports", json=report)
    assert created.status_code == 201, created.text
    login_as(Role.admin)
    verified = client.post(f"/api/v1/caremap/reports/{created.json()['id']}/verify")
    assert verified.status_code == 200, verified.text
    logout(client)
    return dict(verified.json())


def _downloaded_rows(client: TestClient, dataset_id: int) -> list[dict[str, str]]:
    answer = client.get(f"/caremap/datasets/{dataset_id}/file")
    assert answer.status_code == 200
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_a_crowd_reports_name_reaches_the_supply_file_as_text_not_a_formula(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    formula = '=HYPERLINK("http://evil.example/x","Click")'
    report = _report_and_verify(
        client,
        login_as,
        place.id or 0,
        {
            "kind": "facility",
            "care_group": "children_0_5",
            "sphere": "community",
            "lon": -56.17,
            "lat": -34.86,
            "name": formula,
        },
    )
    rows = _downloaded_rows(client, report["dataset_id"])
    [crowd] = [r for r in rows if r["id"] == f"crowd-{report['id']}"]
    assert crowd["name"] == "'" + formula
    # Numbers stay numbers: negative coordinates are not taken for formulas.
    assert (crowd["lon"], crowd["lat"]) == ("-56.17", "-34.86")
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "@", "\t", "\r")), row
    # The new version reads back as before: same rows, the name as text.
    supply = service.parsed_layer(db, service.get_dataset(db, report["dataset_id"]), None)
    assert len(supply) == len(rows)


def test_a_verified_need_is_published_on_a_coarse_grid_not_at_its_exact_place(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    need = {
        "kind": "need",
        "care_group": "older_persons",
        "lon": -56.2012345,
        "lat": -34.8516789,
        "persons": 3,
    }
    report = _report_and_verify(client, login_as, place.id or 0, need)
    rows = _downloaded_rows(client, report["dataset_id"])
    [crowd] = [r for r in rows if r["id"] == f"crowd-{report['id']}"]
    assert (crowd["lon"], crowd["lat"]) == ("-56.201", "-34.852")
    assert "56.2012345" not in client.get(f"/caremap/datasets/{report['dataset_id']}/file").text
    # A later version keeps it on the grid.
    again = _report_and_verify(client, login_as, place.id or 0, {**need, "lon": -56.1811111})
    rows = _downloaded_rows(client, again["dataset_id"])
    coarse = {(r["lon"], r["lat"]) for r in rows if r["id"].startswith("crowd-")}
    assert coarse == {("-56.201", "-34.852"), ("-56.181", "-34.852")}


def test_a_runs_downloads_write_ids_from_uploaded_files_as_text(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    lines = demo_files()["supply.csv"].decode().splitlines()
    first = lines[1].split(",", 1)
    lines[1] = f"@SUM(1+1),{first[1]}"
    login_as(Role.admin)
    url = f"/api/v1/caremap/territories/{place.id}/datasets"
    params = {"kind": "supply", "source": "Survey", "licence": "CC0-1.0", "year": 2024}
    uploaded = client.post(url, params=params, content="\n".join(lines).encode())
    assert uploaded.status_code == 201, uploaded.text
    run = client.post(f"/api/v1/caremap/territories/{place.id}/runs", json={})
    assert run.status_code == 201, run.text
    logout(client)
    facilities = client.get(f"/caremap/runs/{run.json()['id']}/facilities.csv").text
    rows = list(csv.DictReader(io.StringIO(facilities)))
    assert "'@SUM(1+1)" in {r["id"] for r in rows}
    assert all(not r["id"].startswith("@") for r in rows)
    units = list(
        csv.DictReader(io.StringIO(client.get(f"/caremap/runs/{run.json()['id']}/units.csv").text))
    )
    assert all(r["gap_places"] == "" or float(r["gap_places"]) >= -1e12 for r in units)
