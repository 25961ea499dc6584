"""Care maps in the platform: datasets as versioned records, stored runs, evidence panels and
pins, the map page, crowd-mapping, the JSON API and who may do what."""

import csv
import io
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.caremap.demo import demo_files
from app.models.caremap import (
    CareDataset,
    CareGroup,
    CareTerritory,
    DatasetKind,
    DatasetMeta,
    EvidencePin,
    PinCreate,
    RunCreate,
    TerritoryCreate,
)
from app.models.users import Role
from app.services import caremap as service
from app.services import sessions as session_service
from app.services import targets
from app.services.errors import NotFound
from tests import factories
from tests.conftest import form_token, logout, make_user

FILES = {
    DatasetKind.units: "units.geojson",
    DatasetKind.demand: "demand.csv",
    DatasetKind.supply: "supply.csv",
}
BAD_SUPPLY = (
    "id,lon,lat,care_group,sphere,capacity\n"
    "f1,-56.2,-34.9,children_0_5,public,abc\n"
    "f2,-56.2,-94.9,kids,public,3\n"
)


def territory(db: Session, *, with_files: bool = True) -> CareTerritory:
    staff = factories.staff(db)
    created = service.create_territory(
        db,
        actor=staff,
        data=TerritoryCreate.model_validate(
            {"name": {"en": "Montevideo — municipios", "es": "Montevideo — municipios"}}
        ),
    )
    if with_files:
        files = demo_files()
        service.import_files(
            db,
            actor=staff,
            territory=created,
            files=[
                service.IncomingFile(
                    DatasetMeta(kind=kind, source="Synthetic demo", licence="CC0-1.0", year=2025),
                    name,
                    files[name],
                )
                for kind, name in FILES.items()
            ],
        )
    return created


def stored_run(db: Session, place: CareTerritory, **params: Any) -> Any:
    return service.create_run(
        db, actor=factories.staff(db), territory=place, data=RunCreate.model_validate(params)
    )


def datasets(db: Session, territory_id: int | None) -> list[CareDataset]:
    return list(
        db.execute(select(CareDataset).where(col(CareDataset.territory_id) == territory_id))
        .scalars()
        .all()
    )


# -- datasets ---------------------------------------------------------------------------------


