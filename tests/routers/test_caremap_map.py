"""The care map recomputed with a reader's filters, for anyone, within bounds (issue 9, finding 1):
results cached by parameters in the database (computed once, shared), a cap on point–facility
pairs estimated before computing, a rate limit per IP or account, and computation slots of its
own that answer a quick 503 when busy instead of making requests wait."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.config import get_settings
from app.models.caremap import CareMapCache
from app.models.users import Role
from app.services.caremap import mapcache
from tests.conftest import logout
from tests.routers.test_caremap import territory


def _cached_rows(db: Session) -> int:
    db.commit()
    return int(db.execute(select(func.count()).select_from(CareMapCache)).scalar_one())


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the engine's runs for the map."""
    calls: list[int] = []
    real = mapcache.compute_on

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mapcache, "compute_on", counted)
    return calls


def _settings(monkeypatch: pytest.MonkeyPatch, **values: Any) -> None:
    changed = get_settings().model_copy(update=values)
    monkeypatch.setattr(mapcache, "get_settings", lambda: changed)


def test_anonymous_readers_share_one_computation_per_set_of_parameters(
    client: TestClient, db: Session, computations: list[int]
) -> None:
    place = territory(db)
    api = f"/api/v1/caremap/territories/{place.id}/map"
    page = f"/caremap/territories/{place.id}/map"
    query = {"care_group": "older_persons", "catchment_m": "1234", "method": "2sfca"}
    first = client.get(api, params=query)
    assert first.status_code == 200, first.text
    assert client.get(api, params=query).json() == first.json()
    # The page with the same filters (another level shown) reads the same stored result.
    html = client.get(page, params={**query, "level": "district"})
    assert html.status_code == 200
    assert first.json()["params_hash"][:16] in html.text
    assert len(computations) == 1
    assert _cached_rows(db) == 1
    other = client.get(api, params={**query, "catchment_m": "1500"})
    assert other.status_code == 200
    assert len(computations) == 2
    assert _cached_rows(db) == 2


def test_a_new_dataset_version_is_a_new_computation(
    client: TestClient, db: Session, computations: list[int], login_as: Callable[..., Any]
) -> None:
    place = territory(db)
    api = f"/api/v1/caremap/territories/{place.id}/map?care_group=children_0_5"
    before = client.get(api).json()
    login_as(Role.admin)
    supply = client.get(f"/api/v1/caremap/territories/{place.id}/datasets?kind=supply").json()
    content = client.get(supply[0]["download_url"]).content
    lines = content.decode().splitlines()
    kept = "\n".join(lines[:-20]).encode()  # twenty facilities fewer
    url = f"/api/v1/caremap/territories/{place.id}/datasets"
    params = {"kind": "supply", "source": "Survey", "licence": "CC0-1.0", "year": 2025}
    assert client.post(url, params=params, content=kept).status_code == 201
    logout(client)
    after = client.get(api).json()
    assert len(computations) == 2
    assert _cached_rows(db) == 2
    assert after["params_hash"] == before["params_hash"]  # the same parameters, new data


def test_a_recomputation_above_the_pair_cap_is_refused_with_a_message(
    client: TestClient, db: Session, computations: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    place = territory(db)
    small = client.get(f"/api/v1/caremap/territories/{place.id}/map", params={"catchment_m": "300"})
    assert small.status_code == 200
    _settings(monkeypatch, caremap_max_pairs=5_000)
    api = client.get(f"/api/v1/caremap/territories/{place.id}/map", params={"catchment_m": "5000"})
    assert api.status_code == 422
    [message] = api.json()["errors"]["catchment_m"]
    assert "more than the 5,000 a map may recompute" in message
    page = client.get(
        f"/caremap/territories/{place.id}/map",
        params={"catchment_m": "5000"},
        headers={"Accept-Language": "es"},
    )
    assert page.status_code == 200
    assert "5,000" in page.text or "5.000" in page.text
    assert "a map may recompute" not in page.text  # in the reader's language
    # The result already computed is still served, the cap applies to new computations only.
    assert (
        client.get(
            f"/api/v1/caremap/territories/{place.id}/map", params={"catchment_m": "300"}
        ).status_code
        == 200
    )
    assert len(computations) == 1


def test_recomputations_are_rate_limited_per_ip_and_cached_results_still_served(
    client: TestClient, db: Session, computations: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    place = territory(db)
    _settings(monkeypatch, caremap_recomputes_per_minute=3)
    api = f"/api/v1/caremap/territories/{place.id}/map"
    for metres in (600, 700, 800):
        assert client.get(api, params={"catchment_m": metres}).status_code == 200
    limited = client.get(api, params={"catchment_m": 900})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    page = client.get(f"/caremap/territories/{place.id}/map", params={"catchment_m": 950})
    assert page.status_code == 429
    assert client.get(api, params={"catchment_m": 700}).status_code == 200
    assert len(computations) == 3


def test_busy_computation_slots_answer_a_quick_503_not_a_wait(
    client: TestClient, db: Session, computations: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    place = territory(db)
    api = f"/api/v1/caremap/territories/{place.id}/map"
    assert client.get(api, params={"catchment_m": 700}).status_code == 200
    taken = threading.BoundedSemaphore(1)
    taken.acquire()
    monkeypatch.setattr(mapcache, "_compute_slots", lambda: taken)
    busy = client.get(api, params={"catchment_m": 900})
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "5"
    assert "try again in a few seconds" in busy.json()["detail"]
    page = client.get(f"/caremap/territories/{place.id}/map", params={"catchment_m": 900})
    assert page.status_code == 503
    assert client.get(api, params={"catchment_m": 700}).status_code == 200
    assert len(computations) == 1


def test_simultaneous_recomputations_are_counted_before_any_passes(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9, finding 20 for the care map: the old check-then-count let every request that
    arrived while others were between their check and their count through; counting and
    comparing in one statement lets exactly the limit through."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    place = territory(db)
    _settings(monkeypatch, caremap_recomputes_per_minute=3, caremap_compute_slots=12)
    real_writer = mapcache._writer

    def slow_writer(session: Session) -> Any:
        time.sleep(0.2)  # a busy database: the gap the old code left between check and count
        return real_writer(session)

    monkeypatch.setattr(mapcache, "_writer", slow_writer)
    api = f"/api/v1/caremap/territories/{place.id}/map"

    def ask(metres: int) -> int:
        return client.get(api, params={"catchment_m": metres}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(ask, range(1000, 1012)))
    assert codes.count(429) == 9, codes
    assert codes.count(200) + codes.count(503) == 3, codes
