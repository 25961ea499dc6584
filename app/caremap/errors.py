"""Errors raised by the care-map engine, carrying gettext message ids.

A :class:`CareDataError` lists every problem found in one input file (capped at
:data:`MAX_ISSUES`), so a user can fix the whole file in one go. Each
:class:`CareIssue` holds the file name, the row (1-based line number in a CSV,
counting the header as line 1; 1-based feature number in GeoJSON), the field, an
English msgid with ``%(name)s`` placeholders and its params. The web layer
translates with ``gettext(issue.msgid) % issue.all_params()``; the engine never
translates anything itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

MAX_ISSUES = 100

ParamValue = str | int | float


@dataclass(frozen=True)
class CareIssue:
    """One bad value, or one bad structure, in one input file."""

    file: str
    row: int | None
    field: str | None
    msgid: str
    params: Mapping[str, ParamValue] = dataclass_field(default_factory=dict)

    def all_params(self) -> dict[str, ParamValue]:
        merged: dict[str, ParamValue] = {"file": self.file}
        if self.row is not None:
            merged["row"] = self.row
        if self.field is not None:
            merged["field"] = self.field
        merged.update(self.params)
        return merged

    def message(self, gettext: Callable[[str], str] | None = None) -> str:
        template = gettext(self.msgid) if gettext is not None else self.msgid
        return template % self.all_params()

    def __str__(self) -> str:
        return f"{self.file}: {self.message()}"


class CareDataError(ValueError):
    """An input file could not be imported; nothing from it was kept."""

    def __init__(self, issues: Sequence[CareIssue], *, truncated: bool = False) -> None:
        if not issues:
            raise ValueError("CareDataError needs at least one issue")
        self.issues: tuple[CareIssue, ...] = tuple(issues)
        self.truncated = truncated
        super().__init__("\n".join(str(issue) for issue in self.issues))

    # The first issue's coordinates, for callers that show a single message.
    @property
    def file(self) -> str:
        return self.issues[0].file

    @property
    def row(self) -> int | None:
        return self.issues[0].row

    @property
    def field(self) -> str | None:
        return self.issues[0].field

    @property
    def msgid(self) -> str:
        return self.issues[0].msgid

    @property
    def params(self) -> Mapping[str, ParamValue]:
        return self.issues[0].params


class CareParamError(ValueError):
    """Invalid method parameters (not a data problem); also translatable."""

    def __init__(self, msgid: str, **params: ParamValue) -> None:
        self.msgid = msgid
        self.params: dict[str, ParamValue] = params
        super().__init__(msgid % params)

    def message(self, gettext: Callable[[str], str] | None = None) -> str:
        template = gettext(self.msgid) if gettext is not None else self.msgid
        return template % self.params


class IssueCollector:
    """Gathers issues for one file, sorted by row when raised."""

    def __init__(self, file: str, limit: int = MAX_ISSUES) -> None:
        self.file = file
        self.limit = limit
        self.issues: list[CareIssue] = []
        self.truncated = False

    def add(self, row: int | None, field: str | None, msgid: str, **params: ParamValue) -> None:
        if len(self.issues) >= self.limit:
            self.truncated = True
            return
        self.issues.append(CareIssue(self.file, row, field, msgid, params))

    @property
    def full(self) -> bool:
        return len(self.issues) >= self.limit

    def __bool__(self) -> bool:
        return bool(self.issues)

    def raise_if_any(self) -> None:
        if self.issues:
            ordered = sorted(self.issues, key=lambda i: (i.row is not None, i.row or 0))
            raise CareDataError(ordered, truncated=self.truncated)
