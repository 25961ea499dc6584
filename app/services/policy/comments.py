"""Threaded comments on paragraphs: posting, replying, editing and deleting one's own, resolving
and reopening a thread, and the threads and open counts as a paragraph's readers see them.

A comment stays on the paragraph it was written on. A paragraph merged into another is read
through: its threads are shown under the paragraph it went into (following `merged_into_id`,
however many merges ago), so comments never move and a revert that brings a paragraph back
brings its threads back with it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import CTE
from sqlmodel import Session, col

from app.i18n import N_
from app.lib.markup import store
from app.models.policy import (
    DraftingMember,
    PolicyDocument,
    PolicyParagraph,
    PolicySection,
    TeamRole,
)
from app.models.policy_comments import (
    CommentCreate,
    CommentPublic,
    CommentsPublic,
    CommentUpdate,
    PolicyComment,
    ThreadPublic,
)
from app.models.types import utcnow
from app.models.users import User
from app.services.contributions.submit import scoped_key
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.idempotency import flush_or_replay, stored_by
from app.services.policy.documents import user_names

# Long enough to fix a typo or a second thought, short enough that a reply is not left
# answering words that were changed under it days later.
EDIT_WINDOW = timedelta(hours=24)
_MAX_HOPS = 100  # merges followed from one paragraph; more would be a loop

_REMOVED = N_(
    "This paragraph was removed from the text; its comments can be read but not added to."
)
_PARENT = N_("Reply to a comment shown on this paragraph.")
_LATE = N_("Comments can be changed only within 24 hours of posting.")
_GONE = N_("This comment was deleted.")
_ALREADY_RESOLVED = N_("This thread is already resolved.")
_ALREADY_OPEN = N_("This thread is already open.")


@dataclass(frozen=True)
class Place:
    """Where a paragraph is: its document and section (what the permission checks need)."""

    paragraph: PolicyParagraph
    section: PolicySection
    document: PolicyDocument


def get_place(db: Session, paragraph_id: int) -> Place:
    paragraph = db.get(PolicyParagraph, paragraph_id)
    if paragraph is None:
        raise NotFound()
    section = db.get(PolicySection, paragraph.section_id)
    document = db.get(PolicyDocument, section.document_id) if section else None
    if section is None or document is None:
        raise NotFound()
    return Place(paragraph, section, document)


def editor_ids(db: Session, document_id: int) -> set[int]:
    """The drafting team's editors (who resolve threads besides their authors and staff)."""
    rows = db.execute(
        select(col(DraftingMember.user_id)).where(
            col(DraftingMember.document_id) == document_id,
            col(DraftingMember.role) == TeamRole.editor,
        )
    )
    return {int(i) for i in rows.scalars()}


def get_comment(db: Session, comment_id: int) -> PolicyComment:
    found = db.get(PolicyComment, comment_id)
    if found is None:
        raise NotFound()
    return found


def live_paragraph(db: Session, paragraph: PolicyParagraph) -> PolicyParagraph:
    """The paragraph whose page shows this one's threads: itself, or the one it was merged
    into (through as many merges as there were)."""
    seen = {paragraph.id}
    while paragraph.removed_at is not None and paragraph.merged_into_id is not None:
        into = db.get(PolicyParagraph, paragraph.merged_into_id)
        if into is None or into.id in seen or len(seen) > _MAX_HOPS:
            break
        seen.add(into.id)
        paragraph = into
    return paragraph


def folded(paragraph_ids: Sequence[int] | Select[Any, Any]) -> CTE:
    """(paragraph id, shown under) for the paragraphs given (ids, or a query of ids) and every
    paragraph merged into them, directly or not: a recursive query, so counting needs no loop
    in Python. UNION (not UNION ALL) stops on a loop, should the merge records ever form one.
    Comments, paragraph sources, snapshots and the listening report read through it."""
    ids = paragraph_ids if isinstance(paragraph_ids, Select) else list(paragraph_ids)
    start: Select[Any, Any] = select(
        col(PolicyParagraph.id).label("id"), col(PolicyParagraph.id).label("root")
    ).where(col(PolicyParagraph.id).in_(ids))
    fold = start.cte("fold", recursive=True)
    merged = select(col(PolicyParagraph.id), fold.c.root).join(
        fold,
        (col(PolicyParagraph.merged_into_id) == fold.c.id)
        & col(PolicyParagraph.removed_at).is_not(None),
    )
    return fold.union(merged)


def merged_from(db: Session, paragraph: PolicyParagraph) -> list[int]:
    fold = folded([paragraph.id or 0])
    rows = db.execute(select(fold.c.id).where(fold.c.id != paragraph.id))
    return sorted(int(i) for i in rows.scalars())


