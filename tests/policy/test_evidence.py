"""Care-map evidence beside a policy section: sections are a target kind of the house registry,
the document's editors pin and unpin a stored run's panel beside a section, the panel shows on
the document page, and nobody else may pin (or even find the section)."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.caremap import CareRun, DatasetKind, DatasetMeta, RunCreate
from app.models.caremap import TerritoryCreate as CareTerritoryCreate
from app.models.users import Role, User
from app.services import caremap, targets
from app.services.policy import evidence, extensions
from tests.grids import DEMAND, SUPPLY, UNITS
from tests.policy.helpers import Paper, add_to_team, paper

Login = Callable[..., Any]


def _run(db: Session, staff: User) -> CareRun:
    place = caremap.create_territory(
        db, actor=staff, data=CareTerritoryCreate.model_validate({"name": {"en": "Montevideo"}})
    )
    caremap.import_files(
        db,
        actor=staff,
        territory=place,
        files=[
            caremap.IncomingFile(DatasetMeta(kind=kind, source="Test", licence="CC0"), name, data)
            for kind, name, data in (
                (DatasetKind.units, "units.geojson", UNITS),
                (DatasetKind.demand, "demand.csv", DEMAND),
                (DatasetKind.supply, "supply.csv", SUPPLY),
            )
        ],
    )
    return caremap.create_run(db, actor=staff, territory=place, data=RunCreate())


def _pin_form(run: CareRun) -> dict[str, str]:
    return {"run_id": str(run.id), "care_group": "children_0_5", "metric": "gap"}


def test_a_section_is_a_target_only_its_readers_can_resolve(db: Session) -> None:
    made = paper(db)
    assert evidence.KIND in targets.kinds()
    found = targets.resolve(
        db, kind=evidence.KIND, target_id=made.section.id or 0, viewer=made.staff
    )
    assert found.url == f"/documents/{made.document.id}#s-{made.section.id}"
    assert found.title == "1 Care as a right — Caring Systems"
    assert targets.find(db, kind=evidence.KIND, target_id=made.section.id or 0, viewer=None) is None
    options = dict(targets.kind_of(evidence.KIND).options(db, made.staff))  # type: ignore[misc]
    assert options[made.section.id or 0].startswith("1 Care as a right")


def _editor(db: Session, login_as: Login) -> tuple[Paper, User]:
    made = paper(db)
    editor = login_as(Role.participant)
    add_to_team(db, made, editor, "editor")
    return made, editor


def test_an_editor_pins_a_panel_that_shows_beside_the_section(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, editor = _editor(db, login_as)
    run = _run(db, made.staff)
    section = f"/sections/{made.section.id}/evidence"
    form = client.get(section + "/new")
    assert form.status_code == 200
    assert "Stored run" in form.text
    sent = client.post(section, data=_pin_form(run), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"/documents/{made.document.id}#s-{made.section.id}"
    again = client.post(section, data=_pin_form(run))
    assert again.status_code == 409  # the same panel twice
    db.rollback()
    pins = evidence.pins_for(db, made.section)
    assert [(p.pin.care_group, p.pin.created_by_id) for p in pins] == [("children_0_5", editor.id)]
    panels = extensions.panels_for(db, editor, made.section)
    assert [p.template for p in panels] == ["policy/_evidence.html"]
    assert panels[0].context["can_pin"] is True
    page = client.get(f"/documents/{made.document.id}")
    assert page.status_code == 200  # the document page (the pages part) renders the panels
    assert f'id="evidence-{made.section.id}"' in page.text
    assert f"/sections/{made.section.id}/evidence/{pins[0].pin.id}/delete" in page.text
    removed = client.post(f"{section}/{pins[0].pin.id}/delete", follow_redirects=False)
    assert removed.status_code == 303
    db.rollback()
    assert list(evidence.pins_for(db, made.section)) == []


def test_bad_pins_are_refused_and_shown_on_the_form(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _editor_user = _editor(db, login_as)
    _run(db, made.staff)
    sent = client.post(
        f"/sections/{made.section.id}/evidence",
        data={"run_id": "999999", "care_group": "children_0_5", "metric": "gap"},
    )
    assert sent.status_code == 422
    assert "Choose a stored run." in sent.text


def test_people_off_the_team_cannot_pin_or_see_the_panel(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    run = _run(db, made.staff)
    pin = evidence.pin(
        db,
        actor=made.staff,
        section=made.section,
        data=caremap.PinCreate.model_validate(
            {
                "run_id": run.id,
                "care_group": "children_0_5",
                "target_kind": evidence.KIND,
                "target_id": made.section.id,
            }
        ),
    )
    outsider = login_as(Role.participant)
    section = f"/sections/{made.section.id}/evidence"
    assert client.get(section + "/new").status_code == 404
    assert client.post(section, data=_pin_form(run)).status_code == 404
    assert client.post(f"{section}/{pin.id}/delete").status_code == 404
    assert extensions.panels_for(db, outsider, made.section)[0].context["can_pin"] is False
    # The care map's own pin list leaves out a pin beside a section its reader may not see.
    listed, _cursor = caremap.pinned_everywhere(db, viewer=outsider, cursor=None)
    assert pin.id not in [p.view.pin.id for p in listed]


def test_a_pin_of_another_target_cannot_be_removed_through_a_section(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _editor_user = _editor(db, login_as)
    other = paper(db)
    run = _run(db, made.staff)
    pin = evidence.pin(
        db,
        actor=made.staff,
        section=other.section,
        data=caremap.PinCreate.model_validate(
            {
                "run_id": run.id,
                "care_group": "children_0_5",
                "target_kind": evidence.KIND,
                "target_id": other.section.id,
            }
        ),
    )
    assert client.post(f"/sections/{made.section.id}/evidence/{pin.id}/delete").status_code == 404
