"""Starting a policy document from an existing draft: a DOCX (mammoth, to HTML) or a Markdown
file (markdown-it-py, to HTML), then the HTML as sections and paragraphs (import_html.py).

Nothing is stored by `parse`: the secretariat sees a preview (the numbered sections, their
paragraphs and what was dropped) and confirms it. The confirmation carries the parsed result
itself, signed (`sealed` / `unseal`): a browser without JavaScript cannot keep a chosen file
across two pages, a re-upload could be another file than the one previewed, and a signature
means what is created is exactly what was shown, without keeping anything on the server for a
preview that may never be confirmed.

A file is refused whole: not a DOCX or a Markdown file (by its content, with the house's upload
checks for DOCX: size, zip bombs, macros, a damaged archive), damaged, too big, or without
any text; a section over the core's limits is refused too, before anything is created.
"""

import io
import zipfile
from dataclasses import asdict
from typing import Any

import filetype
import mammoth
from itsdangerous import BadSignature, URLSafeTimedSerializer
from lxml import etree
from markdown_it import MarkdownIt
from sqlmodel import Field, Session, SQLModel

from app.config import get_settings
from app.i18n import N_, Message, gettext
from app.lib.uploads import MAX_BYTES, UploadRejected, inspect_upload, safe_filename
from app.models.policy import (
    BODY_MAX,
    MAX_DEPTH,
    TITLE_MAX,
    DocumentCreate,
    PolicyDocument,
    SectionCreate,
)
from app.models.types import DbId, Input, LocaleCode
from app.models.users import User
from app.services.errors import InvalidInput
from app.services.policy.documents import create_document, create_section
from app.services.policy.import_html import Dropped, Parsed, ParsedSection, sections_of
from app.services.policy.paragraphs import MAX_PARAGRAPHS

MAX_SECTIONS = 500
SEAL_MAX_AGE_S = 6 * 3600
MARKDOWN_EXTENSIONS = ("md", "markdown", "txt")
_MD = MarkdownIt("commonmark", {"html": False})
# Word's Title is the document's title, not a section; its Subtitle (this app's export puts
# the stage there) is not text of the draft; quotes stay quotes.
_STYLE_MAP = """
p[style-name='Title'] => h1.doc-title:fresh
p[style-name='Subtitle'] => !
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
"""
_WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_MSG_NOT_ACCEPTED = N_(
    "The file “%(filename)s” is neither a Word document (DOCX) nor a Markdown file (.md)."
)
_MSG_NOT_TEXT = N_("The file “%(filename)s” is not a text file in UTF-8.")
_MSG_NO_TEXT = N_("The file “%(filename)s” has no text to import.")
_MSG_TOO_MANY_SECTIONS = N_(
    "The file “%(filename)s” has more than %(limit)s headings; a document holds at most "
    "%(limit)s sections."
)
_MSG_SECTION_TOO_LONG = N_(
    "The section “%(title)s” is longer than %(limit)s characters; split it with headings."
)
_MSG_SECTION_TOO_MANY = N_(
    "The section “%(title)s” has more than %(limit)s paragraphs; split it with headings."
)
_MSG_EXPIRED = N_("This preview has expired or was changed. Please choose the file again.")


class ImportForm(Input):
    """The import form's fields besides the file; without a title, the file's own is used."""

    forum_id: DbId
    language: LocaleCode
    title: str = Field(default="", max_length=TITLE_MAX)


class ImportSection(SQLModel):
    number: str
    depth: int
    title: str
    paragraphs: list[str]


class ImportPreview(SQLModel):
    """What an import would create; nothing is stored yet."""

    forum_id: int
    title: str
    language: str
    sections: list[ImportSection]
    dropped: list[str]  # in the reader's language


def _refuse(code: str, msgid: str, filename: str, **params: str | int) -> UploadRejected:
    return UploadRejected(code, msgid, filename=filename, **params)


