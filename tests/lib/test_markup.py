import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import Markup

from app.lib import markup
from app.lib.markup import LINK_REL, html_to_text, plain_text, render_markdown

PAYLOADS_FILE = Path(__file__).parent.parent / "data" / "xss_payloads.txt"
_ESCAPES = re.compile(r"\\n|\\u([0-9A-Fa-f]{4})")


def _load_payloads() -> list[str]:
    # One payload a line; `\n` and `\uXXXX` stand for characters a line cannot hold.
    def decode(match: re.Match[str]) -> str:
        return "\n" if match.group(0) == "\\n" else chr(int(match.group(1), 16))

    lines = PAYLOADS_FILE.read_text(encoding="utf-8").splitlines()
    return [_ESCAPES.sub(decode, line) for line in lines if line.strip()]


PAYLOADS = _load_payloads()
FORBIDDEN_ELEMENTS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "svg", "math", "form",
    "input", "button", "img", "video", "audio", "source", "link", "meta", "base", "template",
    "noscript", "textarea", "select", "details", "marquee", "body", "html", "isindex",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}}
SAFE_HREF = re.compile(r"(https?://|mailto:)[^\s\x00-\x1f]", re.IGNORECASE)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def parse(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def assert_safe(html: str, allowed_tags: frozenset[str]) -> None:
    for tag, attrs in parse(html):
        assert tag not in FORBIDDEN_ELEMENTS, html
        assert tag in allowed_tags, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()), html
            if name == "href":
                # The parser has already decoded entities, so this is the URL a browser follows.
                assert value is not None
                assert SAFE_HREF.match(value), html
            if name == "rel":
                assert value == LINK_REL
            if name == "start":
                assert value is not None
                assert value.isdigit()


