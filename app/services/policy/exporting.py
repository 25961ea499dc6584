"""What a policy document's files say (export_docx.py, export_md.py) and its printable page
show: the title in the document's language, then every section in reading order with its
number, and each paragraph's Markdown read into blocks (paragraphs of runs with bold, italic,
code and links; lists with their nesting; quotes; code), so that each format writes real
structure rather than Markdown punctuation.

A snapshot's export (build_snapshot) reads only the snapshot: its frozen paragraphs and their
frozen sources, as numbered endnotes (`Export.sources`, each block that ends a paragraph naming
its notes), with absolute links made by the caller's `url`, and its date from the freezing, so
that exporting one snapshot twice writes the same bytes whatever was edited since.

Whether the viewer may read the document is the caller's check (the route's dependency).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from markdown_it import MarkdownIt
from markdown_it.token import Token
from sqlmodel import Session

from app import i18n
from app.i18n import N_, localized
from app.i18n import gettext as _
from app.models.policy import PolicyDocument
from app.models.policy_stages import DocumentSnapshot
from app.services.minutes.export import filenames, in_language, printable
from app.services.policy.documents import current_paragraphs, tree
from app.services.policy.snapshots import notes, stage_name_of

_MD = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: str = ""
    hard_break: bool = False  # a line break before nothing else (text is "")


@dataclass
class Block:
    kind: str  # "paragraph", "item", "quote", "code", "heading"
    runs: list[Run] = field(default_factory=list)
    level: int = 0  # list nesting (0: outermost) for items
    ordered: bool = False
    list_id: int = 0  # items of one list share it (Word restarts numbering per list)
    notes: list[int] = field(default_factory=list)  # endnotes cited at its end


@dataclass(frozen=True)
class Source:
    number: int
    title: str
    url: str
    channel: str = ""  # in the document's language
    date: str = ""  # likewise

    @property
    def text(self) -> str:
        """The endnote's words before its link: "Title. Channel, 3 May 2025."""
        details = ", ".join(part for part in (self.channel, self.date) if part)
        title = self.title if self.title.endswith((".", "?", "!", "…")) else f"{self.title}."
        return f"{title} {details}." if details else title


@dataclass
class ExportSection:
    number: str
    depth: int
    title: str
    blocks: list[Block]
    paragraphs: list[str]  # the Markdown, as stored
    html: list[str] = field(default_factory=list)  # a snapshot's frozen HTML, paragraph by one
    notes: list[list[int]] = field(default_factory=list)  # each paragraph's endnotes


@dataclass
class Export:
    language: str
    title: str
    status: str
    sections: list[ExportSection]
    sources: list[Source] = field(default_factory=list)  # part 2: endnotes
    sources_label: str = ""
    filename: str = "document"
    created: datetime | None = None  # a snapshot's freezing: the files' date


def _runs(children: list[Token]) -> list[Run]:
    runs: list[Run] = []
    bold = italic = 0
    link = ""
    for token in children:
        if token.type == "strong_open":
            bold += 1
        elif token.type == "strong_close":
            bold -= 1
        elif token.type == "em_open":
            italic += 1
        elif token.type == "em_close":
            italic -= 1
        elif token.type == "link_open":
            link = str(token.attrs.get("href") or "")
        elif token.type == "link_close":
            link = ""
        elif token.type in ("text", "html_inline"):
            if token.content:
                runs.append(Run(token.content, bold > 0, italic > 0, link=link))
        elif token.type == "code_inline":
            runs.append(Run(token.content, bold > 0, italic > 0, code=True, link=link))
        elif token.type == "softbreak":
            runs.append(Run(" ", bold > 0, italic > 0, link=link))
        elif token.type == "hardbreak":
            runs.append(Run("", hard_break=True))
        elif token.type == "image":
            runs.append(Run(token.content, bold > 0, italic > 0))
    return runs