def _comments(data: bytes) -> int:
    """Word comments: mammoth leaves them out; the preview says how many."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "word/comments.xml" not in archive.namelist():
            return 0
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(archive.read("word/comments.xml"), parser)
        return len(root.findall(f"{{{_WORD_NS}}}comment"))


def _docx_html(data: bytes, name: str) -> tuple[str, list[Dropped]]:
    def no_image(image: Any) -> dict[str, str]:
        return {"alt": str(image.alt_text or "")}  # never the image's bytes

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            convert_image=mammoth.images.img_element(no_image),
            style_map=_STYLE_MAP,
        )
        comments = _comments(data)
    # mammoth parses a file anyone may send, and raises whatever its parser meets (KeyError
    # for a missing part, XML errors, ValueError...): each is a damaged document.
    except Exception as exc:
        raise _refuse(
            "corrupt", N_("The document “%(filename)s” is damaged or could not be read."), name
        ) from exc
    dropped: list[Dropped] = []
    if comments:
        dropped.append(Dropped(N_("Comments (%(count)s) were dropped."), {"count": comments}))
    seen: set[str] = set()
    for message in result.messages:
        text = str(message.message)
        if text not in seen and "Comment" not in text:
            seen.add(text)
            dropped.append(Dropped(N_("Word said: %(note)s"), {"note": text}))
    return str(result.value), dropped


def _markdown_html(data: bytes, name: str) -> str:
    if filetype.guess(data) is not None:
        raise _refuse("not_allowed", _MSG_NOT_ACCEPTED, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse("not_text", _MSG_NOT_TEXT, name) from exc
    if "\x00" in text:
        raise _refuse("not_text", _MSG_NOT_TEXT, name)
    return _MD.render(text)


def parse(filename: str, data: bytes) -> Parsed:
    """The sections of an uploaded file, or UploadRejected (nothing is stored either way)."""
    name = safe_filename(filename or "document")
    if not data:
        raise _refuse("empty", N_("The file “%(filename)s” is empty."), name)
    if len(data) > MAX_BYTES:
        raise _refuse(
            "too_large",
            N_("The file “%(filename)s” is larger than the limit of %(limit_mb)s MB."),
            name,
            limit_mb=MAX_BYTES // (1024 * 1024),
        )
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    dropped: list[Dropped] = []
    if data.startswith(b"PK\x03\x04") or extension == "docx":
        checked = inspect_upload(name, data)  # the house's checks: bombs, macros, damage
        if checked.kind.label != "DOCX":
            raise _refuse("not_allowed", _MSG_NOT_ACCEPTED, name)
        html, dropped = _docx_html(checked.data, name)
    elif extension in MARKDOWN_EXTENSIONS:
        html = _markdown_html(data, name)
    else:
        raise _refuse("not_allowed", _MSG_NOT_ACCEPTED, name)
    parsed = sections_of(html, lone_h1_is_title=extension in MARKDOWN_EXTENSIONS)
    parsed.dropped[:0] = dropped
    if not any(s.paragraphs or s.title for s in parsed.sections):
        raise _refuse("no_text", _MSG_NO_TEXT, name)
    if len(parsed.sections) > MAX_SECTIONS:
        raise _refuse("too_many_sections", _MSG_TOO_MANY_SECTIONS, name, limit=MAX_SECTIONS)
    for section in parsed.sections:
        title = section.title or name
        if len("\n\n".join(section.paragraphs)) > BODY_MAX:
            raise _refuse(
                "section_too_long", _MSG_SECTION_TOO_LONG, name, title=title[:80], limit=BODY_MAX
            )
        if len(section.paragraphs) > MAX_PARAGRAPHS:
            raise _refuse(
                "section_too_long",
                _MSG_SECTION_TOO_MANY,
                name,
                title=title[:80],
                limit=MAX_PARAGRAPHS,
            )
    return parsed


def title_of(form: ImportForm, parsed: Parsed) -> str:
    """The title given, else the file's own; neither is the form's error."""
    title = " ".join(form.title.split()) or " ".join(parsed.title.split())[:TITLE_MAX]
    if not title:
        raise InvalidInput({"title": [N_("Give the document a title: the file has none.")]})
    return title


def rejected(exc: UploadRejected) -> InvalidInput:
    """A refused file as the form's (and the API's) error on its file field."""
    return InvalidInput({"file": [Message(exc.msgid, **exc.params)]})


def preview(parsed: Parsed, *, forum_id: int, title: str, language: str) -> ImportPreview:
    return ImportPreview(
        forum_id=forum_id,
        title=title,
        language=language,
        sections=[
            ImportSection(
                number=s.number, depth=s.depth, title=s.title or title, paragraphs=s.paragraphs
            )
            for s in parsed.sections
        ],
        dropped=[gettext(d.msgid, **d.params) for d in parsed.dropped],
    )


# -- the confirmation ---------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="townhall-policy-import")


def sealed(parsed: Parsed) -> str:
    return str(_serializer().dumps([asdict(s) for s in parsed.sections]))


def unseal(token: str) -> Parsed:
    try:
        rows = _serializer().loads(token, max_age=SEAL_MAX_AGE_S)
        sections = [
            ParsedSection(
                depth=min(max(int(r["depth"]), 1), MAX_DEPTH),
                title=str(r["title"]),
                paragraphs=[str(p) for p in r["paragraphs"]],
                number=str(r["number"]),
            )
            for r in rows
        ]
    except (BadSignature, TypeError, KeyError, ValueError) as exc:
        raise InvalidInput({"file": [_MSG_EXPIRED]}) from exc
    return Parsed(sections=sections)


def create_from(
    db: Session,
    *,
    actor: User,
    parsed: Parsed,
    forum_id: int,
    title: str,
    language: LocaleCode | str,
) -> PolicyDocument:
    """Creates the document and its sections through the core's services; every section is
    checked before the document is created, so a refusal stores nothing."""
    data = DocumentCreate.model_validate(
        {"forum_id": forum_id, "title": {language: title}, "language": language}
    )
    rows = [
        (
            s.depth,
            SectionCreate.model_validate(
                {"title": (s.title or title)[:300], "body": "\n\n".join(s.paragraphs)}
            ),
        )
        for s in parsed.sections
    ]
    document = create_document(db, actor=actor, data=data, action="policy.import")
    parents: list[int] = []
    for depth, section_data in rows:
        parents = parents[: depth - 1]
        parent = parents[-1] if parents and depth > 1 else None
        section_data.parent_id = parent
        made = create_section(db, actor=actor, document=document, data=section_data, logged=False)
        parents.append(made.id or 0)
    return document
