"""E-mails sent to a Town Hall address, read into plain data for the contributions import.

The standard library parses (`email` with `policy.default`, which decodes RFC 2047 headers and
charsets, and `mailbox` for mbox files); attachments go through the same content checks as web
uploads; HTML bodies through the same sanitiser as participants' Markdown; the language comes
from lingua restricted to the three interface languages. Nothing here touches the database: the
import dedupes on `ParsedMail.message_id`.

One broken message never stops an import: `read_mailbox` yields a `MailError` naming the
message's position in its place, and the caller reports it and goes on.
"""

import email.utils
import hashlib
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from functools import cache
from pathlib import Path
from typing import Literal

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from app.i18n import N_
from app.lib.markup import html_to_text
from app.lib.uploads import CheckedUpload, UploadRejected, check_file_count, inspect_upload

__all__ = [
    "SYNTHETIC_ID_DOMAIN",
    "LanguageCode",
    "MailError",
    "ParsedMail",
    "detect_language",
    "parse_eml",
    "read_mailbox",
]

LanguageCode = Literal["es", "pt", "en"]
SYNTHETIC_ID_DOMAIN = "synthetic.townhall.invalid"

_MSG_UNREADABLE = N_("Message %(position)s of the mailbox could not be read and was skipped.")
_MSG_UNREADABLE_SINGLE = N_("The e-mail message could not be read.")
_MSG_NOT_MAIL = N_("The file is neither an mbox mailbox nor an e-mail message (.eml).")


