"""Contributions in a real browser: what a person does with proposals, endorsements, reports,
moderation, the live feed and the e-mail import, checked with axe-core, with the keyboard, on a
phone-sized window, without JavaScript, and against a corpus of XSS payloads.

The data is created through the app's own services on the live server's database (users,
proposals, reports, an open live window with remarks), and through the JSON API and the pages
where the test is about doing it as a person would.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    FilePayload,
    Locator,
    Page,
    Request,
    Route,
    ViewportSize,
    expect,
)
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session
from app.i18n import LOCALES
from app.models.caucuses import Caucus
from app.models.contributions import (
    ContributionCreate,
    Kind,
    ModerationAction,
    RemarkCreate,
    ReportCreate,
    ReportReason,
)
from app.models.forums import ForumSession
from app.models.users import Role, User, UserCreate
from app.services import contributions as contribution_service
from app.services import forums as forum_service
from app.services import live as live_service
from app.services import moderation as moderation_service
from app.services import users as user_service

pytestmark = pytest.mark.browser

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
FEED_WAIT_MS = 8_000  # the feed polls every 3 s: a remark must show up within two polls or so
MAX_TABS = 80
PASSWORD = "browser-contrib-password"
ANA = "ana.souza@example.org"  # participant A
BRUNO = "bruno.lima@example.org"  # participant B
SOFIA = "sofia.secretaria@example.org"  # secretariat
SETUP_IP = "browser-setup"  # the seed's rate-limit counters stay apart from 127.0.0.1's
FORUM_ID = 1
AXE_LIVE_SESSION = 3  # open, with remarks (pinned, for the minutes, a question, a hidden one)
FEED_LIVE_SESSION = 4  # opened by the secretariat in the two-browser test
XSS_LIVE_SESSION = 5  # open, for payloads arriving through the polled feed

AXE = Axe()
AXE_OPTIONS: dict[str, Any] = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
DUPLICATE_IDS_JS = """() => {
  const seen = new Map();
  for (const element of document.querySelectorAll("[id]")) {
    seen.set(element.id, (seen.get(element.id) || 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}"""
NO_SIDEWAYS_SCROLL_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
OPEN_ALL_DETAILS_JS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"

PAYLOADS_FILE = Path(__file__).parent.parent / "data" / "xss_payloads.txt"
_ESCAPES = re.compile(r"\\n|\\u([0-9A-Fa-f]{4})")
XSS_TITLE = "XSS payloads <script>alert('title')</script><img src=x onerror=alert('title')>"
# Runs in every frame before any of the page's scripts: any payload that gets to call one of
# these (or to open a dialog some other way) is caught.
XSS_TRAP_JS = """(() => {
  window.__xss = false;
  window.__xssCalls = [];
  // The app's Content-Security-Policy blocks inline scripts and handlers, so a payload that
  // reached the DOM would not run: it would be blocked and reported here instead.
  window.__cspBlocked = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspBlocked.push(`${event.violatedDirective}: ${event.blockedURI} ${event.sample}`);
  });
  const trap = (name) => function (...args) {
    window.__xss = true;
    window.__xssCalls.push(name + ": " + String(args[0]));
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    try {
      Object.defineProperty(window, name, {value: trap(name), writable: false});
    } catch (e) {
      window[name] = trap(name);
    }
  }
})();"""
# Gives every inline event handler that might have survived a chance to run.
PROVOKE_JS = """() => {
  const types = ["mouseover", "mouseenter", "mousemove", "pointerover", "focus", "focusin",
                 "blur", "animationstart", "transitionend", "toggle", "load", "error"];
  for (const element of document.querySelectorAll("main *")) {
    for (const type of types) {
      try { element.dispatchEvent(new Event(type, {bubbles: false})); } catch (e) {}
    }
  }
}"""
# What must never reach the DOM from a contribution: scripts, inline handlers, javascript: URLs.
DANGEROUS_DOM_JS = """() => {
  const found = [];
  for (const element of document.querySelectorAll("main *")) {
    const tag = element.tagName.toLowerCase();
    if (["script", "iframe", "object", "embed", "svg", "math", "base", "meta", "style"]
        .includes(tag) && !element.closest(".chart")) {
      found.push(`<${tag}>`);
    }
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (name.startsWith("on")) found.push(`${tag}[${name}]`);
      if (["href", "src", "action", "formaction", "xlink:href", "data"].includes(name)
          && /^(javascript|vbscript|data):/.test(value)) {
        found.push(`${tag}[${name}=${attribute.value}]`);
      }
    }
  }
  return found;
}"""


def _load_payloads() -> list[str]:
    # One payload a line; `\n` and `\uXXXX` stand for characters a line cannot hold.
    def decode(match: re.Match[str]) -> str:
        return "\n" if match.group(0) == "\\n" else chr(int(match.group(1), 16))

    lines = PAYLOADS_FILE.read_text(encoding="utf-8").splitlines()
    # The app refuses text with NUL characters outright (422): drop them so the rest is stored.
    return [_ESCAPES.sub(decode, line).replace("\x00", "") for line in lines if line.strip()]


# -- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """What the module's tests find on the server: ids of the proposals they act on."""

    proposals: dict[str, int]
    pending_id: int
    pending_receipt: str


