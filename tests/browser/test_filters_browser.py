"""Filtering and searching proposals as a person does (issue 10, defect 1): in Portuguese, on a
phone, pressing *Aplicar* with every filter left at "all" and then with a search typed, with
JavaScript and without. The form sends every field, the unused ones empty."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _apply(page: Page) -> None:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Aplicar").click()
    response = navigation.value
    assert response is not None
    assert response.status == 200, page.url


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_aplicar_with_and_without_a_search(
    live_server: str, new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    context = new_context(viewport=PHONE, locale="pt-BR", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/contributions?lang=pt")
    results = page.locator("#results article.contribution")
    everything = results.count()
    assert everything >= 2

    _apply(page)
    assert "&forum_id=&" in page.url, "the form sends its empty fields"
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(results).to_have_count(everything)

    page.get_by_label("Pesquisar em todos os idiomas").fill("creches")
    _apply(page)
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(results.filter(has_text="Creches públicas perto do transporte")).to_have_count(1)
    assert results.count() < everything
    expect(page.get_by_label("Pesquisar em todos os idiomas")).to_have_value("creches")
