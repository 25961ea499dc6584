"""Every API operation, fuzzed from the OpenAPI schema, as each kind of caller: anonymous, a
participant, a caucus representative and the secretariat. Whoever calls: no server error, and
every response matches the schema (status codes, content types, bodies); a caller below what an
operation asks for is refused with 401 or 403, never served.

- test_api_operation, per role: each operation on its own, its path ids pointing at real records
  (tests/schema_roles.py seeds them) most of the time.
- test_api_workflows, per role: chains of calls following the schema's links (those
  schemathesis infers, and those tests/schema_roles.py adds), so that what one call creates or
  lists, the next reads, updates or deletes; every successful call that needs an account is
  replayed without the session cookie and must then be refused (`ignored_auth`).
- test_api_lifecycles, as the secretariat: the same, one resource at a time, so that a create,
  a delete and a read after it (which must answer 404: `use_after_free`) come up in a short run.
"""

import json
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlmodel import Session

from app.models.users import Role
from tests import schema_roles
from tests.conftest import csrf_header, logout
from tests.schema_roles import RANK, Seed

ROLES = ("anonymous", Role.participant.value, Role.caucus_rep.value, Role.secretariat.value)

# Fuzzing and stateful phases only, bounded: the coverage phase's boundary cases multiply the
# run time of ~80 operations many times over, and the suite must stay within minutes on two
# cores. Deterministic (derandomized, stateful runs from fixed seeds, no example database), so
# that a run on one machine is the run on another.
MAX_EXAMPLES = 8
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {
            "coverage": {"enabled": False},
            # Chains of valid requests, to get deep; invalid ones are the fuzzing's part.
            "stateful": {"enabled": True, "generation": {"mode": "positive"}},
        },
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "no-shrink": True,
            # The session cookie comes from logging in, sent as a header: never generated.
            "with-security-parameters": False,
        },
    }
)
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]
# A failure is reported as found: shrinking it can take minutes of the suite's budget.
STATELESS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=HEALTH,
)
STATEFUL_RUNS = 4
LIFECYCLE_RUNS = 2
STATEFUL = settings(
    max_examples=MAX_EXAMPLES,
    stateful_step_count=8,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=HEALTH,
)


# Date-times within the years the app takes (1900-2200, a pattern next to the format in the
# schema): drawn from all years, hardly any value meets the pattern, so that schemathesis cannot
# make a valid session at all, and the examples Hypothesis gives up on do not count towards
# max_examples, so each run draws many times over. RFC 3339, so with an offset.
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2200, 12, 30), timezones=OFFSETS
    ).map(datetime.isoformat),
)


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def seeded(db: Session) -> Seed:
    return schema_roles.seed(db)


@pytest.fixture
def auth_headers(client: TestClient, login_as: Callable[..., Any], role: str) -> dict[str, str]:
    """The caller's session cookie and CSRF token, sent with every request. An anonymous caller
    has a session too: the one its CSRF token is bound to."""
    if role == "anonymous":
        logout(client)
        token = csrf_header(client)["X-CSRF-Token"]
    else:
        login_as(Role(role))
        token = client.headers["X-CSRF-Token"]
    cookie = schema_roles.SESSION_COOKIE
    return {"Cookie": f"{cookie}={client.cookies.get(cookie)}", "X-CSRF-Token": token}


@pytest.fixture
def api_schema(app: Any, client: TestClient, seeded: Seed, auth_headers: dict[str, str]) -> Any:
    raw = schema_roles.prepare(client.get("/openapi.json").json())
    loaded = schemathesis.openapi.from_dict(raw, config=CONFIG)
    loaded.app = app
    loaded.location = "/openapi.json"

    @loaded.hook
    def flatmap_path_parameters(ctx: Any, path_parameters: Any) -> Any:
        """Most path ids name a real record (see schema_roles.Seed); the others stay as
        generated, mostly records that do not exist. Only values the schema accepts are swapped,
        so that a case meant to be invalid stays invalid."""
        if not path_parameters or ctx.operation is None:
            return st.just(path_parameters)
        choices = {}
        for name, value in path_parameters.items():
            ids = seeded.ids(ctx.operation.method, ctx.operation.path, name)
            if ids and isinstance(value, int) and not isinstance(value, bool) and value >= 1:
                # Mostly a real record: three chances in four at least.
                choices[name] = st.sampled_from([*ids * 3, value])
            else:
                choices[name] = st.just(value)
        return st.fixed_dictionaries(choices)

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")

