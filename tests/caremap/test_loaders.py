"""Loaders: every bad value named by file, row and field; nothing partially imported."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from app.caremap import CareDataError, load_cost_table, load_demand, load_supply, load_units
from app.caremap.errors import MAX_ISSUES

SUPPLY_HEADER = "id,lon,lat,care_group,sphere,capacity,name,source\n"


def issues_of(exc: pytest.ExceptionInfo[CareDataError]) -> list[tuple[str, int | None, str | None]]:
    return [(i.file, i.row, i.field) for i in exc.value.issues]


def ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def units_doc(*features: dict[str, object]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(
    props: dict[str, object], geometry: dict[str, object] | None = None
) -> dict[str, object]:
    geom = geometry or {"type": "Polygon", "coordinates": [ring(-56.3, -34.95, -56.2, -34.85)]}
    return {"type": "Feature", "properties": props, "geometry": geom}


def test_demand_points_csv(tmp_path: Path) -> None:
    path = tmp_path / "demand.csv"
    path.write_text(
        "id,lon,lat,care_group,persons\n"
        "p1,-56.2,-34.9,children_0_5,3\n"
        "p2,-56.1,-34.8, Older_Persons ,2.5\n"
    )
    d = load_demand(path)
    assert d.ids.tolist() == ["p1", "p2"]
    assert d.group.tolist() == [0, 1]
    assert d.persons.tolist() == [3.0, 2.5]
    assert d.source == "demand.csv"


def test_every_bad_value_is_reported_with_row_and_field() -> None:
    text = (
        "id,lon,lat,care_group,persons\n"
        "p1,-56.2,-34.9,children_0_5,3\n"
        "p2,abc,-34.9,children_0_5,3\n"  # line 3: not a number
        "p3,-56.2,-95,children_0_5,3\n"  # line 4: latitude out of range
        "p4,-56.2,-34.9,teenagers,3\n"  # line 5: unknown group
        "p5,-56.2,-34.9,older_persons,-1\n"  # line 6: negative
        "p1,-56.2,-34.9,older_persons,\n"  # line 7: duplicate id, missing persons
        "p7,-56.2,-34.9\n"  # line 8: too few fields
    )
    with pytest.raises(CareDataError) as exc:
        load_demand(text.encode(), filename="people.csv")
    assert issues_of(exc) == [
        ("people.csv", 3, "lon"),
        ("people.csv", 4, "lat"),
        ("people.csv", 5, "care_group"),
        ("people.csv", 6, "persons"),
        ("people.csv", 7, "id"),
        ("people.csv", 7, "persons"),
        ("people.csv", 8, None),
    ]
    first = exc.value.issues[0]
    assert first.msgid == "Row %(row)s, field %(field)s: %(value)s is not a number"
    assert first.message() == "Row 3, field lon: abc is not a number"
    assert first.message(lambda s: s.replace("Row", "Fila")).startswith("Fila 3")
    assert "people.csv" in str(exc.value)


def test_missing_column_is_named() -> None:
    with pytest.raises(CareDataError) as exc:
        load_supply(
            b"id,lon,lat,care_group,capacity\nf1,-56.2,-34.9,children_0_5,3\n", filename="s.csv"
        )
    assert issues_of(exc) == [("s.csv", 1, "sphere")]
    assert exc.value.msgid == "Missing column %(field)s"


def test_errors_are_capped() -> None:
    rows = "".join(f"p{k},x,-34.9,children_0_5,1\n" for k in range(MAX_ISSUES + 50))
    with pytest.raises(CareDataError) as exc:
        load_demand(("id,lon,lat,care_group,persons\n" + rows).encode(), filename="d.csv")
    assert len(exc.value.issues) == MAX_ISSUES
    assert exc.value.truncated


def test_supply_imputes_blank_capacity_and_flags_it() -> None:
    text = SUPPLY_HEADER + (
        "a,-56.2,-34.9,children_0_5,public,10,,admin\n"
        "b,-56.2,-34.9,children_0_5,public,30,,\n"
        "c,-56.2,-34.9,children_0_5,public,,,crowd\n"  # same group+sphere: median 20
        "d,-56.2,-34.9,children_0_5,family,,,\n"  # same group only: median of 10, 30, 50
        "e,-56.2,-34.9,children_0_5,private,50,,\n"
        "f,-56.2,-34.9,older_persons,family,,,\n"  # nothing known for the group: 1
    )
    s = load_supply(text.encode(), filename="supply.csv")
    assert s.capacity.tolist() == [10, 30, 20, 30, 50, 1]
    assert s.imputed.tolist() == [False, False, True, True, False, True]
    assert s.origin.tolist() == [0, -1, 3, -1, -1, -1]


def test_supply_bad_values() -> None:
    text = SUPPLY_HEADER + (
        "a,-56.2,-34.9,children_0_5,state,10,,\n"
        "b,-56.2,-34.9,children_0_5,public,many,,\n"
        "c,200,-34.9,children_0_5,public,5,,gossip\n"
    )
    with pytest.raises(CareDataError) as exc:
        load_supply(io.BytesIO(text.encode()), filename="supply.csv")
    assert issues_of(exc) == [
        ("supply.csv", 2, "sphere"),
        ("supply.csv", 3, "capacity"),
        ("supply.csv", 4, "lon"),
        ("supply.csv", 4, "source"),
    ]


def test_geojson_points_and_content_sniffing() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "p1",
                "geometry": {"type": "Point", "coordinates": [-56.2, -34.9]},
                "properties": {"care_group": "older_persons", "persons": 4},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-56.1, -34.8]},
                "properties": {"id": "p2", "care_group": "older_persons", "persons": "2"},
            },
        ],
    }
    d = load_demand(json.dumps(doc).encode())  # no file name: told by content
    assert d.ids.tolist() == ["p1", "p2"]
    assert d.persons.tolist() == [4.0, 2.0]
    doc["features"][1]["geometry"] = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}  # type: ignore[index]
    doc["features"][0]["properties"]["persons"] = "lots"  # type: ignore[index]
    with pytest.raises(CareDataError) as exc:
        load_demand(json.dumps(doc).encode(), filename="d.geojson")
    assert issues_of(exc) == [("d.geojson", 1, "persons"), ("d.geojson", 2, "geometry")]


def test_units_geojson_with_holes_multipolygons_and_parents() -> None:
    donut = {"type": "Polygon", "coordinates": [ring(0, 0, 4, 4), ring(1, 1, 3, 3)]}
    multi = {"type": "MultiPolygon", "coordinates": [[ring(10, 0, 11, 1)], [ring(12, 0, 13, 1)]]}
    units = load_units(
        units_doc(
            feature({"unit_id": "A", "name": "A", "level": "district"}, donut),
            feature({"unit_id": 7, "name": "B", "level": "zone", "parent_id": "A"}, multi),
        ),
        filename="u.geojson",
    )
    assert units.ids == ["A", "7"]
    assert len(units.items[0].polygons[0]) == 2
    assert len(units.items[1].polygons) == 2
    assert units.items[1].parent_id == "A"


def test_units_errors() -> None:
    doc = units_doc(
        feature({"unit_id": "A", "name": "A", "level": "zone"}),
        feature({"unit_id": "A", "name": "", "level": "zone"}),
        feature({"unit_id": "C", "name": "C", "level": "zone", "parent_id": "Z"}),
        feature(
            {"unit_id": "D", "name": "D", "level": "zone"}, {"type": "Point", "coordinates": [0, 0]}
        ),
        feature(
            {"unit_id": "E", "name": "E", "level": "zone"},
            {"type": "Polygon", "coordinates": [ring(-56, -34, -56.1, 95)]},
        ),
    )
    with pytest.raises(CareDataError) as exc:
        load_units(doc, filename="u.geojson")
    assert issues_of(exc) == [
        ("u.geojson", 2, "name"),
        ("u.geojson", 2, "unit_id"),
        ("u.geojson", 3, "parent_id"),
        ("u.geojson", 4, "geometry"),
        ("u.geojson", 5, "geometry"),
    ]


def test_invalid_json_is_a_data_error() -> None:
    with pytest.raises(CareDataError) as exc:
        load_units(b'{"type": "FeatureCollection", ', filename="u.geojson")
    assert exc.value.file == "u.geojson"


def test_counts_per_unit_are_placed_inside_or_spread_over_sub_units() -> None:
    units = load_units(
        units_doc(
            feature(
                {"unit_id": "P", "name": "P", "level": "district"},
                {"type": "Polygon", "coordinates": [ring(0, 0, 3, 1)]},
            ),
            feature(
                {"unit_id": "P1", "name": "P1", "level": "zone", "parent_id": "P"},
                {"type": "Polygon", "coordinates": [ring(0, 0, 1, 1)]},
            ),
            feature(
                {"unit_id": "P2", "name": "P2", "level": "zone", "parent_id": "P"},
                {"type": "Polygon", "coordinates": [ring(1, 0, 3, 1)]},
            ),
        )
    )
    d = load_demand(
        b"unit_id,care_group,persons\nP,children_0_5,90\nP2,older_persons,10\n",
        filename="counts.csv",
        units=units,
    )
    assert d.ids.tolist() == ["P/P1:children_0_5", "P/P2:children_0_5", "P2:older_persons"]
    assert d.persons == pytest.approx([30.0, 60.0, 10.0], rel=1e-3)  # by area, 1:2
    assert d.lon[0] < 1
    assert 1 < d.lon[1] < 3
    assert np.all((d.lat > 0) & (d.lat < 1))
    with pytest.raises(CareDataError) as exc:
        load_demand(
            b"unit_id,care_group,persons\nQ,children_0_5,5\n", filename="c.csv", units=units
        )
    assert issues_of(exc) == [("c.csv", 2, "unit_id")]


def test_cost_table() -> None:
    table = load_cost_table(
        b"origin_id,destination_id,cost\na,x,3.5\nb,y,0\n", filename="c.csv", unit="min"
    )
    assert table.unit == "min"
    assert table.cost.tolist() == [3.5, 0.0]
    with pytest.raises(CareDataError) as exc:
        load_cost_table(b"origin_id,destination_id,cost\na,,-1\n", filename="c.csv")
    assert issues_of(exc) == [("c.csv", 2, "destination_id"), ("c.csv", 2, "cost")]


def test_quoted_fields_spanning_lines_keep_line_numbers() -> None:
    text = (
        SUPPLY_HEADER
        + 'a,-56.2,-34.9,children_0_5,public,10,"Two\nlines",\n'
        + "b,-56.2,-34.9,children_0_5,public,x,,\n"
    )
    with pytest.raises(CareDataError) as exc:
        load_supply(text.encode(), filename="s.csv")
    assert issues_of(exc) == [("s.csv", 4, "capacity")]
