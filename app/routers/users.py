"""People and roles (secretariat), and the audit log (admins)."""

from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from app import i18n
from app.db import SessionDep
from app.deps import SESSION_KEY, AdminUser, CurrentUser, OptionalUser, StaffUser, remember_session
from app.i18n import N_, Message
from app.models.audit import AuditEventPublic
from app.models.types import DbId
from app.models.users import (
    ROLE_LABELS,
    AccountDelete,
    InvitationCreate,
    InvitationPublic,
    PasswordChange,
    ProfileUpdate,
    User,
    UserCreate,
    UserRoleUpdate,
    UserStaffView,
)
from app.routers.apiutil import Cursor, Limit, Page, api_router, pages_router
from app.routers.forms import FormDep, form_action, form_id, form_values, parse_form, see_other
from app.security import client_ip
from app.services import accountmail, data_export, erasure
from app.services import audit as audit_service
from app.services import caucuses as caucus_service
from app.services import claims as claim_service
from app.services import users as user_service
from app.services.errors import Conflict, InvalidInput, NotFound
from app.templating import flash, render
from app.web.urls import absolute_url

pages = pages_router()
api = api_router("users")


def _accept_url(request: Request, token: str) -> str:
    return absolute_url(request, f"/invitations/{token}")


def _staff_views(db: SessionDep, users: Sequence[User]) -> list[UserStaffView]:
    caucus_ids = user_service.caucus_ids_by_user(db, [u.id for u in users if u.id is not None])
    return [
        UserStaffView.model_validate(u, update={"caucus_ids": caucus_ids.get(u.id or 0, [])})
        for u in users
    ]


def _staff_view(db: SessionDep, user: User) -> UserStaffView:
    return _staff_views(db, [user])[0]


def _role_context(db: SessionDep, actor: User) -> dict[str, Any]:
    roles = i18n.label_choices({r: ROLE_LABELS[r] for r in user_service.grantable_roles(actor)})
    caucuses = [(c.id, i18n.localized(c.name)[0]) for c in caucus_service.list_caucuses(db)]
    return {"roles": roles, "caucuses": caucuses, "role_labels": ROLE_LABELS}


