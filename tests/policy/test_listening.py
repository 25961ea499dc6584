"""The listening report: its figures computed here, in plain Python over the fixture's own rows
(not with the service's helpers), in total and for every breakdown, for the working text and
for a snapshot; who may read which report; the CSV; the page in es, pt and en."""

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.contributions import ContributionTheme
from app.models.forums import Forum
from app.models.policy_sources import ParagraphSource
from app.models.policy_stages import DocumentSnapshot, SnapshotSource
from app.models.types import utcnow
from app.models.users import Role
from app.services import policy
from tests import factories
from tests.conftest import logout
from tests.policy.helpers import Paper, add_to_team, paper

Login = Callable[..., Any]

# The order of outcomes, best first, as the issue states it: a contribution that fed several
# paragraphs counts once, by the best of them.
BEST_FIRST = ["incorporated", "partly_incorporated", "merged", "not_taken_up"]
OUTCOMES = [*BEST_FIRST, "not_considered"]
CHANNELS = ["web", "live", "email", "transcribed"]
ORG_TYPES = [
    "individual",
    "civil_society",
    "grassroots",
    "local_government",
    "national_government",
    "international",
    "academia",
    "private_sector",
    "other",
]

# name, channel, caucus code, language, organisation type, theme codes, status, forum
CONTRIBUTIONS = [
    ("a", "web", "youth", "es", "grassroots", ["1", "2"], "published", "main"),
    ("b", "web", None, "en", None, ["1"], "published", "main"),
    ("c", "live", "feminism", "pt", "individual", [], "published", "main"),
    ("d", "email", "youth", "es", "civil_society", ["2"], "published", "main"),
    ("e", "transcribed", "accessibility", "es", None, ["3"], "published", "main"),
    ("f", "web", None, "en", "academia", [], "published", "main"),
    ("g", "live", "youth", "en", "grassroots", ["1", "3"], "published", "main"),
    ("h", "web", None, "es", None, ["2"], "pending", "main"),  # not published: not counted
    ("i", "web", "feminism", "es", "grassroots", ["1"], "hidden", "main"),  # neither
    ("j", "web", None, "en", None, [], "published", "other"),  # another forum's
]
# contribution, paragraph (0-2), outcome: the working text's links
WORKING = [
    ("a", 0, "not_taken_up"),
    ("a", 1, "partly_incorporated"),  # a's best: partly
    ("b", 0, "incorporated"),
    ("c", 2, "merged"),
    ("d", 1, "not_taken_up"),
    ("d", 2, "not_taken_up"),
    ("g", 0, "merged"),
    ("g", 2, "incorporated"),  # g's best: incorporated
    ("h", 0, "incorporated"),  # pending: not counted
    ("j", 1, "incorporated"),  # another forum's: not counted
]
# contribution, outcome: what the first snapshot froze (before the later edits)
FROZEN = [("a", "not_taken_up"), ("b", "partly_incorporated"), ("e", "incorporated")]


@dataclass
class Fixture:
    paper: Paper
    ids: dict[str, int]
    themes: dict[str, int]
    caucuses: dict[str, int]
    rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)


def _build(db: Session) -> Fixture:
    made = paper(db)
    forum = db.get(Forum, made.document.forum_id)
    assert forum is not None
    db.commit()
    other = factories.forum(db, title={"en": "Another forum"})
    themes = {code: factories.theme(db, forum, code).id or 0 for code in ("1", "2", "3")}
    caucuses = {
        code: factories.caucus(db, code).id or 0 for code in ("youth", "feminism", "accessibility")
    }
    ids: dict[str, int] = {}
    rows = {}
    for name, channel, caucus, language, org, codes, status, where in CONTRIBUTIONS:
        made_one = factories.contribution(
            db,
            forum if where == "main" else other,
            title=f"Contribution {name}",
            channel=channel,
            kind="remark" if channel == "live" else "proposal",
            caucus_id=caucuses[caucus] if caucus else None,
            language=language,
            organisation_type=org,
            status=status,
        )
        ids[name] = made_one.id
        rows[name] = (name, channel, caucus, language, org, codes, status, where)
        for code in codes:
            db.add(ContributionTheme(contribution_id=made_one.id, theme_id=themes[code]))
    db.commit()
    paragraphs = [p.id or 0 for p in policy.current_paragraphs(db, made.section.id or 0)]
    for name, n, outcome in WORKING:
        db.add(
            ParagraphSource(
                document_id=made.document.id or 0,
                paragraph_id=paragraphs[n],
                target_kind="contribution",
                target_id=ids[name],
                outcome=outcome,
                reason="Because." if outcome == "not_taken_up" else "",
            )
        )
    for number, public in ((1, True), (2, False)):
        snapshot = DocumentSnapshot(
            document_id=made.document.id or 0,
            number=number,
            stage="policy_council" if public else "committee",
            from_stage="caucus_review",
            stage_name={},
            public=public,
            title={"en": "Caring Systems"},
            language="en",
            created_at=utcnow(),
        )
        db.add(snapshot)
        db.flush()
        frozen = FROZEN if public else [("f", "incorporated")]
        for name, outcome in frozen:
            db.add(
                SnapshotSource(
                    snapshot_id=snapshot.id or 0,
                    document_id=made.document.id or 0,
                    paragraph_id=paragraphs[0],
                    section_number="1",
                    target_kind="contribution",
                    target_id=ids[name],
                    outcome=outcome,
                )
            )
    db.commit()
    return Fixture(made, ids, themes, caucuses, rows)


