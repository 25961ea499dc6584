"""What changed between two snapshots of a document, section by section (matched by section id,
so a renumbered section is the same section) and, inside each, paragraph by paragraph (by id)
and word by word, with the history pages' word diff."""

from dataclasses import dataclass
from typing import Any, Literal

from app.models.policy import DiffRun, ParagraphDiff
from app.models.policy_stages import DocumentSnapshot
from app.services.policy.history import word_diff

Change = Literal["same", "changed", "added", "removed"]


@dataclass(frozen=True)
class SectionDiff:
    section_id: int
    number: str  # in the newer snapshot (the older one's for a removed section)
    old_number: str | None
    depth: int
    title: list[DiffRun]
    change: Change
    paragraphs: list[ParagraphDiff]


def _order(old: list[int], new: list[int]) -> list[int]:
    """Ids in the newer order, each removed one after the one it followed."""
    order = list(new)
    present = set(order)
    for n, item in enumerate(old):
        if item in present:
            continue
        before = next((q for q in reversed(old[:n]) if q in order), None)
        order.insert(order.index(before) + 1 if before is not None else 0, item)
    return order


def _paragraphs(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[ParagraphDiff]:
    old_text = {int(p["id"]): str(p["text"]) for p in old}
    new_text = {int(p["id"]): str(p["text"]) for p in new}
    out: list[ParagraphDiff] = []
    for pid in _order(list(old_text), list(new_text)):
        before, after = old_text.get(pid), new_text.get(pid)
        change: Change
        if before is None:
            change, runs = "added", [DiffRun(op="insert", text=after or "")]
        elif after is None:
            change, runs = "removed", [DiffRun(op="delete", text=before)]
        elif before == after:
            change, runs = "same", [DiffRun(op="equal", text=before)]
        else:
            change, runs = "changed", word_diff(before, after)
        out.append(ParagraphDiff(paragraph_id=pid, change=change, runs=runs))
    return out


def diff(prev: DocumentSnapshot, this: DocumentSnapshot) -> list[SectionDiff]:
    old = {int(s["id"]): s for s in prev.sections}
    new = {int(s["id"]): s for s in this.sections}
    out: list[SectionDiff] = []
    for sid in _order(list(old), list(new)):
        before, after = old.get(sid), new.get(sid)
        shown = after or before or {}
        paragraphs = _paragraphs(
            list(before.get("paragraphs", [])) if before else [],
            list(after.get("paragraphs", [])) if after else [],
        )
        change: Change
        if before is None:
            change = "added"
        elif after is None:
            change = "removed"
        elif before.get("title") != after.get("title") or any(
            p.change != "same" for p in paragraphs
        ):
            change = "changed"
        else:
            change = "same"
        if before is not None and after is not None:
            title = word_diff(str(before.get("title", "")), str(after.get("title", "")))
        else:
            title = [DiffRun(op="equal", text=str(shown.get("title", "")))]
        out.append(
            SectionDiff(
                section_id=sid,
                number=str(shown.get("number", "")),
                old_number=str(before["number"]) if before else None,
                depth=int(shown.get("depth", 1)),
                title=title,
                change=change,
                paragraphs=paragraphs,
            )
        )
    return out
