"""What the care-map pages share: label tables and number formats for the templates, the
choropleth with its texts in the reader's language, downloads, and the parsing of the run form and
the map page's query (what a person typed, into the models the API takes)."""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app import i18n
from app.i18n import N_
from app.lib import choropleth
from app.models.caremap import (
    CROWD_ACTION_LABELS,
    CROWD_KIND_LABELS,
    DECAY_LABELS,
    GROUP_LABELS,
    LAYER_LABELS,
    METHOD_LABELS,
    METRIC_LABELS,
    ORIGIN_LABELS,
    SPHERE_LABELS,
    STATUS_LABELS,
    CareGroup,
    CareRunUnit,
    DatasetKind,
    Decay,
    MapFilters,
    Method,
    PinMetric,
    RunParams,
    Sphere,
)
from app.services.errors import InvalidInput
from app.templating import flash
from app.web.validation import errors_by_field

LABELS = {
    "group_labels": GROUP_LABELS,
    "sphere_labels": SPHERE_LABELS,
    "method_labels": METHOD_LABELS,
    "decay_labels": DECAY_LABELS,
    "metric_labels": METRIC_LABELS,
    "layer_labels": LAYER_LABELS,
    "origin_labels": ORIGIN_LABELS,
    "crowd_kind_labels": CROWD_KIND_LABELS,
    "status_labels": STATUS_LABELS,
    "crowd_action_labels": CROWD_ACTION_LABELS,
}


# -- number formats (Babel, the reader's locale) -----------------------------------------------


def num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return str(format_decimal(round(float(value), digits), locale=i18n.get_locale()))


def pct(value: float | None) -> str:
    if value is None:
        return "—"
    return str(format_percent(float(value), locale=i18n.get_locale()))


def dist(metres: float | None) -> str:
    if metres is None:
        return i18n.gettext(N_("no facility"))
    return i18n.gettext(N_("%(km)s km"), km=num(metres / 1000.0, 1))


FORMATS: dict[str, Callable[..., str]] = {
    "num": num,
    "pct": pct,
    "dist": dist,
    "row_id": lambda pid, unit_id: row_id(pid, unit_id),
    "level_name": lambda level: level_name(level),
}


def ctx(**values: Any) -> dict[str, Any]:
    return {**LABELS, **FORMATS, "nav": "caremap", **values}