def open_counts(db: Session, paragraph_ids: Sequence[int]) -> dict[int, int]:
    """For each paragraph given: the comments (not deleted) in its unresolved threads, those
    written on paragraphs merged into it included. One query for them all."""
    if not paragraph_ids:
        return {}
    fold = folded(paragraph_ids)
    root = aliased(PolicyComment)
    rows = db.execute(
        select(fold.c.root, func.count(col(PolicyComment.id)))
        .join(PolicyComment, col(PolicyComment.paragraph_id) == fold.c.id)
        .join(root, col(root.id) == col(PolicyComment.thread_id))
        .where(col(PolicyComment.deleted_at).is_(None), col(root.resolved_at).is_(None))
        .group_by(fold.c.root)
    )
    counts = {int(r): int(n) for r, n in rows}
    return {pid: counts.get(pid, 0) for pid in paragraph_ids}


def replay(db: Session, *, actor: User, key: str | None) -> PolicyComment | None:
    """The comment an earlier attempt with this idempotency key stored, if any (the key is
    scoped to the author, as a proposal's: contributions.submit.scoped_key)."""
    return stored_by(db, PolicyComment, actor=actor, key=key)


def post(db: Session, *, actor: User, place: Place, data: CommentCreate) -> PolicyComment:
    """A new comment, or a reply to `parent_id` (any comment of a thread shown on this
    paragraph). A comment sent to a paragraph merged away goes to the one it went into.
    With an idempotency key already used by this author: the comment it stored (replay())."""
    earlier = replay(db, actor=actor, key=data.idempotency_key)
    if earlier is not None:
        return earlier
    paragraph = live_paragraph(db, place.paragraph)
    if paragraph.removed_at is not None:
        raise Conflict(_REMOVED)
    parent = None
    if data.parent_id is not None:
        parent = db.get(PolicyComment, data.parent_id)
        shown_here = set(merged_from(db, paragraph)) | {paragraph.id}
        if parent is None or parent.paragraph_id not in shown_here:
            raise InvalidInput({"parent_id": [_PARENT]})
    comment = PolicyComment(
        document_id=place.document.id or 0,
        # A reply stays with its thread, wherever the thread was started.
        paragraph_id=parent.paragraph_id if parent else paragraph.id or 0,
        parent_id=parent.id if parent else None,
        thread_id=parent.thread_id if parent else None,
        author_id=actor.id,
        body=data.body.strip(),
        body_html=store(data.body.strip()),
        idempotency_key=scoped_key(f"user:{actor.id}", data.idempotency_key)
        if data.idempotency_key
        else None,
    )
    db.add(comment)
    again = flush_or_replay(db, lambda: replay(db, actor=actor, key=data.idempotency_key))
    if again is not None:
        return again
    if comment.thread_id is None:
        comment.thread_id = comment.id
    db.commit()
    return comment


def within_window(comment: PolicyComment) -> bool:
    """Whether its author may still change or delete it (the pages offer it only then)."""
    return comment.deleted_at is None and utcnow() - comment.created_at <= EDIT_WINDOW


def _still_editable(comment: PolicyComment, now: datetime) -> None:
    if comment.deleted_at is not None:
        raise Conflict(_GONE)
    if now - comment.created_at > EDIT_WINDOW:
        raise Conflict(_LATE)


def edit(db: Session, *, comment: PolicyComment, data: CommentUpdate) -> PolicyComment:
    """The author's new text (who may is the permission's answer; when, this one's)."""
    now = utcnow()
    _still_editable(comment, now)
    comment.body = data.body.strip()
    comment.body_html = store(comment.body)
    comment.edited_at = now
    db.add(comment)
    db.commit()
    return comment


def delete(db: Session, *, comment: PolicyComment, moderating: bool = False) -> bool:
    """Removes the comment; one with replies stays as "comment deleted" so that they keep
    their place. A parent left deleted and without replies goes too. Authors delete within the
    edit window; the secretariat (`moderating`) at any time. True if the row is gone."""
    if not moderating:
        _still_editable(comment, utcnow())
    elif comment.deleted_at is not None:
        raise Conflict(_GONE)
    gone = _remove(db, comment)
    db.commit()
    return gone


def _has_replies(db: Session, comment_id: int) -> bool:
    found = db.execute(
        select(col(PolicyComment.id)).where(col(PolicyComment.parent_id) == comment_id).limit(1)
    ).first()
    return found is not None


def _remove(db: Session, comment: PolicyComment) -> bool:
    if _has_replies(db, comment.id or 0):
        comment.deleted_at = utcnow()
        comment.body = comment.body_html = ""
        db.add(comment)
        return False
    parent_id = comment.parent_id
    db.delete(comment)
    db.flush()
    parent = db.get(PolicyComment, parent_id) if parent_id else None
    if parent is not None and parent.deleted_at is not None:
        _remove(db, parent)
    return True


def thread_of(db: Session, comment: PolicyComment) -> PolicyComment:
    return get_comment(db, comment.thread_id or comment.id or 0)


