"""A policy document as CommonMark: the title as `#`, each section as a heading one level
below its depth carrying its number, and the paragraphs as the drafting team wrote them (they
are Markdown already). A heading typed inside a section's text becomes a bold line, so the
file's headings are the document's sections and importing it again gives the same tree."""

from collections.abc import Callable

from sqlmodel import Session

from app.models.policy import PolicyDocument
from app.models.policy_stages import DocumentSnapshot
from app.services.policy.exporting import Export, build, build_snapshot
from app.services.policy.import_html import escape

MEDIA_TYPE = "text/markdown"


def _paragraph(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("#"):
        heading = stripped.lstrip("#").strip().rstrip("#").strip()
        return f"**{heading}**" if heading else ""
    return text


def write(export: Export) -> str:
    # The stage is not written: a re-imported file would take it for text of the draft.
    lines = [f"# {escape(export.title)}", ""]
    for section in export.sections:
        marks = "#" * (min(section.depth, 3) + 1)
        lines += [f"{marks} {section.number} {escape(section.title)}", ""]
        for n, text in enumerate(section.paragraphs):
            shown = _paragraph(text)
            cited = section.notes[n] if n < len(section.notes) else []
            if cited:  # the endnotes a paragraph cites, as [1] [2] after it
                shown = (shown + " " if shown else "") + " ".join(f"\\[{c}\\]" for c in cited)
            if shown:
                lines += [shown, ""]
    if export.sources:  # a snapshot's sources, as numbered endnotes
        lines += [f"## {escape(export.sources_label)}", ""]
        lines += [
            f"{s.number}. {escape(s.text)}" + (f" <{s.url}>" if s.url else "")
            for s in export.sources
        ]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def export_md(db: Session, *, document: PolicyDocument) -> tuple[Export, str]:
    export = build(db, document=document)
    return export, write(export)


def export_snapshot_md(
    snapshot: DocumentSnapshot, *, url: Callable[[str], str]
) -> tuple[Export, str]:
    export = build_snapshot(snapshot, url=url)
    return export, write(export)
