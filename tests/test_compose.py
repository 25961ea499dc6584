"""The production set-up (compose.yaml, Caddyfile, .env.example, Dockerfile) read as Docker
Compose and Caddy would: the services and their order, health checks, proxy headers, volumes,
and every setting named exists in app/config.py and is documented. `docker compose config` and
`caddy validate` run too where those tools are installed (neither is on CI's machine)."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT, Settings

COMPOSE = PROJECT_ROOT / "compose.yaml"
CADDYFILE = PROJECT_ROOT / "Caddyfile"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
SETTINGS = {f"TOWNHALL_{name.upper()}" for name in Settings.model_fields}
# Values an operator fills into .env, for the checks that interpolate compose.yaml.
SAMPLE_ENV = {
    "SITE_DOMAIN": "townhall.example.org",
    "POSTGRES_PASSWORD": "pg-secret-for-the-test",
    "TOWNHALL_SECRET_KEY": "key-for-the-test",
}
REFERENCE = re.compile(r"\$\{(\w+)(?::?[?-][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return dict(compose["services"])


def instances(services: dict[str, Any]) -> dict[str, Any]:
    """The app instances: the services built from this repository that serve (no command of
    their own: the image's `townhall serve`)."""
    return {name: s for name, s in services.items() if s.get("build") == "." and "command" not in s}


def caddyfile() -> str:
    """The Caddyfile without its comments."""
    return re.sub(r"#.*", "", CADDYFILE.read_text())


def interpolate(value: str) -> str:
    return REFERENCE.sub(lambda m: SAMPLE_ENV[m.group(1)], value)


def env_example() -> dict[str, str]:
    """The lines that set a value, and the commented-out ones that document a default."""
    out: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            out.setdefault(match.group(1), match.group(2) if not line.startswith("#") else "#")
    return out


def test_postgresql_migrations_instances_and_caddy_are_there(services: dict[str, Any]) -> None:
    assert {"db", "migrate", "caddy"} <= set(services)
    assert len(instances(services)) >= 2
    assert services["db"]["image"].startswith("postgres:")
    assert services["caddy"]["image"].startswith("caddy:")
    assert services["migrate"]["command"] == ["townhall", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"


def test_migrations_run_once_before_any_instance_starts(services: dict[str, Any]) -> None:
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name, instance in instances(services).items():
        needs = instance["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully", name
        assert needs["db"]["condition"] == "service_healthy", name


def test_health_checks_liveness_in_docker_readiness_in_caddy(services: dict[str, Any]) -> None:
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    for name, instance in instances(services).items():
        check = " ".join(instance["healthcheck"]["test"])
        assert "/healthz" in check, name
        # The Host the app always answers, whatever TOWNHALL_ALLOWED_HOSTS says.
        assert "TOWNHALL_BASE_URL" in check, name
        # Longer than the app's drain time, so requests under way finish before SIGKILL.
        grace = int(instance["stop_grace_period"].removesuffix("s"))
        assert grace > Settings().shutdown_drain_s, name
        assert services["caddy"]["depends_on"][name]["condition"] == "service_healthy"
    caddy = caddyfile()
    assert re.search(r"^\s*health_uri /readyz$", caddy, re.MULTILINE)
    assert "health_headers" in caddy


def test_only_caddy_reaches_the_instances_and_they_trust_its_headers(
    services: dict[str, Any],
) -> None:
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"caddy"}
    for name, instance in instances(services).items():
        env = instance["environment"]
        assert env["TOWNHALL_TRUST_FORWARDED_FOR"] == "true", name
        assert env["TOWNHALL_SECURE_COOKIES"] == "true", name
        assert interpolate(env["TOWNHALL_BASE_URL"]) == "https://townhall.example.org"
    caddy = caddyfile()
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy)
    assert upstreams is not None
    assert set(upstreams.group(1).split()) == {f"{name}:8000" for name in instances(services)}
    # A proxy trusted before Caddy would let clients' own X-Forwarded-For through to the app.
    assert "trusted_proxies" not in caddy


def test_data_backups_and_certificates_are_on_named_volumes(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    assert {"pgdata", "backups", "caddy_data"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    for name in [*instances(services), "migrate"]:
        assert "backups:/srv/townhall/backups" in services[name]["volumes"], name
    assert "caddy_data:/data" in services["caddy"]["volumes"]


def test_the_database_url_is_the_compose_database(services: dict[str, Any]) -> None:
    db_env = services["db"]["environment"]
    for name, instance in instances(services).items():
        url = make_url(interpolate(instance["environment"]["TOWNHALL_DATABASE_URL"]))
        assert url.drivername == "postgresql+psycopg", name
        assert (url.host, url.username, url.database) == (
            "db",
            db_env["POSTGRES_USER"],
            db_env["POSTGRES_DB"],
        )
        assert url.password == SAMPLE_ENV["POSTGRES_PASSWORD"]


def test_no_secret_value_is_committed(services: dict[str, Any]) -> None:
    secret = re.compile(r"PASSWORD|SECRET|KEY", re.IGNORECASE)
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if secret.search(key):
                assert REFERENCE.fullmatch(str(value)), f"{name}: {key} must come from .env"
        url = (service.get("environment") or {}).get("TOWNHALL_DATABASE_URL")
        if url:
            assert "${POSTGRES_PASSWORD" in url
    for key, value in env_example().items():
        if secret.search(key) and value != "#":
            assert value == "", f".env.example gives {key} a value"


def test_every_setting_named_exists_and_every_setting_is_documented(
    services: dict[str, Any],
) -> None:
    named = set(re.findall(r"\bTOWNHALL_[A-Z0-9_]+", COMPOSE.read_text()))
    documented = {key for key in env_example() if key.startswith("TOWNHALL_")}
    assert named - SETTINGS == set(), "compose.yaml names settings app/config.py does not have"
    assert documented - SETTINGS == set(), ".env.example names unknown settings"
    assert SETTINGS - documented == set(), "add these settings to .env.example"
    # What compose.yaml needs from .env is in .env.example.
    needed = set(REFERENCE.findall(COMPOSE.read_text()))
    assert needed <= set(env_example())


def test_postgresql_matches_the_client_tools_in_the_image(services: dict[str, Any]) -> None:
    """pg_dump refuses a server of a newer major version than its own."""
    dockerfile = DOCKERFILE.read_text()
    base = re.search(r"^FROM python:[\w.]+-slim-(\w+)$", dockerfile, re.MULTILINE)
    assert base is not None, "pin the Debian release, which fixes postgresql-client's version"
    client = {"bookworm": 15, "trixie": 17}[base.group(1)]
    server = int(re.match(r"postgres:(\d+)", services["db"]["image"]).group(1))  # type: ignore[union-attr]
    assert server <= client
    assert "postgresql-client" in dockerfile


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = re.findall(r"^USER (\S+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}


def _has_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return done.returncode == 0


@pytest.mark.skipif(not _has_compose(), reason="docker compose is not installed")
def test_docker_compose_config_accepts_it(tmp_path: Path) -> None:
    for path in (COMPOSE, CADDYFILE):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / ".env").write_text(
        ENV_EXAMPLE.read_text() + "".join(f"{k}={v}\n" for k, v in SAMPLE_ENV.items())
    )
    done = subprocess.run(
        ["docker", "compose", "--project-directory", str(tmp_path), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddy_accepts_the_caddyfile(tmp_path: Path) -> None:
    done = subprocess.run(
        ["caddy", "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        check=False,
        env={
            "SITE_DOMAIN": SAMPLE_ENV["SITE_DOMAIN"],
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert done.returncode == 0, done.stderr
    assert "Valid configuration" in done.stdout + done.stderr
