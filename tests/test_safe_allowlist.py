"""Every place that turns off autoescaping is reviewed (issue 15, "Trust"): `|safe` and
`autoescape false` in templates, `Markup(`, `markupsafe.Markup(`, `Markup.unescape` and
`autoescape=False` in the app's Python. Each one found must be in ALLOWED below with the reason
it is safe — what sanitises or escapes the value — and each entry must still be found, so the
list neither misses a new place nor keeps a stale one.

A place is named by its file and a short stable text, not a line number: the Jinja tag that
holds the filter, or the Python line stripped of a trailing `# noqa` comment. Edits elsewhere in
the file leave it alone; editing the place itself asks for a new review, as it should."""

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
TEMPLATE_SUFFIXES = {".html", ".txt", ".xml", ".svg", ".j2", ".jinja", ".jinja2"}

# In templates: `|safe` (spaces allowed around the bar), `{% filter safe %}`, and
# `{% autoescape false %}`.
TEMPLATE_PATTERN = re.compile(
    r"\|\s*safe\b|\{%-?\s*filter\s+safe\b|\{%-?\s*autoescape\s+false\b", re.IGNORECASE
)
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# In Python: Markup(...) however it is reached (markupsafe.Markup(, jinja's re-export),
# Markup.unescape, and an environment built without autoescaping.
PYTHON_PATTERN = re.compile(r"\bMarkup\s*\(|\bMarkup\.unescape\b|\bautoescape\s*=\s*False\b")
NOQA = re.compile(r"\s*#\s*noqa\b.*$")

Place = tuple[str, str]  # (path from the repository root, stable text)

ALLOWED: dict[Place, str] = {
    # -- templates --
    (
        "app/templates/_macros/forms.html",
        "{{ extra|safe }}",
    ): "`extra` is extra attributes for an <input>, and every caller passes a string literal "
    "written in a template (test_input_extra_is_always_a_literal checks it)",
    # -- app/templating.py: the template filters and globals --
    (
        "app/templating.py",
        '"span": Markup("<span{1}>{0}</span>"),',
    ): "a constant format string; Markup.format escapes the text put into it",
    (
        "app/templating.py",
        '"p": Markup("<p{1}>{0}</p>"),',
    ): "a constant format string; Markup.format escapes the text put into it",
    (
        "app/templating.py",
        'return Markup("")',
    ): "the empty string: nothing to escape",
    (
        "app/templating.py",
        "lang_attr = Markup(' lang=\"{}\"').format(lang)",
    ): "a constant format string; Markup.format escapes the language code",
    (
        "app/templating.py",
        "return element.format(text, lang_attr) + Markup("
        "' <small class=\"fallback\">{}</small>').format(",
    ): "constant format strings; Markup.format escapes the text and the fallback note",
    (
        "app/templating.py",
        'return Markup(html or "")',
    ): "the `stored_html` filter: `*_html` columns, made by lib/markup.store or store_text "
    "(nh3) when their text is written (contribution bodies by a mapper event, answers, "
    "comments) and paragraph HTML frozen in snapshots by the same sanitiser",
    (
        "app/templating.py",
        'return Markup("".join(blocks))',
    ): "the `paragraphs` filter: every line of text went through escape() before it was "
    "joined with constant tags",
    (
        "app/templating.py",
        'return Markup(\'<div lang="{0}">{1}</div><p class="fallback">{2}</p>\').format(',
    ): "a constant format string; Markup.format escapes the language code and the note, and "
    "the body is the escaped output of the `paragraphs` filter",
    (
        "app/templating.py",
        '"csrf_input": lambda: Markup(\'<input type="hidden" name="{}" value="{}">\').format(',
    ): "a constant format string; Markup.format escapes the field name and the token",
    # -- elsewhere in app/ --
    (
        "app/web/fragments.py",
        'return Markup(f"{_OPEN}slot:{len(state.slots) - 1}{_CLOSE}")',
    ): "a marker made of fixed private-use characters, a nonce and a number; nothing typed "
    "by anyone (the reader's name filled in later is escaped)",
    (
        "app/routers/policy/pages.py",
        "return Markup(template.render({**ctx.get_all(), **panel.context}))",
    ): "a panel's .html template rendered by the app's environment, which autoescapes .html: "
    "its output is already escaped",
    (
        "app/routers/policy/io.py",
        "(s, [(Markup(html), notes) for html, notes in zip(s.html, s.notes, strict=True)])",
    ): "a snapshot's frozen paragraph HTML, made by listing.paragraph_html (render_markdown, "
    "nh3) when the snapshot was frozen; snapshots are never written from a request's input",
    (
        "app/lib/choropleth.py",
        "return Markup(",
    ): "the map's SVG: every text (title, description, names, labels, links, ids) goes "
    "through escape(); the rest are numbers and constant colours",
    (
        "app/lib/markup.py",
        "return Markup(_clean(html, _MARKDOWN_TAGS))",
    ): "Markdown rendered with raw HTML off and then sanitised by nh3 with the house "
    "allow-list of tags and attributes",
    (
        "app/lib/charts.py",
        "return Markup(",
    ): "the chart's SVG: every label and number goes through _text() (escape); the ids match "
    "a letters-digits pattern or are random",
}


def _stable_template_text(source: str, start: int, end: int) -> str:
    """The Jinja tag holding the match, else the stripped line."""
    for tag in JINJA_TAG.finditer(source):
        if tag.start() <= start and end <= tag.end():
            return " ".join(tag.group(0).split())
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", end)
    return source[line_start : None if line_end < 0 else line_end].strip()


def _template_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in TEMPLATE_SUFFIXES and "static" not in path.parts:
            yield path


