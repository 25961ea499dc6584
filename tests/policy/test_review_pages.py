"""Caucus sign-off pages through HTTP: the matrix on the document page (a table with caption and
headers, states in words, counts, a representative's links), the review form as a browser sends
it (empty fields, no radio chosen, a section saved meanwhile, the last stage), the secretariat's
choice of caucuses, a caucus's workspace, and the pages in es, pt and en."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import i18n
from app.models.policy_reviews import SectionReview
from app.models.users import Role
from app.services.policy import reviews
from tests import factories
from tests.conftest import form_token
from tests.policy.test_reviews import (
    Login,
    _edit,
    _join,
    _review,
    _set_stage,
    _team,
    _youth_rep,
)

# -- the matrix --------------------------------------------------------------------------------


def test_the_matrix_in_reading_order_with_counts(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team = _team(db)
    _review(db, team, team.made.section, team.youth, "endorse")
    _review(db, team, team.second, team.youth, "concerns")
    _review(db, team, team.second, team.accessibility, "object")
    _review(db, team, team.made.section, team.feminism, "endorse")
    _edit(db, team.made.section, "Care is a right.", team.made.staff)
    login_as(Role.secretariat)
    matrix = client.get(f"/api/v1/documents/{team.made.document.id}/reviews").json()
    assert matrix["sections"] == [team.made.section.id, team.second.id]
    assert matrix["caucus_ids"] == sorted([team.youth, team.feminism, team.accessibility])
    assert len(matrix["cells"]) == 6
    assert matrix["counts"] == {"endorse": 0, "concerns": 1, "object": 1, "stale": 2, "none": 2}
    page = client.get(f"/documents/{team.made.document.id}").text
    table = page[page.index('<table class="stacked review-matrix">') : page.index("</table>")]
    assert "<caption" in table
    assert table.count('<th scope="col">') == 4
    assert table.count('<th scope="row">') == 2
    assert f'href="/documents/{team.made.document.id}#s-{team.second.id}"' in table
    for words in ("Endorsed with concerns", "Objection", "No review yet", "earlier revision"):
        assert words in table
    assert table.count('aria-hidden="true"') == 6 + 2  # one icon per cell, one per stale mark
    assert "Objections: 1" in page
    # Staff choose the caucuses; nobody here represents one, so no cell offers the form.
    assert f"/documents/{team.made.document.id}/caucuses" in page
    assert "#review-form" not in table


def test_a_representative_finds_the_form_in_their_caucus_cells_only(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    page = client.get(f"/documents/{team.made.document.id}").text
    links = re.findall(r'href="/sections/(\d+)/reviews/(\d+)#review-form"', page)
    assert sorted(links) == sorted(
        [(str(team.made.section.id), str(team.youth)), (str(team.second.id), str(team.youth))]
    )
    assert "Give your review of section 1 for the" in page
    assert f"/documents/{team.made.document.id}/caucuses" not in page


# -- the review form, as a browser sends it --------------------------------------------------------


def _post(client: TestClient, url: str, **fields: str) -> Any:
    data = {"csrf_token": form_token(client, url), **fields}
    return client.post(url, data=data, follow_redirects=False)


def test_the_review_form_as_a_browser_sends_it(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    url = f"/sections/{team.made.section.id}/reviews/{team.youth}"
    form = client.get(url).text
    assert '<fieldset id="f-verdict"' in form
    assert "<legend>" in form
    assert form.count('type="radio" ') == 3
    # Concerns with an empty note (a browser sends the empty textarea).
    refused = _post(client, url, verdict="concerns", note="", seen="1")
    assert refused.status_code == 422
    assert "error-summary" in refused.text
    assert 'href="#f-note"' in refused.text
    assert re.search(
        r'id="f-verdict-concerns" name="verdict" value="concerns" checked', refused.text
    )
    # No verdict chosen (no radio is sent at all), a note typed: kept.
    refused = _post(client, url, note="About carers", seen="1")
    assert refused.status_code == 422
    assert 'href="#f-verdict"' in refused.text
    assert ">About carers</textarea>" in refused.text
    # In Spanish, the error is Spanish and what was typed stays.
    client.cookies.set("th_lang", "es")
    refused = client.post(
        url + "?lang=es",
        data={"csrf_token": form_token(client, url), "verdict": "object", "note": " ", "seen": "1"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    spanish = i18n.translations("es").gettext(reviews._NOTE_NEEDED)
    assert spanish != reviews._NOTE_NEEDED
    assert spanish in refused.text
    client.cookies.delete("th_lang")
    done = _post(client, url + "?lang=en", verdict="concerns", note="Name young carers.", seen="1")
    assert done.status_code == 303
    assert done.headers["location"] == f"/documents/{team.made.document.id}#reviews"
    after = client.get(done.headers["location"]).text
    assert "Your caucus&#39;s review of section 1 is recorded: Endorsed with concerns." in after


def test_a_form_sent_after_the_section_changed_comes_back_with_the_changes(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    url = f"/sections/{team.made.section.id}/reviews/{team.youth}"
    client.get(url)
    _edit(db, team.made.section, "Care is a right, at any age.", team.made.staff)
    back = _post(client, url, verdict="endorse", note="Fine.", seen="1")
    assert back.status_code == 409
    assert "What changed since you opened this page (version 1 to 2)" in back.text
    assert '<input type="hidden" name="seen" value="2">' in back.text
    assert ">Fine.</textarea>" in back.text
    assert factories.query(db, select(SectionReview)) == []
    assert _post(client, url, verdict="endorse", note="Fine.", seen="2").status_code == 303


def test_the_last_stage_refuses_the_form(client: TestClient, db: Session, login_as: Login) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    _set_stage(db, team.made.document, "adopted")
    url = f"/sections/{team.made.section.id}/reviews/{team.youth}"
    page = client.get(url).text
    assert "its sections' reviews can no longer be given or changed" in page
    assert 'name="verdict"' not in page
    refused = _post(client, url, verdict="endorse", note="", seen="1")
    assert refused.status_code == 409


# -- the caucuses a document requires ------------------------------------------------------


def test_staff_choose_the_required_caucuses(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team = _team(db)
    login_as(Role.secretariat)
    document_id = team.made.document.id
    api = f"/api/v1/documents/{document_id}/caucuses"
    for unknown in ([999_999], [0], [-3], [2**70]):
        refused = client.put(api, json={"caucus_ids": unknown})
        assert refused.status_code == 422, unknown
        assert "caucus_ids" in refused.json()["errors"]
    matrix = client.put(api, json={"caucus_ids": [team.youth, team.youth]}).json()
    assert matrix["caucus_ids"] == [team.youth]
    assert len(matrix["cells"]) == 2
    page_url = f"/documents/{document_id}/caucuses"
    page = client.get(page_url).text
    assert "<fieldset" in page
    assert 'type="checkbox"' in page
    assert page.count(" checked") == 1
    done = client.post(
        page_url,
        data={
            "csrf_token": form_token(client, page_url),
            "caucus_ids": [team.feminism, team.accessibility],
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    db.commit()
    assert reviews.required_caucus_ids(db, document_id or 0) == sorted(
        [team.feminism, team.accessibility]
    )
    refused = client.post(
        page_url,
        data={"csrf_token": form_token(client, page_url), "caucus_ids": "abc"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "error-summary" in refused.text
    # Nothing ticked, as a browser sends it: no field at all; no caucus is asked any more.
    done = client.post(
        page_url, data={"csrf_token": form_token(client, page_url)}, follow_redirects=False
    )
    assert done.status_code == 303
    db.commit()  # a fresh read, not the snapshot of the one before
    assert reviews.required_caucus_ids(db, document_id or 0) == []
    assert reviews.blockers(db, team.made.document) == []


@pytest.mark.parametrize("role", [Role.participant, Role.caucus_rep])
def test_only_staff_choose_the_caucuses(
    client: TestClient, db: Session, login_as: Login, role: Role
) -> None:
    team = _team(db)
    user = login_as(role)
    _join(db, team.made, user, "editor")
    api = f"/api/v1/documents/{team.made.document.id}/caucuses"
    assert client.put(api, json={"caucus_ids": []}).status_code == 403
    assert client.get(f"/documents/{team.made.document.id}/caucuses").status_code == 403
    db.commit()
    assert len(reviews.required_caucus_ids(db, team.made.document.id or 0)) == 3


# -- the pages in every language ------------------------------------------------------------


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_pages_in_each_language(
    client: TestClient, db: Session, login_as: Login, locale: str
) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    _review(db, team, team.second, team.feminism, "object")
    catalogue = i18n.translations(locale)
    for url, words in (
        (f"/documents/{team.made.document.id}", "Caucus sign-off"),
        (f"/documents/{team.made.document.id}", "Reviews of each section by each required caucus"),
        (f"/sections/{team.second.id}/reviews/{team.feminism}", "History of this review"),
        (f"/sections/{team.made.section.id}/reviews/{team.youth}", "Send the review"),
    ):
        page = client.get(f"{url}?lang={locale}")
        assert page.status_code == 200
        assert f'lang="{locale}"' in page.text
        said = catalogue.gettext(words)
        assert said in page.text, (locale, words)
        if locale != "en":
            assert said != words, (locale, words)
    login_as(Role.secretariat)
    page = client.get(f"/documents/{team.made.document.id}/caucuses?lang={locale}").text
    assert catalogue.gettext("Caucuses whose sign-off is required") in page


def test_the_caucus_workspace_lists_what_waits_for_its_review(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team = _team(db)
    login_as(Role.secretariat)
    url = f"/caucuses/{team.youth}/workspace"
    link = f'<a href="/documents/{team.made.document.id}#reviews">Caring Systems — '
    assert link + "2 sections to review</a>" in client.get(url).text
    _review(db, team, team.made.section, team.youth, "endorse")
    _review(db, team, team.second, team.youth, "object")
    assert link not in client.get(url).text  # an objection is given: the drafting team acts
    _edit(db, team.second, "Care is funded by public and community budgets.", team.made.staff)
    assert link + "1 section to review</a>" in client.get(url).text
    _set_stage(db, team.made.document, "adopted")
    assert link not in client.get(url).text


def test_changing_an_objection_does_not_carry_its_words_into_the_form(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    url = f"/sections/{team.made.section.id}/reviews/{team.youth}"
    objected = _post(client, url, verdict="object", note="Name young carers first.", seen="1")
    assert objected.status_code == 303
    form = client.get(url).text
    # The objection is quoted above the form; its note is not typed in for the next verdict.
    assert "Name young carers first." in form
    assert "Name young carers first.</textarea>" not in form
    assert re.search(r'id="f-verdict-object" name="verdict" value="object" checked', form)
    concerns = _post(client, url, verdict="concerns", note="Carers, not only parents.", seen="1")
    assert concerns.status_code == 303
    # A note given with concerns is kept in the form, to confirm or change it.
    assert "Carers, not only parents.</textarea>" in client.get(url).text
