"""A policy document as a Word document (python-docx), from what exporting.py gathers: the Title
style, each section as Heading 1-3 carrying its number ("1", "1.1", "1.1.1") in its text,
paragraphs with their bold, italic and code runs and links, and Markdown lists as real Word
lists (List Bullet / List Number and their level-2 and -3 styles, numbered lists restarting
at 1 each), the document's language on the base style and in the core properties.

A snapshot's sources are real Word endnotes (an endnotes part, a superscript reference at the
end of the paragraph they fed, the note holding the title, channel, date and a link), and its
file is the same bytes each time: the core properties' dates are the snapshot's, and the zip's
entries carry that date too (python-docx stamps them with the time of writing).

The number is text rather than Word's heading numbering: the document's numbering is the
core's (what the page, the history and the amendments say), and a reader's Word must show the
same numbers whatever its settings. Importing the file again drops the numbers from titles.
"""

import copy
import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from docx import Document as new_document
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph
from sqlmodel import Session

from app.models.policy import PolicyDocument
from app.models.policy_stages import DocumentSnapshot
from app.services.policy.exporting import Block, Export, Run, Source, build, build_snapshot

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LINK_STYLE = "Hyperlink"
_STYLES = {False: "List Bullet", True: "List Number"}


def _language(doc: WordDocument, code: str) -> None:
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        rpr = doc.styles[name].element.get_or_add_rPr()
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), code)


def _link_style(doc: WordDocument) -> None:
    if LINK_STYLE in [s.name for s in doc.styles]:
        return
    style = doc.styles.add_style(LINK_STYLE, WD_STYLE_TYPE.CHARACTER)
    style.font.underline = True
    style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)


ENDNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"