SEED_PROPOSALS: dict[str, tuple[str, str, str, str]] = {
    # key: (author, language, title, body)
    "guarderias": (
        ANA,
        "es",
        "Guarderías municipales abiertas de noche",
        "Las trabajadoras del turno de noche necesitan **guarderías municipales** abiertas "
        "hasta la madrugada, cerca del transporte público.\n\n- Horarios ampliados\n"
        "- Personal formado\n\nVer [el informe](https://example.org/informe).",
    ),
    "creches": (
        ANA,
        "pt",
        "Creches comunitárias nos bairros periféricos",
        "Propomos creches comunitárias geridas pelas associações de moradores, com apoio "
        "financeiro do município e formação das cuidadoras.",
    ),
    "care-leave": (
        BRUNO,
        "en",
        "Paid care leave for informal carers",
        "Cities should pilot paid leave for people who care for relatives at home, and count "
        "care work in local employment statistics.",
    ),
    "endorse-js": (
        BRUNO,
        "pt",
        "Bancos de tempo para o cuidado entre vizinhos",
        "Um banco de tempo municipal onde cada hora de cuidado dada vale uma hora recebida.",
    ),
    "endorse-nojs": (
        BRUNO,
        "es",
        "Respiro para cuidadoras familiares los fines de semana",
        "Servicios de respiro gratuitos los fines de semana para quienes cuidan a familiares.",
    ),
}


def _user(db: Any, email: str) -> User:
    found = user_service.find_by_email(db, email)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def seed(demo_database: str, live_server: str) -> Seed:
    """Users, proposals, a report, an anonymous proposal waiting for moderation and two open
    live windows, created with the services on the live server's database."""
    engine = make_engine(demo_database)
    try:
        with open_session(engine, write=True) as db:
            for email, name, role in (
                (ANA, "Ana Souza", Role.participant),
                (BRUNO, "Bruno Lima", Role.participant),
                (SOFIA, "Sofía Secretaría", Role.secretariat),
            ):
                if user_service.find_by_email(db, email) is None:
                    account = UserCreate(
                        email=email, display_name=name, password=PASSWORD, role=role
                    )
                    user_service.create_user(db, actor=None, data=account)
            ana, bruno, sofia = _user(db, ANA), _user(db, BRUNO), _user(db, SOFIA)
            themes = forum_service.themes_of(db, FORUM_ID)
            feminism = db.execute(
                select(col(Caucus.id)).where(col(Caucus.code) == "feminism")
            ).scalar_one()
            proposals: dict[str, int] = {}
            for key, (author, language, title, body) in SEED_PROPOSALS.items():
                rich = key == "guarderias"
                data = ContributionCreate.model_validate(
                    {
                        "forum_id": FORUM_ID,
                        "session_id": 1 if rich else None,
                        "title": title,
                        "body": body,
                        "language": language,
                        "theme_ids": [t.id for t in themes[:2]] if rich else [],
                        "caucus_id": feminism if rich else None,
                        "links": ["https://example.org/cuidados"] if rich else [],
                        "organisation_name": "Red de Cuidadoras" if rich else None,
                    }
                )
                actor = _user(db, author)
                submitted = contribution_service.submit_proposal(
                    db, actor=actor, data=data, ip=SETUP_IP
                )
                assert submitted.contribution.id is not None
                proposals[key] = submitted.contribution.id
            contribution_service.set_endorsement(
                db,
                actor=bruno,
                contribution=contribution_service.get_contribution(db, proposals["guarderias"]),
                endorse=True,
                ip=SETUP_IP,
            )
            moderation_service.report(
                db,
                actor=bruno,
                contribution=contribution_service.get_contribution(db, proposals["creches"]),
                data=ReportCreate(reason=ReportReason.off_topic, note="Parece publicidad."),
                ip=SETUP_IP,
            )
            pending = contribution_service.submit_proposal(
                db,
                actor=None,
                data=ContributionCreate(
                    forum_id=FORUM_ID,
                    title="Transporte gratuito para acompañantes",
                    body="Quien acompaña a una persona dependiente debería viajar gratis.",
                    language="es",
                    author_name="Marta Reyes",
                    author_email="marta.reyes@example.org",
                    consent=True,
                    accept_privacy=True,
                ),
                ip=SETUP_IP,
            )
            assert pending.contribution.id is not None
            assert pending.receipt is not None
            for session_id in (AXE_LIVE_SESSION, XSS_LIVE_SESSION):
                session = db.get(ForumSession, session_id)
                assert session is not None
                live_service.set_open(db, actor=sofia, session=session, open_=True)
            session = db.get(ForumSession, AXE_LIVE_SESSION)
            assert session is not None
            remarks = []
            for actor, kind, body in (
                (ana, Kind.remark, "(chat) See PSI briefing on public care services."),
                (bruno, Kind.question, "¿Cómo se financian los cuidados comunitarios?"),
                (ana, Kind.remark, "Em Porto Alegre, as creches abrem às 6 h."),
                (bruno, Kind.remark, "Un comentario fuera de tema."),
            ):
                posted = live_service.post_remark(
                    db,
                    actor=actor,
                    session=session,
                    data=RemarkCreate(body=body, kind=kind),
                    ip=SETUP_IP,
                    locale="es",
                )
                remarks.append(posted.contribution)
            for remark, action in (
                (remarks[0], ModerationAction.pin),
                (remarks[2], ModerationAction.for_minutes),
                (remarks[3], ModerationAction.hide),
            ):
                moderation_service.moderate(
                    db, actor=sofia, contribution=remark, action=action, reason="Fuera de tema."
                )
            return Seed(
                proposals=proposals,
                pending_id=pending.contribution.id,
                pending_receipt=pending.receipt,
            )
    finally:
        engine.dispose()


