import io
import mailbox
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from PIL import Image

from app.lib.mailparse import (
    SYNTHETIC_ID_DOMAIN,
    MailError,
    ParsedMail,
    detect_language,
    parse_eml,
    read_mailbox,
)

SPANISH = (
    "Estimada secretaría: les enviamos la propuesta de nuestra red para el foro. Pedimos que "
    "los cuidados sean reconocidos como un derecho y que las ciudades financien centros de día."
)
PORTUGUESE = (
    "Prezada secretaria: enviamos a proposta da nossa rede para o fórum. Pedimos que os "
    "cuidados sejam reconhecidos como um direito e que as cidades financiem centros de dia."
)
ENGLISH = (
    "Dear secretariat, please find attached our network's proposal for the forum. We ask that "
    "care be recognised as a right and that cities fund day centres."
)


def message(
    *,
    subject: str = "Propuesta",
    body: str = SPANISH,
    sender: str = "Ana Pérez <ana@Example.ORG>",
    date: str | None = "Tue, 06 May 2025 10:30:00 -0300",
    message_id: str | None = "<abc.123@mail.example.org>",
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "townhall@example.org"
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = date
    if message_id is not None:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (6, 6), "green").save(out, "PNG")
    return out.getvalue()


def test_simple_message() -> None:
    mail = parse_eml(message().as_bytes())
    assert isinstance(mail, ParsedMail)
    assert mail.message_id == "abc.123@mail.example.org"
    assert not mail.synthetic_id
    assert mail.sender_name == "Ana Pérez"
    assert mail.sender_email == "ana@example.org"
    assert mail.sent_at == datetime(2025, 5, 6, 13, 30, tzinfo=UTC)
    assert mail.subject == "Propuesta"
    assert mail.body_text == SPANISH
    assert mail.attachments == []
    assert mail.rejected_attachments == []
    assert mail.language == "es"


def test_multipart_alternative_prefers_plain_text() -> None:
    msg = message(body="Texto plano de la propuesta, con acentos: acción.")
    msg.add_alternative("<p>Versión <b>HTML</b></p>", subtype="html")
    mail = parse_eml(msg.as_bytes())
    assert mail.body_text == "Texto plano de la propuesta, con acentos: acción."


def test_html_only_is_sanitised_and_converted() -> None:
    msg = message()
    msg.set_content(
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>Hola, <a href='https://example.org/doc' onclick='steal()'>el documento</a>.</p>"
        "<p>Saludos<br>Ana</p><img src='https://tracker.example/pixel.gif'></body></html>",
        subtype="html",
    )
    mail = parse_eml(msg.as_bytes())
    assert mail.body_text == "Hola, [el documento](https://example.org/doc).\n\nSaludos\nAna"


def test_empty_plain_part_falls_back_to_html() -> None:
    msg = message(body="\n")
    msg.add_alternative("<p>El contenido real</p>", subtype="html")
    assert parse_eml(msg.as_bytes()).body_text == "El contenido real"


def test_attachments_one_allowed_one_spoofed() -> None:
    msg = message()
    msg.add_attachment(png(), maintype="image", subtype="png", filename="mapa.png")
    msg.add_attachment(
        b"<html><script>alert(1)</script></html>",
        maintype="application",
        subtype="pdf",
        filename="propuesta.pdf",
    )
    mail = parse_eml(msg.as_bytes())
    assert mail.body_text == SPANISH
    assert [a.safe_filename for a in mail.attachments] == ["mapa.png"]
    assert mail.attachments[0].media_type == "image/png"
    [(filename, rejection)] = mail.rejected_attachments
    assert filename == "propuesta.pdf"
    assert rejection.code == "spoofed"


def test_too_many_attachments_are_reported_not_dropped() -> None:
    msg = message()
    for index in range(7):
        msg.add_attachment(png(), maintype="image", subtype="png", filename=f"foto{index}.png")
    mail = parse_eml(msg.as_bytes())
    assert len(mail.attachments) == 5
    assert [(name, exc.code) for name, exc in mail.rejected_attachments] == [
        ("foto5.png", "too_many_files"),
        ("foto6.png", "too_many_files"),
    ]


