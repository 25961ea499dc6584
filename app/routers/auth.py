"""Log in, log out, register, accept an invitation, confirm an address, reset a password."""

from functools import partial
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
    PasswordForgot,
    PasswordReset,
    RegistrationReceived,
    User,
    UserPublic,
    UserRegister,
)
from app.routers.apiutil import api_router, pages_router
from app.routers.forms import FormDep, form_action, form_values, parse_form, see_other
from app.security import client_ip, csrf_token, safe_next
from app.services import accountmail
from app.services import claims as claim_service
from app.services import users as user_service
from app.services.errors import Conflict, InvalidCredentials, InvalidInput
from app.templating import flash, render
from app.web.urls import absolute_url

pages = pages_router()
api = api_router("auth")


CHECK_INBOX = N_(
    "We have sent an e-mail to %(email)s. Follow its link to confirm your address; you can "
    "log in meanwhile."
)

CHECK_INBOX_RESET = N_(
    "We have sent an e-mail to %(email)s saying what to do next. If it does not arrive within a "
    "few minutes, check the address and your spam folder."
)


def _urls(request: Request) -> accountmail.Url:
    return partial(absolute_url, request)


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
        user_service.register(db, data=data, ip=client_ip(request), url=_urls(request))
    except InvalidInput as exc:
        return render(
            request, "auth/register.html", {"values": values, "errors": exc.errors}, status_code=422
        )
    # The same answer whether the address was new or had an account (its owner got an e-mail):
    # no session is started, since that would tell the two apart.
    flash(request, CHECK_INBOX, email=user_service.normalise_email(str(data.email)))
    return see_other("/login")


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
        user = user_service.accept_invitation(db, token=token, data=data, url=_urls(request))
    except (InvalidInput, Conflict) as exc:
        errors = getattr(exc, "errors", None) or {"__all__": [Message(exc.message, **exc.params)]}
        return render(
            request,
            "auth/accept.html",
            {
                "invitation": invitation,
                "token": token,
                "values": {
                    "display_name": form.get("display_name", ""),
                    "locale": form.get("locale", ""),
                    "accept_privacy": form.get("accept_privacy", ""),
                },
                "errors": errors,
            },
            status_code=422,
        )
    _start_session(request, db, user)
    flash(request, N_("Welcome to Town Hall, %(name)s."), name=user.display_name)
    return see_other("/")


@pages.get("/confirm-email/{token}", response_class=HTMLResponse)
def confirm_email_page(request: Request, token: str) -> HTMLResponse:
    """A button, not the confirmation itself: mail scanners open links, people press buttons."""
    return render(request, "auth/confirm.html", {"token": token})


@pages.post("/confirm-email/{token}", response_class=HTMLResponse)
def confirm_email(request: Request, db: SessionDep, user: OptionalUser, token: str) -> Response:
    confirmed = accountmail.confirm_email(db, token=token)
    flash(request, N_("Thank you: your e-mail address is confirmed."))
    if user is None or user.id != confirmed.id:
        return see_other("/login?next=/account/proposals")
    return see_other("/account/proposals" if claim_service.unclaimed(db, confirmed) else "/account")


@pages.get("/forgot-password", response_class=HTMLResponse)
def forgot_password_page(request: Request) -> HTMLResponse:
    return render(request, "auth/forgot.html", {"values": {}})


@pages.post("/forgot-password", response_class=HTMLResponse)
def forgot_password(request: Request, db: SessionDep, form: FormDep) -> Response:
    def ask() -> None:
        data = parse_form(PasswordForgot, form)
        ip, url = client_ip(request), _urls(request)
        email = user_service.normalise_email(str(data.email))
        accountmail.request_reset(db, email=email, ip=ip, url=url, locale=i18n.get_locale())
        flash(request, CHECK_INBOX_RESET, email=email)

    return form_action(
        request,
        form,
        ask,
        done="/login",
        again=lambda values, errors: render(
            request, "auth/forgot.html", {"values": values, "errors": errors}
        ),
        saved=None,
    )


@pages.get("/reset-password/{token}", response_class=HTMLResponse)
def reset_password_page(request: Request, db: SessionDep, token: str) -> HTMLResponse:
    accountmail.check_reset_link(db, token=token)
    return render(request, "auth/reset.html", {"token": token})


@pages.post("/reset-password/{token}", response_class=HTMLResponse)
def reset_password(request: Request, db: SessionDep, form: FormDep, token: str) -> Response:
    def reset() -> None:
        accountmail.reset_password(db, token=token, data=parse_form(PasswordReset, form))
        # Whoever this browser was logged in as, that session has just ended too.
        request.session.clear()

    return form_action(
        request,
        form,
        reset,
        done="/login",
        again=lambda values, errors: render(
            request, "auth/reset.html", {"token": token, "errors": errors}
        ),
        saved=N_("Your password has been changed and every session logged out. Log in with it."),
    )


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


@api.post("/auth/register", response_model=RegistrationReceived, status_code=202)
def api_register(request: Request, db: SessionDep, data: UserRegister) -> Any:
    """The same answer whether or not the address has an account: the new account gets a
    confirmation e-mail, an existing one's owner an e-mail saying someone tried. Log in next."""
    user_service.register(db, data=data, ip=client_ip(request), url=_urls(request))
    email = user_service.normalise_email(str(data.email))
    return RegistrationReceived(email=email, detail=i18n.gettext(CHECK_INBOX, email=email))


@api.post("/auth/logout", status_code=204)
def api_logout(request: Request, db: SessionDep) -> Response:
    _end_session(request, db)
    return Response(status_code=204)


@api.get("/auth/me", response_model=UserPublic)
async def api_me(user: CurrentUser) -> Any:
    # Async: no I/O here (the user came from its dependency), so neither this nor FastAPI's
    # validation of the result waits for a worker thread.
    return user
