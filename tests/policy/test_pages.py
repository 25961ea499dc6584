"""The policy document pages as a drafting team uses them, with real form posts: the list, a
new document, the document page with its tree, sections, tools and team, and the section
editor's save, merge, conflict and bad-input paths, and its presence notice."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models.policy import SectionPresence
from app.models.users import Role, User
from app.services import policy
from app.services.policy import extensions, presence
from tests.conftest import form_token
from tests.policy.helpers import BODY, PARAGRAPHS, Paper, add_to_team, paper

Login = Callable[..., Any]


def _on_team(db: Session, login_as: Login, role: str = "editor") -> tuple[Paper, User]:
    made = paper(db)
    user = login_as(Role.caucus_rep if role == "caucus_rep" else Role.participant)
    add_to_team(db, made, user, role)
    return made, user


def _post(client: TestClient, page: str, action: str, data: dict[str, Any]) -> Any:
    token = form_token(client, page)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def _textarea(html: str, name: str = "body") -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, html
    import html as h

    return h.unescape(found.group(1))


def _base(html: str) -> int:
    found = re.search(r'name="base_version" value="(\d+)"', html)
    assert found
    return int(found.group(1))


# -- list and new document -------------------------------------------------------------------


def test_the_list_shows_staff_every_document_and_others_theirs(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)
    other = paper(db)
    page = client.get("/documents")
    assert page.status_code == 200
    assert page.text.count("Caring Systems") == 1
    assert f'href="/documents/{made.document.id}"' in page.text
    assert f'href="/documents/{other.document.id}"' not in page.text
    assert "/documents/new" not in page.text
    login_as(Role.participant)
    assert "Caring Systems" not in client.get("/documents").text
    login_as(Role.secretariat)
    staff_page = client.get("/documents").text
    assert staff_page.count("Caring Systems") == 2
    assert "/documents/new" in staff_page


def test_staff_create_a_document_and_bad_input_keeps_what_was_typed(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    login_as(Role.secretariat)
    assert client.get("/documents/new").status_code == 200
    empty = _post(
        client,
        "/documents/new",
        "/documents",
        {"forum_id": "", "title.en": "", "title.es": "Cuidados", "language": ""},
    )
    assert empty.status_code == 422
    assert "There is a problem" in empty.text
    assert 'value="Cuidados"' in empty.text
    made_doc = _post(
        client,
        "/documents/new",
        "/documents",
        {"forum_id": str(made.document.forum_id), "title.en": "Care paper", "language": "es"},
    )
    assert made_doc.status_code == 303
    page = client.get(made_doc.headers["location"])
    assert page.status_code == 200
    assert "Care paper" in page.text


def test_a_participant_may_not_open_the_new_document_form(
    client: TestClient, db: Session, login_as: Login
) -> None:
    login_as(Role.participant)
    assert client.get("/documents/new").status_code == 403


# -- the document page -----------------------------------------------------------------------


def test_the_document_page_numbers_sections_and_renders_paragraphs(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)
    policy.create_section(
        db,
        actor=made.staff,
        document=made.document,
        data=policy_section("Funding", "**Who** pays <script>x</script>", made.section.id),
    )
    page = client.get(f"/documents/{made.document.id}")
    assert page.status_code == 200
    text = page.text
    assert f'id="s-{made.section.id}"' in text
    assert 'lang="en"' in text
    assert ">1.1</span>" in text
    assert "<strong>Who</strong>" in text
    assert "<script>x" not in text
    for p in policy.current_paragraphs(db, made.section.id or 0):
        assert f'id="p-{p.id}"' in text
    assert f'href="/sections/{made.section.id}/edit"' in text
    assert f'href="/sections/{made.section.id}/history"' in text
    # The team sees the team; only staff or the owner may add to it.
    assert "Someone" not in text or "Drafting team" in text
    assert 'action="/documents/' + str(made.document.id) + '/team"' not in text


def policy_section(title: str, body: str, parent: int | None = None) -> Any:
    from app.models.policy import SectionCreate

    return SectionCreate(title=title, body=body, parent_id=parent)


def test_tools_and_panels_from_other_parts_show_beside_paragraphs(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)

    def tools(
        _db: Session, _user: User | None, _doc: Any, ids: Any
    ) -> dict[int, list[extensions.Tool]]:
        return {i: [extensions.Tool(f"Try {i}", f"/try/{i}", 3, "try")] for i in ids}

    extensions.paragraph_tools(tools)
    try:
        text = client.get(f"/documents/{made.document.id}").text
    finally:
        extensions._TOOLS.remove(tools)
    first = policy.current_paragraphs(db, made.section.id or 0)[0]
    assert f'href="/try/{first.id}" data-tool="try">Try {first.id}' in text
    assert "(3)" in text


def test_someone_off_the_team_gets_404(client: TestClient, db: Session, login_as: Login) -> None:
    made = paper(db)
    login_as(Role.participant)
    assert client.get(f"/documents/{made.document.id}").status_code == 404
    assert client.get(f"/sections/{made.section.id}/edit").status_code == 404


def test_the_team_adds_a_section_and_empty_fields_get_a_422(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)
    page = f"/documents/{made.document.id}"
    bad = _post(client, page, page + "/sections", {"title": "", "parent_id": "", "body": "Kept"})
    assert bad.status_code == 422
    assert "There is a problem" in bad.text
    assert ">Kept</textarea>" in bad.text
    good = _post(
        client,
        page,
        page + "/sections",
        {"title": "Funding", "parent_id": str(made.section.id), "body": "Who pays."},
    )
    assert good.status_code == 303
    shown = client.get(page).text
    assert ">1.1</span>" in shown
    assert "Who pays." in shown
    assert "Section added." in shown


def test_staff_add_a_team_member_by_email(client: TestClient, db: Session, login_as: Login) -> None:
    made = paper(db)
    rep = login_as(Role.caucus_rep, display_name="Rita Rep")
    login_as(Role.secretariat)
    page = f"/documents/{made.document.id}"
    unknown = _post(client, page, page + "/team", {"email": "nobody@x.org", "role": "editor"})
    assert unknown.status_code == 422
    assert "No active account" in unknown.text
    no_caucus = _post(
        client, page, page + "/team", {"email": rep.email, "role": "caucus_rep", "caucus_id": ""}
    )
    assert no_caucus.status_code == 422
    assert "Say which caucus" in no_caucus.text
    added = _post(client, page, page + "/team", {"email": rep.email.upper(), "role": "editor"})
    assert added.status_code == 303
    assert rep.id in policy.team_ids(db, made.document.id or 0)
    assert "Rita Rep" in client.get(page).text


# -- the section editor ----------------------------------------------------------------------


def test_a_save_redirects_to_the_section_and_says_saved(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)
    editor = f"/sections/{made.section.id}/edit"
    page = client.get(editor)
    assert page.status_code == 200
    assert _textarea(page.text) == BODY
    assert _base(page.text) == 1
    body = BODY.replace("every age", "every age and place")
    done = _post(
        client, editor, editor, {"title": "Care as a right", "body": body, "base_version": "1"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/documents/{made.document.id}#s-{made.section.id}"
    shown = client.get(done.headers["location"]).text
    assert "Saved." in shown
    assert "every age and place" in shown


def _save_elsewhere(db: Session, made: Paper, body: str) -> None:
    other = db.exec(select(User).where(User.id == made.staff.id)).one()
    section = policy.get_section(db, made.section.id or 0)
    policy.save_section(db, actor=other, section=section, base_version=section.version, body=body)


def test_a_stale_save_of_another_paragraph_is_merged_and_says_so(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)
    editor = f"/sections/{made.section.id}/edit"
    token = form_token(client, editor)
    _save_elsewhere(db, made, BODY.replace("train care workers", "train and pay care workers"))
    mine = BODY.replace("every age", "every age and place")
    done = client.post(
        editor,
        data={"csrf_token": token, "title": "Care as a right", "body": mine, "base_version": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "Saved; merged with 1 other change." in shown
    assert "every age and place" in shown
    assert "train and pay care workers" in shown


def test_a_clash_shows_both_texts_keeps_the_typed_one_and_resolves_on_the_next_save(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)
    editor = f"/sections/{made.section.id}/edit"
    token = form_token(client, editor)
    _save_elsewhere(db, made, BODY.replace("every age", "every age, everywhere"))
    mine = BODY.replace("every age", "every age and place") + "\n\n  Indented *new* line "
    clash = client.post(
        editor,
        data={"csrf_token": token, "title": "Care as a right", "body": mine, "base_version": "1"},
    )
    assert clash.status_code == 409
    assert _textarea(clash.text) == mine
    assert _base(clash.text) == 2
    assert "every age, everywhere" in clash.text
    assert "every age and place" in clash.text
    assert PARAGRAPHS[0] in clash.text  # the base, as both started
    assert policy.get_section(db, made.section.id or 0).version == 2
    resolved = mine.replace("every age and place", "every age, everywhere and place")
    done = client.post(
        editor,
        data={
            "csrf_token": token,
            "title": "Care as a right",
            "body": resolved,
            "base_version": "2",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    db.rollback()  # a new snapshot: the test's session read before the page saved
    body = policy.section_public(db, policy.get_section(db, made.section.id or 0)).body
    assert "every age, everywhere and place" in body
    assert "Indented *new* line" in body


def test_bad_input_in_the_editor_is_a_422_that_keeps_the_typed_text(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)
    editor = f"/sections/{made.section.id}/edit"
    for data in (
        {"title": "", "body": "typed  text", "base_version": "1"},
        {"title": "T", "body": "typed  text", "base_version": ""},
        {"title": "T", "body": "typed  text", "base_version": "x"},
        {"title": "T", "body": "typed  text", "base_version": "99"},
        {"title": "T" * 400, "body": "typed  text", "base_version": "1"},
    ):
        page = _post(client, editor, editor, data)
        assert page.status_code in (409, 422), (data, page.status_code)
        assert _textarea(page.text) == "typed  text"
        assert "There is a problem" in page.text or "Not saved" in page.text
    nothing = _post(client, editor, editor, {"body": "x"})
    assert nothing.status_code == 422
    assert policy.get_section(db, made.section.id or 0).version == 1


def test_an_unchanged_save_says_nothing_changed(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _user = _on_team(db, login_as)
    editor = f"/sections/{made.section.id}/edit"
    done = _post(
        client, editor, editor, {"title": "Care as a right", "body": BODY, "base_version": "1"}
    )
    assert done.status_code == 303
    assert "Nothing to save" in client.get(done.headers["location"]).text


# -- presence ---------------------------------------------------------------------------------


def test_presence_names_others_and_a_newer_revision(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, ana = _on_team(db, login_as)
    fragment = f"/sections/{made.section.id}/presence?seen=1"
    alone = client.get(fragment)
    assert alone.status_code == 200
    assert "Nobody else" in alone.text
    bea = login_as(Role.participant, display_name="Bea Editor")
    add_to_team(db, made, bea)
    assert ana.display_name in client.get(f"/sections/{made.section.id}/edit").text
    login_as(Role.secretariat, display_name="Sara Staff")
    _save_elsewhere(db, made, BODY + "\n\nMore.")
    text = client.get(fragment).text
    assert "Also editing this section now" in text
    assert "Bea Editor" in text
    assert "1 newer revision has been saved" in text
    assert client.get(f"/sections/{made.section.id}/presence?seen=2").text.count("newer") == 0
    assert client.get(f"/sections/{made.section.id}/presence?seen=x").status_code == 400
    # A poll that would say what the page already says changes nothing on it.
    key = re.search(r"shown=([0-9a-f]+)", text)
    assert key
    same = client.get(f"/sections/{made.section.id}/presence?seen=1&shown={key.group(1)}")
    assert same.status_code == 204
    assert client.get(f"{fragment}&shown=0123").status_code == 200


def test_presence_writes_at_most_once_per_interval(db: Session, login_as: Login) -> None:
    made, user = _on_team(db, login_as)
    section = policy.get_section(db, made.section.id or 0)
    writes: list[int] = []

    class Counting:
        def __enter__(self) -> Session:
            writes.append(1)
            return db

        def __exit__(self, *exc: object) -> None:
            return None

    from app.models.types import utcnow

    start = utcnow()
    for seconds in (0, 5, 10, 14, 16, 20, 32):
        presence.check_in(
            db,
            section=section,
            user=user,
            seen=1,
            writer=Counting,
            now=start + timedelta(seconds=seconds),
        )
    assert len(writes) == 3  # at 0, 16, 32
    rows = db.exec(select(SectionPresence)).all()
    assert len(rows) == 1
