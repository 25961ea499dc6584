"""What the care-map pages share: label tables and number formats for the templates, the
choropleth with its texts in the reader's language, downloads, and the parsing of the run form and
the map page's query (what a person typed, into the models the API takes)."""

from collections.abc import Callable, Sequence
from typing import Any

from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app import i18n
from app.caremap import render_svg
from app.i18n import N_
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


FORMATS: dict[str, Callable[..., str]] = {"num": num, "pct": pct, "dist": dist}


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


def _metric_value(row: CareRunUnit, metric: PinMetric) -> float | None:
    return row.access_per_1000 if metric == PinMetric.coverage else row.gap_places


def map_svg(
    units: Any, rows: list[CareRunUnit], *, metric: PinMetric, group: CareGroup, svg_id: str
) -> Markup:
    """The choropleth, every text translated; dark always means worse (low coverage, big gap)."""
    values = {r.unit_id: _metric_value(r, metric) for r in rows}
    group_label = i18n.gettext(GROUP_LABELS[group])
    if metric == PinMetric.coverage:
        title = i18n.gettext(N_("Coverage for %(group)s by unit"), group=group_label)
        legend = i18n.gettext(N_("Accessible places per 1,000 persons"))
        desc = i18n.gettext(
            N_(
                "Darker units have fewer accessible places per 1,000 persons. The table below "
                "gives the same figures."
            )
        )
    else:
        title = i18n.gettext(N_("Care gap for %(group)s by unit"), group=group_label)
        legend = i18n.gettext(N_("Places missing to reach the target"))
        desc = i18n.gettext(
            N_(
                "Darker units lack more places to reach the target. The table below gives the "
                "same figures."
            )
        )
    svg = render_svg(
        units,
        values,
        labels={
            "title": title,
            "desc": desc,
            "legend_title": legend,
            "no_data": i18n.gettext(N_("No persons of this group")),
        },
        fmt=lambda v: num(v),
        reverse=metric == PinMetric.gap,
        svg_id=svg_id,
    )
    return Markup(svg)  # noqa: S704 — render_svg escapes every piece of text it writes


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
