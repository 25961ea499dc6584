"""The care map for lay readers (issue 10, design): labelled zones that link to their row, a
legend in the page (readable on a phone), a warm scale where more gap is redder, a plain-language
summary built from the engine's figures, the method behind a disclosure, level names translated,
and pinned panels collapsed to one line beside a session."""

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.lib.choropleth import YLORRD_5
from app.models.caremap import CareGroup
from app.models.users import Role
from app.services import caremap as service
from tests import factories
from tests.conftest import form_token
from tests.routers.test_caremap import stored_run, territory


def test_every_zone_is_a_labelled_link_to_its_row(client: TestClient, db: Session) -> None:
    place = territory(db)
    html = client.get(f"/caremap/territories/{place.id}/map").text
    svg = html[html.index("<svg") : html.index("</svg>")]
    links = re.findall(r'<a href="#([^"]+)" aria-label="([^"]+)" class="map-zone">', svg)
    assert len(links) == 16
    for anchor, name in links:
        assert f'<tr id="{anchor}">' in html  # the row it jumps to, without JavaScript
        assert name.startswith("Zone ")
    assert ">08</text>" in svg  # each zone carries its number on the map
    assert 'role="group"' in svg


def test_more_gap_reads_as_redder_and_the_legend_is_in_the_page(
    client: TestClient, db: Session
) -> None:
    place = territory(db)
    gap = client.get(f"/caremap/territories/{place.id}/map?metric=gap").text
    rows = re.findall(r'<a href="#[^"]+" aria-label="Zone (\d+): ([\d,.]+) ', gap)
    fills = dict(
        re.findall(
            r'aria-label="Zone (\d+):[^"]*" class="map-zone"><title>[^<]*</title>'
            r'<path d="[^"]*" fill="(#[0-9a-f]{6})"',
            gap,
        )
    )
    worst = max(rows, key=lambda r: float(r[1].replace(",", "")))[0]
    least = min(rows, key=lambda r: float(r[1].replace(",", "")))[0]
    assert fills[worst] == YLORRD_5[-1]  # the biggest gap is the darkest red
    assert fills[least] == YLORRD_5[0]
    legend = gap[gap.index('<figcaption class="map-legend">') : gap.index("</figcaption>")]
    assert "Places missing to reach the target" in legend
    assert legend.count("<li>") >= 3
    # Coverage: more is better, so low coverage is the red end.
    coverage = client.get(f"/caremap/territories/{place.id}/map?metric=coverage").text
    legend = coverage[coverage.index('<figcaption class="map-legend">') :]
    assert legend.index(YLORRD_5[-1]) < legend.index(YLORRD_5[0])


def test_a_plain_language_summary_names_the_largest_gaps(client: TestClient, db: Session) -> None:
    run = stored_run(db, territory(db))
    rows = service.run_units(db, run, care_group=CareGroup.children_0_5, level="zone")
    top = max(rows, key=lambda r: r.gap_places)
    html = client.get(f"/caremap/runs/{run.id}/panel?care_group=children_0_5&metric=gap").text
    summary = html[html.index('<div class="caremap-summary">') :]
    summary = summary[: summary.index("</div>")]
    assert "places are missing to reach the target for young children (0–5 years)" in summary
    assert f"{top.name}</a>: {round(top.gap_places)} places missing" in summary
    spanish = client.get(
        f"/caremap/runs/{run.id}/panel?care_group=children_0_5&metric=gap&lang=es"
    ).text
    assert "plazas para alcanzar la meta para la primera infancia (0 a 5 años)" in spanish


def test_method_figures_sit_behind_a_disclosure_and_levels_are_translated(
    client: TestClient, db: Session
) -> None:
    place = territory(db)
    html = client.get(f"/caremap/territories/{place.id}/map?lang=pt").text
    details = html[html.index('<details class="method-details">') :]
    details = details[: details.index("</details>")]
    assert "Detalhes do método" in details
    assert "<code>" in details  # the parameters' fingerprint
    assert "ms" in details  # the timing
    assert html.index('class="caremap-summary"') < html.index('class="method-details"')
    assert '<option value="district">Distrito</option>' in html
    assert '<option value="zone" selected>Zona</option>' in html


def test_pinned_panels_beside_a_session_are_one_line_that_opens(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    run = stored_run(db, territory(db))
    session = factories.session(db, factories.forum(db))
    login_as(Role.secretariat)
    token = form_token(client, "/caremap/pins/new")
    client.post(
        "/caremap/pins",
        data={
            "csrf_token": token,
            "run_id": run.id,
            "care_group": "children_0_5",
            "metric": "gap",
            "target": f"session:{session.id}",
        },
    )
    html = client.get(f"/sessions/{session.id}").text
    evidence = html[html.index('id="evidence"') :]
    evidence = evidence[: evidence.index("</section>")]
    assert "<details" in evidence
    assert "<details open" not in evidence
    summary = evidence[evidence.index("<summary>") : evidence.index("</summary>")]
    rows = service.run_units(db, run, care_group=CareGroup.children_0_5, level="zone")
    total = round(sum(r.gap_places for r in rows))
    assert f"{total} places missing" in summary
    assert "Young children (0–5 years)" in summary
