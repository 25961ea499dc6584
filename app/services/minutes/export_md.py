"""The minutes as CommonMark: the structure of the DOCX (export.py gathers the content), with
what people wrote kept as literal text (their asterisks and brackets do not become markup) and
web addresses in it as autolinks."""

import re

from sqlmodel import Session

from app.models.forums import ForumSession
from app.models.minutes import Minutes
from app.models.users import User
from app.services.minutes.export import Document, Excerpt, Turn, build, links

MEDIA_TYPE = "text/markdown"  # Starlette adds the charset (utf-8) to a text type
# Backslash-escaped wherever they appear: each may open inline markup or an HTML tag (or, as
# `#`, close a heading).
_INLINE = re.compile(r"([\\`*_\[\]<>&|~#])")
# At the start of a line they would open a heading, a list, a quote, a rule or a setext line.
_LINE_START = re.compile(r"^(\s*)([#+=>-]|\d+(?=[.)]))")


def _escape(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text)
    # "1." at the start only counts as a list when its dot follows: escape the dot instead.
    found = _LINE_START.match(text)
    if found is None:
        return text
    lead, mark = found.groups()
    if mark[0].isdigit():
        end = len(lead) + len(mark)
        return text[:end] + "\\" + text[end:]
    return f"{lead}\\{text[len(lead) :]}"


def _inline(text: str, indent: str = "") -> str:
    """`text` as one paragraph's content: escaped, web addresses linked, its own line breaks
    kept as hard breaks, every continuation line indented to stay inside its list item."""
    lines = [line.strip() for line in text.strip().splitlines()]
    out = []
    for line in (ln for ln in lines if ln):
        pieces = [f"<{p}>" if is_url else _escape(p) for p, is_url in links(line)]
        out.append("".join(pieces))
    return f"\\\n{indent}".join(out)


def _turn(turn: Turn) -> list[str]:
    lines = [f"**{_inline(turn.speaker)}**{_inline(turn.detail)}", ""]
    lines += [f"- {_inline(p, '  ')}" for p in turn.points if p.strip()]
    if any(p.strip() for p in turn.points):
        lines.append("")
    if turn.quote.strip():
        lines += [f"> “{_inline(turn.quote, '> ')}”", ""]
    return lines


def _excerpt(excerpt: Excerpt) -> list[str]:
    cite = f" \\[{excerpt.source.number}\\]" if excerpt.source else ""
    return [f"> {_inline(excerpt.text, '> ')}", ">", f"> {_inline(excerpt.meta)}{cite}", ""]


def write(doc: Document) -> str:
    lines = [f"# {_inline(doc.title)}", "", _inline(doc.subtitle), ""]
    if doc.status:
        lines += [f"*{_inline(doc.status)}*", ""]
    if doc.key_points:
        lines += [f"## {_inline(doc.labels.key_points)}", ""]
        for heading in doc.key_points:
            lines += [f"### {_inline(heading.title)}", ""]
            for point in heading.points:
                origin = f" {_inline(point.origin)}" if point.origin else ""
                lines.append(f"- {_inline(point.text, '  ')}{origin}")
            lines += [""] if heading.points else []
    lines += [f"## {_inline(doc.labels.attendees)}", ""]
    lines += [f"- {_inline(a, '  ')}" for a in doc.attendees]
    lines += [""] if doc.attendees else []
    if doc.others:
        lines += [_inline(doc.others), ""]
    lines += [f"## {_inline(doc.labels.proceedings)}", ""]
    for block in doc.blocks:
        lines += [f"### {_inline(block.title)}", ""]
        for item in block.items:
            lines += _turn(item) if isinstance(item, Turn) else _excerpt(item)
    if doc.decisions:
        lines += [f"## {_inline(doc.labels.decisions)}", ""]
        lines += [f"{i}. {_inline(d, '   ')}" for i, d in enumerate(doc.decisions, 1)]
        lines.append("")
    if doc.actions:
        lines += [f"## {_inline(doc.labels.next_steps)}", ""]
        lines += [f"- {_inline(text, '  ')} — {_inline(details)}" for text, details in doc.actions]
        lines.append("")
    if doc.corrections:
        lines += [f"## {_inline(doc.labels.corrections)}", ""]
        lines += [f"- {_inline(c, '  ')}" for c in doc.corrections]
        lines.append("")
    if doc.sources:
        lines += [f"## {_inline(doc.labels.sources)}", ""]
        # Written as "[1]" rather than as an ordered list, so that each number is the one cited.
        lines += [f"\\[{s.number}\\] {_inline(s.title)}: <{s.url}>  " for s in doc.sources]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def export_md(
    db: Session, *, minutes: Minutes, session: ForumSession, viewer: User | None, base_url: str
) -> tuple[str, str]:
    """(file name, Markdown text)."""
    doc = build(db, minutes=minutes, session=session, viewer=viewer, base_url=base_url)
    return doc.filename, write(doc)
