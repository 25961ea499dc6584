"""What the minutes' documents (export_md.py, export_docx.py) say: the reading page's content in
its order (key points, attendees, proceedings, decisions, next steps, corrections), gathered once
and already worded, so that the two formats differ only in how they write it.

Headings, labels, dates and numbers are in the minutes' language, not the reader's: a document
travels (it is mailed, printed, filed) and must read as one text. Links are absolute, for the
same reason. The originals of chat excerpts are numbered sources listed at the end, each cited
as [n] where it is quoted; only those the viewer may see are linked, as on the reading page.
Whether the viewer may read the minutes at all is the caller's check (`can_view`).
"""

import dataclasses
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pathvalidate import sanitize_filename
from sqlalchemy import select
from sqlmodel import Session, col

from app import i18n
from app.i18n import gettext as _
from app.models.forums import SESSION_FORMAT_LABELS, ForumSession
from app.models.minutes import (
    ACTION_STATUS_LABELS,
    STATUS_LABELS,
    Minutes,
    MinutesExcerpt,
    MinutesStatus,
    MinutesTurn,
)
from app.models.speakers import Organisation, Speaker
from app.models.users import User
from app.services.minutes.reading import Contents, contents, source_link

# What a document links in running text: web addresses, up to a closing bracket or a space, and
# without the sentence's final punctuation.
URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]}'’”]")


@dataclass(frozen=True)
class Source:
    number: int
    title: str
    url: str


@dataclass(frozen=True)
class Turn:
    speaker: str  # shown in bold
    detail: str  # ", title, organisation"
    points: list[str]
    quote: str


@dataclass(frozen=True)
class Excerpt:
    text: str
    meta: str  # "(chat) author · 15:05 (Montevideo, UTC-3)"
    source: Source | None


@dataclass(frozen=True)
class Block:
    title: str
    items: list[Turn | Excerpt]  # as the block reads: chat excerpts among the turns


@dataclass(frozen=True)
class Point:
    text: str
    origin: str  # "(from Rosa Pavanelli, a chat remark)", or ""


@dataclass(frozen=True)
class Heading:
    title: str
    points: list[Point]


@dataclass(frozen=True)
class Labels:
    key_points: str
    attendees: str
    proceedings: str
    decisions: str
    next_steps: str
    corrections: str
    sources: str


@dataclass
class Document:
    language: str
    title: str
    subtitle: str  # date and place
    status: str  # "Status: Draft" until published, else ""
    labels: Labels
    key_points: list[Heading] = field(default_factory=list)
    attendees: list[str] = field(default_factory=list)
    others: str = ""  # "and 12 other participants"
    blocks: list[Block] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (text, who · by · status)
    corrections: list[str] = field(default_factory=list)  # "date: note"
    sources: list[Source] = field(default_factory=list)
    filename: str = "minutes"  # without the extension


