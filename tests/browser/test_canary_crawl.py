"""Canary crawl (issue 15): a payload that would run script if any text reached a page unescaped
is written, with a marker of its own, into every user-writable text field, then every HTML page
of the app is opened in Chromium as each role. No page may hold an element the payload makes,
open a dialog, report a Content-Security-Policy violation or answer 500; each field's marker is
found on some page (so the crawl really read the canaries).

The canaries go in through the app's own JSON API and forms on a server of this module's own
(the shared demo server of conftest.py stays as other browser tests expect it): programme
(forums, themes, milestones, sessions, segments, speakers, organisations, caucuses),
accounts, contributions (web form with an attachment, API, anonymous, e-mail upload, live
remarks, reports, moderation reasons, official answers), minutes, policy documents (sections,
revisions, amendments, comments, sign-off notes, sources, stage reasons) and the care map
(territory, dataset metadata, crowd reports, pins). Nothing is written into the database
directly. Query parameters of the list pages carry canaries too.
"""

import base64
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page

from app.config import Settings
from app.db import make_engine
from app.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
from app.main import create_app
from tests.browser.conftest import DESKTOP, TIMEOUT_MS, _log_in, make_demo_database, serve
from tests.conftest import PASSWORD
from tests.grids import SUPPLY
from tests.test_db import _api_routes
from tests.test_privacy_crawl import _paths
from tests.web.test_empty_query_values import _query_names

pytestmark = pytest.mark.browser

PAYLOAD = '"><svg onload=alert(1)><img src=x onerror=alert(2)>'
FIELDS: set[str] = set()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Fields written but shown on no HTML page, by design (what shows them instead is named).
NOT_SHOWN: dict[str, str] = {
    "mail-file": "an uploaded .eml file's own name is not kept: each message in it becomes a "
    "contribution, and the name is only quoted by the upload's answer (a POST) when refused",
}

# Routes that answer a file, JSON or nothing a browser renders as a page.
SKIPPED = re.compile(
    r"^/(api/|static/|healthz|readyz)|\.(csv|json|docx|md|geojson)$|/file$|/attachments/"
)

# What the page holds that the payload would have made, the CSP violations it recorded, and
# the markers (the canaries' field names) present anywhere in its DOM.
PROBE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name) && /alert\\(/.test(a.value)) bad.push(`${el.tagName}[${a.name}]`);
    }
  }
  for (const el of document.querySelectorAll('svg[onload], img[onerror], img[src="x"]')) {
    bad.push(el.outerHTML.slice(0, 80));
  }
  const html = document.documentElement.outerHTML;
  const marks = [...new Set(html.match(/CANARY-[a-z0-9_-]+/g) || [])];
  const text = [...new Set(document.body.innerText.match(/CANARY-[a-z0-9_-]+/g) || [])];
  return {bad, csp: window.__cspViolations || [], marks, text};
}"""
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


def canary(field: str) -> str:
    """The payload and this field's marker; the field is then expected to show somewhere."""
    FIELDS.add(field)
    return f"{PAYLOAD}CANARY-{field}"


