"""Afterwards: planned against actual minutes per segment, and who had the floor for how long,
by organisation type, by caucus and by world region, from the timekeeper's recorded turns.

A speaker's region is that of their country, else of their organisation's (app/lib/regions.py,
UN M49). A speaker in several caucuses counts in each, so the caucus rows may add up to more
than the total; the other two groupings add up to it exactly.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent
from markupsafe import Markup
from sqlalchemy import select
from sqlmodel import Session, col

from app import i18n
from app.i18n import N_
from app.lib.charts import bar_chart
from app.lib.regions import REGIONS, region_name, region_of
from app.models.caucuses import Caucus, CaucusMember
from app.models.forums import ForumSession
from app.models.speakers import ORG_TYPE_LABELS, Organisation, OrganisationType, Speaker
from app.models.timekeeping import BalanceRow, SpeakingBalance
from app.services.timekeeping import Timing, timing

UNKNOWN = "unknown"


@dataclass(frozen=True)
class SegmentComparison:
    segment_id: int
    title: dict[str, str]
    planned_seconds: int
    actual_seconds: int | None

    @property
    def difference(self) -> int | None:
        return None if self.actual_seconds is None else self.actual_seconds - self.planned_seconds


def planned_vs_actual(found: Timing) -> list[SegmentComparison]:
    return [
        SegmentComparison(s.id or 0, s.title, s.planned_minutes * 60, found.segment_seconds(s))
        for s in found.segments
    ]


@dataclass
class _Tally:
    seconds: int = 0
    turns: int = 0


def _rows(
    tallies: dict[str, _Tally], label: Callable[[str], str], order: Iterable[str] = ()
) -> list[BalanceRow]:
    """Most speaking time first (ties by label); "not known" last whatever its size."""
    rank = {key: i for i, key in enumerate(order)}
    rows = [
        BalanceRow(key=key, label=label(key), seconds=t.seconds, turns=t.turns)
        for key, t in tallies.items()
    ]
    rows.sort(key=lambda r: (r.key == UNKNOWN, -r.seconds, rank.get(r.key, 0), r.label))
    return rows


def speaking_balance(db: Session, found: Timing) -> SpeakingBalance:
    speaker_ids = {t.speaker_id for t in found.turns if t.speaker_id}
    orgs: dict[int, Organisation] = {}
    caucuses: dict[int, list[Caucus]] = defaultdict(list)
    if speaker_ids:
        org_ids = {s.organisation_id for s in found.speakers.values() if s.organisation_id}
        if org_ids:
            orgs = {
                o.id or 0: o
                for o in db.execute(
                    select(Organisation).where(col(Organisation.id).in_(org_ids))
                ).scalars()
            }
        for member, caucus in db.execute(
            select(CaucusMember, Caucus)
            .join(Caucus, col(Caucus.id) == col(CaucusMember.caucus_id))
            .where(col(CaucusMember.speaker_id).in_(speaker_ids))
            .order_by(col(Caucus.code))
        ):
            caucuses[member.speaker_id].append(caucus)

    by_type: dict[str, _Tally] = defaultdict(_Tally)
    by_caucus: dict[str, _Tally] = defaultdict(_Tally)
    by_region: dict[str, _Tally] = defaultdict(_Tally)
    caucus_names: dict[str, dict[str, str]] = {}
    total = 0
    for turn in found.turns:
        seconds = found.turn_seconds(turn)
        total += seconds
        speaker: Speaker | None = found.speakers.get(turn.speaker_id or 0)
        org = orgs.get(speaker.organisation_id or 0) if speaker else None
        country = (speaker.country if speaker else None) or (org.country if org else None)
        keys = (
            (by_type, [org.type if org else UNKNOWN]),
            (by_region, [region_of(country) or UNKNOWN]),
            (by_caucus, [c.code for c in caucuses.get(turn.speaker_id or 0, [])] or [UNKNOWN]),
        )
        for tallies, names in keys:
            for name in names:
                tallies[name].seconds += seconds
                tallies[name].turns += 1
        for caucus in caucuses.get(turn.speaker_id or 0, []):
            caucus_names[caucus.code] = caucus.name

    locale = i18n.get_locale()
    not_given = i18n.translate(N_("Not given"))

    def type_label(key: str) -> str:
        return (
            not_given if key == UNKNOWN else i18n.translate(ORG_TYPE_LABELS[OrganisationType(key)])
        )

    def caucus_label(key: str) -> str:
        if key == UNKNOWN:
            return i18n.translate(N_("In no caucus"))
        return i18n.localized(caucus_names[key])[0]

    def region_label(key: str) -> str:
        return not_given if key == UNKNOWN else region_name(key, locale)

    return SpeakingBalance(
        total_seconds=total,
        total_turns=len(found.turns),
        by_organisation_type=_rows(by_type, type_label, [t.value for t in OrganisationType]),
        by_caucus=_rows(by_caucus, caucus_label),
        by_region=_rows(by_region, region_label, REGIONS),
    )


# -- for the page -------------------------------------------------------------------------------


def minutes_text(seconds: int) -> str:
    """Minutes with one decimal, in the reader's notation ("12.5 min", "12,5 min")."""
    value = format_decimal(seconds / 60, format="#,##0.0", locale=i18n.get_locale())
    return i18n.gettext(N_("%(num)s min"), num=value)


