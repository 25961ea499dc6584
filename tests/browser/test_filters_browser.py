"""Filtering and searching proposals as a person does (issue 10, defect 1): in Portuguese, on a
phone, opening the *Filtros* drawer and pressing *Aplicar* with every filter left at "all", then
typing a search and pressing *Pesquisar*, with JavaScript and without. The form sends every field,
the unused ones empty, whichever button submits it."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _submit(page: Page, button: str) -> None:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
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

    # On a phone the filters sit in a closed drawer: a person opens it first.
    page.get_by_text("Filtros", exact=True).click()
    _submit(page, "Aplicar")
    assert "&forum_id=&" in page.url, "the form sends its empty fields"
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(results).to_have_count(everything)

    page.get_by_label("Pesquisar em todos os idiomas").fill("creches")
    _submit(page, "Pesquisar")
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(results.filter(has_text="Creches públicas perto do transporte")).to_have_count(1)
    assert results.count() < everything
    expect(page.get_by_label("Pesquisar em todos os idiomas")).to_have_value("creches")
