"""`townhall backup` and `townhall restore`: the whole of Town Hall's data as one archive.

Everything lives in the database, attachments included (contributions' files, care-map dataset
files and runs are stored there so that every app instance serves the same ones): nothing under
TOWNHALL_UPLOAD_DIR needs saving, its parent only holds a template cache. An archive is a tar
file holding `manifest.json` (first) and the database:

- SQLite: a copy made with SQLite's online backup API; in WAL mode the server's readers and
  writers go on while it is taken, and the copy is one consistent moment.
- PostgreSQL: `pg_dump --format=custom` of an exported snapshot, the same one the manifest's
  row counts were read in, so the counts describe exactly what the dump holds.

A restore checks the archive and the target before it changes anything, and replaces the
database whole or not at all.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import app.models  # noqa: F401 — registers every table on SQLModel.metadata
from app.config import PROJECT_ROOT

FORMAT = "townhall-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Rows that `townhall db upgrade` writes itself: a database holding only these holds no data.
BOOKKEEPING_TABLES = frozenset({"change_counter"})


class BackupError(Exception):
    """A refusal or a failure, in a sentence for the operator; nothing was changed by a
    refusal."""


@dataclass(frozen=True)
class Manifest:
    dialect: str
    revision: str
    created_at: str
    counts: dict[str, int]
    database: str
    sha256: str
    size: int
    townhall_version: str
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _dialect(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in MEMBERS:
        raise BackupError(f"backups support SQLite and PostgreSQL databases, not {name}")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("backups need a SQLite database file, not an in-memory database")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as the PostgreSQL tools take it, and their environment: the password
    goes through PGPASSWORD so that it never shows in the process list."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return path


def _run(args: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()}")


def _engine_for(url: str) -> Engine:
    # No pool and none of the app's timeouts: one connection, for as long as a dump takes.
    return create_engine(url, poolclass=NullPool)


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows in every table of the database, as reflected (SQLite's search index included)."""
    quote = conn.dialect.identifier_preparer.quote
    return {
        name: int(conn.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar_one())  # noqa: S608
        for name in sorted(inspect(conn).get_table_names())
    }


def _revision(conn: Connection) -> str:
    heads = MigrationContext.configure(conn).get_current_heads()
    if len(heads) != 1:
        raise BackupError(
            "the database has no migration revision: run `townhall db upgrade` first"
            if not heads
            else f"the database is at several migration heads ({', '.join(heads)})"
        )
    return heads[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _dump_sqlite(url: str, out: Path) -> tuple[dict[str, int], str]:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"{source_path}: no such database file")
    try:
        with (
            closing(sqlite3.connect(source_path, timeout=30)) as source,
            closing(sqlite3.connect(out)) as copy,
        ):
            # All pages in one step: one read transaction, so one consistent moment.
            source.backup(copy)
        with closing(sqlite3.connect(out)) as copy:
            # The copy is one self-contained file (no -wal beside it), and checked whole.
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
    except sqlite3.Error as exc:
        raise BackupError(f"{source_path}: {exc}") from exc
    if problems != ["ok"]:
        raise BackupError(f"{source_path}: integrity check failed: {'; '.join(problems[:5])}")
    engine = _engine_for(f"sqlite:///{out}")
    try:
        with engine.connect() as conn:
            return table_counts(conn), _revision(conn)
    finally:
        engine.dispose()


def _dump_postgresql(url: str, out: Path) -> tuple[dict[str, int], str]:
    pg_dump = _tool("pg_dump")
    libpq, env = _libpq(url)
    engine = _engine_for(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            # The transaction stays open until pg_dump is done: its snapshot lives that long.
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, revision = table_counts(conn), _revision(conn)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-password",
                    f"--file={out}",
                    f"--dbname={libpq}",
                ],
                env,
            )
            conn.rollback()
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database: {exc}") from exc
    finally:
        engine.dispose()
    return counts, revision


def _version() -> str:
    try:
        return metadata.version("townhall")
    except metadata.PackageNotFoundError:
        return "unknown"


