import io
import struct
import unicodedata
import zipfile
import zlib

import pytest
from PIL import Image, PngImagePlugin

from app.lib import uploads
from app.lib.uploads import (
    MAX_BYTES,
    MAX_FILENAME_CHARS,
    MAX_FILES,
    UploadRejected,
    check_file_count,
    inspect_upload,
    safe_filename,
    safe_headers,
)

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def minimal_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (4, xref))
    return out.getvalue()


def image_bytes(fmt: str, *, size: tuple[int, int] = (40, 20), **save: object) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.putpixel((0, 0), (0, 0, 255))  # a marker to see where the top-left corner went
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Camera of Ana"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (34.0, 54.0, 0.0), 3: "W", 4: (56.0, 10.0, 0.0)})
    return exif


def zip_bytes(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(entries):
            compress = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            # A fixed date: the bytes end up in test ids, which every xdist worker must agree on.
            entry = zipfile.ZipInfo(name, date_time=(2025, 5, 3, 12, 0, 0))
            archive.writestr(entry, content, compress_type=compress)
    return out.getvalue()


OOXML = "application/vnd.openxmlformats-officedocument."


def ooxml(main_part: str, main_type: str, extra: list[tuple[str, bytes]] | None = None) -> bytes:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/></Types>'
    ).encode()
    return zip_bytes(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", b"<Relationships/>"),
            (main_part, b"<document>Propuesta</document>"),
            *(extra or []),
        ]
    )


def docx() -> bytes:
    return ooxml("word/document.xml", OOXML + "wordprocessingml.document.main+xml")


def xlsx() -> bytes:
    return ooxml("xl/workbook.xml", OOXML + "spreadsheetml.sheet.main+xml")


def pptx() -> bytes:
    return ooxml("ppt/presentation.xml", OOXML + "presentationml.presentation.main+xml")


def odf(media_type: str, *, stored_first: bool = True) -> bytes:
    return zip_bytes(
        [
            ("mimetype", media_type.encode()),
            ("content.xml", b"<office:document-content/>"),
            ("META-INF/manifest.xml", b"<manifest/>"),
        ],
        stored_first=stored_first,
    )


GENUINE = [
    ("propuesta.pdf", minimal_pdf(), "application/pdf"),
    ("foto.png", image_bytes("PNG"), "image/png"),
    ("foto.jpg", image_bytes("JPEG"), "image/jpeg"),
    ("foto.jpeg", image_bytes("JPEG"), "image/jpeg"),
    ("foto.webp", image_bytes("WEBP"), "image/webp"),
    ("foto.gif", image_bytes("GIF"), "image/gif"),
    ("informe.docx", docx(), OOXML + "wordprocessingml.document"),
    ("datos.xlsx", xlsx(), OOXML + "spreadsheetml.sheet"),
    ("slides.pptx", pptx(), OOXML + "presentationml.presentation"),
    ("texto.odt", odf("application/vnd.oasis.opendocument.text"), ""),
    ("hoja.ods", odf("application/vnd.oasis.opendocument.spreadsheet"), ""),
    ("diapos.odp", odf("application/vnd.oasis.opendocument.presentation"), ""),
]


@pytest.mark.parametrize(("filename", "data", "media_type"), GENUINE)
def test_genuine_files_are_accepted(filename: str, data: bytes, media_type: str) -> None:
    checked = inspect_upload(filename, data)
    assert checked.safe_filename == filename
    expected = media_type or (
        "application/vnd.oasis.opendocument."
        + {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}[filename[-3:]]
    )
    assert checked.media_type == expected
    assert checked.size == len(checked.data)
    if not expected.startswith("image/"):
        assert checked.data == data  # documents are stored byte for byte


@pytest.mark.parametrize(("filename", "data", "media_type"), GENUINE)
def test_a_name_without_extension_gets_the_right_one(
    filename: str, data: bytes, media_type: str
) -> None:
    checked = inspect_upload("contribución", data)
    assert checked.safe_filename == "contribución." + checked.kind.extensions[0]


def test_extension_case_is_normalised() -> None:
    assert inspect_upload("INFORME.PDF", minimal_pdf()).safe_filename == "INFORME.pdf"


def test_an_unknown_extension_is_kept_and_the_real_one_added() -> None:
    assert inspect_upload("acta.v2", minimal_pdf()).safe_filename == "acta.v2.pdf"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"PE\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    ("filename", "data", "claimed", "actual"),
    [
        ("propuesta.pdf", HTML, "PDF", None),
        ("foto.png", EXE, "PNG", "EXE"),
        ("propuesta.pdf", image_bytes("PNG"), "PDF", "PNG"),
        ("foto.png", SVG, "PNG", None),
        ("foto.jpg", image_bytes("PNG"), "JPEG", "PNG"),
        ("informe.docx", zip_bytes([("a.txt", b"x")]), "DOCX", "ZIP"),
        ("informe.docx", odf("application/vnd.oasis.opendocument.text"), "DOCX", "ODT"),
        ("pagina.html", image_bytes("PNG"), "HTML", "PNG"),
        ("dibujo.svg", image_bytes("PNG"), "SVG", "PNG"),
        ("programa.exe", minimal_pdf(), "EXE", "PDF"),
    ],
)
def test_spoofed_files_are_refused(
    filename: str, data: bytes, claimed: str, actual: str | None
) -> None:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(filename, data)
    assert caught.value.code == "spoofed"
    assert caught.value.params["claimed"] == claimed
    assert caught.value.params.get("actual") == actual
    assert caught.value.params["filename"] == filename


