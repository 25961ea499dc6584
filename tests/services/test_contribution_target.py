"""The contribution as a target others point to (care-map pins, later citations): it resolves
for a reader who may see it and is a 404 otherwise; pointers go when its forum is deleted."""

import pytest
from sqlmodel import Session

from app.models.users import Role
from app.services import forums, targets
from app.services.errors import NotFound
from tests import factories
from tests.conftest import make_user


def test_a_published_contribution_resolves_with_its_url_and_short_title(db: Session) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, title="Care centres in every neighbourhood")
    found = targets.resolve(db, kind="contribution", target_id=item.id, viewer=None)
    assert (found.url, found.title) == (
        f"/contributions/{item.id}",
        "Care centres in every neighbourhood",
    )


def test_a_remark_without_title_is_named_by_its_text(db: Session) -> None:
    forum = factories.forum(db)
    text = "A long remark typed in the chat of the live session, " * 3
    item = factories.contribution(db, forum, title="", kind="remark", excerpt=text)
    title = targets.resolve(db, kind="contribution", target_id=item.id, viewer=None).title
    assert title.startswith("A long remark typed")
    assert len(title) <= 80
    assert title.endswith("…")


@pytest.mark.parametrize("status", ["pending", "hidden", "rejected"])
def test_an_unpublished_one_is_a_404_except_to_moderators_and_its_author(
    db: Session, engine, status: str
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    author = make_user(engine, Role.participant)
    item = factories.contribution(db, forum, status=status, author_id=author.id)
    for viewer in (None, make_user(engine, Role.participant)):
        with pytest.raises(NotFound):
            targets.resolve(db, kind="contribution", target_id=item.id, viewer=viewer)
    for viewer in (author, make_user(engine, Role.secretariat)):
        assert targets.find(db, kind="contribution", target_id=item.id, viewer=viewer)
    with pytest.raises(NotFound):
        targets.resolve(db, kind="contribution", target_id=item.id + 1000, viewer=None)


def test_pointers_go_when_the_forum_and_its_contributions_go(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    removed: list[tuple[str, int]] = []

    def remover(_db: Session, kind: str, target_id: int) -> int:
        removed.append((kind, target_id))
        return 1

    monkeypatch.setitem(targets._removers, "test_pointer", remover)
    forum = factories.forum(db)
    other = factories.forum(db)
    items = [factories.contribution(db, forum), factories.contribution(db, forum)]
    factories.contribution(db, other)
    forums.delete_forum(db, actor=factories.staff(db), forum=forum)
    count = len(removed)
    mine = [r for r in removed if r[0] == "contribution"]
    assert sorted(mine) == sorted(("contribution", i.id) for i in items)
    assert count >= len(items)


def test_many_at_once_find_what_one_by_one_finds(db: Session) -> None:
    """A snapshot freezes its sources through find_many: the same records, titles and URLs as
    find() one by one, hidden and missing ones left out, for the public."""
    forum = factories.forum(db)
    shown = factories.contribution(db, forum, title="Care centres")
    hidden = factories.contribution(db, forum, title="Not yet", status="pending")
    ids = [shown.id, hidden.id, shown.id, 999_999]
    many = targets.find_many(db, kind="contribution", target_ids=ids, viewer=None)
    one_by_one = {
        i: found
        for i in ids
        if (found := targets.find(db, kind="contribution", target_id=i, viewer=None))
    }
    assert set(many) == set(one_by_one) == {shown.id}
    assert (many[shown.id].title, many[shown.id].url) == (
        one_by_one[shown.id].title,
        one_by_one[shown.id].url,
    )