class MailError(Exception):
    """A message (or file) that could not be read. `msgid`/`params` make the translated notice
    for the secretariat; `position` is the 1-based place of the message in its mailbox (None for
    a single .eml); `detail` is the technical cause, in English, for the log."""

    def __init__(self, msgid: str, *, position: int | None = None, detail: str = "") -> None:
        self.msgid = msgid
        self.position = position
        self.detail = detail
        self.params: dict[str, str | int] = {} if position is None else {"position": position}
        text = msgid % self.params if self.params else msgid
        super().__init__(text + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without angle brackets; synthetic ones end in @SYNTHETIC_ID_DOMAIN
    sender_name: str  # "" when the From header has no display name
    sender_email: str | None  # None when there is no usable From address
    sent_at: datetime | None  # aware, in UTC; None when Date is missing or unreadable
    subject: str
    body_text: str
    attachments: list[CheckedUpload] = field(default_factory=list)
    rejected_attachments: list[tuple[str, UploadRejected]] = field(default_factory=list)
    language: LanguageCode | None = None

    @property
    def synthetic_id(self) -> bool:
        return self.message_id.endswith("@" + SYNTHETIC_ID_DOMAIN)


# --- language -----------------------------------------------------------------------------------

_LINGUA_CODES: dict[Language, LanguageCode] = {
    Language.SPANISH: "es",
    Language.PORTUGUESE: "pt",
    Language.ENGLISH: "en",
}
# Spanish and Portuguese share most short words: below this many words lingua still answers,
# but a one-word "Obrigado" or "ok" is a guess the secretariat should make, not the importer.
_MIN_WORDS = 3
_MAX_DETECTION_CHARS = 4_000
_WORD = re.compile(r"[^\W\d_]{2,}")


@cache
def _detector() -> LanguageDetector:
    # The minimum relative distance makes lingua answer None when the two best languages are
    # close, which is what "not confident" means for es/pt.
    return (
        LanguageDetectorBuilder.from_languages(*_LINGUA_CODES)
        .with_minimum_relative_distance(0.25)
        .build()
    )


def detect_language(text: str) -> LanguageCode | None:
    """'es', 'pt' or 'en' when the text clearly is one of them, else None."""
    sample = text[:_MAX_DETECTION_CHARS]
    if len(_WORD.findall(sample)) < _MIN_WORDS:
        return None
    detected = _detector().detect_language_of(sample)
    return _LINGUA_CODES.get(detected) if detected is not None else None


# --- headers ------------------------------------------------------------------------------------

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_QUOTED_FROM = re.compile(r"^>(>*From )", re.MULTILINE)


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    # Folded and encoded headers decode to text that may still hold line breaks and tabs.
    return " ".join(str(value).split()) if value is not None else ""


def _message_id(message: Message) -> str:
    raw = _header(message, "Message-ID")
    match = _MESSAGE_ID.search(raw)
    if match:
        return match.group(1)
    # Some senders omit the brackets; a value with spaces is a comment or garbage, not an id.
    return raw if raw and " " not in raw else ""


def _synthetic_id(message: Message, body_text: str) -> str:
    # The same message imported twice gives the same id, so dedup by id still holds.
    digest = hashlib.sha256()
    for part in (_header(message, "From"), _header(message, "Date"), _header(message, "Subject")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    digest.update(body_text.encode("utf-8", "surrogateescape"))
    return f"{digest.hexdigest()[:40]}@{SYNTHETIC_ID_DOMAIN}"


def _sender(message: Message) -> tuple[str, str | None]:
    raw = _header(message, "From")
    name, address = email.utils.parseaddr(raw)
    addresses = getattr(message.get("From"), "addresses", ())
    if addresses:
        # policy.default has already decoded RFC 2047 names ("=?utf-8?q?Jo=C3=A3o?=").
        name, address = addresses[0].display_name, addresses[0].addr_spec
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain or " " in address.strip():
        return name.strip(), None
    # Only the domain is case-insensitive by the standard; the local part is left as sent.
    return name.strip(), f"{local}@{domain.lower()}"


def _sent_at(message: Message) -> datetime | None:
    raw = _header(message, "Date")
    if not raw:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        # RFC 5322 "-0000": the sender's zone is unknown, the time is UTC.
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


# --- body and attachments -----------------------------------------------------------------------


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    # Unknown or wrong charset label: windows-1252 decodes every byte and is what mislabelled
    # Western European mail nearly always is.
    return payload.decode("cp1252", errors="replace")


def _normalise_body(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # mbox writers quote body lines starting with "From " as ">From "; undo one level (mboxrd).
    text = _QUOTED_FROM.sub(r"\1", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def _body(message: EmailMessage) -> tuple[str, set[int]]:
    """The body text and the ids of the parts it came from (so they are not attachments)."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    used = {id(part) for part in (plain, html) if part is not None}
    if plain is not None:
        text = _normalise_body(_text_of(plain))
        # Some mailers send an empty text part beside the real HTML one.
        if text.strip() or html is None:
            return text, used
    if html is not None:
        return _normalise_body(html_to_text(_text_of(html))), used
    return "", used


def _leaves(part: Message, related: bool = False) -> Iterator[tuple[Message, bool]]:
    """Every leaf part, and whether it sits in a multipart/related (the HTML body's resources).

    Unlike Message.walk(), a forwarded message (message/rfc822) is one leaf: its own parts are
    not attachments of the outer message."""
    if part.get_content_type() == "message/rfc822":
        yield part, related
    elif part.is_multipart():
        inner_related = related or part.get_content_subtype() == "related"
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub, inner_related)
    else:
        yield part, related


def _is_attachment(part: Message, related: bool, body_parts: set[int]) -> bool:
    if id(part) in body_parts:
        return False
    if related and part.get("Content-ID") and part.get_content_maintype() == "image":
        # A logo or signature picture shown by the HTML body (cid:), not a contribution.
        return False
    if part.get_content_disposition() == "attachment":
        return True
    if part.get_content_type() == "message/rfc822":
        return True
    # Named inline parts are files too (Apple Mail sends PDFs inline); unnamed inline parts
    # are alternative bodies or decoration.
    return part.get_filename() is not None


def _attachment_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        # A forwarded message: its bytes, so it is reported like any other refused file.
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        return b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _attachments(
    message: EmailMessage, body_parts: set[int]
) -> tuple[list[CheckedUpload], list[tuple[str, UploadRejected]]]:
    accepted: list[CheckedUpload] = []
    rejected: list[tuple[str, UploadRejected]] = []
    for part, related in _leaves(message):
        if not _is_attachment(part, related, body_parts):
            continue
        filename = part.get_filename() or (
            "message.eml" if part.get_content_type() == "message/rfc822" else ""
        )
        try:
            check_file_count(len(accepted) + 1)
            accepted.append(inspect_upload(filename, _attachment_bytes(part)))
        except UploadRejected as exc:
            rejected.append((filename, exc))
    return accepted, rejected


# --- entry points -------------------------------------------------------------------------------

_PARSER = BytesParser(policy=policy.default)
_HEADERS_OF_A_MAIL = ("From", "Date", "Subject", "Message-ID", "To", "Received")


def _parse(data: bytes) -> ParsedMail:
    message = _PARSER.parsebytes(data)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage objects
    if not any(name in message for name in _HEADERS_OF_A_MAIL):
        raise ValueError("no e-mail headers")
    body_text, body_parts = _body(message)
    attachments, rejected = _attachments(message, body_parts)
    subject = _header(message, "Subject")
    sender_name, sender_email = _sender(message)
    return ParsedMail(
        message_id=_message_id(message) or _synthetic_id(message, body_text),
        sender_name=sender_name,
        sender_email=sender_email,
        sent_at=_sent_at(message),
        subject=subject,
        body_text=body_text,
        attachments=attachments,
        rejected_attachments=rejected,
        language=detect_language(f"{subject}\n\n{body_text}"),
    )


def _parse_or_error(data: bytes, position: int | None) -> ParsedMail:
    try:
        return _parse(data)
    # The email package raises a variety of exceptions on malformed input (header parsing is
    # known to raise IndexError/AttributeError on some garbage); one bad message becomes a
    # reported error instead of an aborted import.
    except Exception as exc:
        msgid = _MSG_UNREADABLE_SINGLE if position is None else _MSG_UNREADABLE
        raise MailError(msgid, position=position, detail=f"{type(exc).__name__}: {exc}") from exc


def parse_eml(data: bytes) -> ParsedMail:
    """One message (the bytes of an .eml file). Raises MailError if it cannot be read."""
    return _parse_or_error(data, None)


def _looks_like_mbox(head: bytes) -> bool:
    return head.lstrip(b"\r\n").startswith(b"From ")


def read_mailbox(path: Path) -> tuple[int, Iterator[ParsedMail | MailError]]:
    """The number of messages in an mbox or .eml file (decided by content, not by name), and a
    lazy iterator over them, yielding a MailError in place of each unreadable message.

    Raises MailError (position None) when the file is neither; an empty file has 0 messages.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        return 0, iter(())
    if _looks_like_mbox(head):
        box = mailbox.mbox(path, create=False)
        keys = box.keys()  # scans the file for "From " separators only; parsing comes later
        return len(keys), _iterate_mbox(box, keys)
    first_line = head.lstrip().split(b"\n", 1)[0]
    if not re.match(rb"[!-9;-~]+:", first_line):
        raise MailError(_MSG_NOT_MAIL, detail="no mbox separator and no header line at the start")
    return 1, _iterate_single(path)


def _iterate_mbox(box: mailbox.mbox, keys: list[str]) -> Iterator[ParsedMail | MailError]:
    try:
        for position, key in enumerate(keys, start=1):
            try:
                yield _parse_or_error(box.get_bytes(key), position)
            except MailError as exc:
                yield exc
    finally:
        box.close()


def _iterate_single(path: Path) -> Iterator[ParsedMail | MailError]:
    try:
        yield _parse_or_error(path.read_bytes(), 1)
    except MailError as exc:
        yield exc
