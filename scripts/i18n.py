"""Maintainers' catalogue tool: `python scripts/i18n.py update` extracts and merges new messages;
`python scripts/i18n.py fill FILE.json` adds translations for messages still empty.

FILE.json maps a msgid to {"es": ..., "pt": ...}; for a plural message the values are
[singular, plural]; a message with a context (NC_, pgettext) is keyed "context\u0004msgid".
English takes the msgid itself. Both commands hold a lock file so that two
people (or two helpers) updating the catalogues at once never lose each other's work.
"""

import fcntl
import fnmatch
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
# Babel's own default also skips every directory starting with "_", and with it
# app/templates/_macros (the shared form text): name what to skip instead.
IGNORE_DIRS = (".*", "__pycache__", "node_modules")


@contextmanager
def locked() -> Iterator[None]:
    with (LOCALES / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def extract(pot: Path) -> None:
    """Writes every message of the code and templates to `pot` (tests/test_i18n.py runs it too)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "NC_:1c,2",  # app.i18n.NC_(context, message)
            "--ignore-dirs",
            " ".join(IGNORE_DIRS),
            "--no-location",
            "--sort-output",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def extracted_files() -> set[Path]:
    """The files `extract` reads (babel.cfg's patterns, IGNORE_DIRS), found without extracting."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    seen: set[Path] = set()

    def skip_dir(dirname: str) -> bool:
        return not any(fnmatch.fnmatch(Path(dirname).name, p) for p in IGNORE_DIRS)

    def read(filename: str, method: str, options: dict[str, object]) -> None:
        seen.add((ROOT / filename).resolve())

    # Extracting with a keyword that no file uses visits every file and returns nothing.
    for _ in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={"_townhall_no_such_keyword": None},
        callback=read,
        directory_filter=skip_dir,
    ):
        pass
    return seen


def update() -> None:
    pot = LOCALES / "messages.pot"
    babel = [sys.executable, "-m", "babel.messages.frontend"]
    extract(pot)
    subprocess.run(
        [
            *babel,
            "update",
            "-i",
            str(pot),
            "-d",
            str(LOCALES),
            "-D",
            "messages",
            "--no-fuzzy-matching",
            "--ignore-obsolete",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    fill({})


def fill(translations: dict[str, dict[str, object]]) -> None:
    for locale in ("es", "pt", "en"):
        path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        missing = []
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            key = f"{message.context}\x04{ids[0]}" if message.context else ids[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings) and not message.fuzzy:
                continue
            if locale == "en":
                message.string = tuple(ids) if isinstance(message.id, tuple) else ids[0]
            elif key in translations and locale in translations[key]:
                value = translations[key][locale]
                message.string = tuple(value) if isinstance(message.id, tuple) else value  # type: ignore[arg-type]
            else:
                missing.append(key)
                continue
            message.flags.discard("fuzzy")
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False)
        if missing:
            print(f"{locale}: {len(missing)} still untranslated", file=sys.stderr)


if __name__ == "__main__":
    with locked():
        if sys.argv[1:2] == ["update"]:
            update()
        elif sys.argv[1:2] == ["fill"] and len(sys.argv) == 3:
            fill(json.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
        else:
            sys.exit(__doc__)