@dataclass(frozen=True)
class BalanceChart:
    key: str
    title: str
    rows: list[BalanceRow]
    total_seconds: int
    svg: Markup


def charts(balance: SpeakingBalance) -> list[BalanceChart]:
    """Speaking time by each grouping, as a chart and the rows of its table."""
    groupings = [
        (
            "organisation-type",
            N_("Speaking time by type of organisation"),
            balance.by_organisation_type,
        ),
        ("caucus", N_("Speaking time by caucus"), balance.by_caucus),
        ("region", N_("Speaking time by world region"), balance.by_region),
    ]
    result = []
    for key, msgid, rows in groupings:
        title = i18n.translate(msgid)
        svg = bar_chart(
            [(r.label, r.seconds) for r in rows],
            title=title,
            description=i18n.gettext(
                N_("Minutes of speaking time in this session, %(title)s"), title=title.lower()
            ),
            number_format=minutes_text,
            empty_message=i18n.translate(N_("No speaking turns recorded.")),
            chart_id=f"balance-{key}",
        )
        result.append(BalanceChart(key, title, rows, balance.total_seconds, svg))
    return result


@dataclass(frozen=True)
class ComparisonRow:
    title: dict[str, str]
    planned: str
    actual: str | None
    difference: str | None
    over: bool


@dataclass(frozen=True)
class TableRow:
    label: str
    minutes: str
    share: str
    turns: int


@dataclass(frozen=True)
class BalanceSection:
    key: str
    title: str
    svg: Markup
    rows: list[TableRow]


@dataclass(frozen=True)
class Report:
    """What the session page shows once the timekeeper has started: all text formatted."""

    comparisons: list[ComparisonRow]
    planned_total: str
    actual_total: str
    total_minutes: str
    total_turns: int
    sections: list[BalanceSection]


def _signed_minutes(seconds: int) -> str:
    text = minutes_text(abs(seconds))
    return ("+" if seconds > 0 else "−" if seconds < 0 else "") + text


def report(db: Session, session: ForumSession) -> Report | None:
    """None until a segment has started: before, there is nothing to compare."""
    found = timing(db, session)
    if not found.started:
        return None
    comparisons = []
    for c in planned_vs_actual(found):
        difference = c.difference
        comparisons.append(
            ComparisonRow(
                title=c.title,
                planned=minutes_text(c.planned_seconds),
                actual=None if c.actual_seconds is None else minutes_text(c.actual_seconds),
                difference=None if difference is None else _signed_minutes(difference),
                over=bool(difference and difference > 0),
            )
        )
    balance = speaking_balance(db, found)
    locale = i18n.get_locale()

    def share(seconds: int, total: int) -> str:
        return format_percent(seconds / total if total else 0, locale=locale)

    sections = [
        BalanceSection(
            chart.key,
            chart.title,
            chart.svg,
            [
                TableRow(
                    r.label, minutes_text(r.seconds), share(r.seconds, chart.total_seconds), r.turns
                )
                for r in chart.rows
            ],
        )
        for chart in charts(balance)
    ]
    return Report(
        comparisons=comparisons,
        planned_total=minutes_text(sum(s.planned_minutes * 60 for s in found.segments)),
        actual_total=minutes_text(sum(found.segment_seconds(s) or 0 for s in found.segments)),
        total_minutes=minutes_text(balance.total_seconds),
        total_turns=balance.total_turns,
        sections=sections,
    )
