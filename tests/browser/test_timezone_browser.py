"""The time-zone choice (issue 10, defect 6): about 600 zones, grouped by region; with
JavaScript a filter box narrows the select as one types, without it the grouped select is the
whole control and still works."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser


def test_typing_part_of_a_place_narrows_the_choice_and_picks_it(
    live_server: str, admin_context: BrowserContext
) -> None:
    page = admin_context.new_page()
    page.goto(f"{live_server}/forums/new?lang=pt")
    finder = page.get_by_label("Encontrar um lugar ou fuso")
    expect(finder).to_be_visible()
    finder.fill("montevid")
    select = page.locator("#f-timezone")
    expect(select).to_have_value("America/Montevideo")
    visible = select.locator("option:not([hidden])")
    expect(visible).to_have_count(1)
    expect(page.locator("#f-timezone-count")).to_have_text("Lugares encontrados: 1")
    finder.fill("são")
    expect(select.locator("option:not([hidden])", has_text="São Paulo")).to_have_count(1)
    finder.fill("")
    assert visible.count() > 500
    page.close()


def test_without_javascript_the_grouped_select_is_the_control(
    live_server: str,
    new_context: Callable[..., BrowserContext],
    log_in_as_admin: Callable[[Page], None],
) -> None:
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    log_in_as_admin(page)
    page.goto(f"{live_server}/forums/new?lang=es")
    expect(page.get_by_label("Buscar un lugar o una zona")).to_be_hidden()
    select = page.get_by_label("Zona horaria")
    select.select_option("America/Montevideo")
    expect(select).to_have_value("America/Montevideo")
    expect(page.locator("#f-timezone optgroup[label='América']")).to_have_count(1)
