"""Links the edge builds: language switches, absolute URLs, hosts."""

import re
from typing import Any

from fastapi.testclient import TestClient


def test_language_links_on_an_error_page_for_a_double_slash_path_stay_on_site(
    client: TestClient,
) -> None:
    """Finding 15: `//evil.example/x` is a 404 page whose language links were
    `//evil.example/x?lang=es`, a protocol-relative link to another site."""
    response = client.get("http://testserver//evil.example/x?a=1")
    assert response.status_code == 404
    links = re.findall(r'href="([^"]*lang=[^"]*)"', response.text)
    assert links, "the error page offers its languages"
    for link in links:
        assert not link.startswith("//"), link
        assert link.startswith("/evil.example/x?a=1&amp;lang="), link


def _live_session(db: Any) -> int:
    from tests import factories

    session = factories.session(db, factories.forum(db))
    assert session.id is not None
    return session.id


def test_an_unknown_host_header_does_not_poison_the_cached_live_page(
    client: TestClient, db: Any
) -> None:
    """Finding 4: `Host: evil.example` put http://evil.example/... into the share link, which
    the page cache then served to every anonymous reader."""
    path = f"/sessions/{_live_session(db)}/live"
    poisoned = client.get(path, headers={"Host": "evil.example"})
    assert poisoned.status_code == 400
    assert "evil.example" not in client.get(path).text


def test_links_come_from_the_base_url_whatever_the_host_header(
    settings: Any, engine: Any, db: Any
) -> None:
    from app.main import create_app

    settings.base_url = "https://townhall.example.org"
    settings.allowed_hosts = ["*"]
    with TestClient(create_app(settings, engine)) as client:
        path = f"/sessions/{_live_session(db)}/live"
        page = client.get(path, headers={"Host": "evil.example"})
        assert page.status_code == 200
        assert "evil.example" not in page.text
        assert f"https://townhall.example.org{path}" in page.text
        assert "evil.example" not in client.get(path).text


def test_a_private_receipt_link_is_never_stored(client: TestClient, db: Any) -> None:
    """Also: pages reached through a private receipt link get Cache-Control: no-store."""
    from tests import factories

    contribution = factories.contribution(db, factories.forum(db))
    response = client.get(f"/contributions/{contribution.id}?receipt=not-the-token")
    assert "no-store" in response.headers["Cache-Control"]


def test_every_cookie_is_secure_over_https(app: Any) -> None:
    """Also: cookies were Secure only when TOWNHALL_SECURE_COOKIES was set."""
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/login?lang=es")
        cookies = response.headers.get_list("set-cookie")
    assert cookies, "the login page sets its cookies"
    for cookie in cookies:
        assert "; secure" in cookie.lower(), cookie
