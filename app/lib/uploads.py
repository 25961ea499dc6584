"""Attachments (PDF, images, office documents), accepted by what their bytes are, not by name.

The type comes from the content: `filetype` reads the magic numbers, zip containers are opened
with `zipfile` to tell a Word/Excel/PowerPoint or OpenDocument file from any other zip, and
images are decoded and re-encoded by Pillow. Re-encoding drops EXIF/GPS, XMP and comments
(personal data: where a photo was taken, the camera's owner) and leaves no room for a polyglot
(a file that is also valid HTML, a script or a zip). A name that claims another type than the
content is refused rather than silently corrected, since it is how a spoofed file announces
itself.

Plain text and CSV are not accepted: no content check can tell them from anything else, and a
CSV opened in a spreadsheet runs its formulas (`=HYPERLINK(...)`); the proposal body already
carries text, and tables can come as XLSX/ODS. Legacy .doc/.xls/.ppt and macro-enabled formats
are refused because they carry macros.

Images cost memory and time in proportion to their pixels, not their bytes (a 200 KB PNG can
claim 7000 × 7000; a 14 KB GIF, 500 frames), so their bounds are in pixels and frames, checked
on the header and while counting frames, before any frame is converted; frames are then decoded
one at a time as the encoder asks for them; and decoding runs in a few slots per process
(`upload_image_slots`), so a burst of uploads waits for a slot, briefly, instead of taking every
core. Callers count their rate limit before calling this module.

Nothing here touches storage or HTTP: callers store `CheckedUpload.data` under a generated key
outside the web root, and serve it with `safe_headers`.
"""

import io
import itertools
import mimetypes
import re
import threading
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote

import filetype
from pathvalidate import sanitize_filename
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from app.config import get_settings
from app.i18n import N_

__all__ = [
    "ACCEPTED_LABEL",
    "KINDS",
    "MAX_BYTES",
    "MAX_FILENAME_CHARS",
    "MAX_FILES",
    "MAX_ZIP_ENTRIES",
    "MAX_ZIP_UNCOMPRESSED",
    "CheckedUpload",
    "Kind",
    "UploadRejected",
    "check_file_count",
    "inspect_upload",
    "safe_filename",
    "safe_headers",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
MAX_FILENAME_CHARS = 120
# Real office files have tens to a few hundred parts and expand a few times over; a zip bomb
# has thousands of entries or expands by orders of magnitude.
MAX_ZIP_ENTRIES = 2_000
MAX_ZIP_UNCOMPRESSED = 100 * 1024 * 1024
_MAX_MANIFEST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    label: str
    media_type: str
    extensions: tuple[str, ...]  # the first one is the one given to files named without it
    inline: bool = False  # may be shown in the page rather than downloaded


_PDF = Kind("PDF", "application/pdf", ("pdf",))
_PNG = Kind("PNG", "image/png", ("png",), inline=True)
_JPEG = Kind("JPEG", "image/jpeg", ("jpg", "jpeg", "jpe"), inline=True)
_WEBP = Kind("WebP", "image/webp", ("webp",), inline=True)
_GIF = Kind("GIF", "image/gif", ("gif",), inline=True)
_OOXML = "application/vnd.openxmlformats-officedocument."
_DOCX = Kind("DOCX", _OOXML + "wordprocessingml.document", ("docx",))
_XLSX = Kind("XLSX", _OOXML + "spreadsheetml.sheet", ("xlsx",))
_PPTX = Kind("PPTX", _OOXML + "presentationml.presentation", ("pptx",))
_ODF = "application/vnd.oasis.opendocument."
_ODT = Kind("ODT", _ODF + "text", ("odt",))
_ODS = Kind("ODS", _ODF + "spreadsheet", ("ods",))
_ODP = Kind("ODP", _ODF + "presentation", ("odp",))

KINDS: tuple[Kind, ...] = (_PDF, _PNG, _JPEG, _WEBP, _GIF, _DOCX, _XLSX, _PPTX, _ODT, _ODS, _ODP)
ACCEPTED_LABEL = ", ".join(kind.label for kind in KINDS)
_BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS}
_BY_EXTENSION = {ext: kind for kind in KINDS for ext in kind.extensions}
# Pillow's format names, checked against the sniffed kind so a decoder cannot be chosen by a
# second signature further into the file.
_PILLOW_FORMATS = {_PNG: "PNG", _JPEG: "JPEG", _WEBP: "WEBP", _GIF: "GIF"}
# The part each OOXML kind must have, and its main content type in [Content_Types].xml; the
# macro-enabled and template variants declare other content types and so do not match.
_OOXML_MAIN = {
    _DOCX: ("word/document.xml", _OOXML + "wordprocessingml.document.main+xml"),
    _XLSX: ("xl/workbook.xml", _OOXML + "spreadsheetml.sheet.main+xml"),
    _PPTX: ("ppt/presentation.xml", _OOXML + "presentationml.presentation.main+xml"),
}
# The standard library's own table (not the machine's /etc/mime.types), so the answer to "does
# this name claim a type?" is the same on every machine.
_KNOWN_NAMES = mimetypes.MimeTypes()

