"""Part 2 of the policy benchmark's data (issue 13): the document's forum full of contributions,
5,000 paragraph source links, the caucus sign-off and two moves between stages, so that the
listening report counts something real and the stage diff (snapshot 1 → 2) has changes.

Called by ``generate.generate`` after the part 1 data, in its write session:

1. **Contributions, by bulk insert** (SQLAlchemy Core ``executemany`` in the session's
   transaction, not ``contributions.create``: going through the service ten thousand times
   costs minutes and the benchmark measures no write of contributions). Each row is what the
   service would store: ``body_html`` made by ``app.lib.markup`` as the model's flush hook does,
   the excerpt, themes of the forum; the FTS index is filled by the migration's trigger.
   ``PUBLISHED`` published contributions over the last 200 days (channel web 55 % / live 20 % /
   e-mail 15 % / transcribed 10 %; language es 45 % / pt 30 % / en 25 %, texts from
   bench/contributions/corpus.py; an organisation type on three in four; a caucus lens on a
   third; 0–3 themes), and ``UNPUBLISHED`` pending, hidden or rejected ones that the report
   must leave out.
2. **Source links through ``sources.link``** (one commit each, as the API does), by the team's
   editors: ``LINKS`` rows of policy_paragraph_source in all, over the current paragraphs
   (weights 1/rank^0.7: the hottest gets a couple of hundred sources, a fifth of them none)
   and the contributions (most considered ones feed one paragraph, some two to six; e-mailed
   and transcribed ones, and those with a caucus lens, are considered more often, so the
   breakdowns differ), 1 % of them key points of the forum's published minutes when it has
   some (the demo's first forum, the document's, has none: its minutes are a draft).
   Outcomes incorporated 30 % / partly 25 % / merged 15 % / not taken up 30 % (with a
   reason).
   ``LINKS_BEFORE`` of them before the first move, the rest during caucus review, with
   ``RELINKS`` existing links given another outcome (an update, not a new row).
3. **Stages through ``stages.transition``** (by the demo administrator, the secretariat):
   drafting → caucus review freezes snapshot 1; in caucus review each required caucus's
   representatives (the team's caucus representatives are spread over the required caucuses)
   review every section with ``reviews.give_review`` (mostly endorse, some concerns, a few
   objections), ``CAUCUS_REVISIONS`` saves revise sections (their reviews go stale), the
   representatives then confirm or change every blocking review (objections withdrawn), and
   caucus review → Policy Council freezes snapshot 2 (public).
"""

from __future__ import annotations

import hashlib
import importlib.util
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

PUBLISHED = 10_000
UNPUBLISHED = 400
LINKS = 5_000
LINKS_BEFORE = 4_000
RELINKS = 200
CAUCUS_REVISIONS = 40
BATCH = 2_000

CHANNELS = (("web", 55), ("live", 20), ("email", 15), ("transcribed", 10))
# How much more likely the drafting team considers a contribution, by channel.
CONSIDER = {"web": 1.0, "live": 0.5, "email": 1.6, "transcribed": 2.0}
ORG_TYPES = (
    ("individual", 30),
    ("civil_society", 25),
    ("grassroots", 15),
    ("local_government", 12),
    ("national_government", 3),
    ("international", 4),
    ("academia", 6),
    ("private_sector", 3),
    ("other", 2),
)
OUTCOMES = (("incorporated", 30), ("partly_incorporated", 25), ("merged", 15), ("not_taken_up", 30))
REASONS = (
    "Outside the scope of this paper: it is for the national care policy.",
    "The team keeps the wording agreed with the caucuses.",
    "Already covered by section 4 on funding.",
    "Not supported by the evidence gathered so far.",
    "Left for the committee stage, where budgets are discussed.",
)
CONCERNS = (
    "We endorse, but the text should name unpaid carers explicitly.",
    "Endorsed; the timeline looks short for intermediary cities.",
    "We can live with this, though accessibility is treated as an afterthought.",
)
OBJECTIONS = (
    "The section does not mention accessible transport at all.",
    "Young carers are missing from this section.",
    "The funding commitment has been watered down: we object.",
)


