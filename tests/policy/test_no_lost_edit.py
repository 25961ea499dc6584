"""Nothing acknowledged is lost: random edits by several people from random (often stale) base
versions, each retried on a conflict as a person would, and 8 threads saving one section at
once. Through the service with real sessions, on SQLite and on PostgreSQL alike.

The property test's size: 50 examples of up to 12 saves by 3 editors, each from a base up to 3
versions old (a few seconds).
"""

import re
import threading
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from app.db import open_session, write_again
from app.models.policy import PolicySection
from app.models.users import Role, User
from app.services import policy
from app.services.policy import saving
from tests.conftest import PG_URL
from tests.policy.helpers import PARAGRAPHS, paper, person

TOKEN = re.compile(r"tok\d+")


@dataclass(frozen=True)
class Step:
    editor: int
    back: int  # how many versions behind the latest the editor's copy is
    action: str  # replace, append, insert, delete
    target: int  # which paragraph of the editor's copy


@dataclass
class Ledger:
    acknowledged: set[str] = field(default_factory=set)
    superseded: set[str] = field(default_factory=set)  # replaced by someone who saw them
    count: int = 0

    def token(self) -> str:
        self.count += 1
        return f"tok{self.count}"


steps = st.lists(
    st.builds(
        Step,
        editor=st.integers(0, 2),
        back=st.integers(0, 3),
        action=st.sampled_from(["replace", "append", "insert", "delete"]),
        target=st.integers(0, 20),
    ),
    min_size=1,
    max_size=12,
)


def _apply(
    paragraphs: list[policy.Para], step: Step, token: str, aim: int | None
) -> tuple[list[str], int | None, str]:
    """The editor's new body: (texts, the paragraph aimed at, the text it replaced)."""
    texts = [p.text for p in paragraphs]
    index = next((n for n, p in enumerate(paragraphs) if p.id == aim), None)
    if aim is None and paragraphs:
        index = step.target % len(paragraphs)
    if index is None:  # the paragraph is gone: the editor types it anew at the end
        return [*texts, f"Written again {token}"], None, ""
    target = paragraphs[index]
    if step.action == "replace":
        texts[index] = f"Rewritten {token}"
    elif step.action == "append":
        texts[index] = f"{target.text} and {token}"
    elif step.action == "insert":
        texts.insert(index + 1, f"Added {token}")
    elif len(texts) > 1:
        del texts[index]
    else:
        texts[index] = f"Only {token}"
    replaced = target.text if step.action in ("replace", "delete") else ""
    return texts, target.id, replaced


def _save(db: Session, user: User, section: PolicySection, step: Step, ledger: Ledger) -> None:
    write_again(db)
    current = db.get(PolicySection, section.id)
    assert current is not None
    db.refresh(current)
    base = max(1, current.version - step.back)
    revision = policy.get_revision(db, section.id or 0, base)
    assert revision is not None
    token = ledger.token()
    copy = [policy.Para(int(p["id"]), str(p["text"])) for p in revision.paragraphs]
    texts, aim, replaced = _apply(copy, step, token, None)
    try:
        done = policy.save_section(
            db, actor=user, section=section, base_version=base, body=policy.join(texts)
        )
        event("merged" if done.merged else "saved on the latest version")
    except policy.SectionConflict:
        event("conflict, saved again on the latest version")
        # As a person would: the newest text, the same change made again on it.
        db.rollback()
        write_again(db)
        latest = db.get(PolicySection, section.id)
        assert latest is not None
        db.refresh(latest)
        now = [policy.Para(p.id, p.text) for p in policy.current_paragraphs(db, section.id or 0)]
        texts, aim, replaced = _apply(now, step, token, aim)
        policy.save_section(
            db, actor=user, section=section, base_version=latest.version, body=policy.join(texts)
        )
    if any(token in text for text in texts):  # a deletion writes no token
        ledger.acknowledged.add(token)
    ledger.superseded |= set(TOKEN.findall(replaced))


def _latest(db: Session, section: PolicySection) -> PolicySection:
    found = policy.get_section(db, section.id or 0)
    db.refresh(found)
    return found


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_every_acknowledged_edit_survives_unless_replaced_by_one_that_saw_it(
    db: Session, plan: list[Step]
) -> None:
    made = paper(db)
    editors = [made.staff, made.staff, made.staff]
    ledger = Ledger()
    for step in plan:
        _save(db, editors[step.editor], made.section, step, ledger)
    final = policy.section_public(db, _latest(db, made.section))
    present = set(TOKEN.findall(final.body))
    missing = ledger.acknowledged - ledger.superseded - present
    assert not missing, (missing, final.body, plan)
    # The paragraphs stored are the latest revision's, id for id.
    latest = policy.get_revision(db, made.section.id or 0, final.version)
    assert latest is not None
    assert [(p.id, p.text) for p in final.paragraphs] == [
        (p["id"], p["text"]) for p in latest.paragraphs
    ]


def test_eight_people_saving_different_paragraphs_at_once_are_all_kept(
    engine: Engine, db: Session
) -> None:
    body = "\n\n".join(f"Paragraph {n} of the care paper." for n in range(8))
    made = paper(db, body=body)
    people = [person(db, Role.caucus_rep, f"Rep {n}") for n in range(8)]
    start = threading.Barrier(8)
    errors: list[BaseException] = []
    merged: list[bool] = []

    def edit(n: int) -> None:
        try:
            with open_session(engine, write=True) as own:
                texts = [f"Paragraph {k} of the care paper." for k in range(8)]
                texts[n] = f"Paragraph {n} of the care paper, as rep {n} would have it."
                start.wait(timeout=30)
                done = policy.save_section(
                    own,
                    actor=people[n],
                    section=made.section,
                    base_version=1,
                    body=policy.join(texts),
                )
                merged.append(done.merged)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    final = policy.section_public(db, _latest(db, made.section))
    assert final.version == 9
    for n in range(8):
        assert f"as rep {n} would have it" in final.body
    assert sorted(merged) == [False] + [True] * 7
    assert len(policy.revisions(db, made.section)) == 9


@pytest.mark.skipif(not PG_URL, reason="SQLite serialises writers: no save can slip in between")
def test_a_save_that_loses_the_compare_and_set_merges_again_and_keeps_both(
    engine: Engine, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another instance commits between this save's merge and its UPDATE: the UPDATE changes
    no row, and the save is merged again over the newer revision."""
    made = paper(db)
    texts = list(PARAGRAPHS)
    real_write = saving._write
    calls: list[bool] = []
    raced: list[bool] = []

    def racing_write(db_: Session, **kwargs: object) -> bool:
        if not raced:
            raced.append(True)  # the other instance's own write goes straight through
            with open_session(engine, write=True) as other:
                theirs = [*texts[:2], texts[2] + " Signed by the caucuses."]
                policy.save_section(
                    other,
                    actor=made.staff,
                    section=made.section,
                    base_version=1,
                    body=policy.join(theirs),
                )
        won = real_write(db_, **kwargs)  # type: ignore[arg-type]
        calls.append(won)
        return won

    monkeypatch.setattr(saving, "_write", racing_write)
    ours = [texts[0] + " At every stage of life.", *texts[1:]]
    done = policy.save_section(
        db, actor=made.staff, section=made.section, base_version=1, body=policy.join(ours)
    )
    assert calls == [True, False, True]  # theirs, ours refused, ours merged again
    assert (done.section.version, done.merged) == (3, True)
    body = policy.section_public(db, _latest(db, made.section)).body
    assert "At every stage of life." in body
    assert "Signed by the caucuses." in body
