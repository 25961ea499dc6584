"""A contribution's body and its stored HTML change together, in one transaction, whoever
writes the body (issue 9, finding 13)."""

from sqlmodel import Session

from app.lib import markup
from app.models.contributions import Contribution
from tests import factories


def test_editing_the_body_rewrites_the_html_in_the_same_transaction(db: Session) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, body="Primeira versão.")
    assert item.body_html == "<p>Primeira versão.</p>\n"

    item.body = "Segunda versão, com **ênfase**."
    db.flush()
    assert item.body_html == markup.store("Segunda versão, com **ênfase**.")
    db.rollback()  # neither the body nor its HTML was kept
    again = db.get(Contribution, item.id)
    assert again is not None
    assert (again.body, again.body_html) == ("Primeira versão.", "<p>Primeira versão.</p>\n")

    again.body = "Terceira."
    db.commit()
    db.refresh(again)
    assert again.body_html == "<p>Terceira.</p>\n"
    db.commit()


def test_other_changes_leave_the_html_alone(db: Session) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, body="Texto.")
    item.body_html = "<p>as stored</p>"
    db.commit()
    item.pinned = True
    db.commit()
    db.refresh(item)
    assert item.body_html == "<p>as stored</p>"
    db.commit()


def test_a_live_remark_is_stored_as_text_with_its_links(db: Session) -> None:
    forum = factories.forum(db)
    item = factories.contribution(
        db, forum, kind="remark", channel="live", title="", body="*Veja* https://example.org"
    )
    assert item.body_html == markup.store_text("*Veja* https://example.org")
    assert "<em>" not in item.body_html