# What JSON Schema cannot say: that a referenced record exists, rules across fields or on who is
# calling, uniqueness, and e-mail deliverability rules (reserved domains). Only these may reject
# schema-valid data.
SEMANTIC_FIELDS = {
    "body",
    "__all__",
    "code",
    "email",
    "body.email",
    "speakers",
    # Required of some callers or with some values only: a name, consent to publication and to
    # the privacy notice from a person without an account, a reason with a rejection.
    "author_name",
    "consent",
    "accept_privacy",
    "reason",
    # A common password, or one containing the name or e-mail; a staff-like display name
    # (services/accountrules.py): lists no schema can carry.
    "password",
    "new_password",
    "display_name",
    # Minutes: which of an item's fields is required depends on its kind (a path parameter);
    # the end of the correction window is required to circulate and must be in the future;
    # once published, every change needs its correction note.
    "text",
    "title",
    "name",
    "until",
    "correction_note",
    # A crowd report's sphere is required of a facility only (the kind is another field).
    "body.sphere",
    # Timing corrections: an end after its start and within a day of it, neither still to
    # come; a segment with timed turns keeps its start (rules between fields and the clock).
    "actual_start",
    "actual_end",
    "started_at",
    "ended_at",
    # A policy document's import: a DOCX or Markdown file with text, by its content.
    "file",
    # A caucus review's note: required to endorse with concerns or to object (the verdict).
    "note",
    # A paragraph's source: a kind of the target registry that paragraphs may cite (filled at
    # run time by the domains that register); "not_taken_up" needs its reason (above).
    "target_kind",
    # A document's stage list: the current stage and the ones before it keep their place, and
    # keys are unique (rules about the document's state and the whole list).
    "stages",
}


def _semantic(field: str) -> bool:
    name = next((p for p in reversed(field.split(".")) if not p.isdigit()), field)
    return field in SEMANTIC_FIELDS or name.endswith(("_id", "_ids", "email"))


def schema_valid_data_is_accepted(ctx: Any, response: Any, case: Any) -> None:
    """Stricter than the built-in check: a 422 for schema-valid data must name only fields
    whose rule the schema cannot express; anything else is a constraint missing from it."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return
    fields = list((response.json().get("errors") or {}).keys())
    undocumented = [f for f in fields if not _semantic(f)]
    assert fields, response.text
    assert not undocumented, f"schema-valid data rejected on {fields}: {response.text}"


def _unreadable_json(request: Any) -> bool:
    """A JSON body that does not even decode: FastAPI reads the body before it resolves any
    dependency, so such a request is refused as malformed before anyone asks who sent it."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        return False
    try:
        json.loads(request.body or b"")
    except ValueError:
        return True
    return False


def refused_below(role: str) -> Callable[[Any, Any, Any], None]:
    """A check: an operation asking more than `role` has answers 401 or 403 (or 400/422 to a
    body that is not JSON at all), never anything else and above all never 2xx."""
    rank = RANK[role]

    def role_is_enforced(ctx: Any, response: Any, case: Any) -> None:
        needed = schema_roles.required(case.operation.method, case.operation.path)
        if rank >= needed:
            return
        assert not 200 <= response.status_code < 300, (
            f"{role} was served by {case.operation.label}: {response.text[:500]}"
        )
        if response.status_code in (400, 422) and _unreadable_json(response.request):
            return
        assert response.status_code in (401, 403), (
            f"{role} got {response.status_code} from {case.operation.label}, "
            f"which needs rank {needed}: {response.text[:500]}"
        )

    return role_is_enforced


def _checks(role: str) -> dict[str, Any]:
    return {
        "excluded_checks": [positive_data_acceptance],
        "additional_checks": [schema_valid_data_is_accepted, refused_below(role)],
    }


@schema.parametrize()
@STATELESS
def test_api_operation(case: Any, auth_headers: dict[str, str], role: str) -> None:
    case.call_and_validate(headers=auth_headers, **_checks(role))