_MSG_EMPTY = N_("The file “%(filename)s” is empty.")
_MSG_TOO_LARGE = N_("The file “%(filename)s” is larger than the limit of %(limit_mb)s MB.")
_MSG_TOO_MANY = N_("Too many files: at most %(limit)s may be attached.")
_MSG_NOT_ALLOWED = N_(
    "The file “%(filename)s” is of a type that is not accepted (%(actual)s). "
    "Accepted types: %(accepted)s."
)
_MSG_UNRECOGNISED = N_(
    "The type of the file “%(filename)s” could not be recognised. Accepted types: %(accepted)s."
)
_MSG_SPOOFED = N_("The name “%(filename)s” says %(claimed)s but the content is %(actual)s.")
_MSG_SPOOFED_UNKNOWN = N_(
    "The name “%(filename)s” says %(claimed)s but the content is not of any recognised type."
)
_MSG_CORRUPT_IMAGE = N_("The image “%(filename)s” is damaged or could not be read.")
_MSG_IMAGE_TOO_BIG = N_(
    "The image “%(filename)s” has too many pixels to be processed (at most %(limit)s megapixels)."
)
_MSG_TOO_MANY_FRAMES = N_(
    "The animation “%(filename)s” is too long to be processed (at most %(frames)s frames, and "
    "%(limit)s megapixels in all its frames)."
)
_MSG_BUSY = N_(
    "The image “%(filename)s” could not be checked just now, because many files are being "
    "processed. Please attach it again in a moment."
)
_MSG_CORRUPT_DOCUMENT = N_("The document “%(filename)s” is damaged or could not be read.")
_MSG_ZIP_BOMB = N_(
    "The document “%(filename)s” has too many parts or expands to too much data to be checked."
)
_MSG_MACROS = N_("The document “%(filename)s” contains macros, which are not accepted.")


class UploadRejected(Exception):
    """A refused file. `msgid` is a gettext message id (translate it where it is shown, with
    `params`); `code` is a stable machine-readable reason for APIs, logs and tests."""

    def __init__(self, code: str, msgid: str, **params: str | int) -> None:
        self.code = code
        self.msgid = msgid
        self.params: dict[str, str | int] = params
        super().__init__(msgid % params)

    @property
    def message(self) -> str:
        """The msgid, under the name callers translating `gettext(exc.message, **exc.params)`
        read naturally."""
        return self.msgid


@dataclass(frozen=True)
class CheckedUpload:
    safe_filename: str
    media_type: str
    size: int  # of `data`, which for images is the re-encoded file
    data: bytes = field(repr=False)
    kind: Kind


def check_file_count(count: int) -> None:
    """Refuses more than MAX_FILES attachments to one contribution."""
    if count > MAX_FILES:
        raise UploadRejected("too_many_files", _MSG_TOO_MANY, limit=MAX_FILES)


_UNSAFE_CHARS = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext or not ext.isalnum():
        return name, ""
    return stem, ext


