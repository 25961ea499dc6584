import xml.etree.ElementTree as ET

import pytest
from babel.numbers import format_decimal
from markupsafe import Markup

from app.lib.charts import BAR_FILL, TEXT_FILL, VIEW_WIDTH, bar_chart

SVG = "{http://www.w3.org/2000/svg}"
ROWS = [("Montevideo", 120), ("São Paulo", 60), ("Ciudad de México", 30), ("Sin datos", 0)]


def chart(rows: list[tuple[str, int]] = ROWS, **kwargs: object) -> Markup:
    options: dict[str, object] = {
        "title": "Contribuciones por sesión",
        "description": "Número de contribuciones publicadas en cada sesión",
        "number_format": lambda n: format_decimal(n, locale="es"),
        "empty_message": "Todavía no hay contribuciones.",
    }
    options.update(kwargs)
    return bar_chart(rows, **options)  # type: ignore[arg-type]


def parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, not untrusted input


def test_is_valid_xml_with_an_accessible_name() -> None:
    root = parse(chart(chart_id="c1"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.get("id") == "c1-title"
    assert title.text == "Contribuciones por sesión"
    assert desc.get("id") == "c1-desc"
    assert root.get("viewBox") == f"0 0 {VIEW_WIDTH} {4 * 44}"
    assert root.get("width") == "100%"
    assert root.get("height") is None


def test_labels_and_formatted_values() -> None:
    root = parse(chart(rows=[("Montevideo", 12345), ("Lisboa", 7)]))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Montevideo", "12.345", "Lisboa", "7"]


def test_widths_are_proportional() -> None:
    root = parse(chart())
    widths = [float(r.get("width", "nan")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(VIEW_WIDTH - 96)
    assert widths[1] == pytest.approx(widths[0] / 2)
    assert widths[2] == pytest.approx(widths[0] / 4)
    assert widths[3] == 0
    assert all(r.get("fill") == BAR_FILL for r in root.iter(f"{SVG}rect"))


def test_all_zero_rows_draw_no_bars_and_no_division_by_zero() -> None:
    root = parse(chart(rows=[("a", 0), ("b", 0)]))
    assert [r.get("width") for r in root.iter(f"{SVG}rect")] == ["0", "0"]


HOSTILE = [
    '<script>alert(1)</script>',
    '"><svg onload=alert(1)>',
    "</text></svg><img src=x onerror=alert(1)>",
    "&amp; & &lt;",
    "]]><!--",
    "a\x00b\x1fc\ufffe",
    "Ação & participação ‘quoted’ \"double\"",
]  # fmt: skip


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_are_escaped(label: str) -> None:
    svg = chart(rows=[(label, 3)], title=label, description=label, number_format=lambda n: label)
    root = parse(svg)  # still well-formed XML
    elements = list(root.iter())
    # Exactly the elements the chart draws: nothing smuggled in by a label.
    assert {e.tag.removeprefix(SVG) for e in elements} == {
        "svg",
        "title",
        "desc",
        "g",
        "text",
        "rect",
    }
    for element in elements:
        assert not any(name.lower().startswith("on") for name in element.attrib)
    first_text = root.find(f".//{SVG}text")
    assert first_text is not None
    expected = " ".join(label.replace("\x00", "").replace("\x1f", "").replace("\ufffe", "").split())
    assert first_text.text == expected


def test_no_inline_styles_scripts_or_external_references() -> None:
    svg = str(chart())
    root = parse(chart())
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any("href" in name for name in element.attrib)
        assert not any(name.startswith("on") for name in element.attrib)
    assert "url(" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_ids_are_unique_per_chart() -> None:
    ids = []
    for _ in range(50):
        root = parse(chart())
        ids.extend(e.get("id") for e in root.iter() if e.get("id"))
    assert len(ids) == 100
    assert len(set(ids)) == 100


def test_invalid_chart_id_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid chart id"):
        chart(chart_id='x" onload="alert(1)')


def test_negative_values_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        chart(rows=[("a", -1)])


def test_empty_rows_say_so_in_the_callers_words() -> None:
    root = parse(chart(rows=[], empty_message="Ainda não há contribuições."))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Ainda não há contribuições."]
    assert list(root.iter(f"{SVG}rect")) == []
    assert root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {VIEW_WIDTH} 44"


def test_long_labels_are_shortened() -> None:
    root = parse(chart(rows=[("x" * 300, 1)]))
    label = root.find(f".//{SVG}text")
    assert label is not None
    assert label.text is not None
    assert len(label.text) == 80
    assert label.text.endswith("…")


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast_with_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


def test_colour_contrast_against_white() -> None:
    assert _contrast_with_white(BAR_FILL) >= 3
    assert _contrast_with_white(TEXT_FILL) >= 4.5
    root = parse(chart())
    group = root.find(f"{SVG}g")
    assert group is not None
    assert group.get("fill") == TEXT_FILL


def test_returns_markup_so_jinja_does_not_escape_it_again() -> None:
    assert isinstance(chart(), Markup)
