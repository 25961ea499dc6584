"""HTML (from mammoth, or from Markdown rendered by markdown-it-py) as sections of Markdown
paragraphs: headings of levels 1-3 open sections, everything else becomes the paragraphs of
the section it is in, and what cannot be kept is listed rather than lost silently.

Only a small set of elements carries over as Markdown: paragraphs, lists (nested, ordered or
not), emphasis, strong, code, links to web and mail addresses, line breaks and quotes. A table
is flattened into one paragraph per row (its cells joined by " | "); an image is dropped (the
preview names it by its alternative text); deeper headings are kept as bold paragraphs. The
text itself is escaped, so that a literal asterisk in a Word document stays an asterisk.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml.html import HtmlElement

from app.i18n import N_
from app.models.policy import MAX_DEPTH, TITLE_MAX

_SPACES = re.compile(r"\s+")
# Markdown's inline punctuation, escaped wherever it appears in text.
_INLINE = re.compile(r"([\\`*_\[\]<>])")
# At the start of a block these would open a heading, a list, a quote, a rule or a fence.
_LINE_START = re.compile(r"^([#+=>~-]|\d{1,9}(?=[.)]))")
# "1.2 Title": the number an exported heading carries, dropped so a round trip keeps titles.
_NUMBERED = re.compile(r"^\d{1,3}(?:\.\d{1,3}){0,2}\.?\s+(?=\S)")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


@dataclass(frozen=True)
class Dropped:
    """Something of the file not imported as it was: a msgid and its parameters."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedSection:
    depth: int  # 1, 2 or 3
    title: str
    paragraphs: list[str] = field(default_factory=list)
    number: str = ""


@dataclass
class Parsed:
    sections: list[ParsedSection] = field(default_factory=list)
    title: str = ""  # the file's own title (Word's Title style, a Markdown file's lone "#")
    dropped: list[Dropped] = field(default_factory=list)


def escape(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text)
    found = _LINE_START.match(text)
    if found is None:
        return text
    mark = found.group(1)
    if mark[0].isdigit():
        return text[: len(mark)] + "\\" + text[len(mark) :]
    return "\\" + text


def _wrap(inner: str, mark: str) -> str:
    # Emphasis must hug its text ("**word** ", not "** word**") or CommonMark ignores it.
    stripped = inner.strip()
    if not stripped:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{mark}{stripped}{mark}{trail}"