def blocks_of(markdown: str, list_ids: list[int]) -> list[Block]:
    """One stored paragraph's Markdown as blocks; `list_ids` counts lists across a document."""
    out: list[Block] = []
    lists: list[tuple[bool, int]] = []  # (ordered, id) of the open lists, outermost first
    quote = 0
    kind = ""
    new_item = False
    for token in _MD.parse(markdown):
        if token.type == "list_item_open":
            new_item = True
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            list_ids[0] += 1
            lists.append((token.type == "ordered_list_open", list_ids[0]))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "blockquote_open":
            quote += 1
        elif token.type == "blockquote_close":
            quote -= 1
        elif token.type == "heading_open":
            kind = "heading"
        elif token.type == "paragraph_open":
            kind = "paragraph"
        elif token.type == "inline":
            runs = _runs(token.children or [])
            if lists and kind == "paragraph":
                ordered, list_id = lists[-1]
                if new_item or not out or out[-1].kind != "item":
                    out.append(Block("item", runs, len(lists) - 1, ordered, list_id))
                else:  # a further paragraph of the same item
                    out[-1].runs += [Run("", hard_break=True), *runs]
                new_item = False
            else:
                out.append(Block("quote" if quote else kind or "paragraph", runs))
        elif token.type in ("fence", "code_block"):
            out.append(Block("code", [Run(token.content.rstrip("\n"), code=True)]))
    return out


def build(db: Session, *, document: PolicyDocument) -> Export:
    with in_language(document.language):
        title = localized(document.title, document.language)[0]
        list_ids = [0]
        sections = []
        for numbered in tree(db, document.id or 0):
            texts = [p.text for p in current_paragraphs(db, numbered.section.id or 0)]
            blocks = [b for text in texts for b in blocks_of(text, list_ids)]
            sections.append(
                ExportSection(
                    numbered.number, numbered.depth, numbered.section.title, blocks, texts
                )
            )
        export = Export(
            language=document.language,
            title=title,
            status=_("Draft") if document.stage == "drafting" else "",
            sections=sections,
            sources_label=_("Sources"),
            filename=title or "document",
        )
    return printable(export)


NOT_PUBLIC = N_("Source not public")


def _noted(blocks: list[Block], notes: list[int]) -> list[Block]:
    """The paragraph's blocks, the last one citing its notes (a paragraph that made no block,
    such as a link definition, gets an empty one to carry them)."""
    if not notes:
        return blocks
    if not blocks:
        blocks = [Block("paragraph")]
    blocks[-1].notes = list(notes)
    return blocks


def build_snapshot(snapshot: DocumentSnapshot, *, url: Callable[[str], str]) -> Export:
    """A snapshot as the writers take it; `url` makes a path absolute (the site's base URL)."""
    language = snapshot.language
    with in_language(language):
        title = localized(snapshot.title, language)[0]
        by_paragraph: dict[int, list[int]] = {}
        sources = []
        for note in notes(snapshot):
            by_paragraph.setdefault(note.paragraph_id, []).append(note.number)
            sources.append(
                Source(
                    number=note.number,
                    title=note.title or _(NOT_PUBLIC),
                    url=url(note.url) if note.url else "",
                    channel=_(note.channel) if note.channel else "",
                    date=i18n.format_date(note.date) if note.date else "",
                )
            )
        list_ids = [0]
        sections = []
        for s in snapshot.sections:
            paragraphs = list(s.get("paragraphs", []))
            texts = [str(p["text"]) for p in paragraphs]
            cited = [by_paragraph.get(int(p["id"]), []) for p in paragraphs]
            blocks = [
                b
                for text, these in zip(texts, cited, strict=True)
                for b in _noted(blocks_of(text, list_ids), these)
            ]
            sections.append(
                ExportSection(
                    str(s.get("number", "")),
                    int(s.get("depth", 1)),
                    str(s.get("title", "")),
                    blocks,
                    texts,
                    html=[str(p.get("html", "")) for p in paragraphs],
                    notes=cited,
                )
            )
        stage = localized(snapshot.stage_name, language)[0] or stage_name_of(snapshot)
        status = _(
            "%(stage)s — version %(number)s of %(date)s",
            stage=stage,
            number=snapshot.number,
            date=i18n.format_date(snapshot.created_at.date()),
        )
        export = Export(
            language=language,
            title=title,
            status=status,
            sections=sections,
            sources=sources,
            sources_label=_("Sources"),
            filename=f"{title or 'document'} v{snapshot.number}",
            created=snapshot.created_at,
        )
    return printable(export)


def file_names(export: Export, extension: str) -> tuple[str, str]:
    return filenames(export.filename, extension)
