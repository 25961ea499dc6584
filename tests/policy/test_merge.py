"""Paragraphs, their ids, and the three-way merge, without a database: the cases a drafting
team meets (same paragraph, different paragraphs, insert, delete, split, merge, title)."""

from app.services.policy import Para, align, merge, split
from app.services.policy.merge import Merged

BASE = [
    Para(1, "Care is a right of every person, at every age."),
    Para(2, "Public authorities fund care services and train care workers."),
    Para(3, "The youth, feminism and accessibility caucuses review this text."),
]
TEXTS = [p.text for p in BASE]


def _merge(ours: list[str], theirs: list[Para], *, titles: tuple[str, str] = ("T", "T")) -> Merged:
    return merge(
        base=BASE,
        ours=align(BASE, ours).paragraphs,
        theirs=theirs,
        base_title="T",
        our_title=titles[0],
        their_title=titles[1],
    )


def _pairs(paragraphs: list[Para]) -> list[tuple[int | None, str]]:
    return [(p.id, p.text) for p in paragraphs]


# -- splitting Markdown into paragraphs --------------------------------------------------------


def test_split_takes_top_level_blocks_and_keeps_every_line() -> None:
    body = (
        "# Care\nA paragraph\nover two lines.\n\n- one\n- two\n\n[psi]: https://example.org\n\n"
        "```\ncode\n\nstill code\n```\n> a quote"
    )
    assert split(body) == [
        "# Care",
        "A paragraph\nover two lines.",
        "- one\n- two",
        "[psi]: https://example.org",
        "```\ncode\n\nstill code\n```",
        "> a quote",
    ]


def test_split_of_blank_text_is_no_paragraph_and_crlf_is_normalised() -> None:
    assert split("  \n\n ") == []
    assert split("a\r\n\r\nb") == ["a", "b"]


# -- ids across an edit ----------------------------------------------------------------------


def test_an_edited_paragraph_keeps_its_id() -> None:
    new = [TEXTS[0], "Public authorities fund care services and pay care workers fairly.", TEXTS[2]]
    assert [p.id for p in align(BASE, new).paragraphs] == [1, 2, 3]


def test_inserted_and_deleted_paragraphs() -> None:
    inserted = align(BASE, [TEXTS[0], "A new idea entirely.", TEXTS[1], TEXTS[2]])
    assert [p.id for p in inserted.paragraphs] == [1, None, 2, 3]
    deleted = align(BASE, [TEXTS[0], TEXTS[2]])
    assert [p.id for p in deleted.paragraphs] == [1, 3]


def test_a_split_keeps_the_id_on_the_first_part() -> None:
    new = [TEXTS[0], "Public authorities fund care services.", "And train care workers.", TEXTS[2]]
    assert [p.id for p in align(BASE, new).paragraphs] == [1, 2, None, 3]


def test_a_merge_keeps_the_first_id_and_records_the_other() -> None:
    new = [TEXTS[0], TEXTS[1] + " " + TEXTS[2]]
    aligned = align(BASE, new)
    assert [p.id for p in aligned.paragraphs] == [1, 2]
    assert aligned.merges == [(3, 2)]


# -- three-way merge -------------------------------------------------------------------------


def test_edits_of_different_paragraphs_merge() -> None:
    ours = ["Care is a right of every person.", TEXTS[1], TEXTS[2]]
    theirs = [BASE[0], BASE[1], Para(3, "The three caucuses review and sign this text.")]
    done = _merge(ours, theirs)
    assert not done.clashes
    assert _pairs(done.paragraphs) == [
        (1, "Care is a right of every person."),
        (2, TEXTS[1]),
        (3, "The three caucuses review and sign this text."),
    ]


def test_edits_of_adjacent_paragraphs_merge() -> None:
    ours = ["Care is a right of every person.", TEXTS[1], TEXTS[2]]
    theirs = [BASE[0], Para(2, "Public authorities fund care."), BASE[2]]
    done = _merge(ours, theirs)
    assert not done.clashes
    assert [p.text for p in done.paragraphs] == [
        "Care is a right of every person.",
        "Public authorities fund care.",
        TEXTS[2],
    ]


def test_different_edits_of_the_same_paragraph_conflict() -> None:
    ours = ["Care is a right of every person.", TEXTS[1], TEXTS[2]]
    theirs = [Para(1, "Care is a right of all people, at every age."), BASE[1], BASE[2]]
    done = _merge(ours, theirs)
    (clash,) = done.clashes
    assert (clash.field, clash.paragraph_id) == ("paragraph", 1)
    assert clash.base == TEXTS[0]
    assert clash.ours == "Care is a right of every person."
    assert clash.theirs == "Care is a right of all people, at every age."


def test_the_same_edit_on_both_sides_is_no_conflict() -> None:
    same = "Care is a right of every person."
    done = _merge([same, TEXTS[1], TEXTS[2]], [Para(1, same), BASE[1], BASE[2]])
    assert not done.clashes
    assert done.paragraphs[0].text == same


def test_insertions_by_both_keep_both() -> None:
    ours = [*TEXTS, "Our closing paragraph."]
    theirs = [*BASE, Para(9, "Their closing paragraph.")]
    done = _merge(ours, theirs)
    assert not done.clashes
    assert _pairs(done.paragraphs)[3:] == [
        (9, "Their closing paragraph."),
        (None, "Our closing paragraph."),
    ]


def test_a_deletion_merges_with_an_edit_elsewhere() -> None:
    ours = [TEXTS[0], TEXTS[2]]
    theirs = [Para(1, "Care is a right."), BASE[1], BASE[2]]
    done = _merge(ours, theirs)
    assert not done.clashes
    assert _pairs(done.paragraphs) == [(1, "Care is a right."), (3, TEXTS[2])]


def test_deleting_a_paragraph_the_other_edited_conflicts() -> None:
    ours = [TEXTS[0], TEXTS[2]]
    theirs = [BASE[0], Para(2, "Public authorities fund care, and fairly."), BASE[2]]
    (clash,) = _merge(ours, theirs).clashes
    assert (clash.paragraph_id, clash.ours, clash.theirs) == (
        2,
        None,
        "Public authorities fund care, and fairly.",
    )


def test_merging_away_a_paragraph_the_other_edited_conflicts() -> None:
    ours = [TEXTS[0], TEXTS[1] + " " + TEXTS[2]]
    theirs = [BASE[0], BASE[1], Para(3, "The caucuses review it.")]
    clashes = _merge(ours, theirs).clashes
    assert 3 in {c.paragraph_id for c in clashes}


def test_a_split_merges_with_an_edit_elsewhere() -> None:
    ours = [TEXTS[0], "Public authorities fund care services.", "And train care workers.", TEXTS[2]]
    theirs = [Para(1, "Care is a right."), BASE[1], BASE[2]]
    done = _merge(ours, theirs)
    assert not done.clashes
    assert _pairs(done.paragraphs) == [
        (1, "Care is a right."),
        (2, "Public authorities fund care services."),
        (None, "And train care workers."),
        (3, TEXTS[2]),
    ]


def test_title_and_body_merge_and_two_titles_conflict() -> None:
    theirs = [BASE[0], BASE[1], Para(3, "The caucuses review it.")]
    done = _merge(TEXTS, theirs, titles=("Care as a right", "T"))
    assert not done.clashes
    assert done.title == "Care as a right"
    clashed = _merge(TEXTS, list(BASE), titles=("Care as a right", "Care for all"))
    (clash,) = clashed.clashes
    assert (clash.field, clash.ours, clash.theirs) == ("title", "Care as a right", "Care for all")