class Api:
    """A JSON API client signed in as one account (CSRF header included)."""

    def __init__(self, base_url: str, email: str | None = None, password: str = PASSWORD) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"Accept-Language": "en"}, timeout=60)
        if email is not None:
            self._csrf()
            self.call(
                "POST", "/api/v1/auth/login", 200, json={"email": email, "password": password}
            )
        self._csrf()

    def _csrf(self) -> None:
        token = self.http.get("/api/v1/auth/csrf").json()["csrf_token"]
        self.http.headers["X-CSRF-Token"] = token

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        answer = self.http.request(method, path, **kwargs)
        assert answer.status_code == expect, (method, path, answer.status_code, answer.text[:800])
        if "json" in answer.headers.get("content-type", ""):
            return answer.json()
        return answer.text

    def run(self, *steps: tuple[str, str, int, str], **bodies: Any) -> None:
        """Calls one after another: (method, path, expected status, name of the JSON body)."""
        for method, path, expect, body in steps:
            self.call(method, path, expect, json=bodies[body])

    def form(self, path: str, page: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        """A form post as a browser makes it: the hidden CSRF field read from `page`."""
        html = self.http.get(page).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert token, f"no CSRF field on {page}"
        return self.http.post(path, data={"csrf_token": token[1], **data}, **kwargs)


def _localized(field: str) -> dict[str, str]:
    return {"en": canary(field)}


def write_programme(staff: Api) -> dict[str, Any]:
    forum = staff.call(
        "POST",
        "/api/v1/forums",
        201,
        json={
            "kind": "event",
            "title": _localized("forum-title"),
            "summary": _localized("forum-summary"),
            "organisers": canary("forum-organisers"),
            "city": canary("forum-city"),
            "timezone": "UTC",
            "starts_on": "2025-05-02",
            "ends_on": "2025-05-05",
        },
    )
    fid = forum["id"]
    theme = staff.call(
        "POST",
        f"/api/v1/forums/{fid}/themes",
        201,
        json={"kind": "theme", "code": "9", "title": _localized("theme-title")},
    )
    staff.call(
        "POST",
        f"/api/v1/forums/{fid}/milestones",
        201,
        json={
            "title": _localized("milestone-title"),
            "description": _localized("milestone-description"),
            "starts_on": "2026-10-01",
        },
    )
    org = staff.call(
        "POST",
        "/api/v1/organisations",
        201,
        json={"name": canary("organisation-name"), "type": "civil_society"},
    )
    speaker = staff.call(
        "POST",
        "/api/v1/speakers",
        201,
        json={
            "name": canary("speaker-name"),
            "title": canary("speaker-title"),
            "organisation_id": org["id"],
            "bio": _localized("speaker-bio"),
        },
    )
    session = staff.call(
        "POST",
        "/api/v1/sessions",
        201,
        json={
            "forum_id": fid,
            "title": _localized("session-title"),
            "type": "workshop",
            "format": "in_person",
            "starts_at": "2025-05-03T15:00:00",
            "timezone": "UTC",
            "duration_minutes": 90,
            "venue": canary("session-venue"),
            "languages": ["en"],
            "background": _localized("session-background"),
            "objectives": _localized("session-objectives"),
            "expected_outcomes": _localized("session-outcomes"),
            "theme_ids": [theme["id"]],
        },
    )
    sid = session["id"]
    segment = staff.call(
        "POST",
        f"/api/v1/sessions/{sid}/segments",
        201,
        json={
            "title": _localized("segment-title"),
            "description": _localized("segment-description"),
            "planned_minutes": 20,
            "speakers": [{"speaker_id": speaker["id"], "role": "panelist"}],
        },
    )
    caucus = staff.call(
        "POST",
        "/api/v1/caucuses",
        201,
        json={
            "code": "canary",
            "name": _localized("caucus-name"),
            "description": _localized("caucus-description"),
        },
    )
    staff.call(
        "PUT",
        f"/api/v1/caucuses/{caucus['id']}/members",
        200,
        json={"speaker_id": speaker["id"], "is_representative": True},
    )
    segment_id = segment["id"] if "id" in segment else segment["agenda"][-1]["id"]
    return {
        "forum_id": fid,
        "session_id": sid,
        "segment_id": segment_id,
        "speaker_id": speaker["id"],
        "org_id": org["id"],
        "caucus_id": caucus["id"],
        "theme_id": theme["id"],
    }


def write_accounts(staff: Api, caucus_id: int) -> dict[str, Any]:
    users: dict[str, Any] = {}
    for role in ("participant", "caucus_rep", "secretariat"):
        email = f"canary-{role.replace('_', '-')}@example.org"
        made = staff.call(
            "POST",
            "/api/v1/users",
            201,
            json={
                "email": email,
                "display_name": canary(f"name-{role.replace('_', '-')}"),
                "password": PASSWORD,
                "role": role,
                "caucus_ids": [caucus_id] if role == "caucus_rep" else [],
            },
        )
        users[role] = {"id": made["id"], "email": email}
    return users


def _quoted(text: str) -> str:
    """A quoted-string of RFC 5322 (the payload's double quote escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _eml() -> bytes:
    """A message with canaries in its sender's name, subject, text and attachment's name,
    written out by hand (email.message would fold the From header inside the payload)."""
    return (
        f"From: {_quoted(canary('mail-sender-name'))} <mail.sender@example.org>\r\n"
        "To: townhall@example.org\r\n"
        f"Subject: {canary('mail-subject')}\r\n"
        "Message-ID: <canary@example.org>\r\nDate: Tue, 1 Feb 2022 10:00:00 +0000\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{canary('mail-body')}\r\n\r\nCommunity kitchens need the city's support.\r\n"
        "--b\r\nContent-Type: application/pdf\r\n"
        f"Content-Disposition: attachment; filename={_quoted(canary('mail-attachment') + '.pdf')}"
        "\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(PDF).decode()}\r\n--b--\r\n"
    ).encode()


def write_contributions(
    base_url: str, staff: Api, participant: Api, ids: dict[str, Any]
) -> dict[str, Any]:
    fid, sid = ids["forum_id"], ids["session_id"]
    posted = participant.form(
        "/contributions/new",
        f"/contributions/new?forum_id={fid}",
        {
            "forum_id": str(fid),
            "session_id": str(sid),
            "language": "en",
            "title": canary("proposal-title"),
            "body": f"{canary('proposal-body')}\n\nWe propose public care centres.",
            "organisation_name": canary("proposal-organisation"),
        },
        files=[("attachments", (canary("attachment-name") + ".pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text[:800]
    web_id = int(re.search(r"/contributions/(\d+)", posted.headers["location"])[1])  # type: ignore[index]
    anonymous = Api(base_url)
    pending = anonymous.call(
        "POST",
        "/api/v1/contributions",
        201,
        json={
            "forum_id": fid,
            "title": canary("anonymous-title"),
            "body": canary("anonymous-body"),
            "language": "en",
            "author_name": canary("anonymous-author"),
            "author_email": "anon.canary@example.org",
            "consent": True,
            "accept_privacy": True,
        },
    )
    rejected = participant.call(
        "POST",
        "/api/v1/contributions",
        201,
        json={
            "forum_id": fid,
            "title": canary("rejected-title"),
            "body": "A proposal the secretariat rejects.",
            "language": "en",
        },
    )
    pending_id = pending.get("id") or pending["contribution"]["id"]
    staff.run(
        ("POST", f"/api/v1/contributions/{rejected['id']}/moderation", 200, "moderation"),
        ("PUT", f"/api/v1/contributions/{web_id}/answer", 200, "answer"),
        ("POST", f"/api/v1/contributions/{web_id}/reports", 204, "report"),
        moderation={"action": "reject", "reason": canary("moderation-reason")},
        answer={"answer": canary("official-answer")},
        report={"reason": "spam", "note": canary("report-note")},
    )
    mail = staff.form(
        f"/forums/{fid}/import-mail",
        f"/forums/{fid}/import-mail",
        {},
        files=[("files", (canary("mail-file") + ".eml", _eml(), "message/rfc822"))],
    )
    assert mail.status_code == 200, mail.text[:800]
    queue = staff.call("GET", "/api/v1/moderation/queue", 200)["items"]
    mailed = next(i for i in queue if "CANARY-mail-subject" in str(i))
    staff.call("PUT", f"/api/v1/sessions/{sid}/live", 200, json={"is_open": True})
    remark = participant.call(
        "POST",
        f"/api/v1/sessions/{sid}/live/remarks",
        201,
        json={"body": canary("live-remark"), "kind": "remark"},
    )
    participant.call(
        "POST",
        f"/api/v1/sessions/{sid}/live/remarks",
        201,
        json={"body": canary("live-question"), "kind": "question"},
    )
    staff.call(
        "POST",
        f"/api/v1/contributions/{remark['id']}/moderation",
        200,
        json={"action": "for_minutes"},
    )
    return {"contribution_ids": [web_id, pending_id, rejected["id"], mailed["id"]]}


def write_minutes(staff: Api, attendee: Api, attendee_email: str, session_id: int) -> int:
    minutes = staff.call(
        "POST", f"/api/v1/sessions/{session_id}/minutes", 201, json={"requires_circulation": False}
    )
    mid = minutes["id"]

    def add(kind: str, **fields: Any) -> Any:
        nonlocal minutes
        minutes = staff.call(
            "POST",
            f"/api/v1/minutes/{mid}/items/{kind}",
            201,
            json={"base_version": minutes["version"], **fields},
        )
        return minutes

    block = add("block", title=canary("minutes-block-title"))["blocks"][-1]["id"]
    add(
        "turn",
        parent_id=block,
        speaker_name=canary("minutes-speaker-name"),
        points=[canary("minutes-speaker-point")],
        quote=canary("minutes-quote"),
    )
    add(
        "excerpt",
        parent_id=block,
        author=canary("minutes-chat-author"),
        text=canary("minutes-chat"),
    )
    decision = add("decision", text=canary("minutes-decision"))["decisions"][-1]["id"]
    add("action", text=canary("minutes-next-step"), owner=canary("minutes-next-step-owner"))
    heading = add("heading", title=canary("minutes-heading"))["key_points"][-1]["id"]
    add("point", parent_id=heading, text=canary("minutes-key-point"))
    add("attendee", name=canary("minutes-attendee"))
    add("attendee", name=canary("minutes-attendee-account"), account_email=attendee_email)
    staff.call(
        "POST",
        f"/api/v1/minutes/{mid}/transitions",
        200,
        json={"action": "circulate", "until": "2099-01-01T12:00:00Z"},
    )
    correction = attendee.call(
        "POST",
        f"/api/v1/minutes/{mid}/corrections",
        201,
        json={
            "item_kind": "decision",
            "item_id": decision,
            "replacement": canary("correction-text"),
            "reason": canary("correction-reason"),
        },
    )
    staff.run(
        ("POST", f"/api/v1/minutes/{mid}/corrections/{correction['id']}/decision", 200, "reject"),
        ("POST", f"/api/v1/minutes/{mid}/transitions", 200, "publish"),
        reject={"action": "reject", "reason": canary("correction-reject-reason")},
        publish={"action": "publish"},
    )
    return int(mid)


def write_policy(
    staff: Api, rep: Api, ids: dict[str, Any], users: dict[str, Any], contribution_id: int
) -> dict[str, Any]:
    doc = staff.call(
        "POST",
        "/api/v1/documents",
        201,
        json={"forum_id": ids["forum_id"], "title": _localized("document-title"), "language": "en"},
    )
    did = doc["id"]
    section = staff.call(
        "POST",
        f"/api/v1/documents/{did}/sections",
        201,
        json={"title": canary("section-heading"), "body": "Care is a right.\n\nCities care."},
    )
    body = (
        f"{canary('section-text')}\n\n## {canary('section-subheading')}\n\n"
        "Care is a right.\n\nCities care."
    )
    section = staff.call(
        "PUT",
        f"/api/v1/sections/{section['id']}",
        200,
        json={"body": body, "base_version": section["version"], "note": canary("revision-note")},
    )
    paragraph = section["paragraphs"][-1]["id"]
    rejected = staff.call(
        "POST",
        f"/api/v1/paragraphs/{paragraph}/amendments",
        201,
        json={"replacement": "Cities care for all.", "rationale": "Shorter."},
    )
    staff.call(
        "POST",
        f"/api/v1/amendments/{rejected['id']}/decision",
        200,
        json={"action": "reject", "reason": canary("amendment-reject-reason")},
    )
    amendment = staff.call(
        "POST",
        f"/api/v1/paragraphs/{paragraph}/amendments",
        201,
        json={
            "replacement": canary("amendment-text"),
            "rationale": canary("amendment-rationale"),
        },
    )
    comment = staff.call(
        "POST",
        f"/api/v1/paragraphs/{paragraph}/comments",
        201,
        json={"body": canary("policy-comment")},
    )
    staff.call(
        "POST",
        f"/api/v1/paragraphs/{paragraph}/sources",
        201,
        json={
            "target_kind": "contribution",
            "target_id": contribution_id,
            "outcome": "not_taken_up",
            "reason": canary("source-reason"),
        },
    )
    staff.call(
        "POST",
        f"/api/v1/documents/{did}/team",
        201,
        json={
            "user_id": users["caucus_rep"]["id"],
            "role": "caucus_rep",
            "caucus_id": ids["caucus_id"],
        },
    )
    staff.call(
        "PUT", f"/api/v1/documents/{did}/caucuses", 200, json={"caucus_ids": [ids["caucus_id"]]}
    )
    staff.call(
        "POST",
        f"/api/v1/documents/{did}/transitions",
        200,
        json={"action": "advance", "reason": canary("stage-reason")},
    )
    rep.call(
        "PUT",
        f"/api/v1/sections/{section['id']}/reviews/{ids['caucus_id']}",
        200,
        json={"verdict": "concerns", "note": canary("signoff-note")},
    )
    staff.call("POST", f"/api/v1/documents/{did}/transitions", 200, json={"action": "advance"})
    return {
        "document_id": did,
        "section_id": section["id"],
        "paragraph_id": paragraph,
        "amendment_id": [amendment["id"], rejected["id"]],
        "comment_id": comment["id"],
    }


def write_caremap(staff: Api, participant: Api, session_id: int) -> dict[str, Any]:
    territory = staff.call("GET", "/api/v1/caremap/territories", 200)
    territory = territory[0] if isinstance(territory, list) else territory["items"][0]
    tid = territory["id"]
    staff.call(
        "PUT",
        f"/api/v1/caremap/territories/{tid}",
        200,
        json={"name": _localized("territory-name"), "description": _localized("territory-text")},
    )
    staff.call(
        "POST",
        "/api/v1/caremap/territories",
        201,
        json={"name": _localized("new-territory-name")},
    )
    staff.call(
        "POST",
        f"/api/v1/caremap/territories/{tid}/datasets",
        201,
        params={
            "kind": "supply",
            "source": canary("dataset-source"),
            "licence": canary("dataset-licence"),
            "note": canary("dataset-note"),
            "filename": canary("dataset-filename") + ".csv",
        },
        content=SUPPLY,
    )
    run = staff.call("POST", f"/api/v1/caremap/territories/{tid}/runs", 201, json={})
    staff.call(
        "POST",
        "/api/v1/caremap/pins",
        201,
        json={
            "run_id": run["id"],
            "care_group": "children_0_5",
            "target_kind": "session",
            "target_id": session_id,
        },
    )
    crowd = {"care_group": "older_persons", "lon": -56.2, "lat": -34.85}
    participant.call(
        "POST",
        f"/api/v1/caremap/territories/{tid}/reports",
        201,
        json=crowd | {"kind": "need", "name": canary("crowd-name"), "note": canary("crowd-note")},
    )
    refused = participant.call(
        "POST",
        f"/api/v1/caremap/territories/{tid}/reports",
        201,
        json=crowd | {"kind": "facility", "name": "A duplicate", "sphere": "public"},
    )
    staff.call(
        "POST",
        f"/api/v1/caremap/reports/{refused['id']}/reject",
        200,
        json={"reason": canary("crowd-reject-reason")},
    )
    return {"territory_id": tid, "run_id": run["id"]}


def crawl_paths(app: Any, ids: dict[str, Any]) -> list[str]:
    """Every GET page of the app, its path filled with the canaries' records; each list page
    again with canaries in its query parameters."""
    values = {name: value if isinstance(value, list) else [value] for name, value in ids.items()}
    values |= {
        "contribution_id": ids["contribution_ids"],
        "user_id": [ids["users"]["participant"]["id"]],
        "token": ["no-such-token"],
        "number": [1],
    }
    paths = [p for p in _paths(app, values) if not SKIPPED.search(p)]
    for route in _api_routes(list(app.routes)):
        if "GET" in route.methods and "{" not in route.path and not SKIPPED.search(route.path):
            paths += _query_variants(route)
    return paths


def _query_variants(route: Any) -> list[str]:
    """?q= alone (a search box shows it back), and every other query parameter at once (a
    page refuses what is not its type, 422, and must not echo it unescaped either)."""
    names = sorted(set(_query_names(route.dependant)))
    out = []
    if "q" in names:
        out.append(route.path + "?" + str(httpx.QueryParams({"q": canary("query-q")})))
    other = {n: f"{PAYLOAD}CANARY-query-{n}" for n in names if n != "q"}
    if other:
        out.append(route.path + "?" + str(httpx.QueryParams(other)))
    return out


class Crawl:
    """Opens pages in one role's context and keeps what went wrong and which markers it saw."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.problems: list[str] = []
        self.seen: set[str] = set()
        self.pages = 0
        self.dialogs: list[str] = []
        self.statuses: dict[str, dict[int, int]] = {}
        self.text_seen: set[str] = set()

    def watch(self, page: Page, role: str) -> None:
        """Keeps every dialog the page opens and every console message about the CSP."""

        def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_console(message: ConsoleMessage) -> None:
            if re.search(r"Content[ -]Security[ -]Policy", message.text):
                self.problems.append(f"{role} {page.url}: console {message.text[:200]}")

        page.on("dialog", on_dialog)
        page.on("console", on_console)

    def visit(self, page: Page, role: str, path: str) -> None:
        self.pages += 1
        answer = page.goto(self.base_url + path, wait_until="load")
        status = answer.status if answer else 0
        counts = self.statuses.setdefault(role, {})
        counts[status] = counts.get(status, 0) + 1
        if status >= 500 or status == 0:
            self.problems.append(f"{role} {path}: status {status}")
            return
        found = page.evaluate(PROBE)
        if found["bad"]:
            self.problems.append(f"{role} {path}: injected {found['bad'][:3]}")
        if found["csp"]:
            self.problems.append(f"{role} {path}: CSP violation {found['csp'][:3]}")
        if self.dialogs:
            self.problems.append(f"{role} {path}: dialog {self.dialogs}")
            self.dialogs.clear()
        self.seen.update(m.removeprefix("CANARY-") for m in found["marks"])
        self.text_seen.update(m.removeprefix("CANARY-") for m in found["text"])


@pytest.fixture(scope="module")
def canary_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = make_demo_database(Path(tmp_path_factory.mktemp("canary-db")) / "townhall.db")
    with serve(url) as base_url:
        staff = Api(base_url, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
        ids = write_programme(staff)
        users = write_accounts(staff, ids["caucus_id"])
        participant = Api(base_url, users["participant"]["email"])
        rep = Api(base_url, users["caucus_rep"]["email"])
        ids |= write_contributions(base_url, staff, participant, ids)
        ids["minutes_id"] = write_minutes(
            staff, participant, users["participant"]["email"], ids["session_id"]
        )
        ids |= write_policy(staff, rep, ids, users, ids["contribution_ids"][0])
        ids |= write_caremap(staff, participant, ids["session_id"])
        ids["users"] = users
        engine = make_engine(url)
        app = create_app(Settings(database_url=url, secret_key="browser-suite-secret-key"), engine)
        paths = crawl_paths(app, ids)
        engine.dispose()
        yield {"base_url": base_url, "ids": ids, "paths": paths}


def test_no_canary_runs_on_any_page_for_any_role(
    browser: Browser, canary_site: dict[str, Any]
) -> None:
    base_url, paths = canary_site["base_url"], canary_site["paths"]
    users = canary_site["ids"]["users"]
    roles: dict[str, tuple[str, str] | None] = {
        "anonymous": None,
        "participant": (users["participant"]["email"], PASSWORD),
        "caucus_rep": (users["caucus_rep"]["email"], PASSWORD),
        "secretariat": (users["secretariat"]["email"], PASSWORD),
        "admin": (DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD),
    }
    crawl = Crawl(base_url)
    started = time.monotonic()
    for role, account in roles.items():
        context: BrowserContext = browser.new_context(viewport=DESKTOP, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(RECORD_CSP)
        page = context.new_page()
        crawl.watch(page, role)
        if account is not None:
            _log_in(page, base_url, *account)
        for path in paths:
            crawl.visit(page, role, path)
        context.close()
    elapsed = time.monotonic() - started
    print(f"canary crawl: {len(paths)} paths x {len(roles)} roles: {crawl.pages} pages")
    print(f"in {elapsed:.0f} s")
    print(f"statuses by role: {crawl.statuses}")
    print(f"markers only in attributes: {sorted(crawl.seen - crawl.text_seen)}")
    assert not crawl.problems, "\n".join(crawl.problems[:40])
    missing = sorted(FIELDS - crawl.seen - set(NOT_SHOWN))
    assert not missing, f"canaries no page showed: {missing}"


def test_the_probe_sees_an_injection_a_dialog_and_a_csp_violation(
    browser: Browser, canary_site: dict[str, Any]
) -> None:
    """The crawl's checks are not blind: the payload put raw into a page is found, runs
    without a CSP, and is blocked and reported under the app's CSP."""
    base_url = canary_site["base_url"]
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(RECORD_CSP)
    crawl = Crawl(base_url)
    page = context.new_page()
    crawl.watch(page, "probe")
    raw = f"<!doctype html><html><body><p>{PAYLOAD}CANARY-probe</p></body></html>"
    csp = httpx.get(base_url + "/").headers["content-security-policy"]
    context.route(
        base_url + "/probe-with-csp",
        lambda route: route.fulfill(
            status=200,
            body=raw,
            headers={"content-type": "text/html", "content-security-policy": csp},
        ),
    )
    context.route(
        base_url + "/probe-without-csp",
        lambda route: route.fulfill(status=200, body=raw, headers={"content-type": "text/html"}),
    )
    crawl.visit(page, "probe", "/probe-with-csp")
    assert any("injected" in p for p in crawl.problems), crawl.problems
    assert any("CSP violation" in p for p in crawl.problems), crawl.problems
    assert "probe" in crawl.seen
    crawl.problems.clear()
    crawl.visit(page, "probe", "/probe-without-csp")
    page.wait_for_timeout(200)
    assert crawl.dialogs or any("dialog" in p for p in crawl.problems), crawl.problems
    context.close()
