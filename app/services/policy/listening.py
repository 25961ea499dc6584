"""The listening report: of the contributions a document's forum received, how many the text
took up, and how, broken down by channel, caucus lens, language, organisation type and theme.

Counted: the forum's published contributions (pending, hidden and rejected ones are not part of
the public record). Each counts once, by the best outcome of its links (OUTCOME_RANK: one
paragraph incorporating it outweighs another not taking it up); one no paragraph names is "not
yet considered". A contribution with several themes counts under each of them, so the theme
rows may add up to more than the total; one with none counts under "no theme".

The links counted are the working text's (policy_paragraph_source, for the drafting team and
the secretariat) or those frozen in one snapshot (policy_snapshot_source). Two GROUP BY queries
over the contributions left-joined to their best outcome give every figure (one over the
contribution's own columns, one over its themes), whatever the number of contributions.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from app import i18n
from app.i18n import N_
from app.lib.charts import bar_chart
from app.models.caucuses import Caucus
from app.models.contributions import (
    CHANNEL_LABELS,
    ORGANISATION_TYPE_LABELS,
    Channel,
    Contribution,
    ContributionTheme,
    OrganisationType,
    Status,
)
from app.models.forums import Theme
from app.models.policy import PolicyDocument, PolicyParagraph, PolicySection
from app.models.policy_sources import (
    NOT_CONSIDERED,
    OUTCOME_LABELS,
    OUTCOME_RANK,
    Dimension,
    ListeningBreakdown,
    ListeningGroup,
    ListeningReportPublic,
    OutcomeCounts,
    ParagraphSource,
)
from app.models.policy_stages import DocumentSnapshot, SnapshotSource
from app.services.policy.comments import folded

KIND = "contribution"
NONE = "none"
# Outcomes in the order of their rank: the report's columns.
OUTCOMES: tuple[str, ...] = tuple(sorted(OUTCOME_RANK, key=OUTCOME_RANK.__getitem__))
TAKEN_UP = ("incorporated", "partly_incorporated", "merged")
RULE = N_(
    "Counted: the contributions published in this document's forum, each once, by the best "
    "outcome among the paragraphs it fed. A contribution no paragraph names yet is “not yet "
    "considered”. One with several themes is counted under each of them."
)
TITLES: dict[str, str] = {
    "channel": N_("By channel"),
    "caucus": N_("By caucus lens"),
    "language": N_("By language"),
    "organisation_type": N_("By type of organisation"),
    "theme": N_("By theme or axis"),
}
_NO_CAUCUS = N_("No caucus lens")
_NOT_STATED = N_("Not stated")
_NO_THEME = N_("No theme")


def _best(db: Session, document: PolicyDocument, snapshot: DocumentSnapshot | None) -> Any:
    """(contribution id, rank of its best outcome) over the links counted."""
    table: Any = SnapshotSource if snapshot is not None else ParagraphSource
    rank = case(
        {key: value for key, value in OUTCOME_RANK.items() if key != NOT_CONSIDERED},
        value=col(table.outcome),
        else_=OUTCOME_RANK[NOT_CONSIDERED],
    )
    query: Any = select(col(table.target_id).label("cid"), func.min(rank).label("rank"))
    if snapshot is not None:
        query = query.where(col(table.snapshot_id) == snapshot.id)
    else:
        # Only links that still feed the text: on a current paragraph, or on one merged into
        # it; a link on a paragraph since removed no longer counts (as a snapshot drops it).
        live: Any = (
            select(col(PolicyParagraph.id))
            .join(PolicySection, col(PolicySection.id) == col(PolicyParagraph.section_id))
            .where(
                col(PolicySection.document_id) == document.id,
                col(PolicyParagraph.removed_at).is_(None),
            )
        )
        fold = folded(live)
        query = query.join(fold, fold.c.id == col(table.paragraph_id)).where(
            col(table.document_id) == document.id
        )
    return (
        query.where(col(table.target_kind) == KIND).group_by(col(table.target_id)).subquery("best")
    )


def _counted(document: PolicyDocument) -> Any:
    return (col(Contribution.forum_id) == document.forum_id) & (
        col(Contribution.status) == Status.published
    )


def _grouped(db: Session, document: PolicyDocument, best: Any, keys: list[Any]) -> Any:
    """(key values…, rank, count) rows. The contribution's own columns go in one query (a few
    hundred groups at most: channels × caucuses × languages × types × outcomes), the themes,
    a join, in another."""
    rank = func.coalesce(best.c.rank, OUTCOME_RANK[NOT_CONSIDERED])
    query = select(*keys, rank, func.count()).select_from(Contribution)
    if any(key is THEME for key in keys):
        query = query.outerjoin(
            ContributionTheme, col(ContributionTheme.contribution_id) == col(Contribution.id)
        )
    query = query.outerjoin(best, best.c.cid == col(Contribution.id)).where(_counted(document))
    return db.execute(query.group_by(*keys, rank)).all()


THEME = col(ContributionTheme.theme_id)
OWN: dict[str, Any] = {
    "channel": col(Contribution.channel),
    "caucus": col(Contribution.caucus_id),
    "language": col(Contribution.language),
    "organisation_type": col(Contribution.organisation_type),
}


@dataclass
class _Tally:
    counts: dict[str, dict[str, int]]

    def add(self, key: str, rank: int, n: int) -> None:
        outcome = OUTCOMES[int(rank)]
        row = self.counts.setdefault(key, dict.fromkeys(OUTCOMES, 0))
        row[outcome] += int(n)


def _group(key: str, label: str, counts: dict[str, int] | None) -> ListeningGroup:
    counts = counts or dict.fromkeys(OUTCOMES, 0)
    return ListeningGroup(
        key=key, label=label, total=sum(counts.values()), outcomes=OutcomeCounts(**counts)
    )


def report(
    db: Session, *, document: PolicyDocument, snapshot: DocumentSnapshot | None = None
) -> ListeningReportPublic:
    best = _best(db, document, snapshot)
    tallies: dict[str, _Tally] = {dimension: _Tally({}) for dimension in (*OWN, "theme")}
    for *values, rank, n in _grouped(db, document, best, list(OWN.values())):
        for dimension, value in zip(OWN, values, strict=True):
            tallies[dimension].add(NONE if value is None else str(value), rank, n)
    for value, rank, n in _grouped(db, document, best, [THEME]):
        tallies["theme"].add(NONE if value is None else str(value), rank, n)
    totals = dict.fromkeys(OUTCOMES, 0)
    for counts in tallies["channel"].counts.values():
        for outcome, n in counts.items():
            totals[outcome] += n
    breakdowns = [
        _channels(tallies["channel"]),
        _caucuses(db, tallies["caucus"]),
        _languages(tallies["language"]),
        _organisation_types(tallies["organisation_type"]),
        _themes(db, document, tallies["theme"]),
    ]
    return ListeningReportPublic(
        document_id=document.id or 0,
        snapshot=snapshot.number if snapshot is not None else None,
        rule=i18n.translate(RULE),
        total=sum(totals.values()),
        outcomes=OutcomeCounts(**totals),
        breakdowns=breakdowns,
    )


def headline(db: Session, *, document: PolicyDocument) -> OutcomeCounts:
    """The figures of the working text's report alone: one query (the dashboard panel)."""
    best = _best(db, document, None)
    rank = func.coalesce(best.c.rank, OUTCOME_RANK[NOT_CONSIDERED])
    rows = db.execute(
        select(rank, func.count())
        .select_from(Contribution)
        .outerjoin(best, best.c.cid == col(Contribution.id))
        .where(_counted(document))
        .group_by(rank)
    ).all()
    counts = dict.fromkeys(OUTCOMES, 0)
    for r, n in rows:
        counts[OUTCOMES[int(r)]] += int(n)
    return OutcomeCounts(**counts)


