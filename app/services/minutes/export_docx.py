"""The minutes as a Word document (python-docx), from what export.py gathers: Word's own
styles throughout (Title, Heading 1-2, List Bullet and List Number for real lists, Quote for chat
excerpts, Intense Quote for a speaker's quoted words), so that the document reflows, numbers and
restyles in Word and LibreOffice like one written there.

python-docx has no footnote API: the originals of chat excerpts are cited as [n], each linked to
its entry in a numbered "Sources" list at the end (a bookmark), and that entry to the original.
"""

import io
from datetime import UTC, datetime

from docx import Document as new_document
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph
from sqlmodel import Session

from app.models.forums import ForumSession
from app.models.minutes import Minutes
from app.models.users import User
from app.services.minutes.export import Document, Excerpt, Turn, build, links

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LINK_STYLE = "Hyperlink"


def _language(doc: WordDocument, code: str) -> None:
    """The content's language on the base style, for spelling and hyphenation."""
    normal = doc.styles["Normal"]
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), code)


def _link_style(doc: WordDocument) -> None:
    styles = doc.styles
    if LINK_STYLE in [s.name for s in styles]:
        return
    style = styles.add_style(LINK_STYLE, WD_STYLE_TYPE.CHARACTER)
    style.font.underline = True
    style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)


def _run(text: str, *, style: str | None = None, superscript: bool = False) -> BaseOxmlElement:
    run = OxmlElement("w:r")
    if style or superscript:
        rpr = OxmlElement("w:rPr")
        if style:
            ref = OxmlElement("w:rStyle")
            ref.set(qn("w:val"), style)
            rpr.append(ref)
        if superscript:
            align = OxmlElement("w:vertAlign")
            align.set(qn("w:val"), "superscript")
            rpr.append(align)
        run.append(rpr)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    return run


def _hyperlink(
    paragraph: Paragraph,
    text: str,
    *,
    url: str | None = None,
    anchor: str | None = None,
    superscript: bool = False,
) -> None:
    link = OxmlElement("w:hyperlink")
    if url is not None:
        rid = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link.set(qn("r:id"), rid)
    if anchor is not None:
        link.set(qn("w:anchor"), anchor)
    link.append(_run(text, style=LINK_STYLE, superscript=superscript))
    paragraph._p.append(link)


def _bookmark(paragraph: Paragraph, name: str, number: int) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    paragraph._p.insert(0, start)
    paragraph._p.append(end)


def _text(paragraph: Paragraph, text: str) -> None:
    """Running text, its web addresses as links, its line breaks kept."""
    for i, line in enumerate(text.strip().splitlines()):
        if i:
            paragraph.add_run().add_break()
        for piece, is_url in links(line):
            if is_url:
                _hyperlink(paragraph, piece, url=piece)
            else:
                paragraph.add_run(piece)


def _anchor(number: int) -> str:
    return f"source_{number}"


def _turn(doc: WordDocument, turn: Turn) -> None:
    line = doc.add_paragraph()
    line.add_run(turn.speaker).bold = True
    if turn.detail:
        line.add_run(turn.detail)
    for point in turn.points:
        if point.strip():
            _text(doc.add_paragraph(style="List Bullet"), point)
    if turn.quote.strip():
        _text(doc.add_paragraph(style="Intense Quote"), f"“{turn.quote.strip()}”")


def _excerpt(doc: WordDocument, excerpt: Excerpt) -> None:
    quote = doc.add_paragraph(style="Quote")
    _text(quote, excerpt.text)
    quote.add_run().add_break()
    quote.add_run(excerpt.meta)
    if excerpt.source is not None:
        quote.add_run(" ")
        number = excerpt.source.number
        _hyperlink(quote, f"[{number}]", anchor=_anchor(number))


def write(doc_in: Document, *, created: datetime | None = None) -> bytes:
    doc = new_document()
    _link_style(doc)
    _language(doc, doc_in.language)
    props = doc.core_properties
    props.title = doc_in.title
    props.language = doc_in.language
    props.subject = doc_in.subtitle
    props.author = props.last_modified_by = "Town Hall"
    props.created = props.modified = created or datetime.now(UTC)
    props.comments = doc_in.status

    doc.add_heading(doc_in.title, level=0)
    if doc_in.subtitle:
        doc.add_paragraph(doc_in.subtitle)
    if doc_in.status:
        doc.add_paragraph().add_run(doc_in.status).italic = True
    labels = doc_in.labels
    if doc_in.key_points:
        doc.add_heading(labels.key_points, level=1)
        for heading in doc_in.key_points:
            doc.add_heading(heading.title, level=2)
            for point in heading.points:
                item = doc.add_paragraph(style="List Bullet")
                _text(item, point.text)
                if point.origin:
                    item.add_run(f" {point.origin}").italic = True
    doc.add_heading(labels.attendees, level=1)
    for attendee in doc_in.attendees:
        doc.add_paragraph(attendee, style="List Bullet")
    if doc_in.others:
        doc.add_paragraph(doc_in.others)
    doc.add_heading(labels.proceedings, level=1)
    for block in doc_in.blocks:
        doc.add_heading(block.title, level=2)
        for part in block.items:
            if isinstance(part, Turn):
                _turn(doc, part)
            else:
                _excerpt(doc, part)
    if doc_in.decisions:
        doc.add_heading(labels.decisions, level=1)
        for decision in doc_in.decisions:
            _text(doc.add_paragraph(style="List Number"), decision)
    if doc_in.actions:
        doc.add_heading(labels.next_steps, level=1)
        for text, details in doc_in.actions:
            item = doc.add_paragraph(style="List Bullet")
            _text(item, text)
            item.add_run(f" — {details}").italic = True
    if doc_in.corrections:
        doc.add_heading(labels.corrections, level=1)
        for correction in doc_in.corrections:
            doc.add_paragraph(correction, style="List Bullet")
    if doc_in.sources:
        doc.add_heading(labels.sources, level=1)
        for source in doc_in.sources:
            entry = doc.add_paragraph()
            entry.add_run(f"[{source.number}] {source.title}: ")
            _hyperlink(entry, source.url, url=source.url)
            _bookmark(entry, _anchor(source.number), source.number)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def export_docx(
    db: Session, *, minutes: Minutes, session: ForumSession, viewer: User | None, base_url: str
) -> tuple[str, bytes]:
    """(file name without extension, the .docx file's bytes)."""
    doc = build(db, minutes=minutes, session=session, viewer=viewer, base_url=base_url)
    return doc.filename, write(doc, created=minutes.published_at or minutes.updated_at)