def test_embedded_html_images_are_not_attachments_but_forwarded_mail_is_reported() -> None:
    msg = message()
    msg.add_alternative("<p>Hola <img src='cid:logo'></p>", subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(png(), maintype="image", subtype="png", cid="<logo>", filename="l.png")
    forwarded = message(subject="Fwd", body="Mensaje reenviado")
    forwarded.add_attachment(png(), maintype="image", subtype="png", filename="inner.png")
    msg.add_attachment(forwarded)
    mail = parse_eml(msg.as_bytes())
    assert mail.attachments == []
    # The forwarded message's own attachment is not lifted out of it.
    assert [(name, exc.code) for name, exc in mail.rejected_attachments] == [
        ("message.eml", "not_allowed")
    ]


def test_encoded_word_headers() -> None:
    raw = (
        b"From: =?utf-8?q?Jo=C3=A3o_Gon=C3=A7alves?= <joao@example.org>\r\n"
        b"To: townhall@example.org\r\n"
        b"Subject: =?utf-8?b?UHJvcG9zdGEgZGUgYcOnw6NvIGUgcGFydGljaXBhw6fDo28=?=\r\n"
        b"Date: Mon, 05 May 2025 09:00:00 +0100\r\n"
        b"Message-ID: <x1@example.org>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"Corpo.\r\n"
    )
    mail = parse_eml(raw)
    assert mail.sender_name == "João Gonçalves"
    assert mail.subject == "Proposta de ação e participação"
    assert mail.sent_at == datetime(2025, 5, 5, 8, 0, tzinfo=UTC)

    msg = message(subject="Café, ação, participación", sender="Renée Müller <r@example.org>")
    mail = parse_eml(msg.as_bytes())
    assert mail.subject == "Café, ação, participación"
    assert mail.sender_name == "Renée Müller"


def test_missing_message_id_gives_a_stable_synthetic_one() -> None:
    raw = message(message_id=None).as_bytes()
    first, second = parse_eml(raw), parse_eml(raw)
    assert first.synthetic_id
    assert first.message_id.endswith("@" + SYNTHETIC_ID_DOMAIN)
    assert first.message_id == second.message_id
    other = parse_eml(message(message_id=None, body=ENGLISH).as_bytes())
    assert other.message_id != first.message_id


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<a@b>", "a@b"),
        ("  <a@b>  (added by postmaster)", "a@b"),
        ("a@b", "a@b"),
        ("", None),
        ("not an id at all", None),
    ],
)
def test_message_id_normalisation(header: str, expected: str | None) -> None:
    msg = message(message_id=None)
    msg["Message-ID"] = header
    mail = parse_eml(msg.as_bytes())
    if expected is None:
        assert mail.synthetic_id
    else:
        assert mail.message_id == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (None, None),
        ("yesterday, around noon", None),
        ("Tue, 99 Foo 2025 99:99:99 +0000", None),
        ("Tue, 06 May 2025 10:30:00 -0000", datetime(2025, 5, 6, 10, 30, tzinfo=UTC)),
        ("6 May 2025 10:30 +0200", datetime(2025, 5, 6, 8, 30, tzinfo=UTC)),
    ],
)
def test_dates(date: str | None, expected: datetime | None) -> None:
    mail = parse_eml(message(date=date).as_bytes())
    assert mail.sent_at == expected
    if mail.sent_at is not None:
        assert mail.sent_at.tzinfo is UTC


def test_latin1_body_and_a_mislabelled_charset() -> None:
    msg = EmailMessage()
    msg["From"] = "sec@example.org"
    msg["Subject"] = "Latin-1"
    msg.set_content("Participação e acção".encode("latin-1"), "text", "plain")
    msg.replace_header("Content-Type", "text/plain; charset=iso-8859-1")
    assert parse_eml(msg.as_bytes()).body_text == "Participação e acção"

    raw = (
        b"From: sec@example.org\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        + "Participación".encode("latin-1")
    )
    assert parse_eml(raw).body_text == "Participación"


def test_sender_without_address() -> None:
    mail = parse_eml(message(sender="Secretaría").as_bytes())
    assert mail.sender_email is None


def test_unreadable_single_message() -> None:
    with pytest.raises(MailError) as caught:
        parse_eml(b"%PDF-1.4 this is not an e-mail at all")
    assert caught.value.position is None
    assert caught.value.msgid == "The e-mail message could not be read."


