"""Which routes share a logged-in copy, and that none decides anything about its reader before
building it: a stored copy is served before any route runs (web/fragment_hits.py), so a check in
a dependency (a team membership, an author's right) would be skipped for the next reader of the
same role. Such checks belong inside the page's `build`, where the stand-in reader refuses to
answer them and the page becomes that reader's own."""

import inspect
from typing import Any

from fastapi.dependencies.models import Dependant

from tests.test_db import _api_routes

# Dependencies that read nothing of the reader beyond finding who they are.
NEUTRAL = {"get_session", "optional_user", "verify_csrf", "_filters"}

SHARED = {
    "/sessions/{session_id}",
    "/contributions",
    "/contributions/{contribution_id:int}",
    "/forums",
    "/caremap/runs/{run_id}/panel",
    "/sessions/{session_id}/minutes",
    "/documents/{document_id}",
    "/documents/{document_id}/v",
    "/documents/{document_id}/v/{number}",
    "/documents/{document_id}/v/{number}/diff",
    "/documents/{document_id}/listening-report",
}


def _calls(dependant: Dependant) -> set[str]:
    found: set[str] = set()
    for sub in dependant.dependencies:
        if sub.call is not None:
            found.add(getattr(sub.call, "__name__", repr(sub.call)))
        found |= _calls(sub)
    return found


def test_shared_pages_decide_nothing_about_their_reader_in_a_dependency(app: Any) -> None:
    shared = {}
    for route in _api_routes(list(app.routes)):
        if "GET" not in route.methods:
            continue
        if "fragments.page(" in inspect.getsource(inspect.unwrap(route.endpoint)):
            shared[route.path] = _calls(route.dependant)
    assert set(shared) == SHARED
    for path, calls in shared.items():
        assert calls <= NEUTRAL, (path, calls - NEUTRAL)