def _clean_name(filename: str) -> str:
    # Browsers on Windows (and crafted requests) may send a whole path, with either separator.
    name = re.split(r"[/\\]", filename)[-1]
    name = unicodedata.normalize("NFC", name)
    # Cf covers the right-to-left override that makes "report\u202efdp.exe" read as
    # "reportexe.pdf"; Cc covers NUL, newlines (header injection) and the rest.
    name = _SPACES.sub(" ", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _UNSAFE_CHARS)
    name = name.strip(" .")
    # Windows-reserved characters and device names (CON, NUL…) in case the name ever reaches
    # a file system on a secretariat's machine.
    return sanitize_filename(name, platform="universal", replacement_text="_").strip(" .")


def safe_filename(filename: str, extension: str | None = None) -> str:
    """A display/download name: no directories, control or bidi characters, NFC, at most
    MAX_FILENAME_CHARS characters, ending in `extension` when given."""
    name = _clean_name(filename)
    stem, ext = _split(name)
    if extension is not None:
        known = _BY_EXTENSION.get(extension)
        aliases = known.extensions if known else (extension,)
        if ext.lower() in aliases:
            ext = ext.lower()
        else:
            stem, ext = name, extension
    stem = stem.strip(" .") or "attachment"
    room = MAX_FILENAME_CHARS - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(" .") or "attachment"
    return f"{stem}.{ext}" if ext else stem


def _claimed_type(name: str) -> tuple[str, Kind | None] | None:
    """What the name's extension says the file is: (label, our kind if accepted), or None when
    the name makes no recognisable claim (no extension, or one no table knows)."""
    _stem, ext = _split(name)
    ext = ext.lower()
    if not ext:
        return None
    if ext in _BY_EXTENSION:
        return _BY_EXTENSION[ext].label, _BY_EXTENSION[ext]
    guessed, _encoding = _KNOWN_NAMES.guess_type(f"x.{ext}", strict=False)
    if guessed is None and filetype.get_type(ext=ext) is None:
        return None
    return ext.upper(), None


def _reject(code: str, msgid: str, filename: str, **params: str | int) -> UploadRejected:
    return UploadRejected(code, msgid, filename=filename, **params)


def _sniff_zip(data: bytes, name: str) -> Kind | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _reject("corrupt", _MSG_CORRUPT_DOCUMENT, name) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES or (
            sum(entry.file_size for entry in entries) > MAX_ZIP_UNCOMPRESSED
        ):
            raise _reject("zip_bomb", _MSG_ZIP_BOMB, name)
        names = {entry.filename for entry in entries}
        if any(part.lower().endswith("vbaproject.bin") for part in names):
            raise _reject("macros", _MSG_MACROS, name)
        kind = _odf_kind(archive, entries, name) or _ooxml_kind(archive, names, name)
        if kind is not None:
            _verify_entries(archive, entries, name)
        return kind


def _odf_kind(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], name: str) -> Kind | None:
    # OpenDocument requires `mimetype` as the first entry, stored uncompressed, so that its
    # bytes sit at a fixed offset; anything else is not an ODF package.
    first = entries[0] if entries else None
    if first is None or first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED:
        return None
    if first.file_size > 100:
        return None
    try:
        declared = archive.read(first).decode("ascii", errors="replace").strip()
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise _reject("corrupt", _MSG_CORRUPT_DOCUMENT, name) from exc
    kind = _BY_MEDIA_TYPE.get(declared)
    return kind if kind in (_ODT, _ODS, _ODP) else None


def _ooxml_kind(archive: zipfile.ZipFile, names: set[str], name: str) -> Kind | None:
    if "[Content_Types].xml" not in names:
        return None
    manifest = archive.getinfo("[Content_Types].xml")
    if manifest.file_size > _MAX_MANIFEST_BYTES:
        raise _reject("zip_bomb", _MSG_ZIP_BOMB, name)
    try:
        content_types = archive.read(manifest)
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError) as exc:
        raise _reject("corrupt", _MSG_CORRUPT_DOCUMENT, name) from exc
    if b"macroEnabled" in content_types:
        raise _reject("macros", _MSG_MACROS, name)
    for kind, (part, main_type) in _OOXML_MAIN.items():
        if part in names and main_type.encode() in content_types:
            return kind
    return None


