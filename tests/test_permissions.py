"""Who may do what, through HTTP as each person would: one grid of role × state × action (the
runner is tests/grids.py), covering every state-changing route, and the visibility rules."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from app.web.errors import all_routes
from tests import factories, grids
from tests.conftest import PASSWORD
from tests.grids import (
    ADMIN,
    ANYONE,
    GRID_USER_EMAIL,
    LOGGED_IN,
    STAFF,
    SUPPLY,
    Case,
    grid,
    parametrize,
    roles,
)
from tests.policy import (
    grid_amendments,
    grid_comments,
    grid_history,
    grid_io,
    grid_pages,
    grid_reviews,
    grid_sources,
    grid_stages,
)

# -- the grid: every state-changing route, and the pages that are not for everyone -----------

FORUM = {"kind": "event", "title": {"en": "Grid forum"}}
FORUM_FORM = {"kind": "event", "title.en": "Grid forum", "timezone": "UTC"}
SESSION = {
    "forum_id": "{forum_id}",
    "title": {"en": "S"},
    "type": "workshop",
    "format": "online",
    "starts_at": "2025-05-03T15:00:00",
    "timezone": "UTC",
    "duration_minutes": 60,
    "online_url": "https://meet.example.org/s",
}
SESSION_FORM = {
    "title.en": "S",
    "type": "workshop",
    "format": "online",
    "starts_at": "2025-05-03T15:00",
    "timezone": "UTC",
    "duration_minutes": "60",
    "online_url": "https://meet.example.org/s",
}
SEGMENT = {"title": {"en": "Closing"}, "planned_minutes": 10}
SEGMENT_FORM = {"title.en": "Closing", "planned_minutes": "10"}
THEME = {"kind": "theme", "code": "9", "title": {"en": "Care"}}
THEME_FORM = {"kind": "theme", "code": "9", "title.en": "Care"}
MILESTONE = {"title": {"en": "World Congress"}, "starts_on": "2026-10-01"}
MILESTONE_FORM = {"title.en": "World Congress", "starts_on": "2026-10-01"}
CAUCUS = {"code": "migrants", "name": {"en": "Migrants caucus"}}
CAUCUS_FORM = {"code": "migrants", "name.en": "Migrants caucus"}
PROPOSAL = {
    "forum_id": "{forum_id}",
    "title": "Care in the budget",
    "body": "Count community care in municipal budgets.",
    "language": "en",
}
PROPOSAL_FORM = PROPOSAL | {
    "author_name": "Ana",
    "author_email": "ana@example.org",
    "consent": "true",
    "accept_privacy": "true",
}
TERRITORY_FORM = {"name.en": "Rosario"}
CROWD = {"kind": "need", "care_group": "older_persons", "lon": -56.2, "lat": -34.85}
PIN = {
    "run_id": "{run_id}",
    "care_group": "older_persons",
    "target_kind": "session",
    "target_id": "{session_id}",
}
EML = (
    b"From: Ana <ana@example.org>\r\nTo: townhall@example.org\r\nSubject: Care\r\n"
    b"Message-ID: <grid@example.org>\r\nDate: Tue, 1 Feb 2022 10:00:00 +0000\r\n\r\n"
    b"Community kitchens need support from the city.\r\n"
)

RUN_FORM = {
    f"{name}.{group}": value
    for group in ("children_0_5", "older_persons", "persons_with_disabilities")
    for name, value in (("catchment_m", "1000"), ("targets_per_1000", "10"))
} | {"method": "2sfca", "spheres": ["public", "private", "community", "family"]}
REP_FORM = {"role": "caucus_rep", "caucus_ids": "{caucus_id}"}

C = Case
ACCOUNTS = grid(
    [
        C("POST", "/login", ANYONE, 303, form={"email": GRID_USER_EMAIL, "password": PASSWORD}),
        C("POST", "/logout", ANYONE, 303),
        C(
            "POST",
            "/register",
            ANYONE,
            303,
            form={
                "email": "new@example.org",
                "display_name": "New",
                "password": PASSWORD,
                "accept_privacy": "true",
            },
        ),
        C(
            "POST",
            "/invitations/{token}",
            ANYONE,
            303,
            form={"display_name": "Invited", "password": PASSWORD, "accept_privacy": "true"},
        ),
        C(
            "POST",
            "/api/v1/auth/login",
            ANYONE,
            200,
            json={"email": GRID_USER_EMAIL, "password": PASSWORD},
        ),
        C(
            "POST",
            "/api/v1/auth/register",
            ANYONE,
            202,
            json={
                "email": "new@example.org",
                "display_name": "New",
                "password": PASSWORD,
                "accept_privacy": True,
            },
        ),
        C("POST", "/api/v1/auth/logout", ANYONE, 204),
        C(
            "POST",
            "/users/invite",
            STAFF,
            201,
            form={"email": "x@example.org", "role": "participant"},
        ),
        C("POST", "/users/{user_id}", STAFF, 303, form=REP_FORM),
        C(
            "POST",
            "/api/v1/users",
            STAFF,
            201,
            json={"email": "y@example.org", "display_name": "Y", "password": PASSWORD},
        ),
        C(
            "PUT",
            "/api/v1/users/{user_id}/role",
            STAFF,
            200,
            json={"role": "caucus_rep", "caucus_ids": ["{caucus_id}"]},
        ),
        C("POST", "/api/v1/invitations", STAFF, 201, json={"email": "z@example.org"}),
        C("GET", "/users", STAFF, 200),
        C("GET", "/api/v1/users", STAFF, 200),
        C("GET", "/api/v1/invitations", STAFF, 200),
        C("GET", "/audit", ADMIN, 200),
        C("GET", "/api/v1/audit", ADMIN, 200),
        C("GET", "/account", LOGGED_IN, 200),
        C(
            "POST",
            "/account/password",
            LOGGED_IN,
            303,
            form={"current_password": PASSWORD, "new_password": "another long passphrase 9"},
        ),
        C("POST", "/account/profile", LOGGED_IN, 303, form={"display_name": "Renamed"}),
        C("POST", "/account/confirmation", LOGGED_IN, 303),
        C("GET", "/account/proposals", LOGGED_IN, 200),
        C("GET", "/me/caucus", LOGGED_IN, 200),
        C("GET", "/caucuses/{caucus_id}/workspace", STAFF, 200),
        # A new account's address is not confirmed yet: nothing can be attached to it.
        C(
            "POST",
            "/account/proposals",
            LOGGED_IN,
            409,
            form={"contribution_ids": "{pending_id}"},
            state="unconfirmed",
        ),
        C("POST", "/confirm-email/{confirm_token}", ANYONE, 303),
        C("POST", "/forgot-password", ANYONE, 303, form={"email": GRID_USER_EMAIL}),
        C(
            "POST",
            "/reset-password/{reset_token}",
            ANYONE,
            303,
            form={"new_password": "another long passphrase 9"},
        ),
        C(
            "PUT",
            "/api/v1/me/password",
            LOGGED_IN,
            204,
            json={"current_password": PASSWORD, "new_password": "another long passphrase 9"},
        ),
        # A download link for this account and session (tests/routers/test_data_export.py).
        C("POST", "/account/export", LOGGED_IN, 303),
        C("GET", "/api/v1/me/export", LOGGED_IN, 200),
        C("POST", "/account/delete", LOGGED_IN, 303, form={"password": PASSWORD}),
        C("DELETE", "/api/v1/me", LOGGED_IN, 204, json={"password": PASSWORD}),
    ]
)

PROGRAMME = grid(
    [
        C("POST", "/forums/new", STAFF, 303, form=FORUM_FORM),
        C("POST", "/forums/{forum_id}/edit", STAFF, 303, form=FORUM_FORM),
        C("POST", "/forums/{forum_id}/delete", STAFF, 303),
        C("POST", "/forums/{forum_id}/themes", STAFF, 303, form=THEME_FORM),
        C("POST", "/forums/{forum_id}/themes/{theme_id}/delete", STAFF, 303),
        C("POST", "/forums/{forum_id}/milestones", STAFF, 303, form=MILESTONE_FORM),
        C("POST", "/forums/{forum_id}/milestones/{milestone_id}/delete", STAFF, 303),
        C("POST", "/api/v1/forums", STAFF, 201, json=FORUM),
        C("PUT", "/api/v1/forums/{forum_id}", STAFF, 200, json=FORUM),
        C("DELETE", "/api/v1/forums/{forum_id}", STAFF, 204),
        C("POST", "/api/v1/forums/{forum_id}/themes", STAFF, 201, json=THEME),
        C("DELETE", "/api/v1/forums/{forum_id}/themes/{theme_id}", STAFF, 204),
        C("POST", "/api/v1/forums/{forum_id}/milestones", STAFF, 201, json=MILESTONE),
        C("DELETE", "/api/v1/forums/{forum_id}/milestones/{milestone_id}", STAFF, 204),
        C("POST", "/forums/{forum_id}/sessions/new", STAFF, 303, form=SESSION_FORM),
        C("POST", "/sessions/{session_id}/edit", STAFF, 303, form=SESSION_FORM),
        C("POST", "/sessions/{session_id}/delete", STAFF, 303),
        C("POST", "/sessions/{session_id}/segments/new", STAFF, 303, form=SEGMENT_FORM),
        C(
            "POST",
            "/sessions/{session_id}/segments/{segment_id}/edit",
            STAFF,
            303,
            form=SEGMENT_FORM,
        ),
        C(
            "POST",
            "/sessions/{session_id}/segments/{segment_id}/move",
            STAFF,
            303,
            params={"step": 1},
        ),
        C("POST", "/sessions/{session_id}/segments/{segment_id}/delete", STAFF, 303),
        C("POST", "/api/v1/sessions", STAFF, 201, json=SESSION),
        C("PUT", "/api/v1/sessions/{session_id}", STAFF, 200, json=SESSION),
        C("DELETE", "/api/v1/sessions/{session_id}", STAFF, 204),
        C("POST", "/api/v1/sessions/{session_id}/segments", STAFF, 201, json=SEGMENT),
        C("PUT", "/api/v1/sessions/{session_id}/segments/{segment_id}", STAFF, 200, json=SEGMENT),
        C("DELETE", "/api/v1/sessions/{session_id}/segments/{segment_id}", STAFF, 204),
        C("POST", "/speakers/new", STAFF, 303, form={"name": "Sri Sofjan"}),
        C("POST", "/speakers/{speaker_id}/edit", STAFF, 303, form={"name": "Sri Sofjan"}),
        C("POST", "/speakers/{speaker_id}/delete", STAFF, 303),
        C(
            "POST",
            "/organisations/new",
            STAFF,
            303,
            form={"name": "Huairou Commission", "type": "civil_society"},
        ),
        C(
            "POST",
            "/organisations/{org_id}/edit",
            STAFF,
            303,
            form={"name": "Huairou Commission", "type": "civil_society"},
        ),
        C("POST", "/organisations/{org_id}/delete", STAFF, 303),
        C("POST", "/api/v1/speakers", STAFF, 201, json={"name": "Sri Sofjan"}),
        C("PUT", "/api/v1/speakers/{speaker_id}", STAFF, 200, json={"name": "Sri Sofjan"}),
        C("DELETE", "/api/v1/speakers/{speaker_id}", STAFF, 204),
        C(
            "POST",
            "/api/v1/organisations",
            STAFF,
            201,
            json={"name": "Huairou Commission", "type": "civil_society"},
        ),
        C(
            "PUT",
            "/api/v1/organisations/{org_id}",
            STAFF,
            200,
            json={"name": "Huairou Commission", "type": "civil_society"},
        ),
        C("DELETE", "/api/v1/organisations/{org_id}", STAFF, 204),
        C("POST", "/caucuses/new", STAFF, 303, form=CAUCUS_FORM),
        C("POST", "/caucuses/{caucus_id}/edit", STAFF, 303, form=CAUCUS_FORM),
        C("POST", "/caucuses/{caucus_id}/delete", STAFF, 303),
        C("POST", "/caucuses/{caucus_id}/members", STAFF, 303, form={"speaker_id": "{speaker_id}"}),
        C("POST", "/caucuses/{caucus_id}/members/{speaker_id}/delete", STAFF, 303),
        C("POST", "/api/v1/caucuses", STAFF, 201, json=CAUCUS),
        C("PUT", "/api/v1/caucuses/{caucus_id}", STAFF, 200, json=CAUCUS),
        C("DELETE", "/api/v1/caucuses/{caucus_id}", STAFF, 204),
        C(
            "PUT",
            "/api/v1/caucuses/{caucus_id}/members",
            STAFF,
            200,
            json={"speaker_id": "{speaker_id}"},
        ),
        C("DELETE", "/api/v1/caucuses/{caucus_id}/members/{speaker_id}", STAFF, 204),
        C("GET", "/forums/new", STAFF, 200),
        C("GET", "/speakers/new", STAFF, 200),
        C("GET", "/caucuses/new", STAFF, 200),
        C("GET", "/organisations/new", STAFF, 200),
        C("GET", "/api/v1/forums", ANYONE, 200),
    ]
)

CONTRIBUTIONS = grid(
    [
        # Without an account the proposal waits for moderation and the receipt page says so.
        C("POST", "/contributions/new", LOGGED_IN, 303, form=PROPOSAL_FORM, anonymous=201),
        C(
            "POST",
            "/contributions/{contribution_id:int}/endorse",
            LOGGED_IN,
            303,
            state="published",
        ),
        C(
            "POST",
            "/contributions/{contribution_id:int}/report",
            LOGGED_IN,
            303,
            form={"reason": "spam"},
            state="published",
        ),
        C(
            "POST",
            "/api/v1/contributions",
            ANYONE,
            201,
            json=PROPOSAL
            | {
                "author_name": "Ana",
                "author_email": "ana@example.org",
                "consent": True,
                "accept_privacy": True,
            },
        ),
        C(
            "PUT",
            "/api/v1/contributions/{contribution_id}/endorsement",
            LOGGED_IN,
            200,
            state="published",
        ),
        C(
            "DELETE",
            "/api/v1/contributions/{contribution_id}/endorsement",
            LOGGED_IN,
            200,
            state="published",
        ),
        C(
            "POST",
            "/api/v1/contributions/{contribution_id}/reports",
            LOGGED_IN,
            204,
            json={"reason": "spam"},
            state="published",
        ),
        # A contribution one may not see is, to them, one that does not exist.
        C(
            "PUT",
            "/api/v1/contributions/{contribution_id}/endorsement",
            STAFF,
            409,
            path="/api/v1/contributions/{pending_id}/endorsement",
            state="pending",
            refused=404,
            anonymous=401,
        ),
        C(
            "POST",
            "/contributions/{contribution_id:int}/moderate",
            STAFF,
            303,
            path="/contributions/{pending_id}/moderate",
            form={"action": "accept"},
            state="pending",
        ),
        C(
            "POST",
            "/api/v1/contributions/{contribution_id}/moderation",
            STAFF,
            200,
            path="/api/v1/contributions/{pending_id}/moderation",
            json={"action": "accept"},
            state="pending",
        ),
        C(
            "POST",
            "/api/v1/contributions/{contribution_id}/moderation",
            STAFF,
            200,
            path="/api/v1/contributions/{hidden_id}/moderation",
            json={"action": "restore"},
            state="hidden",
        ),
        C(
            "POST",
            "/forums/{forum_id}/import-mail",
            STAFF,
            200,
            files={"files": ("a.eml", EML, "message/rfc822")},
        ),
        C("POST", "/sessions/{session_id}/live/open", STAFF, 303),
        C("POST", "/sessions/{session_id}/live/close", STAFF, 303),
        C("PUT", "/api/v1/sessions/{session_id}/live", STAFF, 200, json={"is_open": True}),
        C(
            "POST",
            "/sessions/{session_id}/live/remarks",
            LOGGED_IN,
            303,
            state="open",
            form={"body": "Libraries can be care hubs.", "kind": "remark"},
        ),
        C(
            "POST",
            "/api/v1/sessions/{session_id}/live/remarks",
            LOGGED_IN,
            201,
            state="open",
            json={"body": "Libraries can be care hubs.", "kind": "remark"},
        ),
        C("GET", "/api/v1/contributions/{contribution_id}", ANYONE, 200, state="published"),
        C(
            "GET",
            "/api/v1/contributions/{contribution_id}",
            STAFF,
            200,
            path="/api/v1/contributions/{pending_id}",
            state="pending",
            refused=404,
            anonymous=404,
        ),
        C(
            "GET",
            "/api/v1/contributions/{contribution_id}",
            STAFF,
            200,
            path="/api/v1/contributions/{hidden_id}",
            state="hidden",
            refused=404,
            anonymous=404,
        ),
        C("GET", "/moderation", STAFF, 200),
        C("GET", "/api/v1/moderation/queue", STAFF, 200),
        C(
            "POST",
            "/moderation/decisions",
            STAFF,
            303,
            form={"ids": "{pending_id}", "action": "accept"},
            state="pending",
        ),
        C(
            "POST",
            "/api/v1/moderation/decisions",
            STAFF,
            200,
            json={"ids": ["{pending_id}"], "action": "accept"},
            state="pending",
        ),
        C(
            "POST",
            "/contributions/{contribution_id:int}/edit",
            STAFF,
            303,
            path="/contributions/{contribution_id}/edit",
            form={"theme_ids": "", "session_id": "", "caucus_id": ""},
            state="published",
        ),
        C(
            "PATCH",
            "/api/v1/contributions/{contribution_id}",
            STAFF,
            200,
            json={"theme_ids": []},
            state="published",
        ),
        C(
            "POST",
            "/contributions/{contribution_id:int}/answer",
            STAFF,
            303,
            path="/contributions/{contribution_id}/answer",
            form={"answer": "The budget will include it."},
            state="published",
        ),
        C(
            "PUT",
            "/api/v1/contributions/{contribution_id}/answer",
            STAFF,
            200,
            json={"answer": "The budget will include it."},
            state="published",
        ),
        C("GET", "/sessions/{session_id}/for-minutes", STAFF, 200),
        C("GET", "/api/v1/sessions/{session_id}/for-minutes", STAFF, 200),
    ]
)

CAREMAP = grid(
    [
        C("POST", "/caremap/territories", STAFF, 303, form=TERRITORY_FORM),
        C("POST", "/caremap/territories/{territory_id}/edit", STAFF, 303, form=TERRITORY_FORM),
        C(
            "POST",
            "/caremap/territories/{territory_id}/datasets",
            STAFF,
            303,
            form={"kind": "supply", "source": "Test", "licence": "CC0"},
            files={"file": ("supply.csv", SUPPLY, "text/csv")},
        ),
        C("POST", "/caremap/territories/{territory_id}/runs", STAFF, 303, form=RUN_FORM),
        C(
            "POST",
            "/caremap/territories/{territory_id}/reports",
            LOGGED_IN,
            303,
            form={k: str(v) for k, v in CROWD.items()},
        ),
        C("POST", "/caremap/reports/{report_id}/verify", STAFF, 303, state="pending"),
        C(
            "POST",
            "/caremap/reports/{report_id}/reject",
            STAFF,
            303,
            form={"reason": "Duplicate"},
            state="pending",
        ),
        C("POST", "/caremap/pins", STAFF, 303, form=PIN),
        C("POST", "/caremap/pins/{pin_id}/delete", STAFF, 303),
        C("POST", "/api/v1/caremap/territories", STAFF, 201, json={"name": {"en": "Bogotá"}}),
        C(
            "PUT",
            "/api/v1/caremap/territories/{territory_id}",
            STAFF,
            200,
            json={"name": {"en": "Montevideo"}},
        ),
        C(
            "POST",
            "/api/v1/caremap/territories/{territory_id}/datasets",
            STAFF,
            201,
            params={"kind": "supply", "source": "Test", "licence": "CC0"},
            content=SUPPLY,
        ),
        C("POST", "/api/v1/caremap/territories/{territory_id}/runs", STAFF, 201, json={}),
        C("POST", "/api/v1/caremap/pins", STAFF, 201, json=PIN),
        C("DELETE", "/api/v1/caremap/pins/{pin_id}", STAFF, 204),
        C("POST", "/api/v1/caremap/territories/{territory_id}/reports", LOGGED_IN, 201, json=CROWD),
        C("POST", "/api/v1/caremap/reports/{report_id}/verify", STAFF, 200, state="pending"),
        C(
            "POST",
            "/api/v1/caremap/reports/{report_id}/reject",
            STAFF,
            200,
            json={"reason": "Duplicate"},
            state="pending",
        ),
        C("GET", "/api/v1/caremap/territories", ANYONE, 200),
        C("GET", "/api/v1/caremap/territories/{territory_id}/datasets", ANYONE, 200),
        C("GET", "/api/v1/caremap/runs/{run_id}/units", ANYONE, 200),
        C("GET", "/api/v1/caremap/territories/{territory_id}/map", ANYONE, 200),
        C("GET", "/api/v1/caremap/pins", ANYONE, 200),
        C("GET", "/caremap", ANYONE, 200),
        C("GET", "/caremap/territories/{territory_id}", ANYONE, 200),
        C("GET", "/caremap/territories/{territory_id}/map", ANYONE, 200),
        C("GET", "/caremap/runs/{run_id}", ANYONE, 200),
        C("GET", "/api/v1/caremap/territories/{territory_id}/reports", LOGGED_IN, 200),
        C("GET", "/caremap/territories/{territory_id}/edit", STAFF, 200),
        C("GET", "/caremap/territories/{territory_id}/reports/new", LOGGED_IN, 200),
        C("GET", "/caremap/pins/new", STAFF, 200),
        C("GET", "/caremap/runs/{run_id}/panel", ANYONE, 200),
    ]
)

TK = "/sessions/{session_id}/timekeeper"
TK_API = "/api/v1/sessions/{session_id}/timekeeping"
PAST_LOCAL = "2025-05-03T15:00:00"  # as a datetime-local field sends it: the session's zone
# The world's session has "Welcome" (not started) and "Timed" (under way, a turn open).
TIMEKEEPING = grid(
    [
        C("GET", TK, STAFF, 200),
        C("GET", TK + "/clock", STAFF, 200),
        C("POST", TK + "/segments/{segment_id}/start", STAFF, 303),
        C("POST", TK + "/segments/{segment_id}/end", STAFF, 409, state="not started"),
        C(
            "POST",
            TK + "/segments/{segment_id}/end",
            STAFF,
            303,
            path=TK + "/segments/{timed_segment_id}/end",
            state="under way",
        ),
        C("POST", TK + "/turns", STAFF, 303, form={"speaker_id": "{speaker_id}"}),
        C("POST", TK + "/turns/{turn_id}/end", STAFF, 303),
        C("GET", TK_API, ANYONE, 200),
        C("GET", TK_API + "/balance", ANYONE, 200),
        C("POST", TK_API + "/segments/{segment_id}/start", STAFF, 200),
        C("POST", TK_API + "/segments/{segment_id}/end", STAFF, 409, state="not started"),
        C(
            "POST",
            TK_API + "/segments/{segment_id}/end",
            STAFF,
            200,
            path=TK_API + "/segments/{timed_segment_id}/end",
            state="under way",
        ),
        # The speaker already has the floor: 200 and the same turn.
        C("POST", TK_API + "/turns", STAFF, 200, json={"speaker_id": "{speaker_id}"}),
        C("POST", TK_API + "/turns/{turn_id}/end", STAFF, 200),
        # Corrections afterwards: the record page, a segment's or a turn's times, a removal.
        C("GET", TK + "/record", STAFF, 200),
        C("POST", TK + "/segments/{segment_id}/times", STAFF, 303, form={"actual_start": ""}),
        C("POST", TK + "/turns/{turn_id}/times", STAFF, 303, form={"started_at": PAST_LOCAL}),
        C("POST", TK + "/turns/{turn_id}/delete", STAFF, 303),
        C("PUT", TK_API + "/segments/{segment_id}", STAFF, 200, json={}),
        C("PUT", TK_API + "/turns/{turn_id}", STAFF, 200, json={"started_at": PAST_LOCAL}),
        C("DELETE", TK_API + "/turns/{turn_id}", STAFF, 200),
    ]
)


MN = "/minutes/{minutes_id}"
MN_API = "/api/v1/minutes/{minutes_id}"
ITEM = "/items/{kind}/{item_id}"
DRAFT_V = {"base_version": "{minutes_version}"}
# The world's session has draft minutes (a turn, a decision); other sessions have circulated
# minutes (an attendee's pending correction), published minutes, and none.
MINUTES = grid(
    [
        C(
            "GET",
            "/sessions/{session_id}/minutes",
            STAFF,
            200,
            refused=404,
            anonymous=404,
            state="draft",
        ),
        C(
            "GET",
            "/sessions/{session_id}/minutes",
            ANYONE,
            200,
            path="/sessions/{published_session_id}/minutes",
            state="published",
        ),
        C(
            "POST",
            "/sessions/{session_id}/minutes",
            STAFF,
            303,
            path="/sessions/{bare_session_id}/minutes",
            form={"language": "en"},
        ),
        C("GET", MN + "/edit", STAFF, 200),
        C("POST", MN + "/header", STAFF, 303, form=DRAFT_V | {"language": "en"}),
        C(
            "POST",
            MN + "/items/{kind}",
            STAFF,
            303,
            path=MN + "/items/decision",
            form=DRAFT_V | {"text": "Meet in June"},
        ),
        C(
            "POST",
            MN + ITEM,
            STAFF,
            303,
            path=MN + "/items/turn/{minutes_turn_id}",
            form=DRAFT_V | {"points": "Care is a right"},
        ),
        C(
            "POST",
            MN + ITEM + "/delete",
            STAFF,
            303,
            path=MN + "/items/decision/{minutes_decision_id}/delete",
            form=DRAFT_V,
        ),
        C(
            "POST",
            MN + ITEM + "/move",
            STAFF,
            303,
            path=MN + "/items/block/{minutes_block_id}/move",
            form={"direction": "down"},
        ),
        C(
            "POST",
            MN + "/transitions",
            STAFF,
            303,
            form={"action": "circulate", "until": "2099-01-01T12:00"},
        ),
        C(
            "GET",
            MN + "/corrections",
            STAFF,
            200,
            path="/minutes/{circulated_id}/corrections",
            refused=404,
            anonymous=404,
            state="circulated",
        ),
        # Nobody in the grid attended: published minutes are readable, proposing is refused.
        C(
            "POST",
            MN + "/corrections",
            frozenset(),
            201,
            path="/minutes/{published_id}/corrections",
            form={"item_kind": "decision", "item_id": "1", "replacement": "x", "reason": "y"},
            state="published",
        ),
        C(
            "POST",
            MN + "/corrections/{correction_id}/decision",
            STAFF,
            303,
            path="/minutes/{circulated_id}/corrections/{minutes_correction_id}/decision",
            form={"action": "accept"},
        ),
        C(
            "POST",
            "/api/v1/sessions/{session_id}/minutes",
            STAFF,
            201,
            path="/api/v1/sessions/{bare_session_id}/minutes",
            json={},
        ),
        C(
            "GET",
            "/api/v1/sessions/{session_id}/minutes",
            STAFF,
            200,
            refused=404,
            anonymous=404,
            state="draft",
        ),
        C("GET", MN_API, STAFF, 200, refused=404, anonymous=404, state="draft"),
        C("GET", MN_API, ANYONE, 200, path="/api/v1/minutes/{published_id}", state="published"),
        C("PUT", MN_API, STAFF, 200, json={"base_version": "{minutes_version}", "language": "en"}),
        C(
            "POST",
            MN_API + "/items/{kind}",
            STAFF,
            201,
            path=MN_API + "/items/decision",
            json={"base_version": "{minutes_version}", "text": "Meet in June"},
        ),
        C(
            "PUT",
            MN_API + ITEM,
            STAFF,
            200,
            path=MN_API + "/items/turn/{minutes_turn_id}",
            json={"base_version": "{minutes_version}", "points": ["Care is a right"]},
        ),
        C(
            "DELETE",
            MN_API + ITEM,
            STAFF,
            200,
            path=MN_API + "/items/decision/{minutes_decision_id}",
            params={"base_version": "{minutes_version}"},
        ),
        C(
            "POST",
            MN_API + ITEM + "/move",
            STAFF,
            200,
            path=MN_API + "/items/block/{minutes_block_id}/move",
            json={"direction": "down"},
        ),
        C(
            "POST",
            MN_API + "/transitions",
            STAFF,
            200,
            json={"action": "circulate", "until": "2099-01-01T12:00:00Z"},
        ),
        C(
            "POST",
            MN_API + "/corrections",
            frozenset(),
            201,
            path="/api/v1/minutes/{published_id}/corrections",
            json={"item_kind": "decision", "item_id": 1, "replacement": "x", "reason": "y"},
            state="published",
        ),
        C(
            "POST",
            MN_API + "/corrections/{correction_id}/decision",
            STAFF,
            200,
            path="/api/v1/minutes/{circulated_id}/corrections/{minutes_correction_id}/decision",
            json={"action": "accept"},
        ),
    ]
)


DOC_API = "/api/v1/documents/{document_id}"
SECTION_API = "/api/v1/sections/{section_id}"
# The grid's accounts are not on the world's drafting team: for them the document does not
# exist (404) until part 2 publishes documents; staff reach everything.
POLICY = grid(
    [
        C(
            "POST",
            "/api/v1/documents",
            STAFF,
            201,
            json={"forum_id": "{forum_id}", "title": {"en": "Care paper"}, "language": "en"},
        ),
        C("GET", DOC_API, STAFF, 200, refused=404, anonymous=404),
        C(
            "POST",
            DOC_API + "/team",
            STAFF,
            201,
            json={"user_id": "{user_id}", "role": "editor"},
            refused=404,
        ),
        C(
            "POST",
            DOC_API + "/sections",
            STAFF,
            201,
            json={"title": "Financing", "body": "Who pays."},
            refused=404,
        ),
        C("GET", SECTION_API, STAFF, 200, refused=404, anonymous=404),
        C(
            "PUT",
            SECTION_API,
            STAFF,
            200,
            json={"body": "Care is a right of all.", "base_version": "{section_version}"},
            refused=404,
        ),
        C("POST", SECTION_API + "/revert", STAFF, 200, json={"revision": 1}, refused=404),
        C("GET", SECTION_API + "/revisions", STAFF, 200, refused=404, anonymous=404),
        C("GET", SECTION_API + "/blame", STAFF, 200, refused=404, anonymous=404),
        C("GET", SECTION_API + "/diff", STAFF, 200, refused=404, anonymous=404),
    ]
)


# Policy documents' later parts keep their cases beside their tests.
POLICY_PARTS = [
    *grid_pages.CASES,
    *grid_history.CASES,
    *grid_amendments.CASES,
    *grid_comments.CASES,
    *grid_io.CASES,
    *grid_reviews.CASES,
    *grid_stages.CASES,
    *grid_sources.CASES,
]
EVERY_CASE = [
    *ACCOUNTS,
    *PROGRAMME,
    *CONTRIBUTIONS,
    *CAREMAP,
    *TIMEKEEPING,
    *MINUTES,
    *POLICY,
    *POLICY_PARTS,
]


@roles
@parametrize(EVERY_CASE)
def test_grid(
    client: TestClient,
    db: Session,
    login_as: Callable[..., Any],
    role: Role | None,
    case: Case,
) -> None:
    grids.run(client, db, login_as, role, case)


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_state_changing_route_is_in_a_grid(app: Any) -> None:
    declared = {
        (method, grids.route_shape(route.path))
        for route in all_routes(app.routes)
        for method in (getattr(route, "methods", None) or set()) & WRITE_METHODS
    }
    missing = sorted(declared - grids.covered())
    assert not missing, f"routes no grid covers: {missing}"


def test_edit_links_only_show_to_staff(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    assert "Edit forum" not in client.get(f"/forums/{forum.id}").text
    login_as(Role.participant)
    assert "Edit forum" not in client.get(f"/forums/{forum.id}").text
    login_as(Role.secretariat)
    assert "Edit forum" in client.get(f"/forums/{forum.id}").text


@roles
def test_speaker_contact_details_are_for_the_secretariat_only(
    client: TestClient, db: Session, login_as: Callable[..., Any], role: Role | None
) -> None:
    speaker = factories.speaker(db)  # rosa@example.org, +33 1 23 45 67 89
    if role is not None:
        login_as(role)
    page = client.get(f"/speakers/{speaker.id}").text
    one = client.get(f"/api/v1/speakers/{speaker.id}").text
    listing = client.get("/api/v1/speakers").text
    visible = role in STAFF
    for body in (page, one, listing):
        assert ("rosa@example.org" in body) is visible
        assert ("23 45 67 89" in body) is visible


def test_authors_see_their_own_pending_contribution_and_not_others(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    author = login_as(Role.participant)
    mine = factories.contribution(db, forum, status="pending", author_id=author.id)
    theirs = factories.contribution(db, forum, status="pending")
    assert client.get(f"/contributions/{mine.id}").status_code == 200
    assert client.get(f"/contributions/{theirs.id}").status_code == 404


@roles
def test_contributors_email_is_for_the_secretariat_only(
    client: TestClient, db: Session, login_as: Callable[..., Any], role: Role | None
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, author_email="writer@example.org")
    if role is not None:
        login_as(role)
    page = client.get(f"/contributions/{item.id}").text
    api = client.get(f"/api/v1/contributions/{item.id}").text
    export = client.get("/contributions/export.json").text
    assert ("writer@example.org" in page) is (role in STAFF)
    assert "writer@example.org" not in api
    assert "writer@example.org" not in export