def translated(options: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Select options whose labels are message ids (as the services give them), translated."""
    return [(value, i18n.translate(label)) for value, label in options]


def flashed(request: Request, url: str, message: str, **params: object) -> str:
    """Flashes a notice built from the result of a form's action; returns where to go next."""
    flash(request, message, **params)
    return url


# -- the choropleth ------------------------------------------------------------------------------

# Level names the demo and common data use, translated; any other level is shown as stored.
LEVEL_LABELS = {
    "zone": N_("Zone"),
    "district": N_("District"),
    "municipality": N_("Municipality"),
    "municipio": N_("Municipality"),
    "neighbourhood": N_("Neighbourhood"),
    "barrio": N_("Neighbourhood"),
    "region": N_("Region"),
}
# The care groups inside a sentence ("472 places missing for young children (0–5 years)").
GROUP_PHRASES = {
    CareGroup.children_0_5: N_("young children (0–5 years)"),
    CareGroup.older_persons: N_("older persons"),
    CareGroup.persons_with_disabilities: N_("persons with disabilities"),
}
_TRAILING_NUMBER = re.compile(r"(\d+)\s*$")


def level_name(level: str) -> str:
    label = LEVEL_LABELS.get(level.strip().lower())
    return i18n.gettext(label) if label else level


def row_id(pid: str, unit_id: str) -> str:
    """The id of a unit's row in a page's table: where its zone on the map links to."""
    return f"{pid}-row-{choropleth.safe_id(unit_id)}"


def short_label(name: str) -> str:
    """What is drawn on a zone: its number ("Zone 08" → "08"), else the start of its name."""
    found = _TRAILING_NUMBER.search(name)
    if found:
        return found.group(1)
    return name if len(name) <= 10 else name[:9].rstrip() + "…"


def _metric_value(row: CareRunUnit, metric: PinMetric) -> float | None:
    return row.access_per_1000 if metric == PinMetric.coverage else row.gap_places


@dataclass
class MapFigure:
    """The map, its legend and the plain-language summary a page shows above it."""

    svg: Markup
    legend: choropleth.Legend
    group_phrase: str
    worst: list[CareRunUnit]  # up to three units with a gap, largest first
    total_gap: float


def map_figure(
    units: Any, rows: list[CareRunUnit], *, metric: PinMetric, group: CareGroup, pid: str
) -> MapFigure:
    """The choropleth in the reader's language: warmer is worse (a bigger gap, or a lower
    coverage), each zone labelled and linked to its row of the table."""
    by_unit = {r.unit_id: r for r in rows}
    group_label = i18n.gettext(GROUP_LABELS[group])
    coverage = metric == PinMetric.coverage
    if coverage:
        title = i18n.gettext(N_("Coverage for %(group)s by unit"), group=group_label)
        legend_title = i18n.gettext(N_("Accessible places per 1,000 persons"))
        desc = i18n.gettext(
            N_(
                "Redder units have fewer accessible places per 1,000 persons. Choose a unit to "
                "see its figures in the table below."
            )
        )
    else:
        title = i18n.gettext(N_("Care gap for %(group)s by unit"), group=group_label)
        legend_title = i18n.gettext(N_("Places missing to reach the target"))
        desc = i18n.gettext(
            N_(
                "Redder units lack more places to reach the target. Choose a unit to see its "
                "figures in the table below."
            )
        )
    no_data = i18n.gettext(N_("No persons of this group"))
    zones = []
    for unit in units.items:
        row = by_unit.get(unit.unit_id)
        value = _metric_value(row, metric) if row is not None else None
        zones.append(
            choropleth.Zone(
                key=unit.unit_id,
                name=unit.name,
                label=short_label(unit.name),
                rings=[ring for polygon in unit.polygons for ring in polygon],
                value=value,
                href=f"#{row_id(pid, unit.unit_id)}" if row is not None else None,
            )
        )
    bounds = choropleth.nice_breaks([z.value for z in zones])

    def describe(zone: choropleth.Zone) -> str:
        if zone.value is None:
            return f"{zone.name}: {no_data}"
        return f"{zone.name}: {num(zone.value)} — {legend_title}"

    svg = choropleth.choropleth(
        zones,
        title=title,
        description=desc,
        describe=describe,
        bounds=bounds,
        reverse=coverage,
        svg_id=f"{pid}-map",
    )
    legend = choropleth.legend(legend_title, bounds, fmt=num, no_data=no_data, reverse=coverage)
    worst = sorted((r for r in rows if r.gap_places >= 0.5), key=lambda r: -r.gap_places)[:3]
    return MapFigure(
        svg=svg,
        legend=legend,
        group_phrase=i18n.gettext(GROUP_PHRASES[group]),
        worst=worst,
        total_gap=sum(r.gap_places for r in rows),
    )


def picker_svg(units: Any, *, svg_id: str) -> Markup:
    """The territory's units, uncoloured and unlinked, for the crowd-report form's map picker."""
    zones = [
        choropleth.Zone(
            key=u.unit_id,
            name=u.name,
            label=short_label(u.name),
            rings=[ring for polygon in u.polygons for ring in polygon],
            value=None,
        )
        for u in units.items
    ]
    return choropleth.choropleth(
        zones,
        title=i18n.gettext(N_("Map of the territory: choose where")),
        description=i18n.gettext(
            N_("Click or tap the map to fill in the longitude and latitude below.")
        ),
        describe=lambda zone: zone.name,
        svg_id=svg_id,
        marker=True,
    )


# -- downloads -----------------------------------------------------------------------------------


def file_response(content: bytes | str, filename: str, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- what the forms and the map page's query say -----------------------------------------------

RUN_DEFAULTS: dict[str, Any] = {
    "method": Method.e2sfca.value,
    "decay": Decay.gaussian.value,
    "catchment_m": RunParams().catchment_m.model_dump(),
    "targets_per_1000": RunParams().targets_per_1000.model_dump(),
    "spheres": [s.value for s in Sphere],
}


def _steps(text: str) -> list[dict[str, str]]:
    steps: list[dict[str, str]] = []
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        threshold, sep, weight = item.partition(":")
        if not sep:
            message = N_("Write step zones as distance:weight pairs, e.g. 300:1, 600:0.68.")
            raise InvalidInput({"steps": [message]})
        steps.append({"threshold_m": threshold.strip(), "weight": weight.strip()})
    return steps


def run_form_data(form: FormData) -> dict[str, Any]:
    """The run form (per-group fields, step zones as text) as the API's RunCreate body."""
    data: dict[str, Any] = {}
    for name in ("method", "decay", "sigma_m"):
        value = str(form.get(name) or "").strip()
        if value:
            data[name] = value
    for name in ("catchment_m", "targets_per_1000"):
        per_group = {}
        for group in CareGroup:
            value = str(form.get(f"{name}.{group.value}") or "").strip()
            if value:
                per_group[group.value] = value
        data[name] = per_group
    data["spheres"] = [v for v in form.getlist("spheres") if isinstance(v, str) and v]
    data["steps"] = _steps(str(form.get("steps") or ""))
    for kind in DatasetKind:
        value = str(form.get(f"{kind.value}_dataset_id") or "").strip()
        if value:
            data[f"{kind.value}_dataset_id"] = value
    return data


def validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc


def map_filters(request: Request) -> tuple[MapFilters, dict[str, list[str]] | None]:
    """The map page's filters; bad values fall back to the defaults, with their errors shown."""
    raw = {
        k: v for k, v in request.query_params.items() if v.strip() and k in MapFilters.model_fields
    }
    try:
        return MapFilters.model_validate(raw), None
    except ValidationError as exc:
        return MapFilters(), errors_by_field(exc.errors())
