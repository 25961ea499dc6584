"""Policy documents: comments on paragraphs. The thread page of a paragraph (its text, then its
threads as a list with headings, replies nested, resolved threads folded away; plain forms, so
it works without JavaScript), the edit form, and the JSON API. Registers the "Comments (n)"
control beside each paragraph of the document page."""

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlmodel import Session, col

from app import i18n, permissions
from app.db import SessionDep
from app.deps import (
    CommentableParagraph,
    DeletableComment,
    EditableComment,
    OptionalUser,
    ReadableParagraph,
    ResolvableThread,
)
from app.i18n import N_
from app.lib.markup import render_markdown
from app.models.policy import PolicyDocument, PolicyParagraph
from app.models.policy_comments import (
    CommentCreate,
    CommentPublic,
    CommentsPublic,
    CommentUpdate,
    PolicyComment,
    ResolutionIn,
    ThreadPublic,
)
from app.models.users import User
from app.routers.apiutil import (
    IdempotencyKeyHeader,
    api_router,
    header_key,
    pages_router,
    replayed,
)
from app.routers.forms import FormDep, form_action, form_id, parse_form, see_other
from app.services import policy as policy_service
from app.services.errors import Conflict, NotFound
from app.services.policy import comments as service
from app.services.policy import extensions
from app.templating import flash, render

pages = pages_router()
api = api_router("policy")


def _comments_url(paragraph_id: int, new: int | None = None) -> str:
    if new is None:
        return f"/paragraphs/{paragraph_id}/comments"
    # `new` lets the page put focus on the comment just posted (autofocus); the anchor scrolls
    # to it where the page is reached otherwise.
    return f"/paragraphs/{paragraph_id}/comments?new={new}#c-{new}"


def _paragraph_label(position: int, section_number: str) -> str:
    return i18n.gettext(
        "Comments on paragraph %(paragraph)s of section %(section)s",
        paragraph=i18n.format_number(position),
        section=section_number,
    )


# -- the control beside each paragraph --------------------------------------------------------


@extensions.paragraph_tools
def comment_tools(
    db: Session, user: User | None, document: PolicyDocument, paragraph_ids: Sequence[int]
) -> dict[int, list[extensions.Tool]]:
    if not paragraph_ids:
        return {}
    counts = service.open_counts(db, paragraph_ids)  # one query for every paragraph
    rows = db.execute(
        select(
            col(PolicyParagraph.id), col(PolicyParagraph.section_id), col(PolicyParagraph.position)
        ).where(col(PolicyParagraph.id).in_(list(paragraph_ids)))
    ).all()
    numbers = {n.section.id: n.number for n in policy_service.tree(db, document.id or 0)}
    return {
        int(pid): [
            extensions.Tool(
                label=_paragraph_label(int(position), numbers.get(int(section_id), "")),
                href=_comments_url(int(pid)),
                count=counts.get(int(pid), 0),
                key="comments",
            )
        ]
        for pid, section_id, position in rows
    }


# -- the thread page ----------------------------------------------------------------------------


