"""Accessible horizontal bar charts, rendered on the server as inline SVG.

Each chart is one image to assistive technology (`role="img"` named by its `<title>` and
described by its `<desc>`); the numbers themselves are read from the data table the page puts
beside it. Styling is by presentation attributes only: the site's CSP (`style-src 'self'`)
refuses inline `style` attributes. The drawing scales with its container through the viewBox,
and each label sits above its bar so that long labels keep the full width on a phone.
"""

import re
import uuid
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

__all__ = ["BAR_FILL", "TEXT_FILL", "VIEW_WIDTH", "bar_chart"]

# WCAG 2.1: bars are graphics (≥ 3:1 against the white page, 1.4.11), labels are text
# (≥ 4.5:1, 1.4.3). #1f5fa8 is 6.4:1 and #1a1a1a is 17.4:1 on white.
BAR_FILL = "#1f5fa8"
TEXT_FILL = "#1a1a1a"
VIEW_WIDTH = 640
_FONT_SIZE = 14
_ROW_HEIGHT = 44
_LABEL_BASELINE = 15
_BAR_TOP = 21
_BAR_HEIGHT = 16
_VALUE_GAP = 6
# Room kept at the right of the longest bar for its value ("1,234,567" at 14px).
_VALUE_ROOM = 96
_MAX_BAR = VIEW_WIDTH - _VALUE_ROOM
# Beyond this a label would run out of the drawing; the full text is in the data table.
_MAX_LABEL_CHARS = 80
# XML 1.0 forbids these characters even escaped: one in a label would break the whole page
# when served as XHTML and is noise in HTML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def _text(value: str, limit: int | None = None) -> Markup:
    text = " ".join(_NOT_XML.sub("", value).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text)


def _number(value: float) -> str:
    # Coordinates: two decimals are finer than any screen and keep the markup short.
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(
    rows: Sequence[tuple[str, int]],
    *,
    title: str,
    description: str,
    number_format: Callable[[int], str],
    empty_message: str = "No data",
    chart_id: str | None = None,
) -> Markup:
    """An SVG bar chart of (label, count) rows, in the given order.

    `number_format` formats the values for the reader's locale (e.g. Babel's format_decimal);
    `empty_message` is shown instead of bars when there are no rows, and should be translated
    by the caller. `chart_id` (letters, digits, '-' and '_') makes the element ids predictable;
    by default they are random, so that several charts on one page never share an id.
    """
    if chart_id is None:
        chart_id = f"chart-{uuid.uuid4().hex[:12]}"
    elif not _ID.fullmatch(chart_id):
        raise ValueError(f"invalid chart id: {chart_id!r}")
    if any(value < 0 for _label, value in rows):
        raise ValueError("bar charts of counts take no negative values")

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts: list[str] = []
    if rows:
        top = max(value for _label, value in rows)
        for index, (label, value) in enumerate(rows):
            y = index * _ROW_HEIGHT
            width = _MAX_BAR * value / top if top else 0.0
            parts.append(
                f'<g><text x="0" y="{y + _LABEL_BASELINE}">{_text(label, _MAX_LABEL_CHARS)}</text>'
                f'<rect x="0" y="{y + _BAR_TOP}" width="{_number(width)}" '
                f'height="{_BAR_HEIGHT}" fill="{BAR_FILL}"/>'
                f'<text x="{_number(width + _VALUE_GAP)}" y="{y + _BAR_TOP + _BAR_HEIGHT - 3}">'
                f"{_text(number_format(value))}</text></g>"
            )
        height = len(rows) * _ROW_HEIGHT
    else:
        parts.append(f'<text x="0" y="{_LABEL_BASELINE + 4}">{_text(empty_message)}</text>')
        height = _ROW_HEIGHT
    return Markup(  # noqa: S704 - every interpolated string above went through _text/escape
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {VIEW_WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" class="chart">'
        f'<title id="{title_id}">{_text(title)}</title>'
        f'<desc id="{desc_id}">{_text(description)}</desc>'
        f'<g font-family="system-ui, sans-serif" font-size="{_FONT_SIZE}" fill="{TEXT_FILL}">'
        f"{''.join(parts)}</g></svg>"
    )
