"""The design system's tokens, read from the stylesheet itself so that the styleguide page and
the contrast tests see exactly what browsers get (there is no second list to drift)."""

import re
from functools import cache
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "townhall.css"
_ROOT = re.compile(r":root\s*\{(?P<body>[^}]*)\}", re.S)
_PROPERTY = re.compile(r"--(?P<name>[a-z0-9-]+)\s*:\s*(?P<value>[^;]+);")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


@cache
def tokens(path: Path = STYLESHEET) -> dict[str, str]:
    """`{name: value}` of the custom properties in the first `:root` block, in order."""
    match = _ROOT.search(_COMMENT.sub("", path.read_text(encoding="utf-8")))
    if match is None:
        return {}
    return {m["name"]: m["value"].strip() for m in _PROPERTY.finditer(match["body"])}


def colours(path: Path = STYLESHEET) -> dict[str, str]:
    return {name: value for name, value in tokens(path).items() if _HEX.match(value)}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio, from 1 to 21."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