def _thread_page(
    request: Request,
    db: Session,
    user: User | None,
    place: service.Place,
    *,
    focus: dict[str, Any] | None = None,
    new: int | None = None,
    reply_to: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    paragraph = place.paragraph
    found, merged = service.threads(db, paragraph)
    names = service.names_for(db, found)
    team = policy_service.team_ids(db, place.document.id or 0)
    numbers = {n.section.id: n.number for n in policy_service.tree(db, place.document.id or 0)}
    section_number = numbers.get(place.section.id, "")
    focus = dict(focus or {})
    if focus.get("key", "new") != "new" and focus["key"] not in {
        f"reply-{t.root.id}" for t in found if not t.resolved
    }:
        focus["key"] = "new"  # a reply form this page does not show: keep the text in this one
    context = {
        "document": place.document,
        "section": place.section,
        "section_number": section_number,
        "paragraph": paragraph,
        "paragraph_html": render_markdown(paragraph.text),
        "heading": _paragraph_label(paragraph.position, section_number),
        "removed": paragraph.removed_at is not None,
        "merged_from": set(merged),
        "open_threads": [t for t in found if not t.resolved],
        "resolved_threads": [t for t in found if t.resolved],
        "resolved_ids": {
            c.id for t in found if t.resolved for c in [t.root, *service.replies_of(t)]
        },
        "open_count": sum(t.count for t in found if not t.resolved),
        "names": names,
        "can_comment": user is not None
        and permissions.can_comment(user, place.document, team)
        and paragraph.removed_at is None,
        "editors": service.editor_ids(db, place.document.id or 0),
        "within_window": service.within_window,
        "focus": focus,
        "new": new,
        "reply_to": reply_to,
        "edit_window_hours": int(service.EDIT_WINDOW.total_seconds() // 3600),
        # Each form's idempotency key is this plus the form's own name: a second tap, or the
        # browser resending after a lost answer, posts the comment once; a form shown again
        # after an error keeps the key it was sent with.
        "form_key": uuid.uuid4().hex,
        "nav": "documents",
    }
    return render(request, "policy/comments.html", context, status_code=status_code)


@pages.get("/paragraphs/{paragraph_id}/comments", response_class=HTMLResponse)
def thread_page(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    place: ReadableParagraph,
    new: str | None = None,
    reply_to: str | None = None,
) -> Response:
    live = service.live_paragraph(db, place.paragraph)
    if live.id != place.paragraph.id:
        # Merged away: its threads are read under the paragraph it went into.
        return see_other(_comments_url(live.id or 0))
    return _thread_page(request, db, user, place, new=form_id(new), reply_to=form_id(reply_to))


@pages.post("/paragraphs/{paragraph_id}/comments")
def post_comment(
    request: Request,
    db: SessionDep,
    user: OptionalUser,
    place: CommentableParagraph,
    form: FormDep,
) -> Response:
    assert user is not None
    # Which form it was (the new-comment form, or a thread's reply form), for errors.
    thread_id = form_id(form.get("thread"))
    key = f"reply-{thread_id}" if thread_id else "new"

    def again(values: dict[str, Any], errors: dict[str, list[str]]) -> HTMLResponse:
        return _thread_page(
            request,
            db,
            user,
            place,
            focus={"key": key, "values": values, "errors": errors},
            reply_to=form_id(form.get("parent_id")),
        )

    return form_action(
        request,
        form,
        lambda: service.post(db, actor=user, place=place, data=parse_form(CommentCreate, form)),
        done=lambda made: _comments_url(
            service.live_paragraph(db, place.paragraph).id or 0, made.id
        ),
        again=again,
        saved=N_("Your comment is posted."),
        conflicts=True,
    )


def _place_of(db: Session, comment: PolicyComment) -> service.Place:
    return service.get_place(db, comment.paragraph_id)


def _shown_under(db: Session, comment: PolicyComment) -> int:
    return service.live_paragraph(db, _place_of(db, comment).paragraph).id or 0


def _edit_page(
    request: Request,
    db: Session,
    comment: PolicyComment,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    place = _place_of(db, comment)
    return render(
        request,
        "policy/comment_edit.html",
        {
            "comment": comment,
            "document": place.document,
            "paragraph": place.paragraph,
            "paragraph_html": render_markdown(place.paragraph.text),
            "back": _comments_url(_shown_under(db, comment)) + f"#c-{comment.id}",
            "values": values or {"body": comment.body},
            "errors": errors,
            "nav": "documents",
        },
    )


@pages.get("/comments/{comment_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, db: SessionDep, comment: EditableComment) -> HTMLResponse:
    if comment.deleted_at is not None:
        raise NotFound()
    return _edit_page(request, db, comment)


@pages.post("/comments/{comment_id}/edit")
def edit_comment(
    request: Request, db: SessionDep, comment: EditableComment, form: FormDep
) -> Response:
    return form_action(
        request,
        form,
        lambda: service.edit(db, comment=comment, data=parse_form(CommentUpdate, form)),
        done=lambda c: _comments_url(_shown_under(db, c), c.id),
        again=lambda values, errors: _edit_page(request, db, comment, values, errors),
        saved=N_("Your comment is changed."),
        conflicts=True,
    )


def _conflict_back(request: Request, url: str, exc: Conflict) -> Response:
    flash(request, exc.message, **exc.params)
    return see_other(url)


@pages.post("/comments/{comment_id}/delete")
def delete_comment(
    request: Request, db: SessionDep, user: OptionalUser, comment: DeletableComment
) -> Response:
    url = _comments_url(_shown_under(db, comment))
    thread_anchor = f"#c-{comment.parent_id}" if comment.parent_id else ""
    try:
        service.delete(
            db, comment=comment, moderating=permissions.can_moderate_comment(user, comment)
        )
    except Conflict as exc:
        return _conflict_back(request, url, exc)
    flash(request, N_("The comment is deleted."))
    return see_other(url + thread_anchor)


@pages.post("/comments/{comment_id}/resolution")
def resolve_thread(
    request: Request, db: SessionDep, user: OptionalUser, thread: ResolvableThread, form: FormDep
) -> Response:
    assert user is not None
    url = _comments_url(_shown_under(db, thread))
    resolved = str(form.get("resolved") or "").lower() in ("true", "1", "on", "yes")
    try:
        service.resolve(db, actor=user, thread=thread, resolved=resolved)
    except Conflict as exc:
        return _conflict_back(request, url + f"#c-{thread.id}", exc)
    flash(request, N_("The thread is resolved.") if resolved else N_("The thread is reopened."))
    return see_other(url + f"#c-{thread.id}")


# -- the JSON API -------------------------------------------------------------------------------


@api.get("/paragraphs/{paragraph_id}/comments", response_model=CommentsPublic)
def list_comments(db: SessionDep, place: ReadableParagraph) -> CommentsPublic:
    """The threads shown under the paragraph, oldest first: those written on it and on the
    paragraphs merged into it (`merged_from`). A paragraph merged away answers with the
    threads of the one it went into (`paragraph_id` says which)."""
    return service.comments_public(db, service.live_paragraph(db, place.paragraph))


@api.post(
    "/paragraphs/{paragraph_id}/comments",
    response_model=CommentPublic,
    status_code=201,
    responses=replayed(CommentPublic),
)
def create_comment(
    db: SessionDep,
    user: OptionalUser,
    place: CommentableParagraph,
    data: CommentCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CommentPublic:
    """A comment, or a reply (`parent_id`: a comment shown under this paragraph). 409 when
    the paragraph has been removed from the text. A retry with the same idempotency key (the
    `Idempotency-Key` header or `idempotency_key`) returns the first comment (200)."""
    assert user is not None
    key = header_key(idempotency_key)
    if key and not data.idempotency_key:
        data = data.model_copy(update={"idempotency_key": key})
    if service.replay(db, actor=user, key=data.idempotency_key) is not None:
        response.status_code = 200
    made = service.post(db, actor=user, place=place, data=data)
    return service.comment_public(made, policy_service.user_names(db, {user.id or 0}))


@api.patch("/comments/{comment_id}", response_model=CommentPublic)
def update_comment(db: SessionDep, comment: EditableComment, data: CommentUpdate) -> CommentPublic:
    """The author's new text, within 24 hours of posting (409 after)."""
    done = service.edit(db, comment=comment, data=data)
    return service.comment_public(done, policy_service.user_names(db, {done.author_id or 0}))


@api.delete("/comments/{comment_id}", status_code=204, response_class=Response)
def remove_comment(db: SessionDep, user: OptionalUser, comment: DeletableComment) -> Response:
    """The author within 24 hours, the secretariat at any time. A comment with replies stays
    as "comment deleted" (no author, no text) so that the replies keep their place."""
    service.delete(db, comment=comment, moderating=permissions.can_moderate_comment(user, comment))
    return Response(status_code=204)


@api.post("/comments/{comment_id}/resolution", response_model=ThreadPublic)
def set_resolution(
    db: SessionDep, user: OptionalUser, thread: ResolvableThread, data: ResolutionIn
) -> ThreadPublic:
    """Resolves (`resolved: true`) or reopens the thread of the comment named; 409 when it
    already is. For the thread's author, the drafting team's editors and the secretariat."""
    assert user is not None
    done = service.resolve(db, actor=user, thread=thread, resolved=data.resolved)
    return service.thread_public_of(db, done)
