"""A section's Markdown as paragraphs, and which paragraph of a new text is which old one.

Paragraphs are the top-level blocks markdown-it-py finds (a paragraph, a heading, a whole list,
a fenced code block with its blank lines, a quote, a table...); lines it keeps no token for
(link reference definitions) become blocks of their own, so that no line of the text is lost.
The body is the blocks joined by one blank line.

Alignment keeps ids: equal paragraphs keep theirs; within a changed run an edited paragraph
keeps its id, a split gives it to the first part, a merge keeps the first id and reports the
others as merged into it; what matches nothing is new (or removed).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from markdown_it import MarkdownIt

from app.i18n import N_, Message
from app.services.errors import InvalidInput

_MD = MarkdownIt("commonmark")
_WORDS = re.compile(r"\w+|[^\w\s]", re.UNICODE)
# Below this word similarity two paragraphs are different ones; above SAME_ENOUGH a split's
# parts (or merged paragraphs) together are the old text, lightly edited.
SIMILAR = 0.5
SAME_ENOUGH = 0.8
# How far alignment looks: a split into at most PARTS paragraphs (or a merge of as many), and
# a paragraph moved at most AHEAD places within a changed run; so aligning costs in proportion
# to the number of paragraphs.
PARTS = 6
AHEAD = 8
MAX_PARAGRAPHS = 1000


@dataclass(frozen=True)
class Para:
    id: int | None  # None: new, not stored yet
    text: str


@dataclass(frozen=True)
class Aligned:
    paragraphs: list[Para]
    merges: list[tuple[int, int]]  # (removed id, the id it was merged into)


def split(body: str) -> list[str]:
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    spans: list[tuple[int, int]] = []
    for token in _MD.parse(text):
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            spans.append((token.map[0], token.map[1]))
    covered = [False] * len(lines)
    for start, end in spans:
        for i in range(start, min(end, len(lines))):
            covered[i] = True
    i = 0
    while i < len(lines):  # lines no token covers: reference definitions, mostly
        if not covered[i] and lines[i].strip():
            start = i
            while i < len(lines) and not covered[i] and lines[i].strip():
                i += 1
            spans.append((start, i))
        else:
            i += 1
    blocks = []
    for start, end in sorted(spans):
        block = "\n".join(line.rstrip() for line in lines[start:end]).strip("\n")
        if block.strip():
            blocks.append(block)
    return blocks


def paragraphs_of(body: str) -> list[str]:
    """The paragraphs of a body someone sends, or 422 past what one section may hold."""
    blocks = split(body)
    if len(blocks) > MAX_PARAGRAPHS:
        raise InvalidInput(
            {
                "body": [
                    Message(
                        N_(
                            "A section holds at most %(count)s paragraphs. Split the text "
                            "into several sections."
                        ),
                        count=MAX_PARAGRAPHS,
                    )
                ]
            }
        )
    return blocks


def join(texts: Sequence[str]) -> str:
    return "\n\n".join(texts)


# Whether two paragraphs are one is plain from their first few hundred words; comparing all
# the words of two long paragraphs costs seconds.
_COMPARED_WORDS = 400


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORDS.findall(text.lower())[:_COMPARED_WORDS])


def similarity(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _longest_run(
    one: str, many: Sequence[str], start: int, stop: int, best: float
) -> tuple[int, float]:
    """How many of many[start:stop], from the first, together read as `one` (at least two)."""
    found, score = 0, best
    for k in range(2, min(stop - start, PARTS) + 1):
        together = similarity(one, join(many[start : start + k]))
        if together >= SAME_ENOUGH and together > score:
            found, score = k, together
    return found, score


def _align_run(
    old: Sequence[Para], new: Sequence[str], out: list[Para], merges: list[tuple[int, int]]
) -> None:
    """A changed run: `old` paragraphs became `new` texts."""
    texts = [p.text for p in old]
    i = j = 0
    while i < len(old) and j < len(new):
        alone = similarity(texts[i], new[j])
        parts, split_score = _longest_run(texts[i], new, j, len(new), alone)
        joined, merge_score = _longest_run(new[j], texts, i, len(old), alone)
        if parts and split_score >= merge_score:
            out.append(Para(old[i].id, new[j]))
            out.extend(Para(None, t) for t in new[j + 1 : j + parts])
            i, j = i + 1, j + parts
        elif joined:
            kept = old[i].id
            out.append(Para(kept, new[j]))
            merges.extend((p.id, kept) for p in old[i + 1 : i + joined] if p.id and kept)
            i, j = i + joined, j + 1
        elif alone >= SIMILAR:
            out.append(Para(old[i].id, new[j]))
            i, j = i + 1, j + 1
        elif any(similarity(texts[i], t) >= SIMILAR for t in new[j + 1 : j + 1 + AHEAD]):
            out.append(Para(None, new[j]))  # inserted before the old one, which comes later
            j += 1
        elif any(similarity(t, new[j]) >= SIMILAR for t in texts[i + 1 : i + 1 + AHEAD]):
            i += 1  # removed
        else:  # rewritten in place: the same paragraph, in other words
            out.append(Para(old[i].id, new[j]))
            i, j = i + 1, j + 1
    out.extend(Para(None, t) for t in new[j:])


def align(old: Sequence[Para], new: Sequence[str]) -> Aligned:
    out: list[Para] = []
    merges: list[tuple[int, int]] = []
    matcher = SequenceMatcher(None, [p.text for p in old], list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(Para(old[i1 + k].id, new[j1 + k]) for k in range(i2 - i1))
        elif tag == "insert":
            out.extend(Para(None, t) for t in new[j1:j2])
        elif tag == "replace":
            _align_run(old[i1:i2], new[j1:j2], out, merges)
    return Aligned(out, merges)
