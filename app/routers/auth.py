"""Log in, log out, register, accept an invitation."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from app import i18n
from app.db import SessionDep
from app.deps import SESSION_KEY, CurrentUser, OptionalUser, remember_session
from app.i18n import N_, Message
from app.models.users import (
    InvitationAccept,
    LoginForm,
    User,
    UserPublic,
    UserRegister,
)
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_values, parse_form, see_other
from app.security import client_ip, csrf_token, safe_next
from app.services import users as user_service
from app.services.errors import Conflict, InvalidCredentials, InvalidInput
from app.templating import flash, render

pages = pages_router()
api = api_router("auth")


def _start_session(request: Request, db: SessionDep, user: User) -> None:
    remember_session(request, user_service.start_session(db, user))


def _end_session(request: Request, db: SessionDep) -> None:
    """Ends this session on the server too: the cookie, replayed, is no longer a session."""
    user_service.end_session(db, request.session.get(SESSION_KEY))
    request.session.clear()


def _with_locale(response: Response, user: User) -> Response:
    if user.locale in i18n.LOCALES:
        response.set_cookie(i18n.LOCALE_COOKIE, str(user.locale), max_age=31536000, samesite="lax")
    return response


@pages.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user:
        return see_other(safe_next(next))
    return render(request, "auth/login.html", {"next": safe_next(next), "values": {}})


@pages.post("/login", response_class=HTMLResponse)
def login(request: Request, db: SessionDep, form: FormDep) -> Response:
    nxt = safe_next(form.get("next"))
    values = {"email": form.get("email", ""), "next": nxt}
    try:
        data = parse_form(LoginForm, form)
        user = user_service.authenticate(
            db, email=data.email, password=data.password, ip=client_ip(request)
        )
    except (InvalidInput, InvalidCredentials) as exc:
        # Above the form, not beside a field: the one message render() does not translate.
        message = i18n.translate(Message(exc.message, **exc.params))
        errors = exc.errors if isinstance(exc, InvalidInput) else None
        return render(
            request,
            "auth/login.html",
            {"next": nxt, "values": values, "errors": errors, "message": message},
            status_code=exc.status,
        )
    _start_session(request, db, user)
    return _with_locale(see_other(nxt), user)


@pages.post("/logout")
def logout(request: Request, db: SessionDep) -> Response:
    _end_session(request, db)
    flash(request, N_("You have logged out."))
    return see_other("/")


@pages.get("/register", response_class=HTMLResponse)
def register_page(request: Request) -> HTMLResponse:
    return render(request, "auth/register.html", {"values": {"locale": i18n.get_locale()}})


@pages.post("/register", response_class=HTMLResponse)
def register(request: Request, db: SessionDep, form: FormDep) -> Response:
    values = form_values(form)
    values.pop("password", None)
    try:
        data = parse_form(UserRegister, form)
        user = user_service.register(db, data=data, ip=client_ip(request))
    except InvalidInput as exc:
        return render(
            request, "auth/register.html", {"values": values, "errors": exc.errors}, status_code=422
        )
    except Conflict as exc:
        errors = {"email": [Message(exc.message, **exc.params)]}
        return render(
            request, "auth/register.html", {"values": values, "errors": errors}, status_code=409
        )
    _start_session(request, db, user)
    flash(request, N_("Welcome to Town Hall, %(name)s."), name=user.display_name)
    return _with_locale(see_other("/"), user)


@pages.get("/invitations/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, db: SessionDep, token: str) -> HTMLResponse:
    invitation = user_service.find_invitation(db, token)
    return render(
        request, "auth/accept.html", {"invitation": invitation, "token": token, "values": {}}
    )


@pages.post("/invitations/{token}", response_class=HTMLResponse)
def invitation_accept(request: Request, db: SessionDep, form: FormDep, token: str) -> Response:
    invitation = user_service.find_invitation(db, token)
    try:
        data = parse_form(InvitationAccept, form)
        user = user_service.accept_invitation(db, token=token, data=data)
    except (InvalidInput, Conflict) as exc:
        errors = getattr(exc, "errors", None) or {"__all__": [Message(exc.message, **exc.params)]}
        return render(
            request,
            "auth/accept.html",
            {
                "invitation": invitation,
                "token": token,
                "values": {"display_name": form.get("display_name", "")},
                "errors": errors,
            },
            status_code=422,
        )
    _start_session(request, db, user)
    flash(request, N_("Welcome to Town Hall, %(name)s."), name=user.display_name)
    return see_other("/")


# -- JSON ------------------------------------------------------------------------------------


class CsrfToken(BaseModel):
    csrf_token: str
    header: str = "X-CSRF-Token"


@api.get("/auth/csrf", response_model=CsrfToken)
def api_csrf(request: Request) -> Any:
    """A token to send in the X-CSRF-Token header with every state-changing request."""
    return CsrfToken(csrf_token=csrf_token(request))


@api.post("/auth/login", response_model=UserPublic)
def api_login(request: Request, db: SessionDep, data: LoginForm) -> Any:
    user = user_service.authenticate(
        db, email=data.email, password=data.password, ip=client_ip(request)
    )
    _start_session(request, db, user)
    return user


@api.post("/auth/register", response_model=UserPublic, status_code=201)
def api_register(request: Request, db: SessionDep, data: UserRegister) -> Any:
    user = user_service.register(db, data=data, ip=client_ip(request))
    _start_session(request, db, user)
    return user


@api.post("/auth/logout", status_code=204)
def api_logout(request: Request, db: SessionDep) -> Response:
    _end_session(request, db)
    return Response(status_code=204)


@api.get("/auth/me", response_model=UserPublic)
def api_me(user: CurrentUser) -> Any:
    return user
