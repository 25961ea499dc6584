"""A participant's copy of everything stored about them (GDPR art. 20 / LGPD art. 18 V): one ZIP
holding `data.json` (the rows `personal_data.PERSONAL_DATA` declares theirs, table by table, with
secrets left out) and `attachments/…` (the bytes of every file among those rows).

The web page hands out the archive through a link signed for one account and one login session
that expires after `LINK_MAX_AGE_S`, so that it is worth nothing to anyone else, or after logout.
"""

import hmac
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Engine, LargeBinary, Table, func, or_, select
from sqlmodel import Session, SQLModel

from app.config import get_settings
from app.db import write_engine
from app.lib.uploads import safe_filename
from app.models.types import utcnow
from app.models.users import User
from app.security import token_digest
from app.services import ratelimit
from app.services.errors import NotFound
from app.services.personal_data import PERSONAL_DATA, Holds, Link

LINK_MAX_AGE_S = 10 * 60
EXPORTS_PER_HOUR = 5
FORMAT_VERSION = 1
_SPOOL_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


# -- the owner-only link ---------------------------------------------------------------------


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="townhall-data-export")


def _session_tag(session_token: str) -> str:
    # Not the session's stored hash (that is a lookup key): a digest of its own.
    return token_digest(f"data-export:{session_token}")[:32]


def link_token(*, user_id: int, session_token: str) -> str:
    return str(_signer().dumps([user_id, _session_tag(session_token)]))


def link_is_theirs(token: str, *, user_id: int, session_token: str) -> bool:
    """Signed by us, not expired, for this account and this very login session."""
    try:
        value = _signer().loads(token, max_age=LINK_MAX_AGE_S)
    except BadSignature:  # SignatureExpired among them
        return False
    if not (isinstance(value, list) and len(value) == 2):
        return False
    owner, tag = value
    return owner == user_id and hmac.compare_digest(str(tag), _session_tag(session_token))


# -- the archive ------------------------------------------------------------------------------


@dataclass
class Archive:
    file: IO[bytes]  # positioned at the start; the caller closes it (chunks() does)
    filename: str

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self.file.read(CHUNK_BYTES):
                yield chunk
        finally:
            self.file.close()


def _count(db: Session, user_id: int) -> None:
    """A request builds one archive at most: counted, and committed, in a short write
    transaction of its own (the download is a GET, whose session only reads)."""
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with Session(bind=write_engine(engine)) as counting:
        try:
            ratelimit.take(
                counting, keys={f"data-export:user:{user_id}": EXPORTS_PER_HOUR}, window_s=3600
            )
        finally:
            counting.commit()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _condition(table: Table, link: Link, *, user_id: int, email: str) -> ColumnElement[bool]:
    column = table.c[link.column]
    if link.by == "email":
        return func.lower(column) == email.lower()
    return column == user_id


def _columns(table: Table, holds: Holds, links: list[Link]) -> list[str]:
    """Every column but the secrets; only those `only` names when every link that found the
    row restricts it."""
    wanted: set[str] = set()
    for link in links:
        wanted |= set(link.only) if link.only is not None else {c.name for c in table.columns}
    return [c.name for c in table.columns if c.name in wanted and c.name not in holds.secret]


def _rows(
    db: Session, table: Table, holds: Holds, *, user_id: int, email: str, found: dict[str, set[Any]]
) -> list[dict[str, Any]]:
    if holds.via is not None:
        parents = found.get(holds.via.parent) or set()
        if not parents:
            return []
        rows = db.execute(
            select(table).where(table.c[holds.via.column].in_(sorted(parents)))
        ).mappings()
        names = [c.name for c in table.columns if c.name not in holds.secret]
        return [{n: row[n] for n in names} for row in rows]
    conditions = {
        link: _condition(table, link, user_id=user_id, email=email) for link in holds.links
    }
    # Which links found each row: the columns exported depend on them.
    matched = [c.label(f"_by_{i}") for i, c in enumerate(conditions.values())]
    query = select(table, *matched).where(or_(*conditions.values()))
    pk = list(table.primary_key.columns)
    if pk:
        query = query.order_by(*pk)
    out = []
    for row in db.execute(query).mappings():
        by = [link for i, link in enumerate(conditions) if row[f"_by_{i}"]]
        out.append({n: row[n] for n in _columns(table, holds, by)})
    return out


def _file_name(table: Table, row: dict[str, Any], column: str) -> str:
    key = "-".join(str(row.get(c.name, "")) for c in table.primary_key.columns)
    stem = safe_filename(str(row["filename"])) if row.get("filename") else column
    return f"attachments/{table.name}/{key}-{stem}"


def collect(db: Session, *, user: User) -> dict[str, list[dict[str, Any]]]:
    """Every row declared theirs, table by table (parents before the rows reached through
    them), with files as they are: bytes."""
    stored = db.get(User, user.id)
    if stored is None or stored.id is None:
        raise NotFound()
    user_id, email = stored.id, stored.email
    tables: dict[str, list[dict[str, Any]]] = {}
    found: dict[str, set[Any]] = {}
    for table in SQLModel.metadata.sorted_tables:
        holds = PERSONAL_DATA.get(table.name)
        if holds is None:
            continue
        rows = _rows(db, table, holds, user_id=user_id, email=email, found=found)
        if "id" in table.c:
            found[table.name] = {r["id"] for r in rows if r.get("id") is not None}
        if rows:
            tables[table.name] = rows
    return tables


def build(db: Session, *, user: User) -> Archive:
    """The archive, throttled to `EXPORTS_PER_HOUR` per account (429 past it)."""
    if user.id is None:
        raise NotFound()
    _count(db, user.id)
    tables = collect(db, user=user)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 — Archive closes it
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            table = SQLModel.metadata.tables[name]
            binary = [c.name for c in table.columns if isinstance(c.type, LargeBinary)]
            for row in rows:
                for column in binary:
                    if isinstance(row.get(column), bytes):
                        path = _file_name(table, row, column)
                        archive.writestr(path, row[column])
                        row[column] = {"file": path}
                for column, value in row.items():
                    row[column] = _plain(value)
        document = {
            "format": "townhall-personal-data",
            "version": FORMAT_VERSION,
            "exported_at": utcnow().isoformat(),
            "user_id": user.id,
            "tables": tables,
        }
        archive.writestr(
            "data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str)
        )
    spool.seek(0)
    day = utcnow().strftime("%Y-%m-%d")
    return Archive(file=spool, filename=f"townhall-data-{user.id}-{day}.zip")