def _expected(fixture: Fixture, links: list[tuple[str, str]]) -> dict[str, Any]:
    """The report, from the fixture's own rows: published contributions of the document's
    forum, each by its best outcome; a theme row for each of its themes."""
    best: dict[str, str] = {}
    for name, outcome in links:
        if name not in best or BEST_FIRST.index(outcome) < BEST_FIRST.index(best[name]):
            best[name] = outcome
    counted = [r for r in fixture.rows.values() if r[6] == "published" and r[7] == "main"]
    groups: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    totals: Counter[str] = Counter()
    for name, channel, caucus, language, org, codes, _status, _where in counted:
        outcome = best.get(name, "not_considered")
        totals[outcome] += 1
        groups["channel"][channel][outcome] += 1
        caucus_key = str(fixture.caucuses[caucus]) if caucus else "none"
        groups["caucus"][caucus_key][outcome] += 1
        groups["language"][language][outcome] += 1
        groups["organisation_type"][org or "none"][outcome] += 1
        for code in codes or ["none"]:
            key = str(fixture.themes[code]) if code != "none" else "none"
            groups["theme"][key][outcome] += 1
    return {"total": sum(totals.values()), "outcomes": totals, "groups": groups}


def _as_counts(counter: Counter[str]) -> dict[str, int]:
    return {o: counter.get(o, 0) for o in OUTCOMES}


def _check(report: dict[str, Any], expected: dict[str, Any]) -> None:
    assert report["total"] == expected["total"]
    assert report["outcomes"] == _as_counts(expected["outcomes"])
    by_dimension = {b["dimension"]: b for b in report["breakdowns"]}
    assert set(by_dimension) == {"channel", "caucus", "language", "organisation_type", "theme"}
    for dimension, breakdown in by_dimension.items():
        shown = {g["key"]: (g["total"], g["outcomes"]) for g in breakdown["groups"] if g["total"]}
        wanted = {
            key: (sum(c.values()), _as_counts(c))
            for key, c in expected["groups"][dimension].items()
        }
        assert shown == wanted, dimension
    # Every channel and organisation type is listed, with its zeros.
    assert [g["key"] for g in by_dimension["channel"]["groups"]] == CHANNELS
    assert [g["key"] for g in by_dimension["organisation_type"]["groups"]] == [*ORG_TYPES, "none"]


def _working_links() -> list[tuple[str, str]]:
    return [(name, outcome) for name, _n, outcome in WORKING]


def test_the_figures_for_the_working_text_and_for_a_snapshot(
    client: TestClient, db: Session, login_as: Login
) -> None:
    fixture = _build(db)
    doc = fixture.paper.document.id
    editor = login_as(Role.participant)
    add_to_team(db, fixture.paper, editor, "editor")

    working = client.get(f"/api/v1/documents/{doc}/listening-report")
    assert working.status_code == 200, working.text
    assert working.json()["snapshot"] is None
    expected = _expected(fixture, _working_links())
    _check(working.json(), expected)
    # Written out once, to read: 7 counted; g and b incorporated, a partly, c merged, d not
    # taken up, e and f not yet considered.
    assert working.json()["outcomes"] == {
        "incorporated": 2,
        "partly_incorporated": 1,
        "merged": 1,
        "not_taken_up": 1,
        "not_considered": 2,
    }

    frozen = client.get(f"/api/v1/documents/{doc}/listening-report", params={"snapshot": 1})
    assert frozen.status_code == 200
    assert frozen.json()["snapshot"] == 1
    _check(frozen.json(), _expected(fixture, FROZEN))
    # The team reads the snapshot that is not public too.
    second = client.get(f"/api/v1/documents/{doc}/listening-report", params={"snapshot": 2})
    _check(second.json(), _expected(fixture, [("f", "incorporated")]))


