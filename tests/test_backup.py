"""`townhall backup` / `townhall restore` on SQLite and on PostgreSQL (the latter when
TOWNHALL_TEST_DATABASE_URL points at a server, as in CI): a round trip of the demo plus an
attachment into an empty database finds every row and every stored byte; the refusals change
nothing; a backup taken while another connection writes is one consistent moment; an archive of
an older schema is restored at its own revision and then upgraded.

Each test makes and drops its own databases (files under tmp_path; PostgreSQL databases named
th_backup_*), never the suite's shared one.
"""

import hashlib
import io
import json
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import backup, cli, demo
from app.config import Settings, get_settings
from app.db import make_engine, open_session
from app.main import create_app
from app.models.audit import AuditEvent
from app.models.contributions import Attachment
from tests.conftest import PG_URL

DIALECTS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="needs TOWNHALL_TEST_DATABASE_URL"),
    ),
]
# Every byte value, and more than one block of the dump's copy loops.
ATTACHMENT = bytes(range(256)) * 5000
HEAD = backup.code_revisions()[1]
# An older revision (before the minutes and policy tables), for the upgrade-after-restore case.
OLD_REVISION = "e2c5f4a1b705"


class Databases:
    """Makes empty databases of one kind and drops them at the end."""

    def __init__(self, dialect: str, root: Path) -> None:
        self.dialect, self.root = dialect, root
        self.made: list[str] = []
        self.admin = (
            create_engine(
                make_url(PG_URL).set(database="postgres"),
                isolation_level="AUTOCOMMIT",
                poolclass=NullPool,
            )
            if dialect == "postgresql"
            else None
        )

    def new(self) -> str:
        name = f"th_backup_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            return f"sqlite:///{self.root / f'{name}.db'}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def migrated(self, revision: str = "head") -> str:
        url = self.new()
        cli._ensure_sqlite_dir(url)
        command.upgrade(cli._alembic_config(url), revision)
        return url

    def drop(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def _databases(dialect: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(dialect, tmp_path_factory.mktemp(f"backup-{dialect}"))
    yield made
    made.drop()


@pytest.fixture(scope="module", params=DIALECTS)
def dbs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    yield from _databases(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def sqlite_dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    yield from _databases("sqlite", tmp_path_factory)


def _load_demo_with_attachment(url: str) -> None:
    engine = make_engine(url)
    try:
        with open_session(engine, write=True) as db:
            demo.load(db)
            first = db.execute(text("SELECT min(id) FROM contribution")).scalar()
            assert first is not None
            db.add(
                Attachment(
                    contribution_id=first,
                    filename="every-byte.bin",
                    media_type="application/octet-stream",
                    size=len(ATTACHMENT),
                    sha256=hashlib.sha256(ATTACHMENT).hexdigest(),
                    data=ATTACHMENT,
                )
            )
            db.commit()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def source(dbs: Databases) -> str:
    """A database at head with the demo and one attachment."""
    url = dbs.migrated()
    _load_demo_with_attachment(url)
    return url


@pytest.fixture
def townhall(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., int]]:
    """Runs `townhall ARGS…` against the database at `url`, as an operator would."""

    def run(url: str, *args: str) -> int:
        monkeypatch.setenv("TOWNHALL_DATABASE_URL", url)
        get_settings.cache_clear()
        return cli.main(list(args))

    yield run
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def archive(source: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("archives") / "townhall.tar"
    backup.create_backup(source, path)
    return path


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return backup.table_counts(conn)
    finally:
        engine.dispose()


def stored_bytes(url: str) -> dict[tuple[str, int], bytes]:
    """Every file kept in the database: attachments and care-map dataset files."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = [
                *(
                    ("attachment", *r)
                    for r in conn.execute(text("SELECT id, data FROM attachment"))
                ),
                *(
                    ("care_dataset_file", *r)
                    for r in conn.execute(text("SELECT dataset_id, content FROM care_dataset_file"))
                ),
            ]
    finally:
        engine.dispose()
    return {(kind, key): bytes(data) for kind, key, data in rows}


def revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            if "alembic_version" not in names:
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def nothing_there(url: str) -> bool:
    if url.startswith("sqlite"):
        return not Path(make_url(url).database or "").exists()
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("target_kind", ["empty", "migrated"])
def test_round_trip_into_an_empty_database_keeps_every_row_and_byte(
    dbs: Databases,
    source: str,
    tmp_path: Path,
    townhall: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
    target_kind: str,
) -> None:
    path = tmp_path / "backup.tar"
    assert townhall(source, "backup", str(path)) == 0
    assert f"Backup written to {path}" in capsys.readouterr().out
    assert path.stat().st_mode & 0o077 == 0, "a backup holds personal data: owner only"

    target = dbs.new() if target_kind == "empty" else dbs.migrated()
    assert townhall(target, "restore", str(path)) == 0
    assert "Restored the backup" in capsys.readouterr().out

    expected = counts(source)
    assert expected["attachment"] >= 1
    assert expected["contribution"] > 0
    assert counts(target) == expected
    assert backup.read_manifest(path).counts == expected
    files = stored_bytes(target)
    assert files == stored_bytes(source)
    assert ATTACHMENT in files.values()
    assert revision(target) == HEAD

    # The restored database serves: migrations at head, search index and attachments work.
    settings = Settings(database_url=target, secret_key="test-secret-key-for-the-suite")
    engine = make_engine(target, settings=settings)
    try:
        with TestClient(create_app(settings, engine)) as client:
            assert client.get("/readyz").status_code == 200
            assert client.get("/contributions", params={"q": "care"}).status_code == 200
    finally:
        engine.dispose()


def test_restore_refuses_a_database_that_holds_data_unless_forced(
    dbs: Databases,
    source: str,
    archive: Path,
    townhall: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = dbs.migrated()
    engine = make_engine(target)
    with open_session(engine, write=True) as db:
        db.add(AuditEvent(action="test", object_type="backup", summary="kept"))
        db.commit()
    engine.dispose()
    before = counts(target)

    assert townhall(target, "restore", str(archive)) == 2
    err = capsys.readouterr().err
    assert "not empty" in err
    assert "audit_event: 1" in err
    assert "--force" in err
    assert counts(target) == before

    assert townhall(target, "restore", "--force", str(archive)) == 0
    assert counts(target) == counts(source)
    assert stored_bytes(target) == stored_bytes(source)


def test_backup_while_another_connection_writes_is_one_consistent_moment(
    dbs: Databases, tmp_path: Path
) -> None:
    url = dbs.migrated()
    _load_demo_with_attachment(url)
    demo_events = counts(url)["audit_event"]
    written = [0]
    errors: list[BaseException] = []
    stop = threading.Event()

    def write() -> None:
        engine = make_engine(url)
        try:
            while not stop.is_set():
                with open_session(engine, write=True) as db:
                    db.add(AuditEvent(action="test", object_type="backup", summary="busy"))
                    db.commit()
                written[0] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written[0] < 20 and writer.is_alive():
            time.sleep(0.01)
        before = written[0]
        manifest = backup.create_backup(url, tmp_path / "busy.tar")
        after = written[0]
        while written[0] < after + 20 and writer.is_alive():
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
    assert not errors, errors
    # The writer was never locked out: it went on writing after the backup as before it.
    assert written[0] >= after + 20

    target = dbs.new()
    backup.restore_backup(target, tmp_path / "busy.tar")
    restored = counts(target)
    # The manifest's counts are the dump's own moment, whatever was committed meanwhile.
    assert restored == manifest.counts
    assert before <= restored["audit_event"] - demo_events <= after
    assert stored_bytes(target) == stored_bytes(url)


def test_an_older_schema_is_restored_at_its_revision_then_upgraded(
    dbs: Databases, tmp_path: Path, townhall: Callable[..., int]
) -> None:
    old = dbs.migrated(OLD_REVISION)
    engine = create_engine(old, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (at, action, object_type, summary) "
                "VALUES ('2026-01-01 00:00:00+00:00', 'test', 'backup', 'from long ago')"
            )
        )
    engine.dispose()
    path = tmp_path / "old.tar"
    assert townhall(old, "backup", str(path)) == 0
    assert backup.read_manifest(path).revision == OLD_REVISION

    for target in (dbs.new(), dbs.migrated()):
        # Into a database already at head, forced: the newer tables go with the old data.
        args = (
            ["restore", str(path)] if nothing_there(target) else ["restore", "--force", str(path)]
        )
        assert townhall(target, *args) == 0
        assert revision(target) == OLD_REVISION
        assert counts(target) == counts(old)
        assert townhall(target, "db", "upgrade") == 0
        assert revision(target) == HEAD
        assert counts(target)["audit_event"] == 1


def _rewrite(archive: Path, out: Path, manifest_changes: dict[str, object]) -> Path:
    """The same archive with some manifest fields changed."""
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(backup.MANIFEST_NAME))  # type: ignore[arg-type]
        manifest.update(manifest_changes)
        database = tar.extractfile(manifest["database"]).read()  # type: ignore[union-attr]
    with tarfile.open(out, "w") as tar:
        for name, data in (
            (backup.MANIFEST_NAME, json.dumps(manifest).encode()),
            (manifest["database"], database),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def _tar_with(out: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(out, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


@pytest.fixture
def bad_archives(archive: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Archives a restore must refuse, each with the words its error must say."""
    (tmp_path / "random.tar").write_bytes(b"not a tar file at all" * 100)
    return {
        "missing": (tmp_path / "nowhere.tar", "no such file"),
        "not a tar": (tmp_path / "random.tar", "not a Town Hall backup"),
        "no manifest": (
            _tar_with(tmp_path / "plain.tar", {"database.sqlite3": b"x"}),
            "not a Town Hall backup",
        ),
        "another format": (
            _rewrite(archive, tmp_path / "other.tar", {"format": "something-else"}),
            "not a Town Hall backup",
        ),
        "newer format": (
            _rewrite(archive, tmp_path / "future.tar", {"format_version": 99}),
            "newer Town Hall",
        ),
        "newer schema": (
            _rewrite(archive, tmp_path / "newer.tar", {"revision": "ffffffffffff"}),
            "newer schema",
        ),
        "damaged": (
            _rewrite(archive, tmp_path / "damaged.tar", {"sha256": "0" * 64}),
            "damaged",
        ),
    }


def test_restore_refuses_what_is_not_a_usable_town_hall_backup(
    dbs: Databases,
    bad_archives: dict[str, tuple[Path, str]],
    townhall: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = dbs.new()
    for case, (path, words) in bad_archives.items():
        assert townhall(target, "restore", "--force", str(path)) == 2, case
        err = capsys.readouterr().err
        assert err.startswith("error: "), (case, err)
        assert words in err, (case, err)
        assert nothing_there(target), f"{case}: the refused restore changed the database"


def test_restore_refuses_an_archive_of_the_other_database_kind(
    sqlite_dbs: Databases,
    archive: Path,
    townhall: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    manifest = backup.read_manifest(archive)
    other = (
        "postgresql+psycopg://nobody@127.0.0.1:1/none"
        if manifest.dialect == "sqlite"
        else sqlite_dbs.new()
    )
    assert townhall(other, "restore", str(archive)) == 2
    assert f"backup of a {manifest.dialect} database" in capsys.readouterr().err


def test_backup_refuses_to_overwrite_and_to_write_nowhere(
    source: str,
    archive: Path,
    tmp_path: Path,
    townhall: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = archive.read_bytes()
    assert townhall(source, "backup", str(archive)) == 2
    assert "already exists" in capsys.readouterr().err
    assert archive.read_bytes() == before
    assert townhall(source, "backup", str(tmp_path / "no" / "such" / "dir.tar")) == 2
    assert "no such directory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
