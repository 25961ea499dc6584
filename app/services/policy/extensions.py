"""What other parts of policy drafting add to the document and section pages, without those
pages knowing each part: per-paragraph tools (amendments, comments: a link with a count) and
panels beside a section (care-map evidence). Each part registers a provider when its router
module is imported; the pages ask every provider once per page, for all paragraphs at once.
Part 2 adds panels at the top of the document page (document_panels)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.models.policy import PolicyDocument, PolicySection
from app.models.users import User


@dataclass(frozen=True)
class Tool:
    """A control beside a paragraph: a link (the page works without JavaScript), its label
    already in the reader's language and naming the paragraph for screen readers, a count."""

    label: str
    href: str
    count: int | None = None
    key: str = ""  # for tests and styling: "amend", "comments"


@dataclass(frozen=True)
class Panel:
    """Something shown beside a section: a template and its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


ToolProvider = Callable[
    [Session, User | None, PolicyDocument, Sequence[int]], dict[int, list[Tool]]
]
PanelProvider = Callable[[Session, User | None, PolicySection], list[Panel]]
# Panels at the top of the document page (its dashboard): the stage and its moves, the
# caucus sign-off matrix, the listening report's headline.
DocumentPanelProvider = Callable[[Session, User | None, PolicyDocument], list[Panel]]

_TOOLS: list[ToolProvider] = []
_PANELS: list[PanelProvider] = []
_DOCUMENT_PANELS: list[DocumentPanelProvider] = []


def paragraph_tools(provider: ToolProvider) -> ToolProvider:
    if provider not in _TOOLS:
        _TOOLS.append(provider)
    return provider


def section_panels(provider: PanelProvider) -> PanelProvider:
    if provider not in _PANELS:
        _PANELS.append(provider)
    return provider


def document_panels(provider: DocumentPanelProvider) -> DocumentPanelProvider:
    if provider not in _DOCUMENT_PANELS:
        _DOCUMENT_PANELS.append(provider)
    return provider


def document_panels_for(db: Session, user: User | None, document: PolicyDocument) -> list[Panel]:
    return [panel for provider in _DOCUMENT_PANELS for panel in provider(db, user, document)]


def tools_for(
    db: Session, user: User | None, document: PolicyDocument, paragraph_ids: Sequence[int]
) -> dict[int, list[Tool]]:
    out: dict[int, list[Tool]] = {}
    for provider in _TOOLS:
        for paragraph_id, tools in provider(db, user, document, paragraph_ids).items():
            out.setdefault(paragraph_id, []).extend(tools)
    return out


def panels_for(db: Session, user: User | None, section: PolicySection) -> list[Panel]:
    return [panel for provider in _PANELS for panel in provider(db, user, section)]
