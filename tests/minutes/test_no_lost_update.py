"""A property over random edit sequences: editors save from whatever version they last saw;
a save goes through exactly when nobody changed that item since (other items' changes merge),
and a save that goes through never replaces a text its editor had not seen."""

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from app.models.minutes import ItemCreate, ItemUpdate, MinutesCreate
from app.services import minutes
from tests import factories

EDITORS = 3
ITEMS = 3

step = st.one_of(
    st.tuples(st.just("refresh"), st.integers(0, EDITORS - 1)),
    st.tuples(
        st.just("edit"),
        st.integers(0, EDITORS - 1),
        st.integers(0, ITEMS - 1),
        st.text(alphabet="abc ", min_size=1, max_size=6).filter(str.strip),
    ),
)


@dataclass
class Editor:
    base: int
    seen: dict[int, str] = field(default_factory=dict)


def _state(db: Session, found: Any) -> tuple[int, dict[int, str], dict[int, int]]:
    data = minutes.contents(db, minutes.get_minutes(db, found.id))
    db.commit()
    texts = {d.id: d.text for d in data.decisions}
    changed = {d.id: d.changed_at for d in data.decisions}
    return data.minutes.version, texts, changed


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_no_save_is_lost_or_silently_overwritten(db: Session, steps: list[Any]) -> None:
    staff = factories.staff(db)
    forum = factories.forum(db)
    session = factories.session(db, forum)
    made = minutes.create_draft(db, actor=staff, session=session, data=MinutesCreate())
    ids = []
    for n in range(ITEMS):
        made, item = minutes.add_item(
            db,
            actor=staff,
            minutes=made,
            kind="decision",
            data=ItemCreate(base_version=made.version, text=f"item {n}"),
        )
        ids.append(item.id)
    version, texts, _ = _state(db, made)
    editors = [Editor(version, dict(texts)) for _ in range(EDITORS)]
    history: dict[int, list[str]] = {i: [texts[i]] for i in ids}
    for action in steps:
        editor = editors[action[1]]
        version, texts, changed = _state(db, made)
        if action[0] == "refresh":
            editor.base, editor.seen = version, dict(texts)
            continue
        item_id, new = ids[action[2]], action[3]
        untouched = changed[item_id] <= editor.base
        refused: minutes.EditConflict | None = None
        try:
            minutes.update_item(
                db,
                actor=staff,
                minutes=made,
                kind="decision",
                item_id=item_id,
                data=ItemUpdate(base_version=editor.base, text=new),
            )
        except minutes.EditConflict as conflict:
            db.rollback()
            refused = conflict
        if refused is not None:
            assert not untouched, "a save of an item nobody else changed was refused"
            assert refused.current["text"] == texts[item_id]  # theirs, as saved
            assert refused.yours["text"] == new.strip()  # and what this editor typed
            assert _state(db, made)[1] == texts  # nothing changed
            editor.base, editor.seen = refused.version, dict(texts)
            continue
        assert untouched, "a stale save of an item someone else changed went through"
        # What it replaced is what its editor saw: no one's text was lost unseen.
        assert texts[item_id] == editor.seen[item_id]
        history[item_id].append(new.strip())
        version, texts, _ = _state(db, made)
        assert texts[item_id] == new.strip()
        editor.base, editor.seen = version, dict(texts)
    final = _state(db, made)[1]
    assert all(final[i] == history[i][-1] for i in ids)