def _mbox(path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.mbox(path)
    for msg in messages:
        box.add(msg)
    box.flush()
    box.close()
    return path


def test_mbox_of_three_with_a_from_line_in_a_body(tmp_path: Path) -> None:
    tricky = "Hola.\nFrom the beginning we asked for this.\nSaludos."
    path = _mbox(
        tmp_path / "inbox.mbox",
        [
            message(message_id="<1@x>", body=SPANISH),
            message(message_id="<2@x>", body=tricky),
            message(message_id="<3@x>", subject="Proposal", body=ENGLISH),
        ],
    )
    assert b"\n>From the beginning" in path.read_bytes()
    count, messages = read_mailbox(path)
    assert count == 3
    mails = list(messages)
    assert all(isinstance(m, ParsedMail) for m in mails)
    parsed = [m for m in mails if isinstance(m, ParsedMail)]
    assert [m.message_id for m in parsed] == ["1@x", "2@x", "3@x"]
    assert parsed[1].body_text == tricky
    assert parsed[0].language == "es"
    assert parsed[2].language == "en"


def test_mbox_is_read_lazily(tmp_path: Path) -> None:
    path = _mbox(tmp_path / "inbox", [message(message_id=f"<{i}@x>") for i in range(3)])
    count, messages = read_mailbox(path)
    assert count == 3
    first = next(messages)
    assert isinstance(first, ParsedMail)
    assert first.message_id == "0@x"


def test_a_broken_message_in_an_mbox_is_reported_by_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _mbox(
        tmp_path / "inbox.mbox",
        [message(message_id="<1@x>"), message(message_id="<2@x>"), message(message_id="<3@x>")],
    )
    from app.lib import mailparse

    real = mailparse._parse

    def flaky(data: bytes) -> ParsedMail:
        if b"<2@x>" in data:
            raise IndexError("header parser fell over")
        return real(data)

    monkeypatch.setattr(mailparse, "_parse", flaky)
    count, messages = read_mailbox(path)
    results = list(messages)
    assert count == 3
    assert isinstance(results[0], ParsedMail)
    assert isinstance(results[2], ParsedMail)
    error = results[1]
    assert isinstance(error, MailError)
    assert error.position == 2
    assert error.params == {"position": 2}
    assert "IndexError" in error.detail
    assert str(error).startswith("Message 2 of the mailbox could not be read")


def test_garbage_between_messages_is_an_error_not_an_abort(tmp_path: Path) -> None:
    good = message(message_id="<1@x>").as_bytes().replace(b"\r\n", b"\n")
    path = tmp_path / "inbox.mbox"
    path.write_bytes(
        b"From a@x Mon May  5 10:00:00 2025\n" + good + b"\n"
        b"From b@x Mon May  5 10:00:00 2025\n\x00\x01\x02 binary junk, no headers\n\n"
        b"From c@x Mon May  5 10:00:00 2025\n" + good.replace(b"<1@x>", b"<3@x>") + b"\n"
    )
    count, messages = read_mailbox(path)
    results = list(messages)
    assert count == 3
    assert [type(r).__name__ for r in results] == ["ParsedMail", "MailError", "ParsedMail"]


def test_eml_detected_by_content_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "exported.mbox"  # named like a mailbox, but one message
    path.write_bytes(message().as_bytes())
    count, messages = read_mailbox(path)
    assert count == 1
    [mail] = list(messages)
    assert isinstance(mail, ParsedMail)
    assert mail.message_id == "abc.123@mail.example.org"

    named_eml = _mbox(tmp_path / "message.eml", [message(message_id="<1@x>"), message()])
    assert read_mailbox(named_eml)[0] == 2


def test_empty_and_non_mail_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    count, messages = read_mailbox(empty)
    assert count == 0
    assert list(messages) == []

    pdf = tmp_path / "informe.eml"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    with pytest.raises(MailError) as caught:
        read_mailbox(pdf)
    assert caught.value.msgid.startswith("The file is neither an mbox")


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="No such file"):
        read_mailbox(tmp_path / "missing.mbox")


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Propuesta sobre cuidados", SPANISH, "es"),
        ("Proposta sobre cuidados", PORTUGUESE, "pt"),
        ("Proposal on care", ENGLISH, "en"),
    ],
)
def test_language_of_a_message(subject: str, body: str, expected: str) -> None:
    mail = parse_eml(message(subject=subject, body=body).as_bytes())
    assert mail.language == expected


@pytest.mark.parametrize("text", ["", "ok", "Obrigado!", "12345 678", "https://example.org/x"])
def test_language_is_none_when_not_confident(text: str) -> None:
    assert detect_language(text) is None


def test_mail_from_a_real_client_layout() -> None:
    # The shape Thunderbird and Gmail send: mixed(alternative(plain, html), attachment).
    msg = message(subject="Contribución", body=SPANISH)
    msg.add_alternative(f"<p>{SPANISH}</p>", subtype="html")
    msg.add_attachment(png(), maintype="image", subtype="png", filename="foto.png")
    msg.replace_header("Date", format_datetime(datetime(2025, 5, 2, 12, 0, tzinfo=UTC)))
    del msg["Message-ID"]
    msg["Message-ID"] = make_msgid(domain="mail.example.org")
    mail = parse_eml(msg.as_bytes())
    assert mail.body_text == SPANISH
    assert [a.safe_filename for a in mail.attachments] == ["foto.png"]
    assert mail.message_id.endswith("@mail.example.org")
