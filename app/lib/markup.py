"""Participants' Markdown to safe HTML, and any HTML to plain text.

Two independent layers, so that a bug in one does not become an XSS: markdown-it-py renders
CommonMark with raw HTML off (typed tags come out as text), then nh3 (the Rust ammonia
sanitiser) keeps only a small allow-list of tags, the `href`/`title` of links, and web or mail
URLs. Plain text comes from inscriptis, which lays out paragraphs, lists and tables the way a
reader of an e-mail or a CSV cell expects, and is only ever given HTML nh3 has already cleaned.

HTML is made when the text is written, never when it is read: `store()` (Markdown) and
`store_text()` (plain text, a live remark) return what the caller keeps beside the text in a
`*_html` column, in the same transaction as the text; pages and the API show that. Rendering
costs up to a second for pathological input (20,000 `[`), which a write can afford once and a
list of fifty could not on every read.
"""

import re
import textwrap
import unicodedata
from functools import cache

import nh3
from inscriptis import get_text
from inscriptis.css_profiles import STRICT_CSS_PROFILE
from inscriptis.html_properties import Display, WhiteSpace
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_element import HtmlElement
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

__all__ = [
    "LINK_REL",
    "URL_SCHEMES",
    "html_to_text",
    "plain_text",
    "render_markdown",
    "store",
    "store_text",
]

URL_SCHEMES = frozenset({"http", "https", "mailto"})
# ugc/nofollow: we do not vouch for participants' links; noopener/noreferrer: the target page
# gets neither a handle on our window nor the address of the contribution it came from.
LINK_REL = "nofollow ugc noopener noreferrer"

# The page already has its h1 (the contribution's title) and h2s, so a participant's "# Heading"
# starts at h3; levels beyond h6 stay h6.
_HEADING_SHIFT = 2
_MARKDOWN_TAGS = frozenset(
    {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr"}
    | {"h3", "h4", "h5", "h6"}
)
# A live remark is plain text: its paragraphs, line breaks and links, nothing else.
_TEXT_TAGS = frozenset({"p", "br", "a"})
# E-mail HTML is converted to text, never shown as HTML, so layout tags that help the
# conversion (tables, divs, headings) may stay; nothing that runs, loads or styles does.
_MAIL_TAGS = _MARKDOWN_TAGS | frozenset(
    {"h1", "h2", "div", "span", "b", "i", "u", "s", "del", "ins", "sub", "sup", "small"}
    | {"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "dl", "dt", "dd"}
)
# Their text is code or metadata, not content: dropped with the element.
_DROP_WITH_CONTENT = frozenset({"script", "style", "title", "noscript", "template"})
_DIGITS = re.compile(r"[0-9]{1,9}")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "ol" and attribute == "start":
        return value if _DIGITS.fullmatch(value) else None
    return value


def _clean(html: str, tags: frozenset[str]) -> str:
    return nh3.clean(
        html,
        tags=set(tags),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={"a": {"href", "title"}, "ol": {"start"}},
        attribute_filter=_attribute_filter,
        url_schemes=set(URL_SCHEMES),
        # A relative link in a contribution would point into this site (e.g. at an action
        # URL) with the participant's words around it: only absolute web and mail links.
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _demote_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1])
            token.tag = f"h{min(level + _HEADING_SHIFT, 6)}"


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        # breaks: a participant's single line break is a line break, as in a chat or an e-mail.
        {"html": False, "linkify": True, "breaks": True, "typographer": False},
    )
    md.enable("linkify")
    # Images would load third-party resources (tracking the readers); the CSP would block them
    # anyway. Without the rule, `![alt](url)` reads as "!" followed by an ordinary link.
    md.disable("image")
    md.core.ruler.push("demote_headings", _demote_headings)
    return md


def render_markdown(text: str) -> Markup:
    """A participant's Markdown as HTML that is safe to insert in a page."""
    html = _markdown().render(text)
    return Markup(_clean(html, _MARKDOWN_TAGS))  # noqa: S704 - sanitised by nh3 just above


def store(markdown: str) -> str:
    """The sanitised HTML of Markdown, to store beside it when it is written (e.g.
    `contribution.body_html`, `contribution.answer_html`) and to show as it is."""
    return str(render_markdown(markdown))


@cache
def _linked_text() -> MarkdownIt:
    # Only paragraphs, line breaks and bare web and mail addresses: `*`, `#` or `[x](y)` in a
    # chat remark are what the participant typed, shown as typed.
    md = MarkdownIt("zero", {"html": False, "linkify": True, "breaks": True})
    md.enable(["linkify", "newline"])
    return md


def store_text(text: str) -> str:
    """The sanitised HTML of plain text (a live remark), to store beside it: paragraphs, line
    breaks, and its web and mail addresses as links (rel "nofollow ugc noopener noreferrer")."""
    return _clean(_linked_text().render(text), _TEXT_TAGS)


@cache
def _text_config(display_links: bool) -> ParserConfig:
    css = dict(STRICT_CSS_PROFILE)
    # inscriptis gives <code> normal white space, which flattens code blocks inside <pre>.
    css["code"] = HtmlElement(display=Display.inline, whitespace=WhiteSpace.pre)
    return ParserConfig(css=css, display_links=display_links)


_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")


def _to_text(clean_html: str, *, display_links: bool) -> str:
    text = get_text(clean_html, _text_config(display_links))
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


def html_to_text(html: str) -> str:
    """Readable plain text of any HTML (e.g. an e-mail body): paragraphs separated by a blank
    line, list items bulleted, links as `[text](target)` so their targets survive."""
    return _to_text(_clean(html, _MAIL_TAGS), display_links=True)


def plain_text(markdown: str, limit: int | None = None) -> str:
    """The words of a participant's Markdown without markup, e.g. for search or a CSV cell.

    With `limit`, a one-line excerpt of at most `limit` characters, cut at a word boundary and
    ending with "…" when something was cut.
    """
    text = _to_text(_clean(_markdown().render(markdown), _MARKDOWN_TAGS), display_links=False)
    if limit is None:
        return text
    if limit < 1:
        raise ValueError("limit must be positive")
    one_line = " ".join(text.split())
    if len(one_line) <= limit:
        return one_line
    excerpt = textwrap.shorten(one_line, width=limit, placeholder="…")
    if excerpt == "…":
        # The first word alone is longer than the limit (a long URL, say): cut inside it.
        excerpt = one_line[: limit - 1].rstrip() + "…"
    return excerpt