def test_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 80


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_payload_renders_safely(payload: str) -> None:
    html = render_markdown(payload)
    assert isinstance(html, Markup)
    assert_safe(str(html), markup._MARKDOWN_TAGS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitiser_alone_cleans_raw_html(payload: str) -> None:
    # markdown-it already escapes raw HTML, so the corpus rarely reaches nh3 as markup through
    # render_markdown: feed nh3 directly, as the e-mail path does, to test that layer on its own.
    assert_safe(markup._clean(payload, markup._MARKDOWN_TAGS), markup._MARKDOWN_TAGS)
    assert_safe(markup._clean(payload, markup._MAIL_TAGS), markup._MAIL_TAGS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_conversions_never_fail(payload: str) -> None:
    assert isinstance(html_to_text(payload), str)
    assert isinstance(plain_text(payload, limit=80), str)


def test_typed_html_is_shown_as_text() -> None:
    html = str(render_markdown("Usen <b>negrita</b> & <script>x</script>"))
    assert "&lt;b&gt;negrita&lt;/b&gt; &amp; &lt;script&gt;" in html


def test_ordinary_markdown() -> None:
    source = (
        "# Propuesta\n\n"
        "Las ciudades **cuidadoras** necesitan *financiación* estable.\n"
        "Segunda línea del mismo párrafo.\n\n"
        "- guarderías públicas\n- centros de día\n\n"
        "1. primero\n2. segundo\n\n"
        "> Nada sobre nosotras sin nosotras\n\n"
        'Ver [el informe](https://example.org/informe "Informe PSI") o escribir a '
        "<secretaria@example.org>.\n\n"
        "---\n\n"
        "Código: `x < y`"
    )
    html = str(render_markdown(source))
    assert "<h3>Propuesta</h3>" in html
    assert "<strong>cuidadoras</strong>" in html
    assert "<em>financiación</em>" in html
    assert "estable.<br>\nSegunda línea" in html
    assert "<ul>\n<li>guarderías públicas</li>\n<li>centros de día</li>\n</ul>" in html
    assert "<ol>\n<li>primero</li>" in html
    assert "<blockquote>\n<p>Nada sobre nosotras sin nosotras</p>\n</blockquote>" in html
    assert (
        f'<a href="https://example.org/informe" title="Informe PSI" rel="{LINK_REL}">el informe</a>'
    ) in html
    assert f'<a href="mailto:secretaria@example.org" rel="{LINK_REL}">' in html
    assert "<hr>" in html
    assert "<code>x &lt; y</code>" in html


def test_portuguese_accents_and_bare_links() -> None:
    html = str(render_markdown("Proposta de ação: ver https://exemplo.org/cuidados — obrigação"))
    assert "Proposta de ação" in html
    assert "obrigação" in html
    assert f'<a href="https://exemplo.org/cuidados" rel="{LINK_REL}">' in html


def test_headings_are_demoted_below_the_page_headings() -> None:
    html = str(render_markdown("# a\n\n## b\n\n### c\n\n###### f"))
    assert "<h3>a</h3>" in html
    assert "<h4>b</h4>" in html
    assert "<h5>c</h5>" in html
    assert "<h6>f</h6>" in html
    assert "<h1" not in html
    assert "<h2" not in html


def test_ordered_list_keeps_its_start() -> None:
    assert '<ol start="3">' in str(render_markdown("3. tres\n4. cuatro"))


def test_code_block_keeps_its_text_but_no_language_class() -> None:
    html = str(render_markdown("```js\nalert('<b>')\n```"))
    assert html == "<pre><code>alert('&lt;b&gt;')\n</code></pre>\n"


def test_images_become_links_to_their_address() -> None:
    html = str(render_markdown("![mapa](https://example.org/mapa.png)"))
    assert "<img" not in html
    assert f'!<a href="https://example.org/mapa.png" rel="{LINK_REL}">mapa</a>' in html


def test_relative_links_lose_their_target() -> None:
    html = str(render_markdown("[borrar](/admin/delete) [arriba](#top)"))
    assert "href" not in html
    assert "borrar" in html


def test_empty_input() -> None:
    assert render_markdown("") == Markup("")
    assert plain_text("") == ""
    assert html_to_text("") == ""


def test_plain_text_keeps_paragraphs_and_drops_markup() -> None:
    text = plain_text(
        "# Título\n\nUna **propuesta** con [enlace](https://example.org).\n\n- a\n- b"
    )
    assert text == "Título\n\nUna propuesta con enlace.\n\n  * a\n  * b"


def test_plain_text_excerpt_cuts_at_a_word() -> None:
    source = "La **participación** ciudadana en los cuidados\n\ndebe ser vinculante."
    assert plain_text(source, limit=200) == (
        "La participación ciudadana en los cuidados debe ser vinculante."
    )
    excerpt = plain_text(source, limit=30)
    assert excerpt == "La participación ciudadana en…"
    assert len(excerpt) <= 30


def test_plain_text_excerpt_of_one_long_word() -> None:
    excerpt = plain_text("https://example.org/" + "a" * 100, limit=20)
    assert len(excerpt) == 20
    assert excerpt.endswith("…")


def test_plain_text_rejects_a_nonsense_limit() -> None:
    with pytest.raises(ValueError, match="positive"):
        plain_text("x", limit=0)


def test_html_to_text_of_an_email() -> None:
    html = """<html><head><title>Boletín</title><style>p{color:red}</style>
      <script>alert(1)</script></head><body>
      <p>Estimada secretaría:</p>
      <p>Adjuntamos la <a href="https://example.org/propuesta" onclick="x()">propuesta</a>
      de la red.<br>Saludos,</p>
      <ul><li>uno</li><li>dos</li></ul>
      <p>Ana &amp; João</p>
      <a href="javascript:alert(1)">no</a>
      </body></html>"""
    text = html_to_text(html)
    assert text == (
        "Estimada secretaría:\n\n"
        "Adjuntamos la [propuesta](https://example.org/propuesta) de la red.\n"
        "Saludos,\n\n"
        "  * uno\n  * dos\n\n"
        "Ana & João\n\n"
        "no"
    )
    assert "Boletín" not in text
    assert "alert" not in text
    assert "color" not in text


def test_html_to_text_keeps_preformatted_text() -> None:
    assert html_to_text("<pre><code>a\n  b</code></pre>") == "a\n  b"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_remark_payload_is_stored_safely(payload: str) -> None:
    assert_safe(markup.store_text(payload), markup._TEXT_TAGS)


def test_a_remark_keeps_its_words_and_line_breaks_and_its_addresses_become_links() -> None:
    html = markup.store_text(
        "Dados em https://ibge.gov.br/censo?x=1&y=2 e www.ipea.gov.br\n"
        "*não* é ênfase, <b>nem</b> isto [a](https://x.org)\n\n"
        "Escrevam para cuidados@example.org"
    )
    link = f'rel="{LINK_REL}"'
    assert f'<a href="https://ibge.gov.br/censo?x=1&amp;y=2" {link}>' in html
    assert f'<a href="http://www.ipea.gov.br" {link}>www.ipea.gov.br</a><br>' in html
    assert "*não* é ênfase, &lt;b&gt;nem&lt;/b&gt; isto [a](" in html
    assert f'<p>Escrevam para <a href="mailto:cuidados@example.org" {link}>' in html
    assert html.count("<p>") == 2


def test_stored_markdown_is_the_rendered_markdown() -> None:
    text = "# Título\n\nVer [o plano](https://example.org) e **isto**."
    assert markup.store(text) == str(render_markdown(text))
    assert "<h3>Título</h3>" in markup.store(text)