class _Walker:
    def __init__(self) -> None:
        self.parsed = Parsed()
        self.images = 0
        self.image_names: list[str] = []
        self.tables = 0
        self.deep_headings = 0
        self.shortened = 0

    # -- inline ----------------------------------------------------------------------------

    def inline(self, element: HtmlElement, *, skip_lists: bool = False) -> str:
        out = [escape(_SPACES.sub(" ", element.text or ""))]
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in ("ul", "ol") and skip_lists:
                pass
            elif tag == "img":
                self._image(child)
            elif tag == "br":
                out.append("\\\n")
            elif tag in ("strong", "b"):
                out.append(_wrap(self.inline(child), "**"))
            elif tag in ("em", "i"):
                out.append(_wrap(self.inline(child), "*"))
            elif tag == "code":
                code = child.text_content().replace("`", "'")
                out.append(f"`{code}`" if code.strip() else code)
            elif tag == "a":
                inner = self.inline(child)
                href = str(child.get("href") or "")
                if _SAFE_LINK.match(href) and inner.strip() and not re.search(r"[\s()<>]", href):
                    out.append(f"[{inner}]({href})")
                else:
                    out.append(inner)
            elif tag:
                out.append(self.inline(child))
            out.append(escape(_SPACES.sub(" ", child.tail or "")))
        return "".join(out)

    def _image(self, element: HtmlElement) -> None:
        self.images += 1
        alt = " ".join(str(element.get("alt") or "").split())
        if alt:
            self.image_names.append(alt[:80])

    def text_of(self, element: HtmlElement) -> str:
        lines = [line.strip() for line in self.inline(element, skip_lists=True).split("\\\n")]
        return "\\\n".join(line for line in lines if line)

    # -- blocks ----------------------------------------------------------------------------

    def list_block(self, element: HtmlElement, indent: str = "") -> list[str]:
        ordered = element.tag == "ol"
        lines: list[str] = []
        for n, item in enumerate((c for c in element if c.tag == "li"), start=1):
            mark = f"{n}. " if ordered else "- "
            text = self.text_of(item) or escape("")
            pad = indent + " " * len(mark)
            lines.append(indent + mark + text.replace("\\\n", "\\\n" + pad))
            for sub in (c for c in item if c.tag in ("ul", "ol")):
                lines += self.list_block(sub, pad)
            for sub in (c for c in item if c.tag == "img"):
                self._image(sub)
        return lines

    def add(self, text: str) -> None:
        if not text.strip():
            return
        if not self.parsed.sections:
            self.parsed.sections.append(ParsedSection(depth=1, title=""))
        self.parsed.sections[-1].paragraphs.append(text)

    def heading(self, level: int, element: HtmlElement) -> None:
        title = " ".join(element.text_content().split())
        title = _NUMBERED.sub("", title)
        if not title:
            return
        if level > MAX_DEPTH:
            self.deep_headings += 1
            self.add(f"**{escape(title)}**")
            return
        if len(title) > TITLE_MAX:
            self.shortened += 1
            title = title[: TITLE_MAX - 1].rstrip() + "…"
        depth = self.parsed.sections[-1].depth + 1 if self.parsed.sections else 1
        self.parsed.sections.append(ParsedSection(depth=min(level, depth), title=title))

    def block(self, element: HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "h1" and "doc-title" in str(element.get("class") or ""):
            self.parsed.title = self.parsed.title or " ".join(element.text_content().split())
        elif tag in _HEADINGS:
            self.heading(_HEADINGS[tag], element)
        elif tag in ("ul", "ol"):
            self.add("\n".join(self.list_block(element)))
        elif tag == "table":
            self.table(element)
        elif tag == "blockquote":
            inner = [self.text_of(p) for p in element if p.tag == "p"] or [self.text_of(element)]
            text = "\n>\n".join("> " + t.replace("\\\n", "\\\n> ") for t in inner if t)
            self.add(text)
        elif tag == "pre":
            code = element.text_content().rstrip("\n").replace("```", "'''")
            self.add(f"```\n{code}\n```" if code.strip() else "")
        elif tag == "hr":
            pass
        elif tag in ("div", "section", "article", "body"):
            for child in element:
                self.block(child)
        elif tag == "img":
            self._image(element)
        elif tag:
            self.add(self.text_of(element))

    def table(self, element: HtmlElement) -> None:
        self.tables += 1
        for row in element.iter("tr"):
            cells = [" ".join(self.text_of(c).split()) for c in row if c.tag in ("td", "th")]
            cells = [c for c in cells if c]
            if cells:
                self.add(" | ".join(cells))
            for image in row.iter("img"):
                self._image(image)

    def finish(self) -> Parsed:
        parsed = self.parsed
        if self.tables:
            parsed.dropped.append(
                Dropped(
                    N_(
                        "Tables (%(count)s) were flattened: each row became a paragraph, its "
                        "cells separated by “|”."
                    ),
                    {"count": self.tables},
                )
            )
        if self.images:
            names = ", ".join(f"“{n}”" for n in self.image_names)
            parsed.dropped.append(
                Dropped(
                    N_("Images (%(count)s) were dropped: %(names)s"),
                    {"count": self.images, "names": names},
                )
                if names
                else Dropped(N_("Images (%(count)s) were dropped."), {"count": self.images})
            )
        if self.deep_headings:
            parsed.dropped.append(
                Dropped(
                    N_(
                        "Headings below level 3 (%(count)s) were kept as bold paragraphs: "
                        "sections go three levels deep at most."
                    ),
                    {"count": self.deep_headings},
                )
            )
        if self.shortened:
            parsed.dropped.append(
                Dropped(
                    N_("Headings longer than %(limit)s characters (%(count)s) were shortened."),
                    {"count": self.shortened, "limit": TITLE_MAX},
                )
            )
        _number(parsed.sections)
        return parsed


def _number(sections: list[ParsedSection]) -> None:
    counters = [0] * MAX_DEPTH
    for section in sections:
        counters[section.depth - 1] += 1
        for deeper in range(section.depth, MAX_DEPTH):
            counters[deeper] = 0
        section.number = ".".join(str(c) for c in counters[: section.depth])


def _title_first(root: HtmlElement) -> None:
    """A Markdown file whose only "#" heading opens it: that is its title, and its "##" are
    its sections (as this app's own export writes it)."""
    children = [c for c in root if isinstance(c.tag, str)]
    firsts = [c for c in children if c.tag == "h1"]
    if not children or len(firsts) != 1 or children[0] is not firsts[0]:
        return
    firsts[0].set("class", "doc-title")
    for child in children[1:]:
        if child.tag in _HEADINGS:
            child.tag = f"h{max(_HEADINGS[child.tag] - 1, 1)}"


def sections_of(html: str, *, lone_h1_is_title: bool = False) -> Parsed:
    """The sections of an HTML fragment (mammoth's output, or rendered Markdown)."""
    walker = _Walker()
    if html.strip():
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        if lone_h1_is_title:
            _title_first(root)
        walker.block(root)
    return walker.finish()
