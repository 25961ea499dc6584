"""Every API operation, fuzzed from the OpenAPI schema: no server error, and every response
matches the schema (status codes, content types, bodies). Runs as an administrator so that
create, update and delete are exercised too, not only refused."""

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.models.users import Role

# Fuzzing phase only, bounded: the coverage phase's boundary cases multiply the run time of ~50
# operations many times over while the suite must stay within minutes on two cores.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": 15},
    }
)


@pytest.fixture
def api_schema(app: Any, client: TestClient, login_as: Any) -> Any:
    login_as(Role.admin)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


@pytest.fixture
def auth_headers(client: TestClient) -> dict[str, str]:
    return {
        "Cookie": f"th_session={client.cookies.get('th_session')}",
        "X-CSRF-Token": client.headers["X-CSRF-Token"],
    }


schema = schemathesis.pytest.from_fixture("api_schema")

# What JSON Schema cannot say: that a referenced record exists, rules across fields, uniqueness,
# and e-mail deliverability rules (reserved domains). Only these may reject schema-valid data.
SEMANTIC_FIELDS = {"body", "__all__", "code", "email", "body.email", "speakers"}


def _semantic(field: str) -> bool:
    name = next((p for p in reversed(field.split(".")) if not p.isdigit()), field)
    return field in SEMANTIC_FIELDS or name.endswith(("_id", "_ids", "email"))


@schemathesis.check
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


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    # A failure is reported as found: shrinking it can take minutes of the suite's budget.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_operation(case: Any, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(
        headers=auth_headers,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_data_is_accepted],
    )


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
    ):
        assert f"/api/v1/{resource}" in paths, resource
    # HTML pages are not API operations.
    assert not any(not p.startswith(("/api/", "/healthz")) for p in paths)