# Not allowed in XML 1.0 (a DOCX would not save) and never meant as text in a document.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(value: Any) -> Any:
    """`value` (a document, or any part of it) with control characters dropped from its texts."""
    if isinstance(value, str):
        return _UNPRINTABLE.sub("", value)
    if isinstance(value, list):
        return [printable(v) for v in value]
    if isinstance(value, tuple):
        return tuple(printable(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: printable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    before = i18n.get_locale()
    i18n.set_locale(locale)
    try:
        yield
    finally:
        i18n.set_locale(before)


def links(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_a_web_address), in order."""
    out: list[tuple[str, bool]] = []
    last = 0
    for found in URL.finditer(text):
        if found.start() > last:
            out.append((text[last : found.start()], False))
        out.append((found.group(), True))
        last = found.end()
    if last < len(text):
        out.append((text[last:], False))
    return out


def filenames(title: str, extension: str) -> tuple[str, str]:
    """(ASCII fallback, the full name) for Content-Disposition: `filename` and `filename*`."""
    full = sanitize_filename(" ".join(title.split()), replacement_text="-")[:120].strip()
    ascii_name = unicodedata.normalize("NFKD", full).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9 ._()-]+", "-", ascii_name).strip(" .-") or "minutes"
    return f"{ascii_name}.{extension}", f"{full or ascii_name}.{extension}"


class _Names:
    """The speaker and organisation records the minutes name, loaded once."""

    def __init__(self, db: Session, data: Contents) -> None:
        ids = {t.speaker_id for b in data.blocks for t in b.turns if t.speaker_id}
        ids |= {a.speaker_id for a in data.attendees if a.speaker_id}
        self.speakers: dict[int, Speaker] = {}
        if ids:
            found = db.execute(select(Speaker).where(col(Speaker.id).in_(ids))).scalars()
            self.speakers = {s.id or 0: s for s in found}
        org_ids = {a.organisation_id for a in data.attendees if a.organisation_id}
        org_ids |= {s.organisation_id for s in self.speakers.values() if s.organisation_id}
        self.orgs: dict[int, Organisation] = {}
        if org_ids:
            rows = db.execute(select(Organisation).where(col(Organisation.id).in_(org_ids)))
            self.orgs = {o.id or 0: o for o in rows.scalars()}

    def org(self, org_id: int | None) -> str:
        found = self.orgs.get(org_id or 0)
        return found.name if found else ""

    def turn(self, turn: MinutesTurn) -> tuple[str, str]:
        speaker = self.speakers.get(turn.speaker_id or 0)
        if speaker is None:
            return turn.speaker_name or _("Unnamed speaker"), ""
        detail = [d for d in (speaker.title, self.org(speaker.organisation_id)) if d]
        return turn.speaker_name or speaker.name, "".join(f", {d}" for d in detail)


class _Sources:
    """Numbered in the order they are first cited; a record quoted twice has one number."""

    def __init__(self) -> None:
        self.by_url: dict[str, Source] = {}

    def cite(self, title: str, url: str) -> Source:
        if url not in self.by_url:
            self.by_url[url] = Source(len(self.by_url) + 1, title, url)
        return self.by_url[url]


def _place(session: ForumSession) -> str:
    if session.venue:
        return session.venue
    return _(SESSION_FORMAT_LABELS[session.format]) if session.format else ""


def _excerpt(
    db: Session,
    excerpt: MinutesExcerpt,
    session: ForumSession,
    viewer: User | None,
    base_url: str,
    sources: _Sources,
) -> Excerpt:
    meta = [f"({_('chat')})"]
    if excerpt.author:
        meta.append(excerpt.author)
    if excerpt.posted_at:
        meta.append("· " + i18n.format_when(excerpt.posted_at, session.timezone, "time"))
    link = source_link(db, excerpt, viewer)
    source = None
    if link is not None and link.url:
        url = link.url if link.url.startswith(("http://", "https://")) else base_url + link.url
        source = sources.cite(link.title, url)
    return Excerpt(excerpt.text, " ".join(meta), source)


def _blocks(
    db: Session,
    data: Contents,
    session: ForumSession,
    names: _Names,
    viewer: User | None,
    base_url: str,
    sources: _Sources,
) -> list[Block]:
    out = []
    for b in data.blocks:
        # As on the reading page: the free block only when something was placed in it.
        if not (b.turns or b.excerpts or b.block.segment_id):
            continue
        items: list[Turn | Excerpt] = []
        for item in b.sequence():
            if isinstance(item, MinutesTurn):
                items.append(Turn(*names.turn(item), points=list(item.points), quote=item.quote))
            else:
                items.append(_excerpt(db, item, session, viewer, base_url, sources))
        out.append(Block(b.block.title, items))
    return out


def _origin(data: Contents, point_id: int, names: _Names) -> str:
    parts = []
    for src in data.sources.get(point_id, []):
        turn = data.turn(src.turn_id) if src.turn_id else None
        if turn is not None:
            parts.append(names.turn(turn)[0])
        elif src.excerpt_id:
            parts.append(_("a chat remark"))
    return f"({_('from')} {', '.join(parts)})" if parts else ""


def _action(text: str, owner: str, due: str, status: str) -> tuple[str, str]:
    details = []
    if owner:
        details.append(_("Who: %(owner)s", owner=owner))
    if due:
        details.append(_("By %(date)s", date=due))
    details.append(status)
    return text, " · ".join(details)


def build(
    db: Session, *, minutes: Minutes, session: ForumSession, viewer: User | None, base_url: str
) -> Document:
    """The document of `minutes`, as `viewer` may see its links; `base_url` makes them absolute."""
    data = contents(db, minutes)
    base_url = base_url.rstrip("/")
    with in_language(minutes.language):
        title_text = i18n.localized(session.title, minutes.language)[0]
        names = _Names(db, data)
        sources = _Sources()
        when = i18n.format_when(session.starts_at, session.timezone, "full")
        place = _place(session)
        published = minutes.status in (MinutesStatus.published, MinutesStatus.corrected)
        doc = Document(
            language=minutes.language,
            title=_("Minutes of “%(title)s”", title=title_text),
            subtitle=" · ".join(p for p in (when, place) if p),
            status=""
            if published
            else _("Status: %(status)s", status=_(STATUS_LABELS[minutes.status])),
            labels=Labels(
                key_points=_("Key points raised"),
                attendees=_("Attendees"),
                proceedings=_("Proceedings"),
                decisions=_("Decisions"),
                next_steps=_("Next steps"),
                corrections=_("Corrections"),
                sources=_("Sources"),
            ),
            filename=f"{_('Minutes')} - {title_text}",
        )
        doc.key_points = [
            Heading(
                h.heading.title,
                [Point(p.text, _origin(data, p.id or 0, names)) for p in h.points],
            )
            for h in data.headings
        ]
        for a in data.attendees:
            speaker = names.speakers.get(a.speaker_id or 0)
            name = a.name or (speaker.name if speaker else "")
            org = names.org(a.organisation_id)
            doc.attendees.append(", ".join(p for p in (name, org) if p))
        if minutes.other_participants:
            doc.others = i18n.translations(i18n.get_locale()).ngettext(
                "and %(num)d other participant",
                "and %(num)d other participants",
                minutes.other_participants,
            ) % {"num": minutes.other_participants}
        doc.blocks = _blocks(db, data, session, names, viewer, base_url, sources)
        doc.decisions = [d.text for d in data.decisions]
        doc.actions = [
            _action(
                a.text,
                a.owner,
                i18n.format_date(a.due_on) if a.due_on else "",
                _(ACTION_STATUS_LABELS[a.status]),
            )
            for a in data.actions
        ]
        doc.corrections = [
            f"{i18n.format_when(e.created_at, session.timezone, 'date')}: {e.reason}"
            for e in data.corrections
        ]
        doc.sources = list(sources.by_url.values())
    return printable(doc)
