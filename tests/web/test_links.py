"""Links the edge builds: language switches, absolute URLs, hosts."""

import re

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
        assert link.startswith("/") and not link.startswith("//"), link
        assert link.startswith("/evil.example/x?a=1&amp;lang="), link