@pytest.mark.parametrize(
    ("data", "actual"),
    [
        (HTML, None),
        (SVG, None),
        (b"just some text, a CSV perhaps\n1,2,3\n", None),
        (EXE, "EXE"),
        (zip_bytes([("a.txt", b"x")]), "ZIP"),
        (b"{\\rtf1\\ansi Propuesta}", "RTF"),
    ],
    ids=["html", "svg", "text", "exe", "zip", "rtf"],
)
def test_types_that_are_not_accepted(data: bytes, actual: str | None) -> None:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("archivo", data)
    assert caught.value.code == "not_allowed"
    assert caught.value.params.get("actual") == actual
    assert "PDF" in str(caught.value.params["accepted"])


def test_an_odf_whose_mimetype_is_compressed_is_just_a_zip() -> None:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("texto", odf("application/vnd.oasis.opendocument.text", stored_first=False))
    assert caught.value.params["actual"] == "ZIP"


def test_macro_enabled_office_documents_are_refused() -> None:
    docm = ooxml(
        "word/document.xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        [("word/vbaProject.bin", b"\x00" * 10)],
    )
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("informe.docx", docm)
    assert caught.value.code == "macros"


def test_empty_and_oversize_files() -> None:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("vacío.pdf", b"")
    assert caught.value.code == "empty"
    assert caught.value.params == {"filename": "vacío.pdf"}

    big = minimal_pdf() + b"\x00" * (MAX_BYTES - len(minimal_pdf()) + 1)
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("grande.pdf", big)
    assert caught.value.code == "too_large"
    assert caught.value.params["limit_mb"] == 10
    assert str(caught.value) == "The file “grande.pdf” is larger than the limit of 10 MB."

    exactly = minimal_pdf() + b"\x00" * (MAX_BYTES - len(minimal_pdf()))
    assert inspect_upload("justo.pdf", exactly).size == MAX_BYTES


def test_file_count() -> None:
    check_file_count(MAX_FILES)
    with pytest.raises(UploadRejected) as caught:
        check_file_count(MAX_FILES + 1)
    assert caught.value.code == "too_many_files"
    assert caught.value.params == {"limit": 5}


def test_jpeg_loses_exif_and_gps_but_keeps_its_orientation() -> None:
    # Orientation 6: the camera was turned, and viewers rotate the 40×20 picture to 20×40.
    original = image_bytes("JPEG", exif=exif_with_gps(orientation=6))
    assert b"Camera of Ana" in original
    checked = inspect_upload("foto.jpg", original)
    assert b"Camera of Ana" not in checked.data
    assert b"Exif" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.format == "JPEG"
        assert image.size == (20, 40)
        assert not image.getexif()
        assert "exif" not in image.info


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_lose_exif(fmt: str) -> None:
    original = image_bytes(fmt, exif=exif_with_gps())
    assert b"Camera of Ana" in original
    checked = inspect_upload(f"foto.{fmt.lower()}", original)
    assert b"Camera of Ana" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        assert not image.getexif()


def test_png_text_chunks_are_dropped() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Ana Pereira, Rua das Flores 12")
    original = image_bytes("PNG", pnginfo=info)
    checked = inspect_upload("mapa.png", original)
    assert b"Rua das Flores" not in checked.data


def test_gif_comment_is_dropped_and_animation_kept() -> None:
    frames = [Image.new("RGB", (8, 8), color) for color in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0,
        comment=b"sent from Ana's phone",
    )  # fmt: skip
    checked = inspect_upload("anim.gif", out.getvalue())
    assert b"Ana's phone" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.n_frames == 3
        assert "comment" not in image.info


def test_a_polyglot_loses_what_follows_the_image() -> None:
    polyglot = image_bytes("PNG") + HTML
    checked = inspect_upload("foto.png", polyglot)
    assert b"<script>" not in checked.data


def test_transparency_survives() -> None:
    image = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    checked = inspect_upload("t.png", out.getvalue())
    with Image.open(io.BytesIO(checked.data)) as reread:
        assert reread.convert("RGBA").getpixel((0, 0)) == (0, 0, 0, 0)


