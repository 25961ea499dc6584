"""The design system's colours meet WCAG 2.1 AA: every text colour on every background it is
used on reaches 4.5:1, and borders, focus rings and controls that must be seen reach 3:1.

The colours are read from the stylesheet (app/lib/designtokens), so a token changed in the CSS
is checked here without touching this file; the pairs below say where each one is used."""

import pytest

from app.lib import designtokens
from app.lib.designtokens import contrast

# (foreground token, background token): text, so 4.5:1.
TEXT_PAIRS = [
    ("ink", "bg"),
    ("ink", "panel"),
    ("muted", "bg"),
    ("muted", "panel"),
    ("accent", "bg"),
    ("accent", "panel"),
    ("accent-dark", "bg"),
    ("accent-dark", "accent-tint"),  # kind chips, the current step
    ("accent", "accent-tint"),  # tab links over a tinted block
    ("danger", "bg"),
    ("danger", "danger-tint"),  # hidden and rejected chips
    ("success", "success-tint"),  # published and upcoming chips
    ("warning", "warning-tint"),  # pending chips
    ("muted", "panel"),  # ended chips
    ("header-ink", "header-bg"),  # every link and button of the header
    ("bg", "accent"),  # primary buttons
    ("bg", "accent-dark"),  # primary buttons on hover, badges
    ("bg", "danger"),  # danger buttons
    ("bg", "live"),  # the "live now" chip
    ("bg", "success"),  # a pressed endorse button
    ("bg", "ink"),  # the skip link
]
# (foreground, background): non-text contrast (WCAG 1.4.11), so 3:1.
UI_PAIRS = [
    ("focus", "header-bg"),  # the focus ring in the header
    ("ink", "focus"),  # the dark ring drawn around the focus colour on light pages
    ("line-strong", "bg"),  # chip and step outlines
    ("muted", "bg"),  # input borders
    ("accent", "bg"),  # the current tab's underline and step border
    ("header-ink", "header-bg"),  # the menu button's border
]


def test_the_tokens_are_read_from_the_stylesheet() -> None:
    colours = designtokens.colours()
    for name in {n for pair in TEXT_PAIRS + UI_PAIRS for n in pair}:
        assert name in colours, f"--{name} is not a colour of the stylesheet's :root"
    tokens = designtokens.tokens()
    for family in ("space-", "step-", "radius-"):
        assert any(name.startswith(family) for name in tokens), family


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS, ids=[f"{f} on {b}" for f, b in TEXT_PAIRS])
def test_text_colours_reach_4_5_to_1(fg: str, bg: str) -> None:
    colours = designtokens.colours()
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= 4.5, f"--{fg} {colours[fg]} on --{bg} {colours[bg]}: {ratio:.2f}:1"


@pytest.mark.parametrize(("fg", "bg"), UI_PAIRS, ids=[f"{f} on {b}" for f, b in UI_PAIRS])
def test_borders_and_focus_reach_3_to_1(fg: str, bg: str) -> None:
    colours = designtokens.colours()
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= 3, f"--{fg} {colours[fg]} on --{bg} {colours[bg]}: {ratio:.2f}:1"


@pytest.mark.parametrize(
    ("fg", "bg", "expected"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48)],
)
def test_contrast_matches_the_wcag_formula(fg: str, bg: str, expected: float) -> None:
    assert contrast(fg, bg) == pytest.approx(expected, abs=0.01)