def test_secretariat_uploads_files_and_every_version_stays_readable(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db, with_files=False)
    login_as(Role.secretariat)
    token = form_token(client, f"/caremap/territories/{place.id}")
    files = demo_files()
    for kind in (DatasetKind.units, DatasetKind.demand, DatasetKind.supply, DatasetKind.supply):
        name = FILES[kind]
        response = client.post(
            f"/caremap/territories/{place.id}/datasets",
            data={
                "csrf_token": token,
                "kind": kind.value,
                "source": "Intendencia de Montevideo",
                "year": "2024",
                "licence": "CC BY 4.0",
            },
            files={"file": (name, files[name], "text/csv")},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    supply = sorted(
        (d for d in datasets(db, place.id) if d.kind == DatasetKind.supply),
        key=lambda d: d.version,
    )
    assert [d.version for d in supply] == [1, 2]
    assert supply[0].row_count == 166
    assert supply[0].source == "Intendencia de Montevideo"
    assert supply[0].year == 2024
    old = client.get(f"/caremap/datasets/{supply[0].id}/file")
    assert old.status_code == 200
    assert old.content == files["supply.csv"]
    html = client.get(f"/caremap/territories/{place.id}").text
    assert "CC BY 4.0" in html
    assert html.count("supply.csv") >= 2


def test_a_bad_file_is_refused_whole_with_every_problem_in_the_readers_language(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db, with_files=False)
    login_as(Role.secretariat)
    token = form_token(client, f"/caremap/territories/{place.id}?lang=es")
    response = client.post(
        f"/caremap/territories/{place.id}/datasets?lang=es",
        data={"csrf_token": token, "kind": "supply", "source": "Encuesta", "licence": "CC0"},
        files={"file": ("centros.csv", BAD_SUPPLY.encode(), "text/csv")},
    )
    assert response.status_code == 422
    html = response.text
    assert "centros.csv: Fila 2, campo capacity: abc no es un número" in html
    assert "Fila 3, campo lat" in html
    assert "kids" in html
    assert 'value="Encuesta"' in html  # what was typed is kept
    assert datasets(db, place.id) == []


def test_a_file_that_is_not_utf8_or_empty_is_explained(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db, with_files=False)
    login_as(Role.secretariat)
    query = "kind=supply&source=x&licence=y"
    url = f"/api/v1/caremap/territories/{place.id}/datasets?{query}"
    latin1 = client.post(url, content="id,name\n1,Bogotá\n".encode("latin-1"))
    assert latin1.status_code == 422
    assert "UTF-8" in latin1.json()["errors"]["body"][0]
    empty = client.post(url, content=b"  ")
    assert empty.status_code == 422
    assert empty.json()["errors"]["body"] == ["The file is empty."]
    # A carriage return inside a field that is not quoted (found by the stateful API tests;
    # it was a 500).
    broken = client.post(url, content=b"id,lon\r x,1\n")
    assert broken.status_code == 422
    assert "not valid CSV" in broken.json()["errors"]["body"][0]


def test_api_upload_takes_the_file_as_the_body(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.admin)
    url = f"/api/v1/caremap/territories/{place.id}/datasets"
    params = {"kind": "supply", "source": "Survey 2024", "licence": "CC BY 4.0", "year": 2024}
    ok = client.post(
        url,
        params={**params, "filename": "supply.csv"},
        content=demo_files()["supply.csv"],
        headers={"Content-Type": "text/csv"},
    )
    assert ok.status_code == 201, ok.text
    body = ok.json()
    assert body["version"] == 2
    assert body["row_count"] == 166
    assert body["download_url"] == f"/caremap/datasets/{body['id']}/file"
    bad = client.post(url, params=params, content=BAD_SUPPLY.encode())
    assert bad.status_code == 422
    assert any("Row 2, field capacity" in m for m in bad.json()["errors"]["body"])
    listed = client.get(f"{url}?kind=supply").json()
    assert [d["version"] for d in listed] == [2, 1]


def test_demand_counts_per_unit_are_placed_with_the_territorys_units(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.secretariat)
    counts = "unit_id,care_group,persons\nZ01,children_0_5,120\nD1,older_persons,300\n"
    url = f"/api/v1/caremap/territories/{place.id}/datasets"
    response = client.post(
        url, params={"kind": "demand", "source": "Census", "licence": "CC0"}, content=counts
    )
    assert response.status_code == 201, response.text
    # District D1 is spread over its four zones: one point each.
    assert response.json()["row_count"] == 5
    unknown = client.post(
        url,
        params={"kind": "demand", "source": "Census", "licence": "CC0"},
        content="unit_id,care_group,persons\nZ99,children_0_5,1\n",
    )
    assert unknown.status_code == 422
    assert "no unit has the id Z99" in unknown.json()["errors"]["body"][0]


# -- runs and panels ----------------------------------------------------------------------------


def test_a_run_stores_parameters_versions_hash_and_results(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.secretariat)
    body = {
        "method": "2sfca",
        "catchment_m": {"children_0_5": 800, "older_persons": 1200},
        "targets_per_1000": {"children_0_5": 300},
        "spheres": ["public", "community"],
    }
    first = client.post(f"/api/v1/caremap/territories/{place.id}/runs", json=body)
    assert first.status_code == 201, first.text
    run = first.json()
    assert run["params"]["method"] == "2sfca"
    assert run["params"]["catchment_m"]["children_0_5"] == 800
    assert run["params"]["catchment_m"]["persons_with_disabilities"] == 1000
    assert run["params"]["spheres"] == ["public", "community"]
    assert len(run["params_hash"]) == 64
    latest = service.latest_datasets(db, place.id or 0)
    db.commit()  # end the read, so the app may write
    assert run["supply_dataset_id"] == latest[DatasetKind.supply].id
    assert run["created_at"]

    units = client.get(f"/api/v1/caremap/runs/{run['id']}/units?care_group=children_0_5").json()
    assert len(units) == 20  # 4 districts + 16 zones
    gaps = [u["gap_places"] for u in units]
    assert gaps == sorted(gaps, reverse=True)
    assert all(u["target_per_1000"] == 300 for u in units)

    points = client.get(f"/api/v1/caremap/runs/{run['id']}/points?limit=100").json()
    assert len(points["items"]) == 100
    assert set(points["items"][0]) == {
        "id",
        "care_group",
        "access",
        "nearest_m",
        "n_in_reach",
        "no_supply",
    }
    following = client.get(
        f"/api/v1/caremap/runs/{run['id']}/points?limit=100&cursor={points['next_cursor']}"
    ).json()
    assert following["items"][0]["id"] != points["items"][0]["id"]

    # Same inputs and parameters: same hash. Another sphere choice: another hash.
    again = client.post(f"/api/v1/caremap/territories/{place.id}/runs", json=body).json()
    assert again["params_hash"] == run["params_hash"]
    other = client.post(
        f"/api/v1/caremap/territories/{place.id}/runs", json={**body, "spheres": ["public"]}
    ).json()
    assert other["params_hash"] != run["params_hash"]


def test_a_run_with_bad_parameters_says_why(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.secretariat)
    url = f"/api/v1/caremap/territories/{place.id}/runs"
    steps = client.post(url, json={"decay": "steps", "steps": []})
    assert steps.status_code == 422
    assert "Step decay needs" in json.dumps(steps.json()["errors"])
    short = client.post(url, json={"decay": "steps", "steps": [{"threshold_m": 300, "weight": 1}]})
    assert short.status_code == 422
    assert "below the catchment" in json.dumps(short.json()["errors"])
    empty = territory(db, with_files=False)
    none = client.post(f"/api/v1/caremap/territories/{empty.id}/runs", json={})
    assert none.status_code == 422
    assert "no territorial units file yet" in json.dumps(none.json()["errors"])


def test_run_form_on_the_territory_page(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.secretariat)
    page = f"/caremap/territories/{place.id}"
    token = form_token(client, page)
    form = {
        "csrf_token": token,
        "method": "e2sfca",
        "decay": "steps",
        "steps": "300:1, 600:0.68, 1000:0.22",
        "spheres": ["public", "private", "community", "family"],
        **{f"catchment_m.{g}": "1000" for g in ("children_0_5", "older_persons")},
        "catchment_m.persons_with_disabilities": "900",
        "targets_per_1000.children_0_5": "330",
    }
    response = client.post(f"{page}/runs", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    run_page = client.get(response.headers["location"]).text
    assert "Step zones" in run_page
    assert "300 m → 1" in run_page
    bad = client.post(f"{page}/runs", data={**form, "steps": "300-1"})
    assert bad.status_code == 422
    assert "distance:weight" in bad.text
    assert 'value="300-1"' in bad.text


def test_panel_answers_htmx_with_the_partial_and_browsers_with_a_page(
    client: TestClient, db: Session
) -> None:
    run = stored_run(db, territory(db))
    url = f"/caremap/runs/{run.id}/panel?care_group=children_0_5&metric=gap"
    page = client.get(url)
    assert page.status_code == 200
    assert page.text.startswith("<!doctype html>")
    assert "<h1" in page.text
    assert "HX-Request" in page.headers["vary"]
    fragment = client.get(url + "&hl=3", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    html = fragment.text
    assert re.search(r"<h3 id=\"panel-\d+-children_0_5-gap-title\">", html)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="group"' in html  # a map of links, one per zone
    assert "#bd0026" in html  # YlOrRd: colour-blind safe, the biggest gap darkest red
    assert "Places missing to reach the target" in html  # the legend's title
    assert "<caption" in html
    assert html.count('<th scope="row">') == 16  # every zone of the map is in the table
    assert "Synthetic demo" in html
    assert "CC0-1.0" in html
    assert f"/caremap/runs/{run.id}/units.csv?care_group=children_0_5" in html
    assert f"/caremap/runs/{run.id}/map.geojson?care_group=children_0_5" in html
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    # The table agrees with the stored rows, largest gap first.
    rows = service.run_units(db, run, care_group=CareGroup.children_0_5, level="zone")
    assert html.index(rows[0].name) < html.index(rows[-1].name)


def test_panel_reads_in_spanish(client: TestClient, db: Session) -> None:
    run = stored_run(db, territory(db))
    html = client.get(
        f"/caremap/runs/{run.id}/panel?care_group=older_persons&metric=coverage&lang=es"
    ).text
    assert '<html lang="es">' in html
    assert "Personas mayores" in html
    assert "Cobertura" in html
    assert "Plazas accesibles por cada 1.000" in html
    assert "Fuentes de datos" in html


def test_panel_of_a_stored_run_does_not_change_when_data_does(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    run = stored_run(db, place)
    url = f"/caremap/runs/{run.id}/panel?care_group=children_0_5&metric=gap"
    before = client.get(url, headers={"HX-Request": "true"}).text
    login_as(Role.secretariat)
    more = demo_files(seed=8)["supply.csv"]
    upload = client.post(
        f"/api/v1/caremap/territories/{place.id}/datasets",
        params={"kind": "supply", "source": "New register", "licence": "CC0"},
        content=more,
    )
    assert upload.status_code == 201
    logout(client)
    after = client.get(url, headers={"HX-Request": "true"}).text
    assert after == before


def test_downloads_follow_the_output_contract(client: TestClient, db: Session) -> None:
    run = stored_run(db, territory(db))
    units = client.get(f"/caremap/runs/{run.id}/units.csv")
    assert units.headers["content-type"].startswith("text/csv")
    assert "attachment" in units.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(units.text)))
    assert list(rows[0]) == [
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
    assert len(rows) == 60
    assert {r["params_hash"] for r in rows} == {run.params_hash}
    points = client.get(f"/caremap/runs/{run.id}/points.csv").text.splitlines()
    assert points[0] == "id,care_group,access,nearest_m,n_in_reach,no_supply"
    assert len(points) == 2501
    doc = client.get(f"/caremap/runs/{run.id}/map.geojson?care_group=older_persons").json()
    assert doc["type"] == "FeatureCollection"
    assert doc["params_hash"] == run.params_hash
    care = doc["features"][0]["properties"]["care"]
    assert list(care) == ["older_persons"]


# -- the map page -------------------------------------------------------------------------------


def test_map_page_recomputes_with_the_filters_quickly(client: TestClient, db: Session) -> None:
    place = territory(db)
    url = f"/caremap/territories/{place.id}/map"
    client.get(url)  # parse and cache the files once
    started = time.perf_counter()
    response = client.get(
        url,
        params={
            "care_group": "older_persons",
            "sphere": "public",
            "method": "2sfca",
            "catchment_m": "1500",
            "metric": "coverage",
        },
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 1.0, elapsed
    html = response.text
    assert "Coverage: accessible places per 1,000 persons — Older persons" in html
    assert re.search(r"Recomputed in \d+ ms", html)
    assert '<option value="public" selected>' in html
    partial = client.get(url, params={"care_group": "children_0_5"}, headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="map-result"')
    bad = client.get(url, params={"catchment_m": "-5"})
    assert bad.status_code == 422
    assert "error-summary" in bad.text
    api = client.get(f"/api/v1/caremap/territories/{place.id}/map?care_group=children_0_5")
    assert api.status_code == 200
    assert len(api.json()["units"]) == 16


def test_map_page_of_a_territory_without_files_says_what_is_missing(
    client: TestClient, db: Session
) -> None:
    place = territory(db, with_files=False)
    html = client.get(f"/caremap/territories/{place.id}/map").text
    assert "This territory has no territorial units file yet." in html


# -- evidence pins --------------------------------------------------------------------------------


def test_secretariat_pins_a_run_to_a_session_and_readers_see_it(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    run = stored_run(db, territory(db))
    session = factories.session(db, factories.forum(db))
    login_as(Role.secretariat)
    token = form_token(client, f"/caremap/runs/{run.id}")
    response = client.post(
        "/caremap/pins",
        data={
            "csrf_token": token,
            "run_id": run.id,
            "care_group": "children_0_5",
            "metric": "gap",
            "target_kind": "session",
            "target_id": session.id,
            "next": f"/sessions/{session.id}#evidence",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/sessions/{session.id}#evidence"
    again = client.post(
        "/caremap/pins",
        data={
            "csrf_token": token,
            "run_id": run.id,
            "care_group": "children_0_5",
            "metric": "gap",
            "target_kind": "session",
            "target_id": session.id,
        },
    )
    assert again.status_code == 409
    assert "already pinned" in again.text

    logout(client)
    html = client.get(f"/sessions/{session.id}").text
    panel = f"/caremap/runs/{run.id}/panel?care_group=children_0_5&amp;metric=gap"
    assert f'hx-get="{panel}&amp;hl=3"' in html
    assert 'hx-trigger="toggle once"' in html  # collapsed: loaded when opened
    assert f'<a href="{panel}">' in html  # without JavaScript, a plain link
    assert "Unpin" not in html

    pin = service.pins_for(db, kind="session", target_id=session.id or 0)[0].pin
    db.commit()
    login_as(Role.admin)
    token = form_token(client, f"/sessions/{session.id}")
    removed = client.post(
        f"/caremap/pins/{pin.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert service.pins_for(db, kind="session", target_id=session.id or 0) == []


def test_pins_go_to_records_that_exist_and_kinds_that_are_registered(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    run = stored_run(db, territory(db))
    proposal = factories.contribution(db, factories.forum(db))
    login_as(Role.secretariat)
    base = {"run_id": run.id, "care_group": "older_persons", "metric": "coverage"}
    contribution = client.post(
        "/api/v1/caremap/pins",
        json={**base, "target_kind": "contribution", "target_id": proposal.id},
    )
    assert contribution.status_code == 201, contribution.text
    assert contribution.json()["panel_url"].startswith(f"/caremap/runs/{run.id}/panel?")
    listed = client.get(
        f"/api/v1/caremap/pins?target_kind=contribution&target_id={proposal.id}"
    ).json()
    assert [p["target_id"] for p in listed["items"]] == [proposal.id]
    pins = service.pins_for(db, kind="contribution", target_id=proposal.id)
    assert len(pins) == 1
    assert pins.kind == "contribution"
    # The run's page names and links what it is pinned to, from the registry.
    run_page = client.get(f"/caremap/runs/{run.id}").text
    assert f'<a href="/contributions/{proposal.id}#evidence">{proposal.title}</a>' in run_page


@pytest.mark.parametrize("kind", ["contribution", "session"])
def test_a_pin_to_a_record_that_does_not_exist_is_not_found(
    client: TestClient, db: Session, login_as: Callable[..., Any], kind: str
) -> None:
    run = stored_run(db, small_territory(db))
    login_as(Role.secretariat)
    base = {"run_id": run.id, "care_group": "older_persons", "metric": "coverage"}
    missing = client.post(
        "/api/v1/caremap/pins", json={**base, "target_kind": kind, "target_id": 4242}
    )
    assert missing.status_code == 404, missing.text
    assert client.get(f"/api/v1/caremap/pins?target_kind={kind}").json()["items"] == []
    # The form says so on its one choice, keeping what was chosen.
    token = form_token(client, "/caremap/pins/new")
    page = client.post(
        "/caremap/pins",
        data={"csrf_token": token, **base, "target": f"{kind}:4242"},
    )
    assert page.status_code == 422
    assert 'id="e-target"' in page.text
    assert "This is no longer there to pin to; choose another." in page.text
    assert 'value="coverage" selected' in page.text


def test_a_pin_to_a_kind_nobody_registered_is_refused(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    run = stored_run(db, small_territory(db))
    login_as(Role.secretariat)
    body = {"run_id": run.id, "care_group": "older_persons", "target_kind": "section"}
    refused = client.post("/api/v1/caremap/pins", json={**body, "target_id": 1})
    assert refused.status_code == 422
    assert "body.target_kind" in refused.json()["errors"]
    assert client.get("/api/v1/caremap/pins?target_kind=section").status_code == 422
    # The form offers real records of the kinds that list them, and refuses anything else on
    # its field.
    session = factories.session(db, factories.forum(db))
    form = client.get("/caremap/pins/new").text
    assert f'<option value="session:{session.id}"' in form
    assert '<optgroup label="Contribution">' not in form  # none published yet: not offered
    assert "section" not in form
    token = form_token(client, "/caremap/pins/new")
    page = client.post("/caremap/pins", data={"csrf_token": token, **body, "target": "section:1"})
    assert page.status_code == 422
    assert "Choose a session or a contribution from the list." in page.text
    assert 'aria-invalid="true"' in page.text


def test_a_pin_resolves_its_target_as_the_person_pinning_sees_it(
    db: Session, engine: Engine
) -> None:
    """The service asks the registry with the actor as viewer: someone who may not see a record
    cannot pin to it (today only the secretariat pins, and it sees every contribution)."""
    run = stored_run(db, small_territory(db))
    pending = factories.contribution(db, factories.forum(db), status="pending")
    someone = make_user(engine, Role.participant)
    with pytest.raises(NotFound):
        service.create_pin(
            db,
            actor=someone,
            data=PinCreate(
                run_id=run.id,
                care_group="older_persons",
                target_kind="contribution",
                target_id=pending.id,
            ),
        )


def test_a_deleted_session_takes_its_pins_with_it(db: Session, client: TestClient) -> None:
    run = stored_run(db, territory(db))
    session = factories.session(db, factories.forum(db))
    service.create_pin(
        db,
        actor=factories.staff(db),
        data=PinCreate(
            run_id=run.id, care_group="children_0_5", target_kind="session", target_id=session.id
        ),
    )
    session_service.delete_session(db, actor=factories.staff(db), session=session)
    assert db.execute(select(EvidencePin)).scalars().all() == []


# -- crowd-mapping ----------------------------------------------------------------------------


def test_participant_reports_a_facility_and_the_secretariat_verifies_it(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.participant)
    token = form_token(client, f"/caremap/territories/{place.id}/reports/new")
    response = client.post(
        f"/caremap/territories/{place.id}/reports",
        data={
            "csrf_token": token,
            "kind": "facility",
            "care_group": "children_0_5",
            "sphere": "community",
            "lon": "-56.17",
            "lat": "-34.86",
            "name": "Olla popular y guardería",
            "note": "Abre de 8 a 14.",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    mine = client.get(f"/caremap/territories/{place.id}").text
    assert "Waiting for verification" in mine

    login_as(Role.secretariat)
    [report] = service.reports_of(db, place.id or 0, viewer=factories.staff(db))
    db.commit()
    token = form_token(client, f"/caremap/territories/{place.id}")
    verified = client.post(
        f"/caremap/reports/{report.id}/verify", data={"csrf_token": token}, follow_redirects=False
    )
    assert verified.status_code == 303
    supply = service.latest_datasets(db, place.id or 0)[DatasetKind.supply]
    assert supply.version == 2
    assert supply.origin == "crowd"
    assert supply.row_count == 167
    rows = list(csv.DictReader(io.StringIO(service.dataset_content(db, supply).decode())))
    crowd = [r for r in rows if r["id"] == f"crowd-{report.id}"]
    assert crowd[0]["source"] == "crowd"
    assert crowd[0]["sphere"] == "community"
    assert crowd[0]["capacity"] == ""  # unknown: imputed by the engine, and flagged
    assert crowd[0]["name"] == "Olla popular y guardería"
    # Imputed capacities of the previous version stay imputed.
    old = service.parsed_layer(db, service.get_dataset(db, supply.id - 1), None)
    assert sum(r["capacity"] == "" for r in rows) == int(old.imputed.sum()) + 1  # type: ignore[union-attr]
    db.commit()
    twice = client.post(f"/api/v1/caremap/reports/{report.id}/verify")
    assert twice.status_code == 409


def test_an_unmet_need_goes_into_the_demand_layer(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.participant)
    created = client.post(
        f"/api/v1/caremap/territories/{place.id}/reports",
        json={
            "kind": "need",
            "care_group": "older_persons",
            "lon": -56.2,
            "lat": -34.85,
            "persons": 12,
        },
    )
    assert created.status_code == 201, created.text
    login_as(Role.admin)
    verified = client.post(f"/api/v1/caremap/reports/{created.json()['id']}/verify")
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    demand = service.latest_datasets(db, place.id or 0)[DatasetKind.demand]
    assert demand.version == 2
    assert demand.row_count == 2501


def test_reports_outside_the_territory_or_without_sphere_are_refused(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.participant)
    url = f"/api/v1/caremap/territories/{place.id}/reports"
    far = client.post(
        url, json={"kind": "need", "care_group": "older_persons", "lon": 2.17, "lat": 41.38}
    )
    assert far.status_code == 422
    assert "outside the territory" in json.dumps(far.json()["errors"])
    no_sphere = client.post(
        url,
        json={"kind": "facility", "care_group": "older_persons", "lon": -56.2, "lat": -34.85},
    )
    assert no_sphere.status_code == 422
    assert "sphere" in json.dumps(no_sphere.json()["errors"])


def test_secretariat_rejects_with_a_reason_the_participant_reads(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    participant = login_as(Role.participant)
    created = client.post(
        f"/api/v1/caremap/territories/{place.id}/reports",
        json={"kind": "need", "care_group": "children_0_5", "lon": -56.2, "lat": -34.85},
    ).json()
    login_as(Role.secretariat)
    token = form_token(client, f"/caremap/territories/{place.id}")
    empty = client.post(
        f"/caremap/reports/{created['id']}/reject", data={"csrf_token": token, "reason": " "}
    )
    assert empty.status_code == 422
    assert "error-summary" in empty.text
    client.post(
        f"/caremap/reports/{created['id']}/reject",
        data={"csrf_token": token, "reason": "Ya está en el registro."},
    )
    logout(client)
    client.post(
        "/api/v1/auth/login",
        json={"email": participant.email, "password": "correct horse battery"},
        headers={"X-CSRF-Token": client.get("/api/v1/auth/csrf").json()["csrf_token"]},
    )
    html = client.get(f"/caremap/territories/{place.id}").text
    assert "Rejected" in html
    assert "Ya está en el registro." in html


# -- demo -------------------------------------------------------------------------------------


def test_demo_loads_a_synthetic_territory_with_a_run_pinned_to_caring_cities(
    client: TestClient, db: Session
) -> None:
    from app.demo import load

    load(db)
    load(db)  # idempotent
    territories = service.all_territories(db)
    assert len(territories) == 1
    assert "SYNTHETIC" in territories[0].description["en"]
    sessions = [s for s in service.session_choices(db) if s.title["en"].startswith("Caring")]
    pins = service.pins_for(db, kind="session", target_id=sessions[0].id or 0)
    assert len(pins) == 2
    html = client.get(f"/sessions/{sessions[0].id}").text
    assert "Evidence: where care is missing" in html


# -- who may do what: the role grid is in tests/test_permissions.py ----------------------------


SMALL_UNITS = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"unit_id": uid, "name": f"Zone {uid}", "level": "zone"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [x0, -34.9],
                            [x0 + 0.02, -34.9],
                            [x0 + 0.02, -34.8],
                            [x0, -34.8],
                            [x0, -34.9],
                        ]
                    ],
                },
            }
            for uid, x0 in (("A", -56.22), ("B", -56.2))
        ],
    }
).encode()
SMALL_DEMAND = b"""id,lon,lat,care_group,persons
d1,-56.21,-34.85,children_0_5,10
d2,-56.19,-34.85,older_persons,8
d3,-56.19,-34.86,persons_with_disabilities,3
"""
SMALL_SUPPLY = b"""id,lon,lat,care_group,sphere,capacity
s1,-56.21,-34.86,children_0_5,public,5
s2,-56.19,-34.84,older_persons,community,
"""


def small_territory(db: Session) -> CareTerritory:
    staff = factories.staff(db)
    place = service.create_territory(
        db, actor=staff, data=TerritoryCreate.model_validate({"name": {"en": "Small"}})
    )
    contents = {
        DatasetKind.units: SMALL_UNITS,
        DatasetKind.demand: SMALL_DEMAND,
        DatasetKind.supply: SMALL_SUPPLY,
    }
    service.import_files(
        db,
        actor=staff,
        territory=place,
        files=[
            service.IncomingFile(DatasetMeta(kind=k, source="Test", licence="CC0"), FILES[k], c)
            for k, c in contents.items()
        ],
    )
    return place


def _grid_world(db: Session) -> dict[str, Any]:
    place = small_territory(db)
    run = stored_run(db, place)
    session = factories.session(db, factories.forum(db))
    return {"t": place.id, "r": run.id, "s": session.id}


def test_writes_without_csrf_token_are_refused(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    ids = _grid_world(db)
    login_as(Role.admin)
    client.headers.pop("X-CSRF-Token")
    response = client.post(f"/api/v1/caremap/territories/{ids['t']}/runs", json={})
    assert response.status_code == 403


def test_uploading_and_verifying_are_for_the_secretariat(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    login_as(Role.caucus_rep)
    upload = client.post(
        f"/api/v1/caremap/territories/{place.id}/datasets",
        params={"kind": "supply", "source": "x", "licence": "y"},
        content=demo_files()["supply.csv"],
    )
    assert upload.status_code == 403
    report = client.post(
        f"/api/v1/caremap/territories/{place.id}/reports",
        json={"kind": "need", "care_group": "older_persons", "lon": -56.2, "lat": -34.85},
    ).json()
    assert client.post(f"/api/v1/caremap/reports/{report['id']}/verify").status_code == 403
    reject = client.post(f"/api/v1/caremap/reports/{report['id']}/reject", json={"reason": "no"})
    assert reject.status_code == 403
    # A participant sees only their own reports.
    other = login_as(Role.participant)
    assert other is not None
    assert client.get(f"/api/v1/caremap/territories/{place.id}/reports").json() == []


def test_pins_of_a_deleted_contribution_can_be_removed_with_it(
    client: TestClient, db: Session
) -> None:
    run = stored_run(db, small_territory(db))
    proposal = factories.contribution(db, factories.forum(db))
    service.create_pin(
        db,
        actor=factories.staff(db),
        data=PinCreate(
            run_id=run.id,
            care_group="older_persons",
            target_kind="contribution",
            target_id=proposal.id,
        ),
    )
    # What the owner of a record calls from its delete service, in its transaction:
    assert targets.deleted(db, kind="contribution", target_id=proposal.id) == 1
    db.commit()
    assert service.pins_for(db, kind="contribution", target_id=proposal.id) == []
