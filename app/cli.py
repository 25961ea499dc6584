"""The `townhall` command: serve, db, demo, user, caremap, outbox, import-mail, minutes, backup,
restore.

Imports are made inside each command: `townhall caremap compute` runs the pure NumPy engine
and must not pay for the settings, the database layer or the web stack first
(tests/caremap/test_cli_imports.py checks what it loads).
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _alembic_config(url: str | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    from app.config import PROJECT_ROOT

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if url:
        config.attributes["url"] = url
    return config


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def db_upgrade(url: str | None = None) -> None:
    from alembic import command

    from app.config import get_settings

    url = url or get_settings().database_url
    _ensure_sqlite_dir(url)
    command.upgrade(_alembic_config(url), "head")


def load_demo() -> dict[str, int]:
    from app import demo
    from app.config import get_settings
    from app.db import make_engine, open_session

    engine = make_engine(get_settings().database_url)
    try:
        with open_session(engine, write=True) as db:
            return demo.load(db)
    finally:
        engine.dispose()


def _serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from app.config import InsecureSecretKey, get_settings, require_secret_key

    if args.demo:
        os.environ["TOWNHALL_DEMO"] = "true"
        get_settings.cache_clear()
    try:
        key = require_secret_key(get_settings())
    except InsecureSecretKey as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Through the environment, so that every worker process signs with the same key.
    os.environ["TOWNHALL_SECRET_KEY"] = key
    get_settings.cache_clear()
    db_upgrade()
    if args.demo:
        from app.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD

        load_demo()
        print(f"Demo data loaded. Log in as {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    print(f"Town Hall on http://{args.host}:{args.port}/")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        reload=args.reload,
        workers=None if args.reload else args.workers,
        # One setting decides whether X-Forwarded-For/-Proto are believed (security.client_ip
        # reads the address the proxy appended): uvicorn must not believe them on its own.
        proxy_headers=get_settings().trust_forwarded_for,
        forwarded_allow_ips="*" if get_settings().trust_forwarded_for else "",
        timeout_graceful_shutdown=get_settings().shutdown_drain_s,
        log_level="info",
    )
    return 0


def _user_create(args: argparse.Namespace) -> int:
    import getpass

    from pydantic import ValidationError

    from app.config import get_settings
    from app.db import make_engine, open_session
    from app.models.users import Role, UserCreate
    from app.services import users as user_service
    from app.services.errors import DomainError

    password = args.password or getpass.getpass("Password (at least 10 characters): ")
    try:
        data = UserCreate(
            email=args.email,
            display_name=args.name,
            password=password,
            role=Role(args.role),
            caucus_ids=args.caucus or [],
        )
    except ValidationError as exc:
        for error in exc.errors():
            print(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    engine = make_engine(get_settings().database_url)
    try:
        with open_session(engine, write=True) as db:
            user = user_service.create_user(db, actor=None, data=data)
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"Created {user.role} {user.email} (id {user.id})")
    return 0


def _outbox_flush(args: argparse.Namespace) -> int:
    from app.config import get_settings
    from app.db import make_engine
    from app.services import outbox

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        done = outbox.send_due(engine, settings, force=args.all)
    finally:
        engine.dispose()
    print(f"{done.sent} e-mails sent, {done.failed} failed (kept for a later try).")
    return 1 if done.failed else 0


def _import_mail(args: argparse.Namespace) -> int:
    from app.config import get_settings
    from app.db import make_engine, open_session
    from app.lib.mailparse import MailError, read_mailbox
    from app.services import mailintake
    from app.services.errors import DomainError
    from app.services.forums import get_forum

    try:
        total, messages = read_mailbox(Path(args.file))
    except OSError as exc:
        print(f"error: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except MailError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2

    def progress(done: int) -> None:
        # One line redrawn in place on a terminal; plain lines every 100 in a log.
        if sys.stderr.isatty():
            width = 30
            filled = width * done // max(total, 1)
            bar = "#" * filled + "." * (width - filled)
            print(f"\r[{bar}] {done}/{total}", end="", file=sys.stderr, flush=True)
        elif done % 100 == 0 or done == total:
            print(f"{done}/{total} messages", file=sys.stderr)

    engine = make_engine(get_settings().database_url)
    try:
        with open_session(engine, write=True) as db:
            forum = get_forum(db, args.forum)
            report = mailintake.import_messages(
                db,
                actor=None,
                forum=forum,
                session_id=args.session,
                messages=messages,
                progress=progress,
            )
    except DomainError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(
        f"{len(report.created)} contributions created, {report.duplicates} already imported, "
        f"{len(report.problems)} problems. They wait in the moderation queue."
    )
    return 0


def _minutes_export(args: argparse.Namespace) -> int:
    """The minutes of a session as a file, whatever their status: the secretariat's copy (its
    links include what only staff may open)."""
    from app.config import get_settings
    from app.db import make_engine, open_session
    from app.models.users import Role, User
    from app.services import minutes as minutes_service
    from app.services import sessions as session_service
    from app.services.errors import NotFound
    from app.services.minutes.export_docx import export_docx
    from app.services.minutes.export_md import export_md

    settings = get_settings()
    # Never stored: who the export is made for, so that links are chosen as for staff.
    secretariat = User(email="cli@localhost", display_name="townhall", role=Role.secretariat)
    engine = make_engine(settings.database_url)
    try:
        with open_session(engine, write=False) as db:
            try:
                session = session_service.get_session(db, args.session_id)
            except NotFound:
                print(f"error: no session {args.session_id}", file=sys.stderr)
                return 2
            minutes = minutes_service.of_session(db, args.session_id)
            if minutes is None:
                print(f"error: session {args.session_id} has no minutes", file=sys.stderr)
                return 2
            export = export_docx if args.format == "docx" else export_md
            _stem, body = export(
                db,
                minutes=minutes,
                session=session,
                viewer=secretariat,
                base_url=settings.base_url or "http://localhost:8000",
            )
    finally:
        engine.dispose()
    data = body.encode("utf-8") if isinstance(body, str) else body
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        print(f"error: {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"Minutes of session {args.session_id} ({minutes.status}) written to {args.output}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from app.backup import BackupError, create_backup
    from app.config import get_settings

    try:
        manifest = create_backup(get_settings().database_url, Path(args.path))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"Backup written to {args.path}: {manifest.dialect} database at migration "
        f"{manifest.revision}, {manifest.rows} rows in {len(manifest.counts)} tables, "
        f"{manifest.counts.get('attachment', 0)} attachments."
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    """Never migrates: the database is left at the archive's revision, as the operator may want
    to look at it as it was before `townhall db upgrade`."""
    from app.backup import BackupError, code_revisions, restore_backup
    from app.config import get_settings

    try:
        manifest = restore_backup(get_settings().database_url, Path(args.path), force=args.force)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"Restored the backup of {manifest.created_at}: {manifest.rows} rows in "
        f"{len(manifest.counts)} tables, at migration {manifest.revision}."
    )
    if manifest.revision != code_revisions()[1]:
        print("Run `townhall db upgrade` to bring it to this version's schema.")
    return 0


def _caremap_import(argv: list[str]) -> int:
    """`townhall caremap import`: files as new dataset versions of a territory, all or none."""
    parser = argparse.ArgumentParser(
        prog="townhall caremap import",
        description="Import care data files into a territory as new versions (all or none).",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--territory-id", type=int, help="an existing territory")
    where.add_argument("--territory", help="territory name; created when no territory has it")
    parser.add_argument("--units", help="territorial units (GeoJSON)")
    parser.add_argument("--demand", help="demand points or counts per unit (CSV/GeoJSON)")
    parser.add_argument("--supply", help="care facilities (CSV/GeoJSON)")
    parser.add_argument("--source", required=True, help="who produced the data")
    parser.add_argument("--licence", required=True, help="e.g. CC-BY-4.0")
    parser.add_argument("--year", type=int)
    parser.add_argument("--note")
    parser.add_argument("--run", action="store_true", help="then store a run (default parameters)")
    args = parser.parse_args(argv)
    paths = {
        k: p
        for k, p in (("units", args.units), ("demand", args.demand), ("supply", args.supply))
        if p
    }
    if not paths:
        parser.error("give at least one of --units, --demand, --supply")

    from pydantic import ValidationError

    from app.config import get_settings
    from app.db import make_engine, open_session
    from app.models.caremap import DatasetKind, DatasetMeta, DatasetOrigin, RunCreate
    from app.services import caremap as service
    from app.services.errors import DomainError, InvalidInput

    try:
        files = [
            service.IncomingFile(
                DatasetMeta(
                    kind=DatasetKind(kind),
                    source=args.source,
                    licence=args.licence,
                    year=args.year,
                    note=args.note,
                ),
                Path(path).name,
                Path(path).read_bytes(),
            )
            for kind, path in paths.items()
        ]
    except ValidationError as exc:
        for error in exc.errors():
            print(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    db_upgrade()
    engine = make_engine(get_settings().database_url)
    try:
        with open_session(engine, write=True) as db:
            territory = service.find_or_create_territory(
                db, territory_id=args.territory_id, name=args.territory
            )
            for ds in service.import_files(
                db, actor=None, territory=territory, files=files, origin=DatasetOrigin.cli
            ):
                print(f"{ds.kind} version {ds.version}: {ds.filename} ({ds.row_count} rows)")
            if args.run:
                run = service.create_run(db, actor=None, territory=territory, data=RunCreate())
                print(f"run {run.id} stored ({run.compute_ms} ms), hash {run.params_hash[:12]}")
    except InvalidInput as exc:
        for messages in exc.errors.values():
            for message in messages:
                print(f"error: {message}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"Territory {territory.id}: /caremap/territories/{territory.id}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["caremap", "compute"]:
        from app.caremap.cli import compute_main

        return compute_main(argv[2:])
    if argv[:2] == ["caremap", "import"]:
        return _caremap_import(argv[2:])

    parser = argparse.ArgumentParser(prog="townhall", description="Town Hall server and tools")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server (migrates the database first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true", help="restart on code changes")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load the demo data first")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations")

    sub.add_parser("demo", help="load demo data from the seed documents (idempotent)")

    user = sub.add_parser("user", help="accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = user_sub.add_parser("create", help="create an account, e.g. the first admin")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument(
        "--role", default="admin", choices=["participant", "caucus_rep", "secretariat", "admin"]
    )
    create.add_argument("--password", help="prompted for when omitted")
    create.add_argument("--caucus", type=int, action="append", help="caucus id (caucus_rep)")

    sub.add_parser(
        "caremap",
        help="care maps: `townhall caremap compute --help`, `townhall caremap import --help`",
    )

    box = sub.add_parser("outbox", help="e-mails waiting to be sent")
    box_sub = box.add_subparsers(dest="outbox_command", required=True)
    flush = box_sub.add_parser("flush", help="send the e-mails that are due now")
    flush.add_argument(
        "--all", action="store_true", help="also those waiting to retry or given up on"
    )

    mail = sub.add_parser("import-mail", help="import e-mailed submissions (mbox or .eml)")
    mail.add_argument("file", help="an mbox file or a single .eml message")
    mail.add_argument("--forum", type=int, required=True, help="forum id")
    mail.add_argument("--session", type=int, help="session id (optional)")

    minutes = sub.add_parser("minutes", help="session minutes")
    minutes_sub = minutes.add_subparsers(dest="minutes_command", required=True)
    export = minutes_sub.add_parser(
        "export", help="write a session's minutes (any status) as DOCX or Markdown"
    )
    export.add_argument("session_id", type=int, help="session id")
    export.add_argument("--format", choices=["docx", "md"], required=True)
    export.add_argument("-o", "--output", required=True, help="file to write")

    backup = sub.add_parser(
        "backup", help="write the whole database, attachments included, to one archive"
    )
    backup.add_argument("path", help="the archive to write (a .tar file that does not exist yet)")
    restore = sub.add_parser(
        "restore", help="replace the database with a backup's (refuses one that holds data)"
    )
    restore.add_argument("path", help="an archive written by `townhall backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace the database even if it holds data"
    )

    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "db":
        db_upgrade()
        print("Database is up to date.")
        return 0
    if args.command == "demo":
        db_upgrade()
        counts = load_demo()
        print(f"Demo data loaded ({counts['forums']} forums).")
        return 0
    if args.command == "user":
        db_upgrade()
        return _user_create(args)
    if args.command == "outbox":
        db_upgrade()
        return _outbox_flush(args)
    if args.command == "import-mail":
        db_upgrade()
        return _import_mail(args)
    if args.command == "minutes":
        db_upgrade()
        return _minutes_export(args)
    if args.command == "backup":
        return _backup(args)
    if args.command == "restore":
        return _restore(args)
    if args.command == "caremap":
        from app.caremap.cli import compute_main

        return compute_main(["--help"])
    return 2


if __name__ == "__main__":
    sys.exit(main())