def _verify_entries(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], name: str) -> None:
    # Reading every part checks its CRC, so a truncated or tampered document is refused here
    # rather than by the secretariat's office suite; the declared sizes were bounded above and
    # zipfile never inflates an entry past its declared size.
    try:
        for entry in entries:
            with archive.open(entry) as part:
                while part.read(1024 * 1024):
                    pass
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, EOFError) as exc:
        raise _reject("corrupt", _MSG_CORRUPT_DOCUMENT, name) from exc


@dataclass(frozen=True)
class ImageLimits:
    max_pixels: int  # of one frame
    max_frames: int
    max_frame_pixels: int  # of all frames together
    slots: int  # images decoded at once per process
    wait_s: float  # for a slot, before the file is refused as "busy"


def image_limits() -> ImageLimits:
    settings = get_settings()
    return ImageLimits(
        max_pixels=settings.upload_max_pixels,
        max_frames=settings.upload_max_frames,
        max_frame_pixels=settings.upload_max_frame_pixels,
        slots=max(1, settings.upload_image_slots),
        wait_s=settings.upload_image_wait_s,
    )


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _decode_slots(limits: ImageLimits) -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(limits.slots)
        return _slots


@contextmanager
def _decode_slot(name: str, limits: ImageLimits) -> Iterator[None]:
    slots = _decode_slots(limits)
    if not slots.acquire(timeout=limits.wait_s):
        raise _reject("busy", _MSG_BUSY, name)
    try:
        yield
    finally:
        slots.release()


class _TooManyFrames(Exception):
    pass


def _frame_durations(image: Image.Image, limits: ImageLimits) -> list[int]:
    """Each frame's duration, counting frames up to the bounds only: reaching a frame decodes
    the one before it, so a bomb costs at most the bounds' worth of work before it is refused.
    (Pillow's `n_frames` would walk the whole file first.)"""
    width, height = image.size
    durations: list[int] = []
    for index in itertools.count():
        try:
            image.seek(index)
        except EOFError:
            break
        if index >= limits.max_frames or (index + 1) * width * height > limits.max_frame_pixels:
            raise _TooManyFrames
        durations.append(int(image.info.get("duration", 100)))
    image.seek(0)
    return durations


def _reencode_image(data: bytes, kind: Kind, name: str) -> bytes:
    limits = image_limits()
    try:
        with _decode_slot(name, limits), warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat it as the error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as image:
                width, height = image.size  # from the header: nothing is decoded yet
                if width * height > limits.max_pixels:
                    raise Image.DecompressionBombError(f"{width}×{height}")
                if getattr(image, "is_animated", False):
                    return _encode_frames(image, kind, _frame_durations(image, limits))
                return _encode(image, kind)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _reject(
            "image_too_large", _MSG_IMAGE_TOO_BIG, name, limit=limits.max_pixels // 1_000_000
        ) from exc
    except _TooManyFrames as exc:
        raise _reject(
            "too_many_frames",
            _MSG_TOO_MANY_FRAMES,
            name,
            frames=limits.max_frames,
            limit=limits.max_frame_pixels // 1_000_000,
        ) from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        zlib.error,
    ) as exc:
        raise _reject("corrupt", _MSG_CORRUPT_IMAGE, name) from exc


def _icc(image: Image.Image) -> dict[str, object]:
    # Colour profiles are kept (dropping one shifts colours); nothing else from the original's
    # metadata is passed on: every `info` key the encoder might copy (exif, xmp, comment, text
    # chunks) is left behind with the original object.
    icc = image.info.get("icc_profile")
    return {"icc_profile": icc} if icc else {}


