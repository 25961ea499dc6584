"""A section's history: its revisions, a word-level diff between any two, and blame.

The diff compares paragraphs by id (a paragraph edited between the two revisions is one
changed paragraph, not a removal and an addition) and, inside each, words with
diff-match-patch; whitespace is kept in the runs, so joining a paragraph's runs of one side
gives its text.
"""

import re
from typing import Literal

from diff_match_patch import diff_match_patch
from sqlalchemy import select
from sqlmodel import Session, col

from app.models.policy import (
    BlameLine,
    DiffPublic,
    DiffRun,
    ParagraphDiff,
    PolicySection,
    RevisionPublic,
    SectionRevision,
)
from app.services.errors import NotFound
from app.services.policy.documents import current_paragraphs, user_names
from app.services.policy.paragraphs import Para
from app.services.policy.saving import NO_REVISION, get_revision, snapshot

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
_OPS: dict[int, Literal["equal", "insert", "delete"]] = {0: "equal", 1: "insert", -1: "delete"}


def revisions(db: Session, section: PolicySection) -> list[RevisionPublic]:
    rows = list(
        db.execute(
            select(SectionRevision)
            .where(col(SectionRevision.section_id) == section.id)
            .order_by(col(SectionRevision.number).desc())
        ).scalars()
    )
    names = user_names(db, {r.author_id for r in rows if r.author_id})
    return [
        RevisionPublic(
            number=r.number,
            author_id=r.author_id,
            author=names.get(r.author_id) if r.author_id else None,
            created_at=r.created_at,
            title=r.title,
            note=r.note,
            base_version=r.base_version,
            auto_merged=r.auto_merged,
            reverted_from=r.reverted_from,
            merges=r.merges,
            paragraphs=len(r.paragraphs),
        )
        for r in rows
    ]


def _encode(tokens: list[str], vocabulary: dict[str, str]) -> str:
    """Each distinct token as one character, so that diff-match-patch diffs words."""
    out = []
    for token in tokens:
        code = vocabulary.get(token)
        if code is None:
            n = len(vocabulary) + 1
            code = chr(n if n < 0xD800 else n + 0x800)  # no surrogates
            vocabulary[token] = code
        out.append(code)
    return "".join(out)


def word_diff(old: str, new: str) -> list[DiffRun]:
    """diff-match-patch on word tokens: linear in practice, bounded by its timeout on texts
    that differ everywhere (difflib takes seconds on a long paragraph)."""
    vocabulary: dict[str, str] = {}
    a = _encode(_TOKENS.findall(old), vocabulary)
    b = _encode(_TOKENS.findall(new), vocabulary)
    words = {code: token for token, code in vocabulary.items()}
    engine = diff_match_patch()
    engine.Diff_Timeout = 0.5
    runs: list[DiffRun] = []
    for op, codes in engine.diff_main(a, b, checklines=False):
        text = "".join(words[c] for c in codes)
        kind = _OPS[op]
        if not text:
            continue
        if runs and runs[-1].op == kind:
            runs[-1] = DiffRun(op=kind, text=runs[-1].text + text)
        else:
            runs.append(DiffRun(op=kind, text=text))
    return runs


def _union(old: list[Para], new: list[Para]) -> list[int]:
    """Ids in the newer order, each removed one after the paragraph it followed."""
    order = [p.id or 0 for p in new]
    present = set(order)
    for n, p in enumerate(old):
        if p.id in present:
            continue
        before = next((q.id for q in reversed(old[:n]) if q.id in order), None)
        order.insert(order.index(before) + 1 if before is not None else 0, p.id or 0)
    return order


def diff(db: Session, section: PolicySection, *, from_version: int, to_version: int) -> DiffPublic:
    found = [get_revision(db, section.id or 0, n) for n in (from_version, to_version)]
    if found[0] is None or found[1] is None:
        raise NotFound(NO_REVISION)
    old_rev, new_rev = found[0], found[1]
    old, new = snapshot(old_rev), snapshot(new_rev)
    old_text = {p.id: p.text for p in old}
    new_text = {p.id: p.text for p in new}
    paragraphs: list[ParagraphDiff] = []
    for pid in _union(old, new):
        before, after = old_text.get(pid), new_text.get(pid)
        if before is None:
            change, runs = "added", [DiffRun(op="insert", text=after or "")]
        elif after is None:
            change, runs = "removed", [DiffRun(op="delete", text=before)]
        elif before == after:
            change, runs = "same", [DiffRun(op="equal", text=before)]
        else:
            change, runs = "changed", word_diff(before, after)
        paragraphs.append(ParagraphDiff(paragraph_id=pid, change=change, runs=runs))  # type: ignore[arg-type]
    return DiffPublic(
        section_id=section.id or 0,
        from_version=from_version,
        to_version=to_version,
        title=word_diff(old_rev.title, new_rev.title),
        paragraphs=paragraphs,
    )


def blame(db: Session, section: PolicySection) -> list[BlameLine]:
    """Each current paragraph with the revision that last changed its text."""
    paragraphs = current_paragraphs(db, section.id or 0)
    wanted = {p.changed_version for p in paragraphs}
    # Who and when only: the revisions' snapshots are the heavy part of them.
    rows = {
        int(number): (author_id, created_at)
        for number, author_id, created_at in db.execute(
            select(
                col(SectionRevision.number),
                col(SectionRevision.author_id),
                col(SectionRevision.created_at),
            ).where(
                col(SectionRevision.section_id) == section.id,
                col(SectionRevision.number).in_(wanted),
            )
        )
    }
    names = user_names(db, {a for a, _ in rows.values() if a})
    lines = []
    for p in paragraphs:
        author_id, when = rows.get(p.changed_version, (None, section.updated_at))
        lines.append(
            BlameLine(
                paragraph_id=p.id or 0,
                text=p.text,
                version=p.changed_version,
                author_id=author_id,
                author=names.get(author_id) if author_id else None,
                changed_at=when,
            )
        )
    return lines