def _breakdown(dimension: Dimension, groups: list[ListeningGroup]) -> ListeningBreakdown:
    return ListeningBreakdown(
        dimension=dimension, title=i18n.translate(TITLES[dimension]), groups=groups
    )


def _by_size(groups: list[ListeningGroup]) -> list[ListeningGroup]:
    # Largest first; "none" last, whatever its size (it is not a group of its own).
    return sorted(groups, key=lambda g: (g.key == NONE, -g.total, g.label))


def _channels(tally: _Tally) -> ListeningBreakdown:
    # Every channel, in a fixed order, with its zeros: the rows read alike from one report
    # to the next.
    return _breakdown(
        "channel",
        [
            _group(c.value, i18n.translate(CHANNEL_LABELS[c]), tally.counts.get(c.value))
            for c in Channel
        ],
    )


def _caucuses(db: Session, tally: _Tally) -> ListeningBreakdown:
    names = {str(c.id): i18n.localized(c.name)[0] for c in db.execute(select(Caucus)).scalars()}
    groups = [
        _group(
            key,
            i18n.translate(_NO_CAUCUS) if key == NONE else names.get(key, key),
            counts,
        )
        for key, counts in tally.counts.items()
    ]
    return _breakdown("caucus", _by_size(groups))


def _languages(tally: _Tally) -> ListeningBreakdown:
    groups = [_group(k, i18n.language_name(k), c) for k, c in tally.counts.items()]
    return _breakdown("language", _by_size(groups))