class Findings:
    """Failures of the stateful runs, one per operation and kind, with the first request that
    showed each. Collected rather than raised: Hypothesis replays a failing scenario to report
    it, and a replay against a database that the first run changed takes other steps."""

    def __init__(self) -> None:
        self.reports: dict[tuple[str, str], str] = {}
        self.scenarios = 0

    def add(self, group: FailureGroup) -> None:
        for failure in group.exceptions:
            self.reports.setdefault((str(failure.operation), failure.title), str(group))

    def crash(self, case: Any, exc: BaseException) -> None:
        trace = "".join(traceback.format_exception(exc))
        self.reports.setdefault((case.operation.label, type(exc).__name__), f"{case!r}\n{trace}")

    def __str__(self) -> str:
        return "\n\n".join(self.reports.values())


def _workflow(schema: Any, auth_headers: dict[str, str], role: str) -> Any:
    """The schema's state machine, calling as `role`; what it finds goes to `findings`."""
    checks = _checks(role)
    findings = Findings()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": auth_headers}

        def call(self, case: Any, **kwargs: Any) -> Any:
            try:
                return super().call(case, **kwargs)
            except Exception as exc:  # the app raised: a 500 the ASGI transport re-raises
                findings.crash(case, exc)
                raise

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            try:
                case.validate_response(
                    response,
                    headers=kwargs.get("headers"),
                    transport_kwargs=kwargs,
                    recorder=self.recorder,
                    **checks,
                )
            except FailureGroup as group:
                findings.add(group)

        def teardown(self) -> None:
            findings.scenarios += 1
            super().teardown()

    Workflow.findings = findings
    return Workflow


def _run(workflow: Any, runs: int) -> None:
    """Several short Hypothesis runs, each from a fixed seed. Scenarios change the database, so
    a scenario that begins like an earlier one may go on differently, which Hypothesis reports as
    flaky data generation, ending its run: like schemathesis' own runner, this takes that as the
    end of the run, not as a failure. What the scenarios found is in `findings`."""
    for seed in range(runs):
        hypothesis.seed(seed)(workflow)
        try:
            workflow.run(settings=STATEFUL)
        except hypothesis.errors.Flaky:
            if workflow.findings.reports:
                break
    assert not workflow.findings.reports, str(workflow.findings)
    assert workflow.findings.scenarios >= runs, "the stateful runs hardly ran"


def test_api_workflows(api_schema: Any, auth_headers: dict[str, str], role: str) -> None:
    """Chains across the whole API, as each caller."""
    _run(_workflow(api_schema, auth_headers, role), STATEFUL_RUNS)


# What the secretariat creates, reads, updates and deletes. One short state machine for each,
# so that the chains from a create to a delete and to a read after it come up often.
LIFECYCLES = ("forums", "sessions", "speakers", "organisations", "caucuses")


@pytest.mark.parametrize("role", [Role.secretariat.value])
def test_api_lifecycles(api_schema: Any, auth_headers: dict[str, str], role: str) -> None:
    """Create, read, update, delete, and read or update again after the delete: 404."""
    for resource in LIFECYCLES:
        records = api_schema.include(path_regex=rf"^/api/v1/{resource}(/\{{[a-z_]+\}})?$")
        _run(_workflow(records, auth_headers, role), LIFECYCLE_RUNS)


def test_openapi_lists_every_resource(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for resource in (
        "forums",
        "sessions",
        "speakers",
        "organisations",
        "caucuses",
        "users",
        "invitations",
        "audit",
        "contributions",
        "moderation/queue",
        "caremap/territories",
        "caremap/pins",
    ):
        assert f"/api/v1/{resource}" in paths, resource
    # HTML pages are not API operations; the minutes' and policy documents' files are
    # (routers/minutes/exports.py, routers/policy/io.py).
    documents = ("/minutes.docx", "/minutes.md", "/export.docx", "/export.md")
    assert not any(
        not p.startswith(("/api/", "/healthz")) and not p.endswith(documents) for p in paths
    )
    # Each API operation is in tests/schema_roles.py, as public or with the role it needs, so
    # that the fuzzing knows who must be refused: a new operation goes there too.
    operations = {schema_roles.label(m, p) for p, item in paths.items() for m in item}
    operations.discard("GET /healthz")
    listed = schema_roles.PUBLIC_OPERATIONS | schema_roles.REQUIRED.keys()
    assert not operations - listed, f"not in schema_roles.py: {sorted(operations - listed)}"
    assert not listed - operations, f"gone from the API: {sorted(listed - operations)}"
