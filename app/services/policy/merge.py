"""Three-way merge of a section at paragraph level.

The order of paragraphs is merged by merge3 on their ids (the base revision's, the saver's,
the current revision's); the text of each paragraph kept by both is then settled three ways:
changed on one side only, that side's; changed alike, either; changed differently, a conflict.
Both sides adding paragraphs at the same place keeps both (theirs first). A paragraph one side
removed (or merged into another) while the other changed it is a conflict: taking the removal
would lose the change. The title merges the same way. Nothing here touches the database.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from merge3 import Merge3

from app.services.policy.paragraphs import Para


@dataclass(frozen=True)
class Clash:
    field: str  # "title" or "paragraph"
    paragraph_id: int | None
    base: str | None
    ours: str | None
    theirs: str | None


@dataclass
class Merged:
    paragraphs: list[Para]
    title: str
    clashes: list[Clash] = field(default_factory=list)


def _key(paragraphs: Sequence[Para]) -> list[str]:
    """Ids as merge3 sees them (strings, like lines): new paragraphs get keys of their own."""
    return [str(p.id) if p.id is not None else f"new{n}" for n, p in enumerate(paragraphs)]


def _id(key: str) -> int | None:
    return int(key) if key.isdigit() else None


def _conflict_region(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    """Both changed the order here: theirs, less what we removed, plus what we added after the
    paragraph it follows in ours."""
    removed_by_us = set(base) - set(ours)
    result = [i for i in theirs if i not in removed_by_us]
    for n, i in enumerate(ours):
        if i in base or i in result:
            continue
        before = next((p for p in reversed(ours[:n]) if p in result), None)
        if before is not None:
            result.insert(result.index(before) + 1, i)
        else:  # at the start of the region: after what they added there
            lead = next((k for k, p in enumerate(result) if p in base), len(result))
            result.insert(lead, i)
    return result


def _order(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    result: list[str] = []
    for region in Merge3(base, ours, theirs).merge_regions():
        kind = region[0]
        if kind == "unchanged":
            result.extend(base[region[1] : region[2]])
        elif kind in ("a", "same"):
            result.extend(ours[region[1] : region[2]])
        elif kind == "b":
            result.extend(theirs[region[1] : region[2]])
        else:
            z1, z2, a1, a2, b1, b2 = region[1:]  # type: ignore[misc]
            result.extend(_conflict_region(base[z1:z2], ours[a1:a2], theirs[b1:b2]))
    return result


def _three(base: str | None, ours: str | None, theirs: str | None) -> tuple[bool, str | None]:
    """(agreed, text): one side's change, or the same change on both."""
    if ours in (theirs, base):
        return True, theirs
    if theirs == base:
        return True, ours
    return False, theirs


def merge(
    *,
    base: Sequence[Para],
    ours: Sequence[Para],
    theirs: Sequence[Para],
    base_title: str,
    our_title: str,
    their_title: str,
) -> Merged:
    base_ids, our_ids, their_ids = _key(base), _key(ours), _key(theirs)
    texts = {
        "base": dict(zip(base_ids, (p.text for p in base), strict=True)),
        "ours": dict(zip(our_ids, (p.text for p in ours), strict=True)),
        "theirs": dict(zip(their_ids, (p.text for p in theirs), strict=True)),
    }
    b, o, t = texts["base"], texts["ours"], texts["theirs"]
    clashes: list[Clash] = []
    agreed, title = _three(base_title, our_title, their_title)
    if not agreed:
        clashes.append(Clash("title", None, base_title, our_title, their_title))
    order = _order(base_ids, our_ids, their_ids)
    kept = set(order)
    for i in base_ids:
        if i in kept:
            continue
        # Removed on one side (or both): fine unless the other side changed it.
        if (i in o and o[i] != b[i]) or (i in t and t[i] != b[i]):
            clashes.append(Clash("paragraph", _id(i), b[i], o.get(i), t.get(i)))
    result: list[Para] = []
    for i in order:
        if i in b and i in o and i in t:
            agreed, text = _three(b[i], o[i], t[i])
            if not agreed:
                clashes.append(Clash("paragraph", _id(i), b[i], o[i], t[i]))
        else:
            text = o.get(i) if i in o else t.get(i)
        result.append(Para(_id(i), text or ""))
    return Merged(result, title or "", clashes)
