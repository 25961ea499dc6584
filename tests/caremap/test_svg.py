"""The SVG choropleth is valid XML, accessible, escaped, with a legend and one path per unit."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # parses our own output, not untrusted input

from app.caremap import load_units, render_svg
from app.caremap.demo import demo_files

NS = {"s": "http://www.w3.org/2000/svg"}
LABELS = {
    "title": "Cobertura <niños>",
    "desc": "Plazas & personas",
    "legend_title": "Plazas por persona",
    "no_data": "sin datos",
}


def test_svg_is_valid_and_accessible() -> None:
    units = load_units(demo_files()["units.geojson"], filename="units.geojson")
    values: dict[str, float | None] = {uid: k / 10 for k, uid in enumerate(units.ids)}
    values[units.ids[0]] = None
    svg = render_svg(units, values, labels=LABELS, fmt=lambda v: f"{v:.2f}".replace(".", ","))
    root = ET.fromstring(svg)  # noqa: S314
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"s:title[@id='{title_id}']", NS).text == "Cobertura <niños>"  # type: ignore[union-attr]
    assert root.find(f"s:desc[@id='{desc_id}']", NS) is not None
    paths = root.findall("s:g[@class='units']/s:path", NS)
    assert len(paths) == len(units)
    assert all(p.find("s:title", NS) is not None and p.get("aria-label") for p in paths)
    assert paths[0].find("s:title", NS).text == "District 1: sin datos"  # type: ignore[union-attr]
    assert paths[1].find("s:title", NS).text.endswith("0,10")  # type: ignore[union-attr]
    legend = root.find("s:g[@class='legend']", NS)
    assert legend is not None
    entries = legend.findall(".//s:rect", NS)
    assert 2 <= len(entries) <= 6  # classes plus "no data"
    assert "sin datos" in "".join(legend.itertext())
    assert "<niños>" not in svg
    assert "&amp;" in svg


def test_names_are_escaped() -> None:
    units = load_units(demo_files()["units.geojson"], filename="units.geojson")
    from dataclasses import replace

    evil = replace(units, items=(replace(units.items[0], name='<script>"x"</script>'),))
    svg = render_svg(evil, {evil.items[0].unit_id: 1.0}, labels=LABELS, fmt=str)
    assert "<script>" not in svg
    ET.fromstring(svg)  # noqa: S314