def _corpus() -> Any:
    """bench/contributions/corpus.py (es/pt/en sentences) as a module, without putting that
    folder on sys.path (its generate.py would shadow this one)."""
    name = "bench_contributions_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench/contributions/corpus.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _pick(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in pairs], [w for _, w in pairs])[0]


# -- 1. contributions -------------------------------------------------------------------------


def contributions(db: Any, rng: random.Random, *, forum_id: int) -> dict[str, Any]:
    """Bulk-inserts the forum's contributions; returns (id, channel, caucus) of the published."""
    from sqlalchemy import text as sql

    from app.lib import markup
    from app.models.contributions import Contribution, ContributionTheme

    corpus = _corpus()
    sessions = [
        i
        for (i,) in db.execute(
            sql("SELECT id FROM forum_session WHERE forum_id = :f"), {"f": forum_id}
        )
    ]
    themes = [
        i for (i,) in db.execute(sql("SELECT id FROM theme WHERE forum_id = :f"), {"f": forum_id})
    ]
    caucuses = [i for (i,) in db.execute(sql("SELECT id FROM caucus ORDER BY id"))]
    authors = [
        i for (i,) in db.execute(sql("SELECT id FROM user WHERE role = 'participant' ORDER BY id"))
    ]
    if not sessions:
        raise SystemExit(f"forum {forum_id} has no sessions: live remarks need one")
    next_id = 1 + (db.execute(sql("SELECT coalesce(max(id), 0) FROM contribution")).scalar() or 0)
    now = datetime.now(UTC).replace(microsecond=0)
    total = PUBLISHED + UNPUBLISHED
    start, step = now - timedelta(days=200), timedelta(days=200) / total
    unpublished = set(rng.sample(range(total), UNPUBLISHED))
    table = Contribution.__table__  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = []
    theme_rows: list[dict[str, int]] = []
    published: list[tuple[int, str, int | None]] = []
    counts: Counter[str] = Counter()
    for i in range(total):
        cid = next_id + i
        language = rng.choices(corpus.LANGUAGES, corpus.LANGUAGE_WEIGHTS)[0]
        channel = _pick(rng, CHANNELS)
        created = start + step * i
        status = rng.choice(("pending", "hidden", "rejected")) if i in unpublished else "published"
        row: dict[str, Any] = {
            "id": cid,
            "forum_id": forum_id,
            "session_id": None,
            "kind": "proposal",
            "channel": channel,
            "status": status,
            "author_id": None,
            "author_name": "",
            "author_email": None,
            "organisation_name": None,
            "organisation_type": _pick(rng, ORG_TYPES) if rng.random() < 0.75 else None,
            "caucus_id": rng.choice(caucuses) if caucuses and rng.random() < 0.33 else None,
            "links": [],
            "endorsement_count": 0,
            "open_reports": 0,
            "pinned": False,
            "for_minutes": False,
            "moderation_note": None,
            "source_key": None,
            "idempotency_key": None,
            "receipt_hash": None,
            "received_at": None,
            "language": language,
            "created_at": created,
            "updated_at": created,
        }
        if channel == "live":
            row["kind"] = "remark" if rng.random() < 0.7 else "question"
            row["session_id"] = rng.choice(sessions)
            row["author_id"] = rng.choice(authors) if authors else None
            row["author_name"] = "" if authors else corpus.person(rng)
            row["title"] = ""
            body = corpus.sentence(rng, language)
            row["body_html"] = markup.store_text(body)
        else:
            if rng.random() < 0.5:
                row["session_id"] = rng.choice(sessions)
            row["title"] = corpus.title(rng, language)
            body = corpus.body(rng, language)
            row["body_html"] = markup.store(body)
            if channel == "web" and authors and rng.random() < 0.8:
                row["author_id"] = rng.choice(authors)
            else:
                row["author_name"] = corpus.person(rng)
            if channel == "email":
                row["author_email"] = f"sender{cid}@example.net"
                row["received_at"] = created
                row["source_key"] = hashlib.sha256(
                    f"<policy-bench-{cid}@mail>".encode()
                ).hexdigest()
            if channel in ("transcribed", "email") or rng.random() < 0.2:
                row["organisation_name"] = rng.choice(corpus.ORGANISATIONS)
        row["body"] = body
        row["excerpt"] = corpus.excerpt(body)
        rows.append(row)
        for tid in rng.sample(
            themes, min(len(themes), rng.choices((0, 1, 2, 3), (15, 45, 30, 10))[0])
        ):
            theme_rows.append({"contribution_id": cid, "theme_id": tid})
        counts[status] += 1
        if status == "published":
            published.append((cid, channel, row["caucus_id"]))
            counts[f"channel {channel}"] += 1
        if len(rows) >= BATCH:
            db.execute(table.insert(), rows)
            rows = []
    if rows:
        db.execute(table.insert(), rows)
    theme_table = ContributionTheme.__table__  # type: ignore[attr-defined]
    for j in range(0, len(theme_rows), BATCH * 4):
        db.execute(theme_table.insert(), theme_rows[j : j + BATCH * 4])
    db.commit()
    return {"published": published, "counts": dict(counts), "theme_links": len(theme_rows)}


