"""The policy-document benchmark's database: one document of 60 sections with 2,000 revisions,
200 amendments and 1,000 comments, all made through the services; then (part 2, ``part2.py``)
10,000 contributions in its forum (bulk-inserted), 5,000 paragraph source links, the caucus
sign-off and two moves between stages, through the services.

    python bench/policy/generate.py --out /tmp/policy.db

A fresh SQLite file is migrated (``app.cli.db_upgrade``) and gets the demo data
(``app.demo.load``); then, in one write session, committing per operation as the app does:

* a drafting team of ten: the benchmark's editor (``EDITOR_EMAIL`` / ``PASSWORD``, role
  *editor* on the team, a participant account otherwise, so it reads the document as a team
  member and not as staff), two more editors and seven caucus representatives (random
  passwords) spread over the caucuses the document requires (youth, feminism, accessibility:
  three, two and two), with the demo administrator as the document's owner;
* 60 sections (``create_section``): 20 numbered 1–20, the first ten with four subsections each
  (1.1–1.4 … 10.4), each of four to seven paragraphs of three to six sentences (``text.py``);
* revisions (``save_section``) by random team members until the document has 2,000 of them
  (the 60 first ones and the accepted amendments' included), spread unevenly: section weights
  fall as 1/rank^0.8, so a few sections are hot, as in a real drafting. One save in twelve is
  based on an older version and merged three ways (a conflict is retried on the current
  version, as a person would);
* 200 amendments (``amendments.propose``) by caucus representatives, interleaved with the
  revisions; each is decided (``amendments.decide``) some steps later by an editor: accepted
  (its revision counts towards the 2,000), rejected with a reason, withdrawn by its author, or
  left pending, which leaves some outdated when their paragraph is revised meanwhile;
* 1,000 comments (``comments.post``), interleaved too: about 60 % start a thread on a
  paragraph, 40 % reply to an earlier thread whose paragraph is still in the text; at the end
  a fifth of the threads are resolved;
* part 2 (``part2.py``, see its docstring): 10,000 published contributions (and 400 not
  published) in the document's forum by bulk insert, 5,000 source links (``sources.link``),
  drafting → caucus review (snapshot 1), every section reviewed by each required caucus
  (``reviews.give_review``), 40 more revisions, the blocking reviews confirmed or changed,
  caucus review → Policy Council (snapshot 2; ``stages.transition``).

Prints what it made and how long each part took.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import part2  # noqa: E402
import text  # noqa: E402

EDITOR_EMAIL = "bench.editor@bench.example.org"
PASSWORD = "bench-editor-password-123"  # noqa: S105  (a throwaway benchmark database)
SECTIONS_TOP, SUBSECTIONS, WITH_CHILDREN = 20, 4, 10
REVISIONS = 2000
AMENDMENTS = 200
COMMENTS = 1000


@dataclass
class State:
    """What the generator keeps in memory: per section its current paragraphs (id, text)."""

    paragraphs: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    pending: list[tuple[int, int, str]] = field(default_factory=list)  # (due step, id, fate)
    threads: dict[int, tuple[int, int]] = field(default_factory=dict)  # root -> (section, par.)
    counts: Counter[str] = field(default_factory=Counter)


def _team(db: Any, *, admin: Any, document: Any) -> tuple[Any, list[Any], list[Any]]:
    from sqlalchemy import select

    from app.models.caucuses import Caucus
    from app.models.policy import TeamMemberIn, TeamRole
    from app.models.users import Role, UserCreate
    from app.services import policy
    from app.services import users as user_service
    from app.services.policy import reviews

    # The representatives are spread over the caucuses whose sign-off the document requires
    # (the cross-cutting ones by default), so that each required caucus has some on the team.
    caucuses = reviews.required_caucus_ids(db, document.id or 0) or [
        c.id for c in db.execute(select(Caucus).order_by(Caucus.id)).scalars()
    ]
    reps_made = 0

    def person(email: str, name: str, role: Role, password: str) -> Any:
        nonlocal reps_made
        ids = [caucuses[reps_made % len(caucuses)]] if role == Role.caucus_rep else []
        reps_made += role == Role.caucus_rep
        data = UserCreate(
            email=email, display_name=name, password=password, role=role, caucus_ids=ids
        )
        user = user_service.create_user(db, actor=None, data=data)
        team_role = TeamRole.caucus_rep if role == Role.caucus_rep else TeamRole.editor
        policy.add_member(
            db,
            actor=admin,
            document=document,
            data=TeamMemberIn(user_id=user.id, role=team_role, caucus_id=ids[0] if ids else None),
        )
        return user

    bench_editor = person(EDITOR_EMAIL, "Bench editor", Role.participant, PASSWORD)
    editors = [bench_editor] + [
        person(
            f"editor{i}@bench.example.org",
            f"Editor {i}",
            Role.participant,
            secrets.token_urlsafe(16),
        )
        for i in (2, 3)
    ]
    reps = [
        person(
            f"rep{i}@bench.example.org",
            f"Caucus representative {i}",
            Role.caucus_rep,
            secrets.token_urlsafe(16),
        )
        for i in range(1, 8)
    ]
    return bench_editor, editors, reps


def _refresh(db: Any, state: State, section_id: int) -> None:
    from app.services.policy import current_paragraphs

    state.paragraphs[section_id] = [(p.id or 0, p.text) for p in current_paragraphs(db, section_id)]


def _save(db: Any, rng: random.Random, state: State, *, actor: Any, section_id: int) -> bool:
    """One revision (False if the edit changed nothing); one in twelve based on an older
    version, so that it is merged."""
    from app.services import policy
    from app.services.policy.saving import snapshot

    section = policy.get_section(db, section_id)
    base = section.version
    if section.version > 3 and rng.random() < 1 / 12:
        base = section.version - rng.randint(1, 2)
    revision = policy.get_revision(db, section_id, base)
    assert revision is not None
    texts = text.edit_body(rng, [p.text for p in snapshot(revision)])
    try:
        saved = policy.save_section(
            db,
            actor=actor,
            section=section,
            base_version=base,
            body="\n\n".join(texts),
            note=rng.choice(("", "", "", "Wording", "Caucus input", "Shorter")),
        )
        state.counts["merged" if saved.merged else "saves"] += 1
        made = saved.changed
    except policy.SectionConflict:
        state.counts["conflicts retried"] += 1
        current = [t for _, t in state.paragraphs[section_id]]
        section = policy.get_section(db, section_id)
        saved = policy.save_section(
            db,
            actor=actor,
            section=section,
            base_version=section.version,
            body="\n\n".join(text.edit_body(rng, current)),
        )
        state.counts["saves"] += 1
        made = saved.changed
    _refresh(db, state, section_id)
    return made


def _decide(db: Any, *, document: Any, amendment_id: int, fate: str, editor: Any) -> str:
    from app.models.policy_amendments import AmendmentDecision
    from app.services.errors import Conflict
    from app.services.policy import amendments

    amendment = amendments.get_amendment(db, amendment_id)
    paragraph = db.get(amendments.PolicyParagraph, amendment.paragraph_id)
    if fate == "pending" or amendments.is_outdated(amendment, paragraph):
        return "pending"
    actor = editor
    if fate == "withdraw":
        from app.models.users import User

        actor = db.get(User, amendment.author_id)
    reason = "" if fate != "reject" else "The team keeps the current wording for now."
    try:
        amendments.decide(
            db,
            actor=actor,
            document=document,
            amendment=amendment,
            data=AmendmentDecision(action=fate, reason=reason),  # type: ignore[arg-type]
            editors=amendments.editor_ids(db, document.id or 0),
        )
    except Conflict:
        db.rollback()
        return "pending"
    return fate


def generate(path: Path, *, seed: int = 2025) -> dict[str, Any]:
    """Creates the database at ``path`` (replacing it); returns what it holds and timings."""
    from sqlalchemy import func, select

    from app import demo
    from app.cli import db_upgrade
    from app.db import make_engine, open_session, write_again
    from app.demo.users import admin as demo_admin
    from app.models.forums import Forum
    from app.models.policy import DocumentCreate, SectionCreate, SectionRevision
    from app.models.policy_amendments import Amendment, AmendmentCreate
    from app.models.policy_comments import CommentCreate, PolicyComment
    from app.services import policy
    from app.services.policy import amendments, comments, reviews

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    rng = random.Random(seed)
    state = State()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    db_upgrade(url)
    engine = make_engine(url)
    with open_session(engine, write=True) as db:
        demo.load(db)
        db.commit()
        timings["migrate_and_demo_s"] = time.perf_counter() - t0

        t = time.perf_counter()
        admin = demo_admin(db)
        forum = db.execute(select(Forum).order_by(Forum.id)).scalars().first()
        assert forum is not None
        document = policy.create_document(
            db,
            actor=admin,
            data=DocumentCreate.model_validate(
                {
                    "forum_id": forum.id,
                    "title": {"en": "Benchmark policy paper: care systems (60 sections)"},
                    "language": "en",
                }
            ),
        )
        bench_editor, editors, reps = _team(db, admin=admin, document=document)
        team = editors + reps
        timings["team_s"] = time.perf_counter() - t

        t = time.perf_counter()
        section_ids: list[int] = []
        for n in range(SECTIONS_TOP):
            write_again(db)
            top = policy.create_section(
                db,
                actor=rng.choice(team),
                document=document,
                data=SectionCreate(
                    title=f"{text.TITLES[n % len(text.TITLES)]}",
                    body="\n\n".join(text.body(rng)),
                ),
            )
            section_ids.append(top.id or 0)
            for k in range(SUBSECTIONS if n < WITH_CHILDREN else 0):
                write_again(db)
                child = policy.create_section(
                    db,
                    actor=rng.choice(team),
                    document=document,
                    data=SectionCreate(
                        title=f"{text.TITLES[(n + k + 7) % len(text.TITLES)]}, part {k + 1}",
                        body="\n\n".join(text.body(rng)),
                        parent_id=top.id,
                    ),
                )
                section_ids.append(child.id or 0)
        for sid in section_ids:
            _refresh(db, state, sid)
        timings["sections_s"] = time.perf_counter() - t

        # Hot and cold sections: weight 1/rank^0.8 over a shuffled order.
        order = list(section_ids)
        rng.shuffle(order)
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(order))]

        def pick() -> int:
            return rng.choices(order, weights)[0]

        t = time.perf_counter()
        revisions = len(section_ids)
        proposed = posted = step = 0
        spent = {"save": 0.0, "amend": 0.0, "comment": 0.0}
        while revisions < REVISIONS or state.pending:
            step += 1
            write_again(db)
            # Amendments and comments are spread over the first 90 % of the revisions.
            progress = revisions / REVISIONS
            if proposed < AMENDMENTS and rng.random() < (AMENDMENTS - proposed) / max(
                1, (0.9 - progress) * REVISIONS
            ):
                a = time.perf_counter()
                sid = pick()
                pid, _ = rng.choice(state.paragraphs[sid])
                made = amendments.propose(
                    db,
                    actor=rng.choice(reps),
                    paragraph=amendments.get_paragraph(db, pid),
                    data=AmendmentCreate(
                        replacement=text.edit_paragraph(rng, dict(state.paragraphs[sid])[pid]),
                        rationale=text.rationale(rng),
                    ),
                )
                proposed += 1
                fate = rng.choices(("accept", "reject", "withdraw", "pending"), (30, 25, 10, 35))
                state.pending.append((step + rng.randint(5, 120), made.id or 0, fate[0]))
                spent["amend"] += time.perf_counter() - a
                write_again(db)
            while posted < COMMENTS and rng.random() < (COMMENTS - posted) / max(
                1, (0.9 - progress) * REVISIONS
            ):
                a = time.perf_counter()
                sid = pick()
                pid, _ = rng.choice(state.paragraphs[sid])
                parent = None
                if state.threads and rng.random() < 0.4:
                    # A reply, to a thread whose paragraph is still in the text.
                    root = rng.choice(list(state.threads))
                    sid, pid = state.threads[root]
                    if any(pid == q for q, _ in state.paragraphs[sid]):
                        parent = root
                    else:
                        pid, _ = rng.choice(state.paragraphs[sid])
                made = comments.post(
                    db,
                    actor=rng.choice(team),
                    place=comments.get_place(db, pid),
                    data=CommentCreate(body=text.comment(rng), parent_id=parent),
                )
                if parent is None:
                    state.threads[made.id or 0] = (sid, pid)
                posted += 1
                spent["comment"] += time.perf_counter() - a
                write_again(db)
            due = [p for p in state.pending if p[0] <= step or revisions >= REVISIONS]
            for item in due:
                state.pending.remove(item)
                _, amendment_id, fate = item
                if fate == "accept" and revisions >= REVISIONS:
                    fate = "pending"  # the document has its 2,000 revisions
                a = time.perf_counter()
                done = _decide(
                    db,
                    document=document,
                    amendment_id=amendment_id,
                    fate=fate,
                    editor=rng.choice(editors),
                )
                state.counts[f"amendments {done}"] += 1
                amendment = amendments.get_amendment(db, amendment_id)
                if done == "accept" and amendment.revision is not None:
                    revisions += 1
                    _refresh(db, state, amendment.section_id)
                spent["amend"] += time.perf_counter() - a
                write_again(db)
            if revisions < REVISIONS:
                a = time.perf_counter()
                revisions += _save(db, rng, state, actor=rng.choice(team), section_id=pick())
                spent["save"] += time.perf_counter() - a
        timings["interleaved_s"] = time.perf_counter() - t
        timings |= {f"{k}s_s": v for k, v in spent.items()}

        t = time.perf_counter()
        roots = list(state.threads)
        for root in rng.sample(roots, len(roots) // 5):
            write_again(db)
            thread = comments.get_comment(db, root)
            comments.resolve(db, actor=rng.choice(editors), thread=thread, resolved=True)
        timings["resolve_s"] = time.perf_counter() - t

        # Part 2 (issue 13): contributions, source links, sign-off, two moves between stages.
        t = time.perf_counter()
        reps_by_caucus = {
            caucus_id: [
                r
                for r in reps
                if caucus_id in reviews.represented(db, document_id=document.id, user_id=r.id)
            ]
            for caucus_id in reviews.required_caucus_ids(db, document.id or 0)
        }
        db.commit()
        if not all(reps_by_caucus.values()):
            raise SystemExit(f"a required caucus has no representative: {reps_by_caucus}")
        part2_info, part2_timings = part2.build(
            db,
            rng,
            state,
            document=document,
            admin=admin,
            editors=editors,
            reps_by_caucus=reps_by_caucus,
            team=team,
            section_ids=section_ids,
            pick=pick,
            save=_save,
        )
        timings |= part2_timings
        timings["part2_s"] = time.perf_counter() - t

        per_section = Counter(
            dict(
                db.execute(
                    select(SectionRevision.section_id, func.count())
                    .where(SectionRevision.section_id.in_(section_ids))  # type: ignore[attr-defined]
                    .group_by(SectionRevision.section_id)
                ).all()
            )
        )
        hottest, hot_count = per_section.most_common(1)[0]
        outdated = 0
        for amendment in db.execute(
            select(Amendment).where(Amendment.status == "pending")  # type: ignore[arg-type]
        ).scalars():
            if amendment.document_id != document.id:
                continue
            paragraph = db.get(amendments.PolicyParagraph, amendment.paragraph_id)
            outdated += amendments.is_outdated(amendment, paragraph)
        info: dict[str, Any] = {
            "path": str(path),
            "seed": seed,
            "document_id": document.id,
            "editor_email": EDITOR_EMAIL,
            "editor_user_id": bench_editor.id,
            "sections": len(section_ids),
            "section_ids": section_ids,
            "revisions": sum(per_section.values()),
            "revisions_per_section": {
                "max": hot_count,
                "median": sorted(per_section.values())[len(per_section) // 2],
                "min": min(per_section.values()),
            },
            "hottest_section_id": hottest,
            "hottest_section_paragraphs": len(state.paragraphs[hottest]),
            "amendments": db.execute(
                select(func.count())
                .select_from(Amendment)
                .where(Amendment.document_id == document.id)  # type: ignore[arg-type]
            ).scalar_one(),
            "amendments_outdated": outdated,
            "comments": db.execute(
                select(func.count())
                .select_from(PolicyComment)
                .where(PolicyComment.document_id == document.id)  # type: ignore[arg-type]
            ).scalar_one(),
            "threads": len(roots),
            "threads_resolved": len(roots) // 5,
            "operations": dict(state.counts),
        } | part2_info
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["total_s"] = time.perf_counter() - t0
    info["timings"] = timings
    info["size_mb"] = path.stat().st_size / 1e6
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="SQLite file to create")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    info = generate(args.out, seed=args.seed)
    shown = {k: v for k, v in info.items() if k != "section_ids"}
    print(json.dumps(shown, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
