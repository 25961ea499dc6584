"""Turns pydantic errors into message ids keyed by field, for forms and the API alike; they are
translated at the edge (`i18n.translate_errors`), in the reader's language."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote_plus

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from app.i18n import N_, Message

_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_long": N_("Enter at most %(max_length)s characters."),
    "too_long": N_("Enter at most %(max_length)s items."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "bool_parsing": N_("Choose yes or no."),
    "greater_than_equal": N_("Enter a number of at least %(ge)s."),
    "less_than_equal": N_("Enter a number of at most %(le)s."),
    "greater_than": N_("Enter a number greater than %(gt)s."),
    "less_than": N_("Enter a number less than %(lt)s."),
    "url_parsing": N_("Enter a full web address, starting with https://."),
    "url_scheme": N_("Enter a full web address, starting with https://."),
    "url_type": N_("Enter a full web address, starting with https://."),
    "date_parsing": N_("Enter a valid date."),
    "date_from_datetime_parsing": N_("Enter a valid date."),
    "datetime_parsing": N_("Enter a valid date and time."),
    "datetime_from_date_parsing": N_("Enter a valid date and time."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "string_pattern_mismatch": N_("Use only the characters allowed here."),
    "too_short": N_("This field is required."),
    "json_invalid": N_("The request body is not valid JSON."),
    "model_attributes_type": N_("The request body must be a JSON object."),
    "dict_type": N_("The request body must be a JSON object."),
    "list_type": N_("Enter a list of values."),
    "string_type": N_("Enter text."),
}
_FALLBACK = N_("This value is not valid.")
_EMAIL = N_("Enter a valid e-mail address.")
_REQUIRED = N_("This field is required.")
NON_FIELD = "__all__"


def message_for(error: dict[str, Any]) -> Message:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        if "reason" in ctx:  # email-validator's explanation, in English only
            return Message(_EMAIL)
        inner = ctx.get("error")
        text = str(inner) if inner is not None else ""
        if "email" in text.lower():
            return Message(_EMAIL)
        return Message(text) if text else Message(_FALLBACK)
    if kind == "too_short" and isinstance(error.get("input"), dict):
        return Message(N_("Enter the text in at least one language."))
    if kind == "string_too_short":
        if ctx.get("min_length", 1) <= 1:
            return Message(_REQUIRED)
        return Message(
            N_("Enter at least %(min_length)s characters."), min_length=ctx["min_length"]
        )
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == r"\S":
        return Message(_REQUIRED)  # only blanks: as good as empty
    template = _MESSAGES.get(kind)
    if template is None:
        return Message(_FALLBACK)
    params = {k: v for k, v in ctx.items() if k in template}
    return Message(template, **params)


def field_name(loc: Sequence[Any], *, skip: int = 0) -> str:
    parts = [str(p) for p in loc[skip:]]
    return ".".join(parts) if parts else NON_FIELD


def errors_by_field(errors: Sequence[Any], *, skip: int = 0) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        out.setdefault(field_name(error.get("loc", ()), skip=skip), []).append(message_for(error))
    return out


# -- empty query values ------------------------------------------------------------------------


def drop_empty_query_values(query_string: bytes) -> bytes:
    """The query string without its empty (or blank) values, the others kept byte for byte.

    A filter form sends every field, so an unused one arrives as `forum_id=`; read as "no
    filter", not as a number that fails to parse."""
    kept = [
        pair
        for pair in query_string.split(b"&")
        if unquote_plus(pair.partition(b"=")[2].decode("latin-1")).strip()
    ]
    return b"&".join(kept)


class EmptyQueryValuesMiddleware:
    """One rule for every route's query parameters, pages and API alike: an empty value means
    the parameter was not given (its default applies: no filter, the first page...), so no
    declaration has to remember it. Outermost but for the host check, so that the page cache,
    the private-link check and `request.url` all see the same cleaned query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"")
        if scope["type"] == "http" and query:
            cleaned = drop_empty_query_values(query)
            if cleaned != query:
                scope = {**scope, "query_string": cleaned}
        await self.app(scope, receive, send)


# An empty or blank value, which the middleware above drops before any route sees it.
_EMPTY = {"type": "string", "pattern": r"^\s*$"}


_ANNOTATIONS = ("title", "description", "default")


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in schema.items() if k in _ANNOTATIONS}
    options = schema.get("anyOf") or [{k: v for k, v in schema.items() if k not in _ANNOTATIONS}]
    return {"anyOf": [*options, _EMPTY], **kept}


def document_empty_query_values(app: FastAPI) -> None:
    """Says in the OpenAPI schema what the middleware does: every optional query parameter
    also takes an empty value, meaning "not given". Without it the schema would promise a 422
    for `?cursor=` that the API, by design, never gives."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") == "query" and not parameter.get("required"):
                        parameter["schema"] = _or_empty(parameter.get("schema", {}))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
