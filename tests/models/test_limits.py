"""What a client may send fits the columns that store it (PostgreSQL enforces VARCHAR lengths;
SQLite does not, so only this test catches a mismatch before production does)."""

import re
from enum import Enum
from typing import Any, Literal, get_args, get_origin

import pytest
from sqlmodel import SQLModel

import app.models as models
from app.models import caucuses, forums, speakers, users
from app.models.types import Input

INPUTS = [
    (forums.ForumCreate, models.Forum),
    (forums.SessionCreate, models.ForumSession),
    (speakers.OrganisationCreate, models.Organisation),
    (speakers.SpeakerCreate, models.Speaker),
    (caucuses.CaucusCreate, models.Caucus),
    (users.UserRegister, models.User),
    (users.InvitationCreate, models.Invitation),
    (forums.ThemeCreate, models.Theme),
]


def _enum_values(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    values = [v for v in schema.get("enum", []) if isinstance(v, str)]
    for option in schema.get("anyOf", []):
        values += _enum_values(option)
    return values


def _max_length(field: Any) -> int | None:
    """The longest string the field accepts: a stated limit, or its longest allowed choice."""
    annotation = field.annotation
    choices = (
        [str(v.value) for v in annotation]
        if isinstance(annotation, type) and issubclass(annotation, Enum)
        else []
    )
    for meta in field.metadata:
        choices += _enum_values(getattr(meta, "json_schema", None))
    # Literal choices, also inside Optional[...].
    for arg in (annotation, *get_args(annotation)):
        if get_origin(arg) is Literal:
            choices += [str(a) for a in get_args(arg)]
    if get_origin(annotation) is list:
        # Stored joined by commas: each id takes at most ten digits and a comma.
        counts = [getattr(m, "max_length", None) for m in field.metadata]
        count = next((n for n in counts if isinstance(n, int)), None)
        return None if count is None else count * 11
    if choices:
        return max(len(c) for c in choices)
    lengths = [getattr(m, "max_length", None) for m in field.metadata]
    schema = field.json_schema_extra or {}
    lengths.append(schema.get("maxLength") if isinstance(schema, dict) else None)
    found = [n for n in lengths if isinstance(n, int)]
    url_limit = re.search(r"UrlConstraints\(max_length=(\d+)", str(field.annotation))
    if url_limit:
        found.append(int(url_limit.group(1)))
    return min(found) if found else None


@pytest.mark.parametrize(("shape", "table"), INPUTS, ids=[s.__name__ for s, _ in INPUTS])
def test_every_string_a_client_sends_fits_its_column(
    shape: type[Input], table: type[SQLModel]
) -> None:
    columns = table.__table__.columns  # type: ignore[attr-defined]
    for name, field in shape.model_fields.items():
        column = columns.get(name)
        # SQLModel's AutoString is a TypeDecorator over String: read the length, not the class.
        length = getattr(column.type, "length", None) if column is not None else None
        if not length:
            continue
        limit = _max_length(field)
        assert limit is not None, f"{shape.__name__}.{name} has no length limit"
        assert limit <= length, f"{shape.__name__}.{name}: {limit} > {length}"