def create_backup(url: str, archive: Path) -> Manifest:
    """Writes the database at `url` to `archive` (which must not exist yet): written under
    another name and renamed when complete, readable by its owner only (it holds people's
    names, e-mails and password hashes)."""
    dialect = _dialect(url)
    if archive.exists():
        raise BackupError(f"{archive} already exists: choose a new name")
    if not archive.parent.is_dir():
        raise BackupError(f"{archive.parent}: no such directory")
    member = MEMBERS[dialect]
    with tempfile.TemporaryDirectory(dir=archive.parent, prefix=".townhall-backup-") as tmp:
        work = Path(tmp)
        dump = work / member
        counts, revision = (_dump_sqlite if dialect == "sqlite" else _dump_postgresql)(url, dump)
        manifest = Manifest(
            dialect=dialect,
            revision=revision,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            counts=counts,
            database=member,
            sha256=_sha256(dump),
            size=dump.stat().st_size,
            townhall_version=_version(),
        )
        partial = work / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            body = json.dumps(asdict(manifest), indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(dump, arcname=member, recursive=False, filter=_private)
        partial.chmod(0o600)
        partial.replace(archive)
    return manifest


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def read_manifest(archive: Path) -> Manifest:
    with _open_archive(archive) as tar:
        return _manifest(tar, archive)


def _open_archive(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    try:
        # "r:*": an operator may have compressed the archive; it is restored all the same.
        return tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a Town Hall backup (not a tar archive)") from exc


def _manifest(tar: tarfile.TarFile, archive: Path) -> Manifest:
    not_ours = f"{archive} is not a Town Hall backup"
    try:
        member = tar.getmember(MANIFEST_NAME)
        stream = tar.extractfile(member)
        raw: Any = json.load(stream) if stream is not None else None
    except KeyError as exc:
        raise BackupError(f"{not_ours} (no {MANIFEST_NAME})") from exc
    except (ValueError, tarfile.TarError) as exc:
        raise BackupError(f"{not_ours} (unreadable {MANIFEST_NAME})") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BackupError(not_ours)
    version = raw.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{archive} was written by a newer Town Hall (backup format {version}); "
            "restore it with that version"
        )
    try:
        manifest = Manifest(**raw)
    except TypeError as exc:
        raise BackupError(f"{archive}: damaged {MANIFEST_NAME} ({exc})") from exc
    if MEMBERS.get(manifest.dialect) != manifest.database:
        raise BackupError(f"{archive}: damaged {MANIFEST_NAME} (unknown database kind)")
    return manifest


def _unpack(archive: Path, work: Path) -> tuple[Manifest, Path]:
    """The manifest and the database file, checked against the manifest's digest. Only the
    one member is read, by name, so no path inside the archive decides where anything goes."""
    with _open_archive(archive) as tar:
        manifest = _manifest(tar, archive)
        out = work / manifest.database
        try:
            stream = tar.extractfile(manifest.database)
        except KeyError:
            stream = None
        if stream is None:
            raise BackupError(f"{archive}: damaged (no {manifest.database})")
        digest = hashlib.sha256()
        try:
            with stream, out.open("wb") as f:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
                    f.write(block)
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{archive}: damaged ({exc})") from exc
    if digest.hexdigest() != manifest.sha256:
        raise BackupError(f"{archive}: damaged ({manifest.database} does not match its digest)")
    return manifest, out


def code_revisions() -> tuple[set[str], str]:
    """Every migration this code knows, and its head."""
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return {rev.revision for rev in script.walk_revisions()}, script.get_current_head() or ""


def rows_held(url: str) -> dict[str, int]:
    """The tables of the app's models that hold rows (the bookkeeping a migration writes left
    out): empty for a database that does not exist yet or was only migrated."""
    if _dialect(url) == "sqlite" and not _sqlite_path(url).exists():
        return {}
    engine = _engine_for(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            quote = conn.dialect.identifier_preparer.quote
            held = {}
            for name in sorted(set(SQLModel.metadata.tables) & present - BOOKKEEPING_TABLES):
                sql = f"SELECT count(*) FROM {quote(name)}"  # noqa: S608
                if count := int(conn.execute(text(sql)).scalar_one()):
                    held[name] = count
            return held
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database: {exc}") from exc
    finally:
        engine.dispose()


def restore_backup(url: str, archive: Path, *, force: bool = False) -> Manifest:
    """Replaces the database at `url` with the archive's, at the archive's migration revision
    (`townhall db upgrade` then brings it to this code's head). Refuses, changing nothing, an
    archive that is not a Town Hall backup, is damaged, is of the other database kind or has a
    schema this code does not know (newer), and a target that holds data, unless `force`."""
    dialect = _dialect(url)
    with tempfile.TemporaryDirectory(prefix="townhall-restore-") as tmp:
        manifest, database = _unpack(archive, Path(tmp))
        if manifest.dialect != dialect:
            raise BackupError(
                f"{archive} is a backup of a {manifest.dialect} database; "
                f"TOWNHALL_DATABASE_URL is a {dialect} one"
            )
        known, head = code_revisions()
        if manifest.revision not in known:
            raise BackupError(
                f"{archive} has a newer schema (migration {manifest.revision}) than this "
                f"Town Hall (head {head}): restore it with the version that made it"
            )
        if not force and (held := rows_held(url)):
            tables = ", ".join(f"{name}: {count}" for name, count in list(held.items())[:5])
            raise BackupError(
                f"the database is not empty (rows in {tables}{', …' if len(held) > 5 else ''}): "
                "restore into an empty database, or pass --force to replace everything in it"
            )
        if dialect == "sqlite":
            _restore_sqlite(database, _sqlite_path(url))
        else:
            _restore_postgresql(database, url, Path(tmp))
    engine = _engine_for(url)
    try:
        with engine.connect() as conn:
            restored = table_counts(conn)
    finally:
        engine.dispose()
    if restored != manifest.counts:
        differ = sorted(set(restored.items()) ^ set(manifest.counts.items()))
        raise BackupError(f"the restored database differs from {archive}'s manifest: {differ[:5]}")
    return manifest


def _restore_sqlite(database: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            closing(sqlite3.connect(database)) as source,
            closing(sqlite3.connect(target, timeout=30)) as dest,
        ):
            # The backup API writes every page of the target in one transaction, through its
            # own journal or WAL: a reader sees the old database or the new one.
            source.backup(dest)
    except sqlite3.Error as exc:
        raise BackupError(f"{target}: restore failed: {exc}") from exc


def _restore_postgresql(dump: Path, url: str, work: Path) -> None:
    """pg_restore writes the dump out as SQL, then psql runs it in one transaction after
    emptying the `public` schema: a failure at any point leaves the database as it was, and
    tables of a newer schema than the archive's cannot survive beside the restored ones."""
    script = work / "restore.sql"
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            f"--file={script}",
            str(dump),
        ]
    )
    libpq, env = _libpq(url)
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    _run(
        [
            _tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--no-password",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            "--command=DROP SCHEMA IF EXISTS public CASCADE",
            "--command=CREATE SCHEMA public",
            f"--file={script}",
            f"--dbname={libpq}",
        ],
        env,
    )
