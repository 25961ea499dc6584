"""Policy documents, part 1: documents and their drafting team, the numbered section tree
(documents.py), paragraphs with stable ids (paragraphs.py), the three-way merge (merge.py),
compare-and-set saves and reverts (saving.py), and revisions, diffs and blame (history.py)."""

from app.services.policy.documents import (
    add_member,
    create_document,
    create_section,
    current_paragraphs,
    document_public,
    get_document,
    get_section,
    member_public,
    section_public,
    team_ids,
    tree,
    user_names,
)
from app.services.policy.history import blame, diff, revisions, word_diff
from app.services.policy.merge import Clash, merge
from app.services.policy.paragraphs import Para, align, join, split
from app.services.policy.saving import Saved, SectionConflict, get_revision, revert, save_section

__all__ = [
    "Clash",
    "Para",
    "Saved",
    "SectionConflict",
    "add_member",
    "align",
    "blame",
    "create_document",
    "create_section",
    "current_paragraphs",
    "diff",
    "document_public",
    "get_document",
    "get_revision",
    "get_section",
    "join",
    "member_public",
    "merge",
    "revert",
    "revisions",
    "save_section",
    "section_public",
    "split",
    "team_ids",
    "tree",
    "user_names",
    "word_diff",
]