def _encode_frames(image: Image.Image, kind: Kind, durations: list[int]) -> bytes:
    def frames() -> Iterator[Image.Image]:
        for frame in ImageSequence.Iterator(image):
            converted = frame.convert("RGBA")
            converted.info = {}
            yield converted

    out = io.BytesIO()
    extra = _icc(image)
    loop = int(image.info.get("loop", 0))
    sequence = frames()
    # The encoder pulls the frames one by one: no list of converted frames is built here.
    next(sequence).save(
        out,
        _PILLOW_FORMATS[kind],
        save_all=True,
        append_images=sequence,
        duration=durations,
        loop=loop,
        **extra,
    )
    return out.getvalue()


def _encode(image: Image.Image, kind: Kind) -> bytes:
    out = io.BytesIO()
    fmt = _PILLOW_FORMATS[kind]
    extra = _icc(image)
    # The photo is shown as the camera held it once the orientation tag is gone with the EXIF.
    upright = ImageOps.exif_transpose(image)
    upright.load()
    if kind is _JPEG and upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    transparency = upright.info.get("transparency")
    upright.info = {}
    if transparency is not None and kind in (_PNG, _GIF):
        extra["transparency"] = transparency
    if kind is _JPEG:
        extra["quality"] = 90
    upright.save(out, fmt, **extra)
    return out.getvalue()


def inspect_upload(filename: str, data: bytes) -> CheckedUpload:
    """Checks one file and returns what may be stored, or raises UploadRejected."""
    name = safe_filename(filename)
    if not data:
        raise _reject("empty", _MSG_EMPTY, name)
    if len(data) > MAX_BYTES:
        raise _reject("too_large", _MSG_TOO_LARGE, name, limit_mb=MAX_BYTES // (1024 * 1024))

    guess = filetype.guess(data)
    if data.startswith(b"PK\x03\x04"):
        # filetype names office files by peeking at the first entry names, which a crafted zip
        # controls; the container itself decides.
        kind = _sniff_zip(data, name)
        actual_label = kind.label if kind else "ZIP"
    else:
        mime = "image/png" if guess is not None and guess.mime == "image/apng" else None
        mime = mime or (guess.mime if guess is not None else None)
        kind = _BY_MEDIA_TYPE.get(mime) if mime else None
        if kind in _OOXML_MAIN or kind in (_ODT, _ODS, _ODP):
            kind = None  # not a zip, whatever filetype read in it
        actual_label = kind.label if kind else (guess.extension.upper() if guess else "")

    claim = _claimed_type(name)
    if claim is not None and claim[1] is not kind:
        claimed_label, _claimed_kind = claim
        if actual_label:
            raise _reject("spoofed", _MSG_SPOOFED, name, claimed=claimed_label, actual=actual_label)
        raise _reject("spoofed", _MSG_SPOOFED_UNKNOWN, name, claimed=claimed_label)
    if kind is None:
        if actual_label:
            raise _reject(
                "not_allowed", _MSG_NOT_ALLOWED, name, actual=actual_label, accepted=ACCEPTED_LABEL
            )
        raise _reject("not_allowed", _MSG_UNRECOGNISED, name, accepted=ACCEPTED_LABEL)

    if kind in _PILLOW_FORMATS:
        data = _reencode_image(data, kind, name)
    return CheckedUpload(
        safe_filename=safe_filename(name, kind.extensions[0]),
        media_type=kind.media_type,
        size=len(data),
        data=data,
        kind=kind,
    )


def _ascii_fallback(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = decomposed.encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()\-]", "_", ascii_name).strip() or "attachment"
    return ascii_name


def safe_headers(upload_media_type: str, filename: str) -> dict[str, str]:
    """Response headers for serving a stored upload: the browser neither guesses the type, nor
    runs anything in it, nor keeps it in a shared cache."""
    kind = _BY_MEDIA_TYPE.get(upload_media_type)
    name = safe_filename(filename, kind.extensions[0] if kind else None)
    disposition = "inline" if kind is not None and kind.inline else "attachment"
    return {
        # Only types this module accepted are named; anything else is an opaque download.
        "Content-Type": kind.media_type if kind else "application/octet-stream",
        # RFC 6266/5987: an ASCII name for old clients, the exact UTF-8 one for the rest.
        "Content-Disposition": (
            f'{disposition}; filename="{_ascii_fallback(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private, no-cache",
    }
