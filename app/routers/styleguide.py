"""/styleguide: every component of the design system with the real macros, for the people who
build pages. Staff only, or anyone when the server runs in debug mode."""

from datetime import date, timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse

from app import i18n, permissions
from app.config import Settings
from app.deps import OptionalUser, ensure
from app.i18n import N_, get_locale
from app.lib import designtokens
from app.models.forums import Milestone
from app.routers.apiutil import pages_router
from app.services import phases
from app.services.phases import SESSION_STATUS_LABELS, STEP_STATE_LABELS
from app.templating import render

pages = pages_router()

EXAMPLE_ERRORS = {"title": [N_("Enter a title.")]}


def _example_steps() -> list[phases.Step]:
    today = date.today()
    titles = [N_("Listening sessions"), N_("Drafting the policy document"), N_("World Congress")]
    milestones = [
        # In the reader's language: the styleguide is read, never stored.
        Milestone(
            forum_id=0,
            title={get_locale(): i18n.translate(title)},
            starts_on=today + timedelta(days=offset),
        )
        for title, offset in zip(titles, (-60, -5, 30), strict=True)
    ]
    return phases.steps(milestones, today=today)


@pages.get("/styleguide", response_class=HTMLResponse)
def styleguide(request: Request, user: OptionalUser) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    if not settings.debug:
        ensure(permissions.can_manage_content(user), user)
    tokens = designtokens.tokens()
    return render(
        request,
        "styleguide/index.html",
        {
            "colours": designtokens.colours(),
            "spacing": {k: v for k, v in tokens.items() if k.startswith("space-")},
            "type_scale": {k: v for k, v in tokens.items() if k.startswith("step-")},
            "radii": {k: v for k, v in tokens.items() if k.startswith("radius-")},
            "status_labels": SESSION_STATUS_LABELS,
            "step_labels": STEP_STATE_LABELS,
            "errors": EXAMPLE_ERRORS,
            "example_steps": _example_steps(),
        },
    )