# -- helpers ---------------------------------------------------------------------------------------


def sign_in(context: BrowserContext, base_url: str, email: str) -> None:
    """Signs a whole context in through the JSON API (the cookie is the context's)."""
    csrf = context.request.get(f"{base_url}/api/v1/auth/csrf")
    assert csrf.ok, csrf.text()
    response = context.request.post(
        f"{base_url}/api/v1/auth/login",
        data={"email": email, "password": PASSWORD},
        headers={"X-CSRF-Token": csrf.json()["csrf_token"]},
    )
    assert response.ok, response.text()


def api_post(context: BrowserContext, url: str, payload: dict[str, Any]) -> dict[str, Any]:
    base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    token = context.request.get(f"{base}/api/v1/auth/csrf").json()["csrf_token"]
    response = context.request.post(url, data=payload, headers={"X-CSRF-Token": token})
    assert response.ok, f"{url}: {response.status} {response.text()}"
    return dict(response.json())


def log_in_with_the_form(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator(".whoami").count() == 1, f"{email} could not log in"


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility rule(s) violated:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, f"{page.url}\n{_describe(violations)}"
    duplicates = page.evaluate(DUPLICATE_IDS_JS)
    assert not duplicates, f"{page.url}: duplicate ids {duplicates}"


def assert_no_sideways_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(NO_SIDEWAYS_SCROLL_JS)
    assert scroll_width <= inner_width, (
        f"{page.url} scrolls sideways at {inner_width}px: scrollWidth {scroll_width}"
    )


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def focused_description(page: Page) -> str:
    return str(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? `${e.tagName.toLowerCase()}#${e.id}` : 'none'; }"
        )
    )