class _Endnotes:
    """Word endnotes, which python-docx does not write: the part (with the separator notes
    Word expects as ids -1 and 0), its relationship from the document, and one note per
    source, referenced from the paragraph it fed."""

    def __init__(self, doc: WordDocument, sources: list[Source]) -> None:
        self.sources = {s.number: s for s in sources}
        self.root = parse_xml(
            f"<w:endnotes {nsdecls('w', 'r')}>"
            '<w:endnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
            "</w:endnote>"
            '<w:endnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
            "<w:continuationSeparator/></w:r></w:p></w:endnote></w:endnotes>"
        )
        _decimal(doc)
        self.part = XmlPart(
            PackURI("/word/endnotes.xml"), ENDNOTES_TYPE, self.root, doc.part.package
        )
        doc.part.relate_to(self.part, RELATIONSHIP_TYPE.ENDNOTES)

    def cite(self, paragraph: Paragraph, number: int) -> None:
        source = self.sources.get(number)
        if source is None:
            return
        paragraph._p.append(self._reference("w:endnoteReference", number))
        note = OxmlElement("w:endnote")
        note.set(qn("w:id"), str(number))
        p = OxmlElement("w:p")
        p.append(self._reference("w:endnoteRef", None))
        p.append(self._text(" " + source.text + (" " if source.url else "")))
        if source.url:
            link = OxmlElement("w:hyperlink")
            rid = self.part.relate_to(source.url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
            link.set(qn("r:id"), rid)
            link.append(self._text(source.url, style=LINK_STYLE))
            p.append(link)
        note.append(p)
        self.root.append(note)

    @staticmethod
    def _reference(tag: str, number: int | None) -> Any:
        run = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        align = OxmlElement("w:vertAlign")
        align.set(qn("w:val"), "superscript")
        rpr.append(align)
        run.append(rpr)
        ref = OxmlElement(tag)
        if number is not None:
            ref.set(qn("w:id"), str(number))
        run.append(ref)
        return run

    @staticmethod
    def _text(text: str, style: str | None = None) -> Any:
        run = OxmlElement("w:r")
        if style:
            rpr = OxmlElement("w:rPr")
            rstyle = OxmlElement("w:rStyle")
            rstyle.set(qn("w:val"), style)
            rpr.append(rstyle)
            run.append(rpr)
        t = OxmlElement("w:t")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        t.text = text
        run.append(t)
        return run


def _decimal(doc: WordDocument) -> None:
    """Endnotes numbered 1, 2, 3 as the page and the Markdown number them (Word's and
    LibreOffice's default is i, ii, iii), in the settings and in the section's properties."""
    for parent, before in (
        (
            doc.settings.element,
            (
                "compat",
                "rsids",
                "mathPr",
                "themeFontLang",
                "clrSchemeMapping",
                "shapeDefaults",
                "decimalSymbol",
                "listSeparator",
            ),
        ),
        (doc.sections[0]._sectPr, ("type", "pgSz", "pgMar", "cols", "docGrid")),
    ):
        props = OxmlElement("w:endnotePr")
        fmt = OxmlElement("w:numFmt")
        fmt.set(qn("w:val"), "decimal")
        props.append(fmt)
        anchor = next((c for c in parent if c.tag in {qn(f"w:{n}") for n in before}), None)
        if anchor is not None:
            anchor.addprevious(props)
        else:
            parent.append(props)


def _hyperlink(paragraph: Paragraph, run: Run) -> None:
    link = OxmlElement("w:hyperlink")
    rid = paragraph.part.relate_to(run.link, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link.set(qn("r:id"), rid)
    added = paragraph.add_run(run.text, style=LINK_STYLE)
    added.bold, added.italic = run.bold or None, run.italic or None
    link.append(added._r)
    paragraph._p.append(link)


def _runs(paragraph: Paragraph, runs: list[Run]) -> None:
    for run in runs:
        if run.hard_break:
            paragraph.add_run().add_break()
        elif run.link.startswith(("http://", "https://", "mailto:")):
            _hyperlink(paragraph, run)
        else:
            added = paragraph.add_run(run.text)
            added.bold, added.italic = run.bold or None, run.italic or None
            if run.code:
                added.font.name = "Courier New"


class _Numbering:
    """Numbered lists restart at 1: each list gets its own w:num over List Number's abstract
    numbering, with a start override (else Word counts on across the whole document)."""

    def __init__(self, doc: WordDocument) -> None:
        self.doc = doc
        self.nums: dict[int, int] = {}

    def _style_num(self, style: str) -> str | None:
        ppr = self.doc.styles[style].element.pPr
        num = ppr.find(qn("w:numPr")) if ppr is not None else None
        found = num.find(qn("w:numId")) if num is not None else None
        return found.get(qn("w:val")) if found is not None else None

    def restart(self, paragraph: Paragraph, block: Block, style: str) -> None:
        if not block.ordered:
            return
        if block.list_id not in self.nums:
            base = self._style_num(style)
            numbering = self.doc.part.numbering_part.element
            original = next(
                (n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == base), None
            )
            if original is None:
                return
            fresh = copy.deepcopy(original)
            new_id = 1 + max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num")))
            fresh.set(qn("w:numId"), str(new_id))
            for old in fresh.findall(qn("w:lvlOverride")):
                fresh.remove(old)
            override = OxmlElement("w:lvlOverride")
            override.set(qn("w:ilvl"), "0")
            start = OxmlElement("w:startOverride")
            start.set(qn("w:val"), "1")
            override.append(start)
            fresh.append(override)
            numbering.append(fresh)
            self.nums[block.list_id] = new_id
        ppr = paragraph._p.get_or_add_pPr()
        num_pr = ppr.get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = self.nums[block.list_id]


def _block(
    doc: WordDocument, block: Block, numbering: _Numbering, endnotes: "_Endnotes | None"
) -> None:
    paragraph = _paragraph(doc, block, numbering)
    if endnotes is not None:
        for number in block.notes:
            endnotes.cite(paragraph, number)


def _paragraph(doc: WordDocument, block: Block, numbering: _Numbering) -> Paragraph:
    if block.kind == "item":
        style = _STYLES[block.ordered] + (f" {block.level + 1}" if block.level else "")
        style = style if block.level < 3 else _STYLES[block.ordered] + " 3"
        paragraph = doc.add_paragraph(style=style)
        if block.level == 0:
            numbering.restart(paragraph, block, style)
    elif block.kind == "quote":
        paragraph = doc.add_paragraph(style="Quote")
    elif block.kind == "heading":
        paragraph = doc.add_paragraph()
        _runs(
            paragraph,
            [Run(r.text, True, r.italic, r.code, r.link, r.hard_break) for r in block.runs],
        )
        return paragraph
    else:
        paragraph = doc.add_paragraph()
    _runs(paragraph, block.runs)
    return paragraph


def write(export: Export, *, created: datetime | None = None) -> bytes:
    doc = new_document()
    _link_style(doc)
    _language(doc, export.language)
    props = doc.core_properties
    props.title = export.title
    props.language = export.language
    props.author = props.last_modified_by = "Town Hall"
    props.created = props.modified = created or datetime.now(UTC)
    props.comments = export.status
    doc.add_heading(export.title, level=0)
    if export.status:
        doc.add_paragraph(export.status, style="Subtitle")
    numbering = _Numbering(doc)
    endnotes = _Endnotes(doc, export.sources) if export.sources else None
    for section in export.sections:
        doc.add_heading(f"{section.number} {section.title}", level=min(section.depth, 3))
        for block in section.blocks:
            _block(doc, block, numbering, endnotes)
    out = io.BytesIO()
    doc.save(out)
    return _stamped(out.getvalue(), props.created)


def _stamped(data: bytes, when: datetime | None) -> bytes:
    """The package again with every entry dated `when`, in the same order: the same document
    is the same bytes."""
    moment = (when or datetime(1980, 1, 1)).timetuple()[:6]
    stamp = max(moment, (1980, 1, 1, 0, 0, 0))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


def export_docx(db: Session, *, document: PolicyDocument) -> tuple[Export, bytes]:
    export = build(db, document=document)
    return export, write(export, created=document.updated_at)


def export_snapshot_docx(
    snapshot: DocumentSnapshot, *, url: Callable[[str], str]
) -> tuple[Export, bytes]:
    export = build_snapshot(snapshot, url=url)
    return export, write(export, created=export.created)
