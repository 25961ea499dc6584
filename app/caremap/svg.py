"""A choropleth of territorial units as an accessible SVG string.

Equirectangular projection scaled by cos(mean latitude), fitted to the viewBox.
Classes are quantile breaks of the finite values, coloured with a colour-blind-
safe sequential palette (viridis, 5 classes, light = high unless ``reverse``).
All text (title, description, legend title, "no data") comes from the caller
already translated, with a number formatter; this module does no i18n. Every
piece of text is XML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from .model import FloatArray, Units

VIRIDIS_5 = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
NO_DATA = "#d9d9d9"
LABEL_KEYS = ("title", "desc", "legend_title", "no_data")


def class_breaks(values: FloatArray, n_classes: int) -> FloatArray:
    """Upper-inclusive quantile bounds: n+1 increasing numbers from min to max."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.empty(0)
    bounds = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, n_classes + 1)))
    if bounds.size == 1:
        bounds = np.array([bounds[0], bounds[0]])
    return bounds


def _classify(values: FloatArray, bounds: FloatArray) -> np.ndarray:
    idx = np.searchsorted(bounds[1:-1], values, side="left")
    return np.where(np.isfinite(values), idx, -1)


def render_svg(
    units: Units,
    values: Mapping[str, float | None],
    *,
    labels: Mapping[str, str],
    fmt: Callable[[float], str],
    palette: Sequence[str] = VIRIDIS_5,
    reverse: bool = False,
    width: int = 640,
    svg_id: str = "caremap",
) -> str:
    """SVG choropleth of ``units`` coloured by ``values[unit_id]`` (None/NaN: no data)."""
    colours = list(reversed(palette)) if reverse else list(palette)
    items = units.items
    vals = np.array(
        [float("nan") if values.get(u.unit_id) is None else values[u.unit_id] for u in items],
        dtype=np.float64,
    )
    bounds = class_breaks(vals, len(colours))
    classes = _classify(vals, bounds) if bounds.size else np.full(len(items), -1)

    allpts = np.concatenate([r for u in items for poly in u.polygons for r in poly])
    lon_min, lat_min = allpts.min(axis=0)
    lon_max, lat_max = allpts.max(axis=0)
    kx = math.cos(math.radians(0.5 * (lat_min + lat_max)))
    pad = 10.0
    map_w = float(width) - 2 * pad
    span_x = max((lon_max - lon_min) * kx, 1e-12)
    span_y = max(lat_max - lat_min, 1e-12)
    scale = map_w / span_x
    map_h = span_y * scale
    n_legend = (bounds.size - 1 if bounds.size else 0) + 1
    legend_h = 28 + 20 * n_legend
    height = map_h + 2 * pad + legend_h

    def project(ring: FloatArray) -> str:
        x = pad + (ring[:, 0] - lon_min) * kx * scale
        y = pad + (lat_max - ring[:, 1]) * scale
        pts = " L".join(f"{a:.2f} {b:.2f}" for a, b in zip(x.tolist(), y.tolist(), strict=True))
        return f"M{pts} Z"

    title_id = f"{svg_id}-title"
    desc_id = f"{svg_id}-desc"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id={quoteattr(svg_id)} role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}">',
        f"<title id={quoteattr(title_id)}>{escape(labels.get('title', ''))}</title>",
        f"<desc id={quoteattr(desc_id)}>{escape(labels.get('desc', ''))}</desc>",
        '<g class="units" stroke="#ffffff" stroke-width="0.75" fill-rule="evenodd">',
    ]
    for unit, value, cls in zip(items, vals.tolist(), classes.tolist(), strict=True):
        fill = colours[cls] if cls >= 0 else NO_DATA
        shown = fmt(value) if math.isfinite(value) else labels.get("no_data", "")
        text = f"{unit.name}: {shown}"
        d = " ".join(project(ring) for poly in unit.polygons for ring in poly)
        out.append(
            f'<path d="{d}" fill="{fill}" role="graphics-symbol" aria-label={quoteattr(text)} '
            f"data-unit-id={quoteattr(unit.unit_id)}><title>{escape(text)}</title></path>"
        )
    out.append("</g>")
    out.extend(_legend(bounds, colours, labels, fmt, pad, map_h + 2 * pad))
    out.append("</svg>")
    return "\n".join(out)


def _legend(
    bounds: FloatArray,
    colours: Sequence[str],
    labels: Mapping[str, str],
    fmt: Callable[[float], str],
    x: float,
    y: float,
) -> list[str]:
    out = [
        f'<g class="legend" font-family="sans-serif" font-size="12" '
        f'transform="translate({x:.0f} {y:.0f})">',
        f'<text x="0" y="14" font-weight="bold">{escape(labels.get("legend_title", ""))}</text>',
        f'<g role="list" aria-label={quoteattr(labels.get("legend_title", ""))}>',
    ]
    rows: list[tuple[str, str]] = []
    for k in range(max(bounds.size - 1, 0)):
        rows.append((colours[k], f"{fmt(float(bounds[k]))} – {fmt(float(bounds[k + 1]))}"))
    rows.append((NO_DATA, labels.get("no_data", "")))
    for k, (colour, text) in enumerate(rows):
        top = 24 + 20 * k
        out.append(
            f'<g role="listitem"><rect x="0" y="{top}" width="16" height="14" fill="{colour}"/>'
            f'<text x="22" y="{top + 11}">{escape(text)}</text></g>'
        )
    out.append("</g></g>")
    return out