@pytest.mark.parametrize("role", [None, Role.participant], ids=["anonymous", "participant"])
def test_anyone_else_reads_only_public_snapshots(
    client: TestClient, db: Session, login_as: Login, role: Role | None
) -> None:
    fixture = _build(db)
    doc = fixture.paper.document.id
    if role is None:
        logout(client)
    else:
        login_as(role)
    url = f"/api/v1/documents/{doc}/listening-report"
    # Without a number: the latest public snapshot's report, never the working text's.
    latest = client.get(url)
    assert latest.status_code == 200
    assert latest.json()["snapshot"] == 1
    _check(latest.json(), _expected(fixture, FROZEN))
    assert client.get(url, params={"snapshot": 1}).status_code == 200
    assert client.get(url, params={"snapshot": 2}).status_code == 404  # not public
    assert client.get(url, params={"snapshot": 9}).status_code == 404
    assert client.get(f"/documents/{doc}/listening-report?snapshot=2").status_code == 404
    assert client.get(f"/documents/{doc}/listening-report.csv?snapshot=2").status_code == 404


def test_a_document_with_no_public_snapshot_has_no_report_for_the_public(
    client: TestClient, db: Session
) -> None:
    made = paper(db)
    logout(client)
    assert client.get(f"/api/v1/documents/{made.document.id}/listening-report").status_code == 404
    assert client.get(f"/documents/{made.document.id}/listening-report").status_code == 404


def test_the_csv(client: TestClient, db: Session, login_as: Login) -> None:
    fixture = _build(db)
    doc = fixture.paper.document.id
    login_as(Role.secretariat)
    response = client.get(f"/documents/{doc}/listening-report.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="listening-report-{doc}.csv"' in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["breakdown", "group", "label", "total", *OUTCOMES]
    expected = _expected(fixture, _working_links())
    total = rows[0]
    assert total["breakdown"] == "total"
    assert int(total["total"]) == expected["total"]
    assert {o: int(total[o]) for o in OUTCOMES} == _as_counts(expected["outcomes"])
    for row in rows[1:]:
        wanted = expected["groups"][row["breakdown"]].get(row["group"], Counter())
        assert int(row["total"]) == sum(wanted.values()), row
        assert {o: int(row[o]) for o in OUTCOMES} == _as_counts(wanted), row
    youth = next(r for r in rows if r["breakdown"] == "caucus" and r["label"] == "Youth caucus")
    assert youth["group"] == str(fixture.caucuses["youth"])
    snapshot = client.get(f"/documents/{doc}/listening-report.csv?snapshot=1")
    assert f'filename="listening-report-{doc}-v1.csv"' in snapshot.headers["content-disposition"]


@pytest.mark.parametrize(
    ("lang", "heading", "counted"),
    [
        ("en", "Listening report", "7 contributions counted; 4 taken up"),
        ("es", "Informe de escucha", "7 contribuciones contabilizadas; recogidas: 4"),
        ("pt", "Relatório de escuta", "7 contribuições contabilizadas; acolhidas: 4"),
    ],
)
def test_the_page_in_each_language(
    client: TestClient, db: Session, login_as: Login, lang: str, heading: str, counted: str
) -> None:
    fixture = _build(db)
    doc = fixture.paper.document.id
    login_as(Role.secretariat)
    page = client.get(f"/documents/{doc}/listening-report", headers={"Accept-Language": lang})
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert counted in page.text
    # Six charts, each with a real table: a caption and headers.
    assert page.text.count('role="img"') == 6
    assert page.text.count("<caption") == 6
    assert page.text.count('<th scope="col">') >= 2 + 5 * 7
    assert f'href="/documents/{doc}/listening-report.csv"' in page.text

    document_page = client.get(f"/documents/{doc}", headers={"Accept-Language": lang})
    assert f'href="/documents/{doc}/listening-report"' in document_page.text