def resolve(db: Session, *, actor: User, thread: PolicyComment, resolved: bool) -> PolicyComment:
    """Resolves or reopens the thread: a compare-and-set on its state, so of two people doing
    the same at once one is told it was done already (409)."""
    now = utcnow()
    query = update(PolicyComment).where(col(PolicyComment.id) == thread.id)
    if resolved:
        query = query.where(col(PolicyComment.resolved_at).is_(None)).values(
            resolved_at=now, resolved_by_id=actor.id
        )
    else:
        query = query.where(col(PolicyComment.resolved_at).is_not(None)).values(
            resolved_at=None, resolved_by_id=None, reopened_at=now, reopened_by_id=actor.id
        )
    done = db.execute(query.execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        db.rollback()
        raise Conflict(_ALREADY_RESOLVED if resolved else _ALREADY_OPEN)
    db.commit()
    db.refresh(thread)
    return thread


# -- reading -----------------------------------------------------------------------------------


@dataclass
class Thread:
    """A thread as a page shows it: the top-level comment, the replies under each comment."""

    root: PolicyComment
    replies: dict[int, list[PolicyComment]]  # parent id -> its replies, oldest first
    count: int  # comments not deleted

    @property
    def resolved(self) -> bool:
        return self.root.resolved_at is not None

    def find(self, comment_id: int | None) -> PolicyComment | None:
        if comment_id == self.root.id:
            return self.root
        return next((r for rs in self.replies.values() for r in rs if r.id == comment_id), None)


def threads(db: Session, paragraph: PolicyParagraph) -> tuple[list[Thread], list[int]]:
    """The threads shown under the paragraph (oldest first), and the ids of the paragraphs
    merged into it whose threads are among them."""
    others = merged_from(db, paragraph)
    rows = list(
        db.execute(
            select(PolicyComment)
            .where(col(PolicyComment.paragraph_id).in_([paragraph.id or 0, *others]))
            .order_by(col(PolicyComment.created_at), col(PolicyComment.id))
        ).scalars()
    )
    by_thread: dict[int, list[PolicyComment]] = {}
    for row in rows:
        by_thread.setdefault(row.thread_id or row.id or 0, []).append(row)
    out: list[Thread] = []
    for thread_id, members in by_thread.items():
        root = next((m for m in members if m.id == thread_id), None)
        if root is None:
            continue
        replies: dict[int, list[PolicyComment]] = {}
        for member in members:
            if member.parent_id is not None:
                replies.setdefault(member.parent_id, []).append(member)
        count = sum(1 for m in members if m.deleted_at is None)
        out.append(Thread(root, replies, count))
    return out, others


def replies_of(thread: Thread) -> list[PolicyComment]:
    return [r for rs in thread.replies.values() for r in rs]


def names_for(db: Session, found: Sequence[Thread]) -> dict[int, str]:
    ids: set[int] = set()
    for thread in found:
        for comment in [thread.root, *(r for rs in thread.replies.values() for r in rs)]:
            if comment.author_id:
                ids.add(comment.author_id)
        if thread.root.resolved_by_id:
            ids.add(thread.root.resolved_by_id)
    return user_names(db, ids)


def comment_public(comment: PolicyComment, names: dict[int, str]) -> CommentPublic:
    deleted = comment.deleted_at is not None
    return CommentPublic(
        id=comment.id or 0,
        thread_id=comment.thread_id or comment.id or 0,
        parent_id=comment.parent_id,
        paragraph_id=comment.paragraph_id,
        author_id=None if deleted else comment.author_id,
        author=None if deleted or not comment.author_id else names.get(comment.author_id),
        body=None if deleted else comment.body,
        body_html=None if deleted else comment.body_html,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        deleted=deleted,
    )


def thread_public(thread: Thread, names: dict[int, str]) -> ThreadPublic:
    ordered = [thread.root]
    for replies in thread.replies.values():
        ordered.extend(replies)
    ordered.sort(key=lambda c: (c.created_at, c.id or 0))
    ordered.remove(thread.root)
    root = thread.root
    return ThreadPublic(
        id=root.id or 0,
        paragraph_id=root.paragraph_id,
        resolved=thread.resolved,
        resolved_at=root.resolved_at,
        resolved_by_id=root.resolved_by_id,
        resolved_by=names.get(root.resolved_by_id) if root.resolved_by_id else None,
        comments=[comment_public(c, names) for c in [root, *ordered]],
    )


def comments_public(db: Session, paragraph: PolicyParagraph) -> CommentsPublic:
    found, others = threads(db, paragraph)
    names = names_for(db, found)
    return CommentsPublic(
        paragraph_id=paragraph.id or 0,
        merged_from=others,
        open_count=sum(t.count for t in found if not t.resolved),
        threads=[thread_public(t, names) for t in found],
    )


def thread_public_of(db: Session, thread: PolicyComment) -> ThreadPublic:
    paragraph = db.get(PolicyParagraph, thread.paragraph_id)
    assert paragraph is not None
    found, _others = threads(db, paragraph)
    one = next(t for t in found if t.root.id == thread.id)
    return thread_public(one, names_for(db, [one]))
