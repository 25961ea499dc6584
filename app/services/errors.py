"""Domain errors. Messages are gettext msgids with %(name)s parameters, translated where shown."""

from collections.abc import Mapping

from app.i18n import N_


class DomainError(Exception):
    status = 400
    default_message = N_("The request could not be completed.")

    def __init__(self, message: str | None = None, /, **params: object) -> None:
        self.message = message or self.default_message
        self.params = params
        super().__init__(self.message % params if params else self.message)


class NotFound(DomainError):
    status = 404
    default_message = N_("We could not find that page.")


class AuthenticationRequired(DomainError):
    status = 401
    default_message = N_("Please log in to continue.")


class InvalidCredentials(DomainError):
    """The same answer for an unknown account and a wrong password."""

    status = 401
    default_message = N_("The e-mail address or password is not correct.")


class PermissionDenied(DomainError):
    status = 403
    default_message = N_("You do not have permission to do that.")


class Conflict(DomainError):
    status = 409
    default_message = N_("That conflicts with existing data.")


class AlreadyDone(Conflict):
    """What was asked for is already so: a double click, a retry, or the same request from
    someone else a moment before. The API answers 409 as for any conflict; a form answers as the
    first request did (a notice and the same redirect), since a person sees no error in it."""


class InvalidInput(DomainError):
    """Field-level problems: {field: [msgid, ...]}; msgids may carry params in `field_params`."""

    status = 422
    default_message = N_("Please correct the highlighted fields.")

    def __init__(
        self,
        errors: Mapping[str, list[str]],
        message: str | None = None,
        /,
        **params: object,
    ) -> None:
        super().__init__(message, **params)
        self.errors = {k: list(v) for k, v in errors.items()}


class RateLimited(DomainError):
    status = 429
    default_message = N_("Too many attempts. Please wait %(minutes)s minutes and try again.")

    def __init__(self, retry_after: int) -> None:
        super().__init__(None, minutes=max(1, (retry_after + 59) // 60))
        self.retry_after = retry_after


class CsrfFailed(DomainError):
    status = 403
    default_message = N_(
        "This form has expired or did not come from this site. Please reload the page and "
        "send it again."
    )