def tab_to(page: Page, target: Locator) -> None:
    """Presses Tab until the target has focus, as a person would."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if is_focused(target):
            return
    pytest.fail(f"{target} is not reachable with Tab; focus ended on {focused_description(page)}")


def count_in(text: str) -> int:
    match = re.search(r"\d+", text)
    assert match, f"no number in {text!r}"
    return int(match.group(0))


def _open_context(browser: Browser, **options: Any) -> BrowserContext:
    options.setdefault("viewport", DESKTOP)
    options.setdefault("locale", "en-GB")
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="module")
def anonymous_page(browser: Browser, seed: Seed) -> Iterator[Page]:
    context = _open_context(browser)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def participant_page(browser: Browser, live_server: str, seed: Seed) -> Iterator[Page]:
    context = _open_context(browser)
    sign_in(context, live_server, ANA)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def secretariat_page(browser: Browser, live_server: str, seed: Seed) -> Iterator[Page]:
    context = _open_context(browser)
    sign_in(context, live_server, SOFIA)
    yield context.new_page()
    context.close()


def fill_anonymous_proposal(page: Page, *, title: str, body: str, language: str) -> None:
    page.locator("#f-title").fill(title)
    page.locator("#f-body").fill(body)
    page.locator("#f-language").select_option(language)
    page.locator("#f-author_name").fill("Joana Pereira")
    page.locator("#f-author_email").fill("joana.pereira@example.org")
    page.locator("#f-consent").check()
    page.locator("#f-accept_privacy").check()


def submit_proposal_form(page: Page) -> int:
    """Sends the proposal form and returns the status of the page it leads to."""
    with page.expect_navigation() as navigation:
        page.locator("main form[action='/contributions/new'] button[type=submit]").click()
    response = navigation.value
    assert response is not None
    return response.status


def eml(locale: str) -> bytes:
    return (
        "From: Marta Reyes <marta.reyes@example.org>\r\n"
        "To: townhall@example.org\r\n"
        f"Subject: Propuesta por correo ({locale})\r\n"
        "Date: Mon, 05 May 2025 10:00:00 +0000\r\n"
        f"Message-ID: <browser-{locale}-{uuid.uuid4().hex}@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Las ciudades necesitan centros de cuidado comunitarios abiertos por la tarde,\r\n"
        "con personal formado y gestionados junto con las vecinas.\r\n"
    ).encode()


# -- 1. axe-core on every new page, in every language ------------------------------------------


def _go(page: Page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url}: {response.status}"


def _list(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions?lang={locale}")
    assert page.locator("#results article.contribution").count() >= len(SEED_PROPOSALS)


def _list_filtered(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions?forum_id={FORUM_ID}&q=cuidado&sort=endorsed&lang={locale}")
    assert page.locator("#f-session_id").count() == 1, "a forum's filters offer its sessions"


def _form_anonymous(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions/new?forum_id={FORUM_ID}&lang={locale}")
    assert page.locator("#f-consent").count() == 1
    assert page.locator("#f-accept_privacy").count() == 1


def _form_choose_forum(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions/new?lang={locale}")
    assert page.locator("#f-forum_id").count() == 1


def _form_participant(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions/new?forum_id={FORUM_ID}&lang={locale}")
    assert page.locator(".whoami").count() == 1
    assert page.locator("#f-consent").count() == 0
    assert page.locator("#f-accept_privacy").count() == 0, "they agreed when they registered"


def _form_with_errors(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions/new?forum_id={FORUM_ID}&lang={locale}")
    # Sent empty, past the browser's own checks, so that the server reports every problem.
    page.locator("main form[action='/contributions/new']").evaluate("f => { f.noValidate = true; }")
    assert submit_proposal_form(page) == 422
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    hrefs = summary.locator("a").evaluate_all("links => links.map(a => a.hash)")
    assert {"#f-title", "#f-body"} <= set(hrefs), hrefs
    for href in hrefs:
        assert page.locator(href).count() == 1, f"the error link {href} points at nothing"


def _receipt(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions/new?forum_id={FORUM_ID}&lang={locale}")
    fill_anonymous_proposal(
        page,
        title=f"Cuidado comunitário em rede ({locale})",
        body="Redes de vizinhas que cuidam de crianças e idosos, com apoio da prefeitura.",
        language="pt",
    )
    assert submit_proposal_form(page) == 201
    assert "receipt=" in (page.locator(".receipt a").get_attribute("href") or "")


def _detail_by_receipt(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(
        page, f"{base}/contributions/{seed.pending_id}?receipt={seed.pending_receipt}&lang={locale}"
    )
    assert page.locator(".notice.status-pending").is_visible()


def _detail_participant(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions/{seed.proposals['care-leave']}?lang={locale}")
    endorse = page.locator(f"#endorse-{seed.proposals['care-leave']} form button[type=submit]")
    assert endorse.is_visible()
    page.locator("details.report > summary").click()
    assert page.locator("form[action$='/report'] #f-report-reason").is_visible()


def _detail_rich(page: Page, base: str, seed: Seed, locale: str) -> None:
    """Themes, caucus lens, session, links, organisation and an endorsement; as its author."""
    _go(page, f"{base}/contributions/{seed.proposals['guarderias']}?lang={locale}")
    assert page.locator("dl.facts").is_visible()


def _detail_secretariat(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions/{seed.pending_id}?lang={locale}")
    form = page.locator("form.moderate-form")
    assert form.locator("button[value=accept]").is_visible()
    assert page.locator("dd.private").is_visible()


def _statistics(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/forums/{FORUM_ID}/statistics?lang={locale}")
    assert page.locator("section.chart svg").count() >= 1
    page.evaluate(OPEN_ALL_DETAILS_JS)  # the tables behind the charts are checked too


def _similar_page(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/contributions/similar?title=guarderías+municipales&lang={locale}")
    assert page.locator(f"a[href='/contributions/{seed.proposals['guarderias']}']").count() == 1


def _moderation(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/moderation?lang={locale}")
    assert page.locator("form.moderate-form").count() >= 2  # the pending one, the reported one


def _live(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/sessions/{AXE_LIVE_SESSION}/live?lang={locale}")
    assert page.locator("#live-feed > li").count() >= 3
    assert page.locator("form[action$='/live/remarks']").is_visible()


def _import(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/forums/{FORUM_ID}/import-mail?lang={locale}")
    assert page.locator("#f-files").count() == 1


def _import_result(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/forums/{FORUM_ID}/import-mail?lang={locale}")
    message: FilePayload = {
        "name": "propuesta.eml",
        "mimeType": "message/rfc822",
        "buffer": eml(locale),
    }
    page.locator("#f-files").set_input_files(files=[message])
    with page.expect_navigation() as navigation:
        page.locator("main form button[type=submit]").click()
    assert navigation.value is not None
    assert navigation.value.status == 200
    assert page.locator(".notice[role=status]").is_visible()


def _import_with_errors(page: Page, base: str, seed: Seed, locale: str) -> None:
    _go(page, f"{base}/forums/{FORUM_ID}/import-mail?lang={locale}")
    with page.expect_navigation() as navigation:
        page.locator("main form button[type=submit]").click()
    assert navigation.value is not None
    assert navigation.value.status == 422
    assert page.locator(".error-summary a[href='#f-files']").count() == 1


PageCase = Callable[[Page, str, Seed, str], None]
# (name, how to get there, checked in every language?)
ANONYMOUS_CASES: list[tuple[str, PageCase, bool]] = [
    ("list", _list, True),
    ("list-filtered-search", _list_filtered, False),
    ("form-choose-forum", _form_choose_forum, False),
    ("form-anonymous", _form_anonymous, True),
    ("form-with-errors", _form_with_errors, True),
    ("receipt", _receipt, True),
    ("detail-by-receipt", _detail_by_receipt, False),
    ("statistics", _statistics, True),
    ("similar-page", _similar_page, False),
]
PARTICIPANT_CASES: list[tuple[str, PageCase, bool]] = [
    ("form-participant", _form_participant, True),
    ("detail-participant", _detail_participant, True),
    ("detail-as-author", _detail_rich, False),
    ("live-participant", _live, True),
]
SECRETARIAT_CASES: list[tuple[str, PageCase, bool]] = [
    ("detail-secretariat", _detail_secretariat, True),
    ("moderation-queue", _moderation, True),
    ("live-staff", _live, True),
    ("import-mail", _import, True),
    ("import-mail-with-errors", _import_with_errors, False),
    ("import-mail-result", _import_result, False),
]


def _params(cases: list[tuple[str, PageCase, bool]]) -> list[Any]:
    """Every case in each language, or (for variants of a page) in one language in turn."""
    params = []
    for index, (name, case, every_locale) in enumerate(cases):
        locales = LOCALES if every_locale else (LOCALES[index % len(LOCALES)],)
        params += [pytest.param(case, locale, id=f"{name}-{locale}") for locale in locales]
    return params


def _check(page: Page, base_url: str, seed: Seed, case: PageCase, locale: str) -> None:
    case(page, base_url, seed, locale)
    assert page.locator("html").get_attribute("lang") == locale
    assert_accessible(page)


@pytest.mark.parametrize(("case", "locale"), _params(ANONYMOUS_CASES))
def test_visitor_page_is_accessible(
    anonymous_page: Page, live_server: str, seed: Seed, case: PageCase, locale: str
) -> None:
    _check(anonymous_page, live_server, seed, case, locale)
    assert anonymous_page.locator(".whoami").count() == 0


@pytest.mark.parametrize(("case", "locale"), _params(PARTICIPANT_CASES))
def test_participant_page_is_accessible(
    participant_page: Page, live_server: str, seed: Seed, case: PageCase, locale: str
) -> None:
    _check(participant_page, live_server, seed, case, locale)
    assert participant_page.locator(".whoami").inner_text() == "Ana Souza"


@pytest.mark.parametrize(("case", "locale"), _params(SECRETARIAT_CASES))
def test_secretariat_page_is_accessible(
    secretariat_page: Page, live_server: str, seed: Seed, case: PageCase, locale: str
) -> None:
    _check(secretariat_page, live_server, seed, case, locale)
    assert secretariat_page.locator(".whoami").inner_text() == "Sofía Secretaría"


# -- the proposal form's error summary -----------------------------------------------------------


def _send_empty_form(page: Page, base_url: str) -> list[str]:
    _go(page, f"{base_url}/contributions/new?forum_id={FORUM_ID}&lang=en")
    page.locator("main form[action='/contributions/new']").evaluate("f => { f.noValidate = true; }")
    assert submit_proposal_form(page) == 422
    return list(page.locator(".error-summary a").evaluate_all("links => links.map(a => a.hash)"))


def test_error_summary_does_not_ask_for_files_never_chosen(
    anonymous_page: Page, live_server: str
) -> None:
    hrefs = _send_empty_form(anonymous_page, live_server)
    assert "#f-title" in hrefs
    assert "#f-attachments" not in hrefs, "asks to choose again files the person never chose"


def test_error_summary_lists_every_problem_at_once(anonymous_page: Page, live_server: str) -> None:
    hrefs = _send_empty_form(anonymous_page, live_server)
    every = {"#f-title", "#f-body", "#f-author_name", "#f-author_email", "#f-consent"}
    assert every | {"#f-accept_privacy"} <= set(hrefs), hrefs


# -- 2. no XSS payload runs in the browser --------------------------------------------------------


class XssWatch:
    """Dialogs, trapped calls and requests leaving the server, for one signed-out context."""

    def __init__(self, context: BrowserContext, base_url: str) -> None:
        self.base_url = base_url
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        context.add_init_script(XSS_TRAP_JS)
        context.route("**/*", self._guard)
        self.page = context.new_page()
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _guard(self, route: Route, request: Request) -> None:
        if request.url.startswith(f"{self.base_url}/"):
            route.continue_()
        else:
            self.outside.append(request.url)
            route.abort()

    def check(self, where: str) -> None:
        """Gives any surviving handler its chance, then checks that nothing ran."""
        page = self.page
        page.evaluate(PROVOKE_JS)
        page.wait_for_timeout(100)  # lets a timer-based payload (setTimeout) fire
        assert page.evaluate("() => window.__xss === false"), (
            f"{where}: a payload ran: {page.evaluate('() => window.__xssCalls')}"
        )
        assert not self.dialogs, f"{where}: dialogs opened: {self.dialogs}"
        blocked = page.evaluate("() => window.__cspBlocked")
        assert not blocked, f"{where}: markup that only the CSP stopped: {blocked}"
        dangerous = page.evaluate(DANGEROUS_DOM_JS)
        assert not dangerous, f"{where}: dangerous markup in the page: {dangerous}"
        assert not self.outside, f"{where}: requests left the server: {self.outside}"


def test_xss_payloads_never_run_in_the_browser(
    new_context: Callable[..., BrowserContext], live_server: str, seed: Seed
) -> None:
    payloads = _load_payloads()
    author = new_context()
    sign_in(author, live_server, BRUNO)
    created = api_post(
        author,
        f"{live_server}/api/v1/contributions",
        {
            "forum_id": FORUM_ID,
            "title": XSS_TITLE,
            "body": "\n\n".join(payloads),
            "language": "en",
            "links": ["https://example.org/safe"],
        },
    )
    assert created["status"] == "published"
    watch = XssWatch(new_context(), live_server)
    page = watch.page

    _go(page, f"{live_server}/contributions/{created['id']}")
    assert page.get_by_role("heading", level=1).inner_text() == XSS_TITLE  # shown as text
    assert page.locator(".prose").inner_text().strip(), "the body rendered nothing at all"
    watch.check("the contribution's page")

    _go(page, f"{live_server}/contributions")
    assert page.get_by_role("link", name=XSS_TITLE).count() == 1
    watch.check("the list")

    reflected = "\"><img src=x onerror=alert('q')><script>alert('q')</script>"
    _go(page, f"{live_server}/contributions?q={quote(reflected)}")
    watch.check("the list searched for a payload")
    _go(page, f"{live_server}/contributions/similar?title={quote(reflected)}")
    watch.check("the similar-proposals page")

    # The hint arrives through htmx, which must not run what it swaps in.
    _go(page, f"{live_server}/contributions/new?forum_id={FORUM_ID}")
    page.locator("#f-title").press_sequentially("XSS payloads")
    page.locator(f"#similar a[href='/contributions/{created['id']}']").wait_for()
    watch.check("the similar-proposals hint")

    # Remarks arrive through the polled feed, appended out of band.
    _go(page, f"{live_server}/sessions/{XSS_LIVE_SESSION}/live")
    marker = f"xss-live-{uuid.uuid4().hex[:8]}"
    remark, size = [marker], len(marker)
    for payload in payloads:
        if size + len(payload) + 2 > 1900:
            break
        remark.append(payload)
        size += len(payload) + 2
    api_post(
        author,
        f"{live_server}/api/v1/sessions/{XSS_LIVE_SESSION}/live/remarks",
        {"body": "\n\n".join(remark), "kind": "remark"},
    )
    page.locator("#live-feed").get_by_text(marker).wait_for(timeout=FEED_WAIT_MS)
    watch.check("the live feed, polled")
    page.reload()
    page.locator("#live-feed").get_by_text(marker).wait_for()
    watch.check("the live feed, loaded")


# -- 3. on a phone, in Portuguese ----------------------------------------------------------------


def _phone(new_context: Callable[..., BrowserContext], **options: Any) -> BrowserContext:
    return new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="pt-BR", **options)


def _fits(page: Page, locale: str = "pt") -> None:
    assert page.locator("html").get_attribute("lang") == locale, page.url
    assert_no_sideways_scroll(page)


def test_phone_propose_moderate_publish_and_endorse_in_portuguese(
    new_context: Callable[..., BrowserContext], live_server: str, seed: Seed
) -> None:
    # A visitor without an account sends a proposal in Portuguese.
    visitor = _phone(new_context).new_page()
    _go(visitor, f"{live_server}/contributions?lang=pt")
    _fits(visitor)
    visitor.locator(".title-row a.button").click()  # "submit a proposal"
    visitor.wait_for_url("**/contributions/new*")
    _fits(visitor)
    visitor.locator("#f-forum_id").select_option(str(FORUM_ID))
    visitor.locator("main form button[type=submit]").click()
    visitor.wait_for_url(f"**/contributions/new?forum_id={FORUM_ID}")
    _fits(visitor)
    assert visitor.locator("#f-language").input_value() == "pt", "defaults to the interface's"
    title = f"Hortas comunitárias cuidadas por pessoas idosas {uuid.uuid4().hex[:6]}"
    fill_anonymous_proposal(
        visitor,
        title=title,
        body="Propomos hortas comunitárias nos bairros, cuidadas por pessoas idosas com apoio "
        "da prefeitura, como espaço de convivência e de cuidado mútuo.",
        language="pt",
    )
    assert submit_proposal_form(visitor) == 201
    _fits(visitor)
    receipt = visitor.locator(".receipt a")
    receipt_url = receipt.get_attribute("href") or ""
    assert re.search(r"/contributions/\d+\?receipt=[\w-]+$", receipt_url), receipt_url
    assert receipt.inner_text() == receipt_url, "the private link is shown in full, to copy"
    receipt.click()
    visitor.wait_for_url(receipt_url)
    assert visitor.get_by_role("heading", level=1).inner_text() == title
    assert visitor.locator(".notice.status-pending").is_visible()
    _fits(visitor)

    # The secretariat logs in on a phone and accepts it from the queue.
    moderator = _phone(new_context).new_page()
    log_in_with_the_form(moderator, live_server, SOFIA)
    _go(moderator, f"{live_server}/moderation?lang=pt")
    _fits(moderator)
    card = moderator.locator("article.card").filter(
        has=moderator.get_by_role("link", name=title, exact=True)
    )
    for _ in range(5):  # oldest first: it may be on a later page
        if card.count() or not moderator.locator("main a[href*='cursor=']").count():
            break
        moderator.locator("main a[href*='cursor=']").click()
        moderator.wait_for_load_state()
    assert card.count() == 1, "the proposal is not in the moderation queue"
    card.locator("button[name=action][value=accept]").click()
    moderator.wait_for_load_state()
    assert moderator.locator(".notice[role=status]").is_visible()
    assert card.count() == 0, "an accepted proposal left the queue"
    _fits(moderator)

    # The visitor now finds it in the list, and the private link says it is published.
    _go(visitor, f"{live_server}/contributions")
    assert visitor.get_by_role("link", name=title, exact=True).is_visible()
    _fits(visitor)
    _go(visitor, receipt_url)
    assert visitor.locator(".notice.status-pending").count() == 0
    assert visitor.locator("ol.events li").count() >= 1, "the decision is shown to the author"

    # A registered participant endorses another proposal: htmx swaps the count in place.
    ana = _phone(new_context)
    sign_in(ana, live_server, ANA)
    reader = ana.new_page()
    target = seed.proposals["endorse-js"]
    _go(reader, f"{live_server}/contributions/{target}?lang=pt")
    _fits(reader)
    box = reader.locator(f"#endorse-{target}")
    before = count_in(box.locator("p").first.inner_text())
    reader.evaluate("() => { window.__sameDocument = true; }")
    box.locator("button[type=submit][aria-pressed=false]").click()
    reader.locator(f"#endorse-{target} button[aria-pressed=true]").wait_for()
    assert reader.evaluate("() => window.__sameDocument === true"), "the page reloaded"
    counter = reader.locator(f"#endorse-{target} p[role=status]")
    assert count_in(counter.inner_text()) == before + 1
    _fits(reader)


def test_phone_endorse_without_javascript_comes_back_to_the_proposal(
    new_context: Callable[..., BrowserContext], live_server: str, seed: Seed
) -> None:
    plain = _phone(new_context, java_script_enabled=False)
    sign_in(plain, live_server, ANA)
    page = plain.new_page()
    target = seed.proposals["endorse-nojs"]
    url = f"{live_server}/contributions/{target}"
    _go(page, f"{url}?lang=pt")
    before = count_in(page.locator(f"#endorse-{target} p").first.inner_text())
    with page.expect_response(lambda r: r.url == f"{url}/endorse") as sent:
        page.locator(f"#endorse-{target} button[type=submit]").click()
    assert sent.value.status == 303
    page.wait_for_load_state()
    landed, notice = page.url, page.locator("main > .notice[role=status]").is_visible()
    _fits(page)
    # The endorsement itself is recorded...
    _go(page, url)
    assert count_in(page.locator(f"#endorse-{target} p").first.inner_text()) == before + 1
    assert page.locator(f"#endorse-{target} button[aria-pressed=true]").count() == 1
    # ...and the person should be back on the proposal, told so.
    assert notice, "no confirmation after endorsing"
    assert landed == url, f"after endorsing without JavaScript the person lands on {landed}"


# -- 4. two participants on the live feed --------------------------------------------------------


def test_two_participants_see_each_others_remarks_without_reloading(
    new_context: Callable[..., BrowserContext], live_server: str, seed: Seed
) -> None:
    live_url = f"{live_server}/sessions/{FEED_LIVE_SESSION}/live?lang=en"
    staff_context = new_context()
    sign_in(staff_context, live_server, SOFIA)
    staff = staff_context.new_page()
    _go(staff, live_url)
    staff.locator("form[action$='/live/open'] button[type=submit]").click()
    staff.wait_for_load_state()
    assert staff.locator("form[action$='/live/close']").count() == 1, "the window did not open"

    pages = {}
    for name, email in (("A", ANA), ("B", BRUNO)):
        context = new_context()
        sign_in(context, live_server, email)
        pages[name] = context.new_page()
        _go(pages[name], live_url)
        is_log = pages[name].evaluate(
            "() => !!document.getElementById('live-feed').closest('[role=log]')"
        )
        assert is_log, "the feed is not in a role=log region"
        pages[name].evaluate("() => { window.__sameDocument = true; }")
    a, b = pages["A"], pages["B"]

    remark = f"Remark from Ana {uuid.uuid4().hex[:6]}: see the PSI briefing"
    a.locator("#f-body").fill(remark)
    a.locator("form[action$='/live/remarks'] button[type=submit]").click()
    a.wait_for_load_state()
    assert a.locator("#live-feed").get_by_text(remark).is_visible()
    b.locator("#live-feed").get_by_text(remark).wait_for(timeout=FEED_WAIT_MS)
    assert b.evaluate("() => window.__sameDocument === true"), "B's page reloaded"

    a.evaluate("() => { window.__sameDocument = true; }")
    question = f"Question from Bruno {uuid.uuid4().hex[:6]}: who funds the pilots?"
    b.locator("#f-kind").select_option("question")
    b.locator("#f-body").fill(question)
    b.locator("form[action$='/live/remarks'] button[type=submit]").click()
    b.wait_for_load_state()
    item = a.locator("#live-feed > li").filter(has_text=question)
    item.wait_for(timeout=FEED_WAIT_MS)
    assert "question" in (item.get_attribute("class") or "")
    assert a.evaluate("() => window.__sameDocument === true"), "A's page reloaded"

    # The secretariat closes the window; the open pages learn it on their next poll.
    _go(staff, live_url)
    staff.locator("form[action$='/live/close'] button[type=submit]").click()
    staff.wait_for_load_state()
    b.locator("#live-poller").get_by_text("The live window is closed.").wait_for(
        timeout=FEED_WAIT_MS
    )


# -- 5. the proposal form with the keyboard alone ------------------------------------------------


def test_send_a_proposal_with_the_keyboard_alone(
    new_context: Callable[..., BrowserContext], live_server: str, seed: Seed
) -> None:
    page = new_context().new_page()
    _go(page, f"{live_server}/contributions/new?forum_id={FORUM_ID}&lang=en")
    submit = page.locator("main form[action='/contributions/new'] button[type=submit]")

    tab_to(page, page.locator("#f-title"))
    page.keyboard.type("Ok")  # too short: the server will say so
    tab_to(page, page.locator("#f-body"))
    page.keyboard.type("Too short")
    language = page.locator("#f-language")
    tab_to(page, language)
    page.keyboard.press("p")  # type-ahead, as on any closed <select>
    assert language.input_value() == "pt", "the language cannot be chosen with the keyboard"
    tab_to(page, page.locator("#f-author_name"))
    page.keyboard.type("Joana Pereira")
    tab_to(page, page.locator("#f-author_email"))
    page.keyboard.type("joana.pereira@example.org")
    consent = page.locator("#f-consent")
    tab_to(page, consent)
    page.keyboard.press("Space")
    assert consent.is_checked()
    privacy = page.locator("#f-accept_privacy")
    tab_to(page, privacy)
    page.keyboard.press("Space")
    assert privacy.is_checked()

    tab_to(page, submit)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value is not None
    assert navigation.value.status == 422
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert is_focused(summary), f"after sending, focus is on {focused_description(page)}"
    box = summary.bounding_box()
    assert box is not None
    assert box["y"] < 900, "the summary is not in view"

    title_link = summary.locator("a[href='#f-title']")
    page.keyboard.press("Tab")
    assert is_focused(title_link), f"Tab from the summary focused {focused_description(page)}"
    page.keyboard.press("Enter")
    title = page.locator("#f-title")
    if not is_focused(title):
        page.keyboard.press("Tab")
    assert is_focused(title), f"the error link led to {focused_description(page)}"
    assert title.input_value() == "Ok", "what was typed is kept"
    assert consent.is_checked(), "the consent is kept"
    assert privacy.is_checked(), "the consent to the privacy notice is kept"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Night-time childcare near the bus lines")
    tab_to(page, page.locator("#f-body"))
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(
        "Municipal childcare open at night, near public transport, for shift workers."
    )

    tab_to(page, submit)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value is not None
    assert navigation.value.status == 201
    assert page.locator(".receipt a").is_visible()


# -- 6. the similar-proposals hint ----------------------------------------------------------------


def test_similar_proposals_hint_appears_while_typing_the_title(
    new_context: Callable[..., BrowserContext], live_server: str, seed: Seed
) -> None:
    page = new_context().new_page()
    _go(page, f"{live_server}/contributions/new?forum_id={FORUM_ID}&lang=es")
    hint = page.locator("#similar")
    assert hint.get_attribute("aria-live") == "polite"
    assert hint.locator("a").count() == 0
    page.evaluate("() => { window.__sameDocument = true; }")

    page.locator("#f-title").press_sequentially("guarderías municipales", delay=20)
    link = hint.locator(f"a[href='/contributions/{seed.proposals['guarderias']}']")
    link.wait_for()
    assert link.inner_text() == SEED_PROPOSALS["guarderias"][2]
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"

    page.locator("#f-title").fill("zzqx wvyk")
    expect(hint.locator("a")).to_have_count(0)
