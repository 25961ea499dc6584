"""The engine's messages, as message ids for the edge to translate.

The engine (`app.caremap`) imports nothing from the web stack: its messages are plain msgids with
parameters. Listing them here puts them in the catalogues, and `issue_message()` turns one problem
of a file into a `Message` that names the file, translated where it is shown (a form's errors, a
problem+json body) in the reader's language.
"""

from app.caremap import CareDataError, CareIssue
from app.i18n import N_, Message

ENGINE_MESSAGES = (
    N_("Missing column %(field)s"),
    N_("Row %(row)s, field %(field)s: a value is required"),
    N_("Row %(row)s, field %(field)s: %(value)s is not a number"),
    N_("Row %(row)s, field %(field)s: %(value)s is outside %(min)s to %(max)s"),
    N_("Row %(row)s, field %(field)s: %(value)s must not be negative"),
    N_("Row %(row)s, field %(field)s: unknown value %(value)s (expected one of %(allowed)s)"),
    N_("Row %(row)s, field %(field)s: duplicate id %(value)s (first on row %(first)s)"),
    N_("Row %(row)s has %(count)s fields but the header has %(expected)s"),
    N_("The file has no header row"),
    N_("The file has no data rows"),
    N_("Column %(field)s appears twice"),
    N_("Not valid JSON: %(error)s"),
    N_("The file is not a GeoJSON FeatureCollection"),
    N_("Row %(row)s, field %(field)s: expected a Point"),
    N_("Row %(row)s, field %(field)s: expected a Polygon or MultiPolygon"),
    N_("Row %(row)s, field %(field)s: a ring needs at least 3 distinct positions"),
    N_("Row %(row)s, field %(field)s: coordinates must be [lon, lat] numbers"),
    N_("Row %(row)s, field %(field)s: no unit has the id %(value)s"),
    N_("Row %(row)s, field %(field)s: no %(kind)s has the id %(value)s"),
    N_("Counts per unit need the territorial units file"),
    N_("Unknown method %(value)s; expected one of %(allowed)s"),
    N_("Unknown cost unit %(value)s"),
    N_("The catchment for %(group)s must be a positive number"),
    N_("The target for %(group)s must be zero or a positive number"),
    N_("Unknown decay %(value)s"),
    N_("Sigma must be a positive number"),
    N_("Gravity beta, scale and minimum distance must be positive"),
    N_("Step decay needs at least one threshold:weight pair"),
    N_("Step thresholds must be strictly increasing"),
    N_("Step weights must be positive"),
    N_("The last step threshold %(value)s is below the catchment of %(group)s"),
    N_("Costs in minutes need a cost table"),
)
_KIND_WORDS = {"unit": N_("unit"), "demand point": N_("demand point"), "facility": N_("facility")}
MAX_SHOWN_ISSUES = 20


def issue_message(issue: CareIssue) -> Message:
    """One problem of a file, starting with the file's name."""
    params: dict[str, object] = dict(issue.all_params())
    kind = params.get("kind")
    if isinstance(kind, str) and kind in _KIND_WORDS:
        params["kind"] = Message(_KIND_WORDS[kind])
    problem = Message(issue.msgid, **params)
    return Message(N_("%(file)s: %(problem)s"), file=issue.file, problem=problem)


def data_error_messages(exc: CareDataError) -> list[str]:
    shown: list[str] = [issue_message(i) for i in exc.issues[:MAX_SHOWN_ISSUES]]
    hidden = len(exc.issues) - len(shown)
    if hidden > 0 or exc.truncated:
        shown.append(N_("…and more problems in the same file, not listed here."))
    return shown
