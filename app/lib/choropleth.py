"""A map of zones coloured by a value, as inline SVG for a web page, and its legend.

Built for lay readers on a phone: each zone carries a short label drawn on it, is a link (to its
row in the page's table, so it works without JavaScript) named by its full name and figure, and
the colours are ColorBrewer's sequential YlOrRd (colour-blind safe), light for little and dark
red for much, so that "worse" reads as warmer. The legend is separate HTML-ready data
(`Legend`), because text inside a scaled-down SVG is too small on a phone.

The projection is equirectangular scaled by cos(mean latitude); the SVG carries it in data-*
attributes (`data-lon0`, `data-lat0`, `data-kx`, `data-scale`, `data-pad`) so that a script can
turn a click into longitude and latitude (static/js/mappicker.js). Presentation attributes only:
the site's CSP refuses inline styles. Every piece of text is escaped.
"""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup, escape

__all__ = [
    "NO_DATA",
    "YLORRD_5",
    "Legend",
    "Zone",
    "choropleth",
    "legend",
    "nice_breaks",
    "safe_id",
]

# ColorBrewer YlOrRd, 5 classes: light yellow (little) to dark red (much).
YLORRD_5 = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#e0e0e0"
_LABEL_FILL = "#1a1a1a"
_HALO = "#ffffff"
_ID = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Zone:
    key: str  # stable id (a unit id); also names the link target
    name: str  # full name, for the link's accessible name
    label: str  # short text drawn on the zone ("08")
    rings: Sequence[np.ndarray]  # (n, 2) lon/lat rings; exterior and holes, even-odd filled
    value: float | None
    href: str | None = None


@dataclass(frozen=True)
class Legend:
    title: str
    rows: list[tuple[str, str]]  # (colour, text)


def safe_id(text: str) -> str:
    """`text` as a fragment of an element id (letters, digits, '-', '_')."""
    return _ID.sub("_", text) or "_"