def _people_page(
    request: Request,
    db: SessionDep,
    actor: User,
    *,
    cursor: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The people and invitations page; with `errors`, its invitation form shown again."""
    people, next_cursor = user_service.list_users(db, limit=50, cursor=cursor)
    return render(
        request,
        "users/list.html",
        {
            "people": people,
            "next_cursor": next_cursor,
            "invitations": user_service.list_invitations(db),
            "nav": "users",
            "values": values or {},
            "errors": errors,
            **_role_context(db, actor),
        },
        status_code=status_code,
    )


@pages.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request, db: SessionDep, user: StaffUser, cursor: Cursor = None
) -> HTMLResponse:
    return _people_page(request, db, user, cursor=cursor)


@pages.post("/users/invite", response_class=HTMLResponse)
def invite(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    try:
        data = parse_form(InvitationCreate, form)
        invitation, token = user_service.invite(
            db, actor=user, data=data, url=partial(absolute_url, request)
        )
    except (InvalidInput, Conflict) as exc:
        # An address already in use is said beside the address (a conflict, shown as a field error).
        errors = getattr(exc, "errors", None) or {"email": [Message(exc.message, **exc.params)]}
        values = form_values(form)
        return _people_page(request, db, user, values=values, errors=errors, status_code=422)
    return render(
        request,
        "users/invited.html",
        {
            "invitation": invitation,
            "accept_url": _accept_url(request, token),
            "nav": "users",
            "role_labels": ROLE_LABELS,
        },
        status_code=201,
    )


@pages.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, db: SessionDep, user: StaffUser, user_id: DbId) -> HTMLResponse:
    person = user_service.get_user(db, user_id)
    return render(
        request,
        "users/edit.html",
        {
            "person": _staff_view(db, person),
            "nav": "users",
            **_role_context(db, user),
        },
    )


@pages.post("/users/{user_id}", response_class=HTMLResponse)
def user_update(
    request: Request, db: SessionDep, user: StaffUser, form: FormDep, user_id: DbId
) -> Response:
    person = user_service.get_user(db, user_id)
    return form_action(
        request,
        form,
        lambda: user_service.set_role(
            db, actor=user, user=person, data=parse_form(UserRoleUpdate, form)
        ),
        done="/users",
        again=lambda values, errors: render(
            request,
            "users/edit.html",
            {
                "person": _staff_view(db, person),
                "nav": "users",
                "errors": errors,
                **_role_context(db, user),
            },
        ),
        conflicts=True,
    )


def _account(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    """The account page; with `errors`, the form that had them shown again as typed."""
    return render(
        request,
        "users/account.html",
        {
            "person": user,
            "nav": "account",
            "values": values or {"display_name": user.display_name, "locale": user.locale or ""},
            "errors": errors,
            "unclaimed": len(claim_service.unclaimed(db, user)),
        },
    )


@pages.get("/account", response_class=HTMLResponse)
def account_page(request: Request, db: SessionDep, user: CurrentUser) -> HTMLResponse:
    return _account(request, db, user)


@pages.post("/account/profile", response_class=HTMLResponse)
def account_profile(request: Request, db: SessionDep, user: CurrentUser, form: FormDep) -> Response:
    response = form_action(
        request,
        form,
        lambda: user_service.update_profile(db, user=user, data=parse_form(ProfileUpdate, form)),
        done="/account",
        again=lambda values, errors: _account(request, db, user, values=values, errors=errors),
    )
    chosen = str(form.get("locale") or "")
    if response.status_code == 303 and chosen in i18n.LOCALES:
        response.set_cookie(i18n.LOCALE_COOKIE, chosen, max_age=31536000, samesite="lax")
    return response


@pages.post("/account/confirmation")
def account_confirmation(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    accountmail.resend_confirmation(db, user=user, url=partial(absolute_url, request))
    flash(request, N_("We have sent a new confirmation e-mail to %(email)s."), email=user.email)
    return see_other("/account")


def _proposals(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    proposals = claim_service.unclaimed(db, user)
    options = [(c.id, c.title or c.excerpt) for c in proposals]
    return render(
        request,
        "users/proposals.html",
        {
            "person": user,
            "nav": "account",
            "proposals": proposals,
            "options": options,
            "errors": errors,
        },
        status_code=status_code,
    )


@pages.get("/account/proposals", response_class=HTMLResponse)
def account_proposals(request: Request, db: SessionDep, user: CurrentUser) -> HTMLResponse:
    """The proposals sent without an account from this address, offered for attaching."""
    return _proposals(request, db, user)


@pages.post("/account/proposals")
def account_attach(request: Request, db: SessionDep, user: CurrentUser, form: FormDep) -> Response:
    ids = [i for i in (form_id(v) for v in form.getlist("contribution_ids")) if i is not None]
    try:
        count = claim_service.attach(db, user=user, contribution_ids=ids)
    except InvalidInput as exc:
        return _proposals(request, db, user, errors=exc.errors, status_code=422)
    flash(request, N_("Proposals attached to your account: %(count)s."), count=count)
    return see_other("/contributions?mine=true")


@pages.post("/account/password", response_class=HTMLResponse)
def account_password(
    request: Request, db: SessionDep, user: CurrentUser, form: FormDep
) -> Response:
    def change() -> None:
        data = parse_form(PasswordChange, form)
        remember_session(
            request, user_service.change_password(db, user=user, data=data, ip=client_ip(request))
        )

    return form_action(
        request,
        form,
        change,
        done="/account",
        again=lambda values, errors: _account(request, db, user, errors=errors),
        saved=N_("Your password has been changed. Every other session has been logged out."),
    )


@pages.post("/account/delete", response_class=HTMLResponse)
def account_delete(request: Request, db: SessionDep, user: CurrentUser, form: FormDep) -> Response:
    def erase() -> None:
        data = parse_form(AccountDelete, form)
        erasure.delete_account(
            db,
            user=user,
            password=data.password,
            remove_contributions=data.remove_contributions,
            ip=client_ip(request),
        )
        # The session row is gone already; the cookie goes too, so the next page is anonymous.
        request.session.clear()

    return form_action(
        request,
        form,
        erase,
        done="/",
        again=lambda values, errors: _account(request, db, user, errors=errors),
        saved=N_("Your account has been deleted. You have been logged out."),
    )


# -- data portability: one's own data as a ZIP (services/data_export.py) -----------------------

_ZIP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Everything stored about the account: data.json and attachments/",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    },
}


def _zip(archive: data_export.Archive) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{archive.filename}"',
        # Personal data: kept by no cache, shared or the browser's.
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(archive.chunks(), media_type="application/zip", headers=headers)


@pages.post("/account/export")
def account_export(request: Request, user: CurrentUser) -> Response:
    """A download link for this account in this login session only, valid for ten minutes."""
    session_token = request.session.get(SESSION_KEY)
    if user.id is None or not isinstance(session_token, str):
        raise NotFound()
    token = data_export.link_token(user_id=user.id, session_token=session_token)
    return see_other(f"/account/export/{token}")


async def _export_link_owner(request: Request, user: OptionalUser, token: str) -> User:
    """The link's owner, in the session it was made in; anyone else (another account, nobody,
    the owner after logging out, or after it expired) finds nothing there."""
    session_token = request.session.get(SESSION_KEY)
    if (
        user is None
        or user.id is None
        or not isinstance(session_token, str)
        or not data_export.link_is_theirs(token, user_id=user.id, session_token=session_token)
    ):
        raise NotFound()
    return user


@pages.get("/account/export/{token}", responses=_ZIP_RESPONSES)
def account_export_download(
    db: SessionDep, user: Annotated[User, Depends(_export_link_owner)]
) -> Response:
    return _zip(data_export.build(db, user=user))


@pages.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, db: SessionDep, user: AdminUser, cursor: Cursor = None
) -> HTMLResponse:
    events, next_cursor, names = audit_service.list_events(db, limit=50, cursor=cursor)
    return render(
        request,
        "audit/list.html",
        {
            "events": events,
            "next_cursor": next_cursor,
            "names": names,
            "nav": "audit",
            "audit_sentence": audit_service.sentence,
            "audit_object": audit_service.object_name,
            "audit_state": audit_service.state_label,
        },
    )


# -- JSON ------------------------------------------------------------------------------------


@api.get("/users", response_model=Page[UserStaffView])
def api_users(db: SessionDep, user: StaffUser, limit: Limit = 20, cursor: Cursor = None) -> Any:
    people, next_cursor = user_service.list_users(db, limit=limit, cursor=cursor)
    return Page(items=_staff_views(db, people), next_cursor=next_cursor)


@api.post("/users", response_model=UserStaffView, status_code=201)
def api_create_user(db: SessionDep, user: StaffUser, data: UserCreate) -> Any:
    return _staff_view(db, user_service.create_user(db, actor=user, data=data))


@api.put("/users/{user_id}/role", response_model=UserStaffView)
def api_set_role(db: SessionDep, user: StaffUser, user_id: DbId, data: UserRoleUpdate) -> Any:
    person = user_service.get_user(db, user_id)
    return _staff_view(db, user_service.set_role(db, actor=user, user=person, data=data))


@api.get("/invitations", response_model=list[InvitationPublic])
def api_invitations(db: SessionDep, user: StaffUser) -> Any:
    return user_service.list_invitations(db)


@api.post("/invitations", response_model=InvitationPublic, status_code=201)
def api_invite(request: Request, db: SessionDep, user: StaffUser, data: InvitationCreate) -> Any:
    invitation, token = user_service.invite(
        db, actor=user, data=data, url=partial(absolute_url, request)
    )
    return InvitationPublic.model_validate(
        invitation, update={"accept_url": _accept_url(request, token)}
    )


@api.put("/me/password", status_code=204)
def api_change_password(
    request: Request, db: SessionDep, user: CurrentUser, data: PasswordChange
) -> Response:
    """Ends every session of the account; this client gets a fresh one."""
    remember_session(
        request, user_service.change_password(db, user=user, data=data, ip=client_ip(request))
    )
    return Response(status_code=204)


@api.delete("/me", status_code=204)
def api_delete_account(
    request: Request, db: SessionDep, user: CurrentUser, data: AccountDelete
) -> Response:
    """Erases the account (its name and e-mail address everywhere) and ends all its sessions;
    what it wrote stays, as "Deleted participant", unless `remove_contributions`."""
    erasure.delete_account(
        db,
        user=user,
        password=data.password,
        remove_contributions=data.remove_contributions,
        ip=client_ip(request),
    )
    request.session.clear()
    return Response(status_code=204)


@api.get(
    "/me/export",
    response_class=Response,
    responses=_ZIP_RESPONSES,
    summary="Everything stored about me, as a ZIP",
)
def api_export(db: SessionDep, user: CurrentUser) -> Response:
    """`data.json` (every row stored about the account, secrets such as password and token
    hashes left out) and `attachments/` (the files among them). At most five an hour."""
    return _zip(data_export.build(db, user=user))


@api.get("/audit", response_model=Page[AuditEventPublic])
def api_audit(db: SessionDep, user: AdminUser, limit: Limit = 50, cursor: Cursor = None) -> Any:
    events, next_cursor, _names = audit_service.list_events(db, limit=limit, cursor=cursor)
    return Page(items=list(events), next_cursor=next_cursor)