def scan_template(name: str, source: str) -> list[Place]:
    return [
        (name, _stable_template_text(source, m.start(), m.end()))
        for m in TEMPLATE_PATTERN.finditer(source)
    ]


def scan_python(name: str, source: str) -> list[Place]:
    return [
        (name, NOQA.sub("", line).strip())
        for line in source.splitlines()
        if PYTHON_PATTERN.search(line)
    ]


def found_places(root: Path = ROOT) -> list[Place]:
    places: list[Place] = []
    for path in _template_files(root / "app"):
        places += scan_template(path.relative_to(root).as_posix(), path.read_text("utf-8"))
    for path in sorted((root / "app").rglob("*.py")):
        places += scan_python(path.relative_to(root).as_posix(), path.read_text("utf-8"))
    return places


def _listing(places: Iterable[Place]) -> str:
    return "\n".join(f"  {path}: {text}" for path, text in sorted(set(places)))


def test_every_place_that_skips_escaping_is_reviewed() -> None:
    new = [p for p in found_places() if p not in ALLOWED]
    assert not new, (
        "These places turn off HTML escaping and are not in the reviewed allow-list:\n"
        f"{_listing(new)}\n"
        "Review each one: can any user-typed text reach it without being escaped or sanitised "
        "(lib/markup.store, nh3, escape(), Markup.format)? If it cannot, add it to ALLOWED in "
        "tests/test_safe_allowlist.py with the one-line reason; if it can, fix the code."
    )


def test_the_allow_list_has_no_stale_entries() -> None:
    found = set(found_places())
    stale = [p for p in ALLOWED if p not in found]
    assert not stale, (
        "These allow-list entries match nothing any more (the code moved or changed):\n"
        f"{_listing(stale)}\n"
        "Remove them from ALLOWED in tests/test_safe_allowlist.py, and review the new text if "
        "the place was only edited."
    )


def test_every_entry_says_why_it_is_safe() -> None:
    for place, reason in ALLOWED.items():
        assert len(reason.split()) >= 5, f"{place}: say what sanitises or escapes the value"


def extra_offenders(name: str, source: str) -> list[str]:
    """Calls (`{{ … }}`) that pass `extra=` anything but a string literal."""
    offenders = []
    for tag in JINJA_TAG.finditer(source):
        if not tag.group(0).startswith("{{"):
            continue  # `{% macro input(…, extra='') %}` declares it; calls are expressions
        for m in EXTRA_ARG.finditer(tag.group(0)):
            if not LITERAL.match(tag.group(0), m.end()):
                offenders.append(f"{name}:{source[: tag.start()].count(chr(10)) + 1}")
    return offenders


EXTRA_ARG = re.compile(r"\bextra\s*=\s*")
LITERAL = re.compile(r"'[^'{}]*'(?!\s*~)|\"[^\"{}]*\"(?!\s*~)")


def test_input_extra_is_always_a_literal() -> None:
    """`{{ extra|safe }}` in the input macro is safe only while no caller passes a variable."""
    offenders = [
        spot
        for path in _template_files(APP)
        for spot in extra_offenders(path.relative_to(ROOT).as_posix(), path.read_text("utf-8"))
    ]
    assert not offenders, (
        "`extra=` must be a string literal (it is printed with |safe): " + ", ".join(offenders)
    )
    calls = sum(
        len(EXTRA_ARG.findall(tag.group(0)))
        for path in _template_files(APP)
        for tag in JINJA_TAG.finditer(path.read_text("utf-8"))
        if tag.group(0).startswith("{{")
    )
    assert calls > 10  # the check above saw the callers


def test_the_scan_finds_each_form() -> None:
    """The scan itself, on made-up sources, so that a blind pattern cannot pass the test."""
    template = (
        "<p>{{ a|safe }}</p>\n<p>{{ b | safe }}</p>\n{% filter safe %}x{% endfilter %}\n"
        "{% autoescape false %}{{ c }}{% endautoescape %}\n<p>{{ safely }}</p>\n"
    )
    assert scan_template("t.html", template) == [
        ("t.html", "{{ a|safe }}"),
        ("t.html", "{{ b | safe }}"),
        ("t.html", "{% filter safe %}"),
        ("t.html", "{% autoescape false %}"),
    ]
    assert extra_offenders("f.html", "{{ f.input('a', 'A', extra='min=\"1\"') }}") == []
    assert extra_offenders("f.html", "{{ f.input('a', 'A', extra=values.x) }}") == ["f.html:1"]
    assert extra_offenders("f.html", "\n{{ f.input('a', extra='x' ~ name) }}") == ["f.html:2"]
    python = (
        "x = Markup(y)\nz = markupsafe.Markup (w)  # noqa: S704 - why\nv = Markup.unescape(u)\n"
        "env = Environment(autoescape=False)\nm: Markup = escape(t)\n"
    )
    assert scan_python("m.py", python) == [
        ("m.py", "x = Markup(y)"),
        ("m.py", "z = markupsafe.Markup (w)"),
        ("m.py", "v = Markup.unescape(u)"),
        ("m.py", "env = Environment(autoescape=False)"),
    ]


def test_a_new_place_anywhere_in_the_app_is_found(tmp_path: Path) -> None:
    (tmp_path / "app" / "templates" / "deep").mkdir(parents=True)
    (tmp_path / "app" / "templates" / "deep" / "new.html").write_text("<b>{{ name | safe }}</b>")
    (tmp_path / "app" / "lib").mkdir()
    (tmp_path / "app" / "lib" / "new.py").write_text("html = markupsafe.Markup(name)\n")
    found = found_places(tmp_path)
    assert found == [
        ("app/templates/deep/new.html", "{{ name | safe }}"),
        ("app/lib/new.py", "html = markupsafe.Markup(name)"),
    ]
    assert not set(found) & set(ALLOWED)
