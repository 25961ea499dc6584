"""Care-map files from the outside: problems named by file, row and field (never a 500)."""

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
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