def _organisation_types(tally: _Tally) -> ListeningBreakdown:
    groups = [
        _group(t.value, i18n.translate(ORGANISATION_TYPE_LABELS[t]), tally.counts.get(t.value))
        for t in OrganisationType
    ]
    groups.append(_group(NONE, i18n.translate(_NOT_STATED), tally.counts.get(NONE)))
    return _breakdown("organisation_type", groups)


def _themes(db: Session, document: PolicyDocument, tally: _Tally) -> ListeningBreakdown:
    themes = db.execute(
        select(Theme).where(col(Theme.forum_id) == document.forum_id).order_by(col(Theme.code))
    ).scalars()
    groups = [
        _group(
            str(t.id),
            f"{t.code} — {i18n.localized(t.title)[0]}",
            tally.counts.get(str(t.id)),
        )
        for t in themes
    ]
    if NONE in tally.counts:
        groups.append(_group(NONE, i18n.translate(_NO_THEME), tally.counts[NONE]))
    return _breakdown("theme", groups)


# -- what the page and the CSV show -----------------------------------------------------------


def taken_up(counts: OutcomeCounts) -> int:
    return sum(getattr(counts, key) for key in TAKEN_UP)


@dataclass(frozen=True)
class Chart:
    dimension: str
    title: str
    svg: Any
    groups: list[ListeningGroup]


def outcome_rows(counts: OutcomeCounts) -> list[tuple[str, str, int]]:
    """(key, label, count) for each outcome, in rank order, in the reader's language."""
    return [(k, i18n.translate(OUTCOME_LABELS[k]), getattr(counts, k)) for k in OUTCOMES]


def charts(data: ListeningReportPublic) -> tuple[Any, list[Chart]]:
    """The outcomes chart, and one chart per breakdown of the contributions taken up in each
    group (incorporated, partly or merged); the page gives each its table of every figure."""
    empty = i18n.translate(N_("No contributions yet."))
    outcomes_title = i18n.translate(N_("What became of the contributions"))
    overall = bar_chart(
        [(label, n) for _key, label, n in outcome_rows(data.outcomes)],
        title=outcomes_title,
        description=i18n.translate(N_("Number of contributions by outcome")),
        number_format=i18n.format_number,
        empty_message=empty,
        chart_id="listening-outcomes",
    )
    out = []
    for breakdown in data.breakdowns:
        description = i18n.translate(
            i18n.Message(
                N_("Contributions taken up (incorporated, partly or merged), %(title)s"),
                title=breakdown.title.lower(),
            )
        )
        svg = bar_chart(
            [(g.label, taken_up(g.outcomes)) for g in breakdown.groups],
            title=breakdown.title,
            description=description,
            number_format=i18n.format_number,
            empty_message=empty,
            chart_id=f"listening-{breakdown.dimension.replace('_', '-')}",
        )
        out.append(Chart(breakdown.dimension, breakdown.title, svg, breakdown.groups))
    return overall, out


CSV_FIELDS = ("breakdown", "group", "label", "total", *OUTCOMES)


def csv_rows(data: ListeningReportPublic) -> Iterator[dict[str, Any]]:
    """The total first, then every group of every breakdown (machine-readable keys, labels in
    the reader's language)."""
    yield {
        "breakdown": "total",
        "group": "",
        "label": i18n.translate(N_("All contributions")),
        "total": data.total,
        **data.outcomes.model_dump(),
    }
    for breakdown in data.breakdowns:
        for group in breakdown.groups:
            yield {
                "breakdown": breakdown.dimension,
                "group": group.key,
                "label": group.label,
                "total": group.total,
                **group.outcomes.model_dump(),
            }