def _png_with_size(width: int, height: int) -> bytes:
    data = bytearray(image_bytes("PNG", size=(1, 1)))
    # IHDR starts right after the 8-byte signature and its 8-byte length/type header.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("bomba.png", _png_with_size(100_000, 100_000))
    assert caught.value.code == "image_too_large"
    assert caught.value.params["limit"] == 16


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_truncated_images_are_corrupt(fmt: str) -> None:
    data = image_bytes(fmt, size=(300, 300))
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("roto", data[: len(data) // 3])
    assert caught.value.code == "corrupt"


def test_a_damaged_document_is_corrupt() -> None:
    data = bytearray(odf("application/vnd.oasis.opendocument.text"))
    # Flip a byte inside the stored `mimetype` part: the CRC check catches it, and the
    # declared type no longer matches either way.
    index = bytes(data).index(b"opendocument.text") + 3
    data[index] ^= 0x01
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("texto.odt", bytes(data))
    assert caught.value.code in {"corrupt", "spoofed"}

    good = bytearray(docx())
    index = bytes(good).index(b"word/document.xml", 40) + len("word/document.xml") + 2
    good[index] ^= 0xFF
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("informe.docx", bytes(good))
    assert caught.value.code == "corrupt"

    with pytest.raises(UploadRejected) as caught:
        inspect_upload("informe.docx", docx()[:200])
    assert caught.value.code == "corrupt"


def test_office_zip_bombs(monkeypatch: pytest.MonkeyPatch) -> None:
    many = ooxml(
        "word/document.xml",
        OOXML + "wordprocessingml.document.main+xml",
        [(f"word/media/{i}.xml", b"") for i in range(uploads.MAX_ZIP_ENTRIES)],
    )
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("informe.docx", many)
    assert caught.value.code == "zip_bomb"

    monkeypatch.setattr(uploads, "MAX_ZIP_UNCOMPRESSED", 1024 * 1024)
    expanding = ooxml(
        "word/document.xml",
        OOXML + "wordprocessingml.document.main+xml",
        [("word/media/zeros.bin", b"\x00" * (2 * 1024 * 1024))],
    )
    assert len(expanding) < 20_000
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("informe.docx", expanding)
    assert caught.value.code == "zip_bomb"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\informe.pdf", "informe.pdf"),
        ("C:\\Users\\ana\\Documents\\informe.pdf", "informe.pdf"),
        ("/absolute/path/informe.pdf", "informe.pdf"),
        ("..", "attachment.pdf"),
        ("", "attachment.pdf"),
        (".pdf", "pdf.pdf"),
        (". .", "attachment.pdf"),
        ("   .oculto.pdf", "oculto.pdf"),
        ("informe\r\nSet-Cookie: x=1.pdf", "informe Set-Cookie_ x=1.pdf"),
        ("informe\t\x0b\x1b[31m.pdf", "informe [31m.pdf"),
        ("informe\x00.pdf", "informe.pdf"),
        ("con.pdf", "con_.pdf"),
        ('a<b>c:"d"|e?*.pdf', "a_b_c__d__e__.pdf"),
    ],
)
def test_hostile_names(given: str, expected: str) -> None:
    assert safe_filename(given, "pdf") == expected
    assert inspect_upload(given, minimal_pdf()).safe_filename == expected


def test_a_name_reversed_by_a_bidi_override_is_seen_for_what_it_is() -> None:
    # Shown as "reporteexe.pdf" by a bidi-aware file manager; it is an .exe name.
    assert safe_filename("reporte\u202efdp.exe") == "reportefdp.exe"
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("reporte\u202efdp.exe", minimal_pdf())
    assert caught.value.params["claimed"] == "EXE"


def test_unicode_names_are_nfc_and_bounded() -> None:
    decomposed = unicodedata.normalize("NFD", "Participação cidadã – ação.pdf")
    name = inspect_upload(decomposed, minimal_pdf()).safe_filename
    assert name == "Participação cidadã – ação.pdf"
    assert unicodedata.is_normalized("NFC", name)

    long_name = "é" * 500 + ".pdf"
    name = inspect_upload(long_name, minimal_pdf()).safe_filename
    assert len(name) == MAX_FILENAME_CHARS
    assert name.endswith("é.pdf")


def test_headers_for_a_document() -> None:
    headers = safe_headers("application/pdf", 'Informe de ação "final".pdf')
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == (
        'attachment; filename="Informe de acao _final_.pdf"; '
        "filename*=UTF-8''Informe%20de%20a%C3%A7%C3%A3o%20_final_.pdf"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert headers["Cache-Control"].startswith("private")


def test_headers_for_an_image_allow_inline() -> None:
    headers = safe_headers("image/png", "mapa.png")
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"].startswith('inline; filename="mapa.png"')


@pytest.mark.parametrize("media_type", ["text/html", "image/svg+xml", "application/javascript"])
def test_headers_never_name_a_type_this_module_did_not_accept(media_type: str) -> None:
    headers = safe_headers(media_type, "x.html")
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment;")


def test_headers_cannot_be_split_by_a_stored_name() -> None:
    headers = safe_headers("application/pdf", 'a"; filename="evil.html\r\nX-Evil: 1.pdf')
    for value in headers.values():
        assert "\r" not in value
        assert "\n" not in value
    assert headers["Content-Disposition"].count('"') == 2


def test_rejection_messages_are_marked_msgids() -> None:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("foto.png", HTML)
    assert "%(filename)s" in caught.value.msgid
    assert str(caught.value) == caught.value.msgid % caught.value.params
