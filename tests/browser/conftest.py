"""Browser fixtures: a live Town Hall server with the demo data, and Debian's Chromium.

The server runs uvicorn in a background thread on a free port of 127.0.0.1, serving a fresh
SQLite file migrated with the real migrations and filled by the demo loader. Chromium is the
system one (/usr/bin/chromium, or TOWNHALL_CHROMIUM): nothing is ever downloaded. Without it the
suite is skipped locally, and fails in CI (CI=true), where a missing browser must not pass.
"""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)
from sqlalchemy import select
from sqlmodel import col

from app.cli import db_upgrade
from app.config import Settings
from app.db import make_engine, open_session
from app.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
from app.demo import load as load_demo
from app.main import create_app
from app.models.caremap import CareRun, CareTerritory, EvidencePin
from app.models.caucuses import Caucus

CHROMIUM = Path(os.environ.get("TOWNHALL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file migrated to the latest schema and filled with the demo data."""
    return make_demo_database(tmp_path_factory.mktemp("browser-db") / "townhall.db")


def make_demo_database(path: Path) -> str:
    """Migrates a new SQLite file at `path`, fills it with the demo data and returns its URL."""
    url = f"sqlite:///{path}"
    db_upgrade(url)
    engine = make_engine(url)
    try:
        with open_session(engine, write=True) as db:
            load_demo(db)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def feminism_caucus_id(demo_database: str) -> int:
    engine = make_engine(demo_database)
    try:
        with open_session(engine, write=False) as db:
            query = select(col(Caucus.id)).where(col(Caucus.code) == "feminism")
            return int(db.execute(query).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_ids(demo_database: str) -> dict[str, int]:
    """The demo's care map: its territory, stored run, and the session its panels are pinned to."""
    engine = make_engine(demo_database)
    try:
        with open_session(engine, write=False) as db:
            territory = db.execute(select(col(CareTerritory.id))).scalars().first()
            run = db.execute(select(col(CareRun.id))).scalars().first()
            session = db.execute(select(col(EvidencePin.target_id))).scalars().first()
            ids = {"territory": territory, "run": run, "session": session}
            assert all(ids.values()), f"the demo has no care map: {ids}"
            return {k: int(v or 0) for k, v in ids.items()}
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(demo_database: str) -> Iterator[str]:
    """The base URL (http://127.0.0.1:<port>) of Town Hall serving the demo database."""
    with serve(demo_database) as base_url:
        yield base_url


@contextmanager
def serve(database_url: str) -> Iterator[str]:
    """Town Hall on `database_url`, served by uvicorn in a thread on a free port: its base URL."""
    engine = make_engine(database_url)
    settings = Settings(database_url=database_url, secret_key="browser-suite-secret-key")
    app = create_app(settings, engine)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="townhall-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live Town Hall server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"{reason} (CI=true: the browser suite must run in CI)")
        pytest.skip(reason)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Opens extra contexts (phone-sized, without JavaScript...) that are closed afterwards."""
    opened: list[BrowserContext] = []

    def _open(**options: object) -> BrowserContext:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield _open
    for context in opened:
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def _log_in(
    page: Page, base_url: str, email: str = DEMO_ADMIN_EMAIL, password: str = DEMO_ADMIN_PASSWORD
) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator(".whoami").count() == 1, f"{email} could not log in"


@pytest.fixture
def log_in_as_admin(live_server: str) -> Callable[[Page], None]:
    """Logs a page in as the demo administrator by filling in the login form."""

    def _run(page: Page) -> None:
        _log_in(page, live_server)

    return _run


def _shared_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="session")
def visitor_context(browser: Browser) -> Iterator[BrowserContext]:
    """One signed-out context shared by the read-only page checks (a context per check is slow)."""
    context = _shared_context(browser)
    yield context
    context.close()


@pytest.fixture(scope="session")
def admin_context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    """One context signed in as the demo administrator, shared by read-mostly staff tests."""
    context = _shared_context(browser)
    page = context.new_page()
    _log_in(page, live_server)
    page.close()
    yield context
    context.close()