def nice_breaks(values: Sequence[float | None], n_classes: int = 5) -> list[float]:
    """n+1 round bounds from 0 (or the minimum, if negative) to at least the maximum, evenly
    spaced, so that a legend reads "0 – 100, 100 – 200…" rather than quantiles."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return []
    low, high = min(0.0, min(finite)), max(finite)
    span = high - low
    if span <= 0:
        return [low, low + 1.0]
    raw = span / n_classes
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count = max(1, min(n_classes, math.ceil(span / step - 1e-9)))
    return [round(low + step * k, 10) for k in range(count + 1)]


def _palette(n: int, reverse: bool) -> list[str]:
    """n colours spread over the palette, light to dark (dark to light when reversed)."""
    last = len(YLORRD_5) - 1
    picked = [YLORRD_5[round(k * last / (n - 1))] if n > 1 else YLORRD_5[last] for k in range(n)]
    return list(reversed(picked)) if reverse else picked


def _class_of(value: float | None, bounds: Sequence[float]) -> int:
    if value is None or not math.isfinite(value) or len(bounds) < 2:
        return -1
    for k in range(len(bounds) - 1):
        if value <= bounds[k + 1]:
            return k
    return len(bounds) - 2


def _centroid(ring: np.ndarray) -> tuple[float, float, float]:
    """Area and centroid of a closed ring (shoelace formula); the mean point if degenerate."""
    x, y = ring[:, 0], ring[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    area = float(cross.sum()) / 2.0
    if abs(area) < 1e-18:
        return 0.0, float(x.mean()), float(y.mean())
    cx = float(((x[:-1] + x[1:]) * cross).sum()) / (6.0 * area)
    cy = float(((y[:-1] + y[1:]) * cross).sum()) / (6.0 * area)
    return abs(area), cx, cy


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def choropleth(
    zones: Sequence[Zone],
    *,
    title: str,
    description: str,
    describe: Callable[[Zone], str],
    bounds: Sequence[float] = (),
    reverse: bool = False,
    svg_id: str = "map",
    width: int = 640,
    marker: bool = False,
) -> Markup:
    """The map as SVG. `describe(zone)` is each zone's accessible name ("Zone 08: 472 places
    missing"); `bounds` (see nice_breaks) class the values, `reverse` makes low values dark (for
    a measure where more is better). `marker` adds a hidden point a picker script moves."""
    colours = _palette(max(len(bounds) - 1, 1), reverse)
    points = np.concatenate([np.asarray(r, dtype=float) for z in zones for r in z.rings])
    lon_min, lat_min = points.min(axis=0)
    lon_max, lat_max = points.max(axis=0)
    kx = math.cos(math.radians(0.5 * (lat_min + lat_max)))
    pad = 8.0
    scale = (width - 2 * pad) / max((lon_max - lon_min) * kx, 1e-12)
    height = max(lat_max - lat_min, 1e-12) * scale + 2 * pad

    def xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return pad + (lon - lon_min) * kx * scale, pad + (lat_max - lat) * scale

    parts: list[str] = []
    labels: list[str] = []
    for zone in zones:
        cls = _class_of(zone.value, bounds)
        fill = colours[cls] if cls >= 0 else NO_DATA
        paths = []
        best = (-1.0, 0.0, 0.0)
        for ring in zone.rings:
            arr = np.asarray(ring, dtype=float)
            x, y = xy(arr[:, 0], arr[:, 1])
            coords = " L".join(f"{a:.1f} {b:.1f}" for a, b in zip(x, y, strict=True))
            paths.append(f"M{coords} Z")
            best = max(best, _centroid(np.column_stack([x, y])))
        name = escape(describe(zone))
        shape = (
            f'<path d="{" ".join(paths)}" fill="{fill}" stroke="#ffffff" stroke-width="1.5" '
            f'fill-rule="evenodd"/>'
        )
        text = ""
        if zone.label:
            text = (
                f'<text x="{_num(best[1])}" y="{_num(best[2])}" text-anchor="middle" '
                f'dominant-baseline="central" font-size="24" font-weight="bold" '
                f'fill="{_LABEL_FILL}" stroke="{_HALO}" stroke-width="4" paint-order="stroke" '
                f'aria-hidden="true">{escape(zone.label)}</text>'
            )
        if zone.href:
            parts.append(
                f'<a href="{escape(zone.href)}" aria-label="{name}" class="map-zone">'
                f"<title>{name}</title>{shape}</a>"
            )
        else:
            parts.append(f'<g class="map-zone">{shape}<title>{name}</title></g>')
        labels.append(text)
    title_id, desc_id = f"{svg_id}-title", f"{svg_id}-desc"
    linked = any(z.href for z in zones)
    # A map of links is a group of them; a map without links is one image.
    role = "group" if linked else "img"
    dot = (
        '<circle class="map-marker" r="14" cx="-30" cy="-30" fill="#1f5fa8" stroke="#ffffff" '
        'stroke-width="4" aria-hidden="true"/>'
        if marker
        else ""
    )
    return Markup(  # noqa: S704 - every interpolated text went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(svg_id)}" role="{role}" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMidYMin meet" class="choropleth" '
        f'data-lon0="{float(lon_min)!r}" data-lat0="{float(lat_max)!r}" data-kx="{float(kx)!r}" '
        f'data-scale="{float(scale)!r}" data-pad="{pad!r}" font-family="system-ui, sans-serif">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>'
        f'{"".join(parts)}<g pointer-events="none">{"".join(labels)}</g>{dot}</svg>'
    )


def legend(
    title: str,
    bounds: Sequence[float],
    *,
    fmt: Callable[[float], str],
    no_data: str,
    reverse: bool = False,
) -> Legend:
    """The classes of `bounds` as (colour, "low – high") rows, light to dark, then no data."""
    colours = _palette(max(len(bounds) - 1, 1), reverse)
    rows = [
        (colours[k], f"{fmt(bounds[k])} – {fmt(bounds[k + 1])}") for k in range(len(bounds) - 1)
    ]
    return Legend(title, [*rows, (NO_DATA, no_data)])
