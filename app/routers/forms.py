"""HTML forms parse into the same Create/Update models as the JSON API."""

import types
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.i18n import LOCALES, N_, Message
from app.models.types import MAX_ID
from app.security import safe_next
from app.services.errors import Conflict, InvalidInput
from app.templating import flash
from app.web.validation import errors_by_field

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_TRUE = {"true", "on", "1", "yes"}


def _base(annotation: Any) -> Any:
    """Strips Optional[...] / X | None to the type a form field carries."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _base(args[0]) if len(args) == 1 else annotation
    return annotation


def form_to_data(model: type[BaseModel], form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        kind = _base(info.annotation)
        origin = get_origin(kind) or kind
        if origin is dict:
            texts = {code: str(form.get(f"{name}.{code}") or "").strip() for code in LOCALES}
            data[name] = {code: text for code, text in texts.items() if text}
        elif origin is list:
            values = [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]
            if values or name in form:
                data[name] = values
        elif kind is bool or (origin is Literal and get_args(kind) == (True,)):
            # A box that must be ticked (Literal[True], a consent) is a checkbox all the same.
            data[name] = str(form.get(name, "")).lower() in _TRUE
        else:
            value = form.get(name)
            if isinstance(value, str) and value.strip():
                data[name] = value.strip()
    return data


def parse_form(model: type[M], form: FormData, **extra: Any) -> M:
    data = form_to_data(model, form) | extra
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc


def form_values(form: FormData) -> dict[str, Any]:
    """What the person typed, to put back into the form when it is shown again with errors."""
    values: dict[str, Any] = {}
    for key in form:
        items = form.getlist(key)
        if "." in key:
            head, _, code = key.partition(".")
            values.setdefault(head, {})[code] = items[0] if items else ""
        else:
            values[key] = items if len(items) > 1 else (items[0] if items else "")
    return values


def form_id(value: object) -> int | None:
    """A record id from a form field, or None when the field is empty or not an id."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def back_to(form: FormData, default: str) -> str:
    """Where a form asked to return (`next`, a local path only), else the default."""
    wanted = str(form.get("next") or "")
    return safe_next(wanted) if wanted else default


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def _form(request: Request) -> FormData:
    return await request.form()


# A sync handler can take the parsed form through this dependency and run in the threadpool.
FormDep = Annotated[FormData, Depends(_form)]


Again = Callable[[dict[str, Any], dict[str, list[str]]], HTMLResponse]


def form_action(
    request: Request,
    form: FormData,
    action: Callable[[], T],
    *,
    done: Callable[[T], str] | str,
    again: Again,
    saved: str | None = N_("Saved."),
    conflicts: bool = False,
) -> Response:
    """The one shape of a form post: run the action (parsing included); on bad input show the
    form again with what was typed and the errors (422), on a conflict too when asked (409,
    the message above the form); else flash `saved` and redirect (303) to `done`.

    `again(values, errors)` renders the form; error messages are ids, translated by render()."""
    try:
        result = action()
    except InvalidInput as exc:
        response = again(form_values(form), exc.errors)
        response.status_code = 422
        return response
    except Conflict as exc:
        if not conflicts:
            raise
        response = again(form_values(form), {"__all__": [Message(exc.message, **exc.params)]})
        response.status_code = 409
        return response
    if saved:
        flash(request, saved)
    return see_other(done if isinstance(done, str) else done(result))