# -- 2. source links --------------------------------------------------------------------------


class Linker:
    """Plans and makes the links: which contribution feeds which paragraphs, with what outcome."""

    def __init__(
        self,
        db: Any,
        rng: random.Random,
        *,
        document: Any,
        editors: list[Any],
        published: list[tuple[int, str, int | None]],
        points: list[int],
    ) -> None:
        self.db, self.rng, self.document, self.editors = db, rng, document, editors
        weights = [CONSIDER[ch] * (1.6 if caucus else 1.0) for _, ch, caucus in published]
        # The order in which the drafting team gets to contributions: weighted, without
        # replacement (Efraimidis–Spirakis keys).
        keyed = sorted(
            (
                (rng.random() ** (1 / w), cid)
                for (cid, _, _), w in zip(published, weights, strict=True)
            ),
            reverse=True,
        )
        self.queue = [cid for _, cid in keyed]
        self.points = list(points)
        self.made: set[tuple[int, str, int]] = set()  # (paragraph, kind, target)
        self.counts: Counter[str] = Counter()

    def _paragraphs(self, state: Any) -> tuple[list[int], list[float]]:
        ids = [pid for section in sorted(state.paragraphs) for pid, _ in state.paragraphs[section]]
        order = list(ids)
        random.Random(len(ids)).shuffle(order)  # a fixed popularity order per text
        # A fifth of the paragraphs (framing, transitions) get no source at all.
        order = order[: max(1, len(order) * 4 // 5)]
        return order, [1 / (rank + 1) ** 0.7 for rank in range(len(order))]

    def link(self, *, paragraph_id: int, kind: str, target_id: int, outcome: str) -> None:
        from app.db import write_again
        from app.models.policy_sources import SourceIn
        from app.services.policy import amendments, sources

        write_again(self.db)
        reason = self.rng.choice(REASONS) if outcome == "not_taken_up" else ""
        linked = sources.link(
            self.db,
            place=amendments.paragraph_place(self.db, paragraph_id),
            actor=self.rng.choice(self.editors),
            data=SourceIn(target_kind=kind, target_id=target_id, outcome=outcome, reason=reason),  # type: ignore[arg-type]
        )
        key = (linked.source.paragraph_id, kind, target_id)
        self.counts["created" if linked.created else "updated"] += 1
        self.made.add(key)

    def add(self, state: Any, n: int) -> None:
        """n new links (rows) over the current paragraphs."""
        order, weights = self._paragraphs(state)
        target = len(self.made) + n
        while len(self.made) < target:
            if self.points and self.rng.random() < 0.01:
                kind, target_id, fan = "minutes_point", self.rng.choice(self.points), 1
            else:
                kind, target_id = "contribution", self.queue.pop(0)
                fan = self.rng.choices((1, 2, 3, 4, 5, 6), (72, 15, 7, 3, 2, 1))[0]
            chosen: set[int] = set()
            while len(chosen) < min(fan, target - len(self.made)):
                chosen.add(self.rng.choices(order, weights)[0])
            for pid in chosen:
                if (pid, kind, target_id) in self.made:
                    continue
                before = len(self.made)
                self.link(
                    paragraph_id=pid,
                    kind=kind,
                    target_id=target_id,
                    outcome=_pick(self.rng, OUTCOMES),
                )
                if len(self.made) == before:
                    self.counts["landed on a merged paragraph's link"] += 1

    def relink(self, n: int) -> None:
        """n existing links given another outcome (the team changed its mind)."""
        from sqlalchemy import select

        from app.models.policy import PolicyParagraph
        from app.models.policy_sources import ParagraphSource

        # Links on paragraphs still in the text (a revision may have removed some).
        rows = self.db.execute(
            select(
                ParagraphSource.paragraph_id,
                ParagraphSource.target_kind,
                ParagraphSource.target_id,
                ParagraphSource.outcome,
            )
            .join(PolicyParagraph, PolicyParagraph.id == ParagraphSource.paragraph_id)  # type: ignore[arg-type]
            .where(
                ParagraphSource.document_id == self.document.id,  # type: ignore[arg-type]
                PolicyParagraph.removed_at.is_(None),  # type: ignore[union-attr]
            )
            .order_by(ParagraphSource.id)  # type: ignore[arg-type]
        ).all()
        self.db.commit()
        for pid, kind, target_id, outcome in self.rng.sample(rows, min(n, len(rows))):
            other = [o for o, _ in OUTCOMES if o != outcome]
            self.link(
                paragraph_id=pid, kind=kind, target_id=target_id, outcome=self.rng.choice(other)
            )


# -- 3. reviews and stages --------------------------------------------------------------------


def review(
    db: Any, rng: random.Random, *, section_id: int, caucus_id: int, rep: Any, verdict: str
) -> None:
    from app.db import write_again
    from app.models.policy_reviews import ReviewIn
    from app.services.policy import reviews

    write_again(db)
    note = ""
    if verdict == "concerns":
        note = rng.choice(CONCERNS)
    elif verdict == "object":
        note = rng.choice(OBJECTIONS)
    place = reviews.review_place(db, section_id=section_id, caucus_id=caucus_id, user_id=rep.id)
    reviews.give_review(db, place=place, actor=rep, data=ReviewIn(verdict=verdict, note=note))  # type: ignore[arg-type]


def advance(db: Any, *, document: Any, admin: Any, reason: str) -> Any:
    from app.db import write_again
    from app.services.policy import stages

    write_again(db)
    return stages.transition(db, document=document, actor=admin, action="advance", reason=reason)


def build(
    db: Any,
    rng: random.Random,
    state: Any,
    *,
    document: Any,
    admin: Any,
    editors: list[Any],
    reps_by_caucus: dict[int, list[Any]],
    team: list[Any],
    section_ids: list[int],
    pick: Any,
    save: Any,
) -> tuple[dict[str, Any], dict[str, float]]:
    """Everything above, in order; (what it made, timings)."""
    from sqlalchemy import func, select

    from app.db import write_again
    from app.models.policy_reviews import ReviewEvent
    from app.models.policy_sources import ParagraphSource
    from app.models.policy_stages import SnapshotSource
    from app.services.minutes.points import point_options
    from app.services.policy import reviews

    timings: dict[str, float] = {}
    t = time.perf_counter()
    made = contributions(db, rng, forum_id=document.forum_id)
    timings["contributions_bulk_s"] = time.perf_counter() - t

    points = [pid for pid, _ in point_options(db, editors[0], forum_id=document.forum_id)]
    db.commit()
    linker = Linker(
        db, rng, document=document, editors=editors, published=made["published"], points=points
    )
    t = time.perf_counter()
    linker.add(state, LINKS_BEFORE)
    timings["links_before_s"] = time.perf_counter() - t

    t = time.perf_counter()
    first = advance(db, document=document, admin=admin, reason="The draft goes to the caucuses.")
    timings["transition_1_s"] = time.perf_counter() - t

    required = reviews.required_caucus_ids(db, document.id)
    verdicts: Counter[str] = Counter()
    t = time.perf_counter()
    for sid in section_ids:
        for caucus_id in required:
            verdict = rng.choices(("endorse", "concerns", "object"), (78, 15, 7))[0]
            review(
                db,
                rng,
                section_id=sid,
                caucus_id=caucus_id,
                rep=rng.choice(reps_by_caucus[caucus_id]),
                verdict=verdict,
            )
            verdicts[verdict] += 1
    timings["reviews_first_s"] = time.perf_counter() - t

    t = time.perf_counter()
    revised: set[int] = set()
    saves = 0
    while saves < CAUCUS_REVISIONS:
        sid = pick()
        write_again(db)
        saves += save(db, rng, state, actor=rng.choice(team), section_id=sid)
        revised.add(sid)
    timings["caucus_revisions_s"] = time.perf_counter() - t

    t = time.perf_counter()
    linker.add(state, LINKS - LINKS_BEFORE)
    linker.relink(RELINKS)
    timings["links_during_review_s"] = time.perf_counter() - t

    t = time.perf_counter()
    blocking = Counter(b.reason for b in reviews.blockers(db, document))
    db.commit()
    for b in reviews.blockers(db, document):
        verdict = rng.choices(("endorse", "concerns"), (85, 15))[0]
        review(
            db,
            rng,
            section_id=b.section_id,
            caucus_id=b.caucus_id,
            rep=rng.choice(reps_by_caucus[b.caucus_id]),
            verdict=verdict,
        )
        verdicts[f"{verdict} (second round)"] += 1
    left = reviews.blockers(db, document)
    db.commit()
    if left:
        raise SystemExit(f"the sign-off gate still has {len(left)} blockers: {left[:3]}")
    timings["reviews_second_s"] = time.perf_counter() - t

    t = time.perf_counter()
    second = advance(db, document=document, admin=admin, reason="Signed off by every caucus.")
    timings["transition_2_s"] = time.perf_counter() - t

    def count(query: Any) -> int:
        return int(db.execute(query).scalar_one())

    links = count(
        select(func.count())
        .select_from(ParagraphSource)
        .where(ParagraphSource.document_id == document.id)
    )  # type: ignore[arg-type]
    per_paragraph = Counter(
        dict(
            db.execute(
                select(ParagraphSource.paragraph_id, func.count())
                .where(ParagraphSource.document_id == document.id)  # type: ignore[arg-type]
                .group_by(ParagraphSource.paragraph_id)
            ).all()
        )
    )
    per_contribution = Counter(
        dict(
            db.execute(
                select(ParagraphSource.target_id, func.count())
                .where(
                    ParagraphSource.document_id == document.id,  # type: ignore[arg-type]
                    ParagraphSource.target_kind == "contribution",  # type: ignore[arg-type]
                )
                .group_by(ParagraphSource.target_id)
            ).all()
        )
    )
    frozen = {
        n: count(
            select(func.count())
            .select_from(SnapshotSource)
            .where(SnapshotSource.snapshot_id == s.id)
        )  # type: ignore[arg-type]
        for n, s in ((first.number, first), (second.number, second))
    }
    info = {
        "forum_id": document.forum_id,
        "contributions": made["counts"],
        "contributions_published": PUBLISHED,
        "contribution_theme_links": made["theme_links"],
        "source_links": links,
        "source_link_calls": dict(linker.counts),
        "source_links_minutes_points": sum(
            1 for _, kind, _ in linker.made if kind == "minutes_point"
        ),
        "contributions_linked": len(per_contribution),
        "contributions_feeding_several_paragraphs": sum(
            1 for n in per_contribution.values() if n > 1
        ),
        "max_paragraphs_per_contribution": max(per_contribution.values(), default=0),
        "paragraphs_with_sources": len(per_paragraph),
        "max_sources_per_paragraph": max(per_paragraph.values(), default=0),
        "required_caucus_ids": required,
        "reviews": dict(verdicts),
        "review_events": count(select(func.count()).select_from(ReviewEvent)),
        "blockers_before_second_round": dict(blocking),
        "sections_revised_in_caucus_review": sorted(revised),
        "snapshots": {
            str(s.number): {
                "stage": s.stage,
                "from_stage": s.from_stage,
                "public": s.public,
                "sources": frozen[s.number],
            }
            for s in (first, second)
        },
        "diff_from": first.number,
        "diff_to": second.number,
        "stage": second.stage,
    }
    return info, timings
