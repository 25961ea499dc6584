"""Care datasets: each upload is the next version of one layer (units, demand, supply) of a
territory, and old versions stay readable. A file is parsed by the engine's loader before anything
is stored: a bad file is refused whole, every problem named by file, row and field. Parsed
versions are cached (versions never change, so every instance may keep its own copy)."""

import csv
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.caremap import (
    CareDataError,
    CareIssue,
    Demand,
    Supply,
    Units,
    load_demand,
    load_supply,
    load_units,
)
from app.i18n import N_, Message
from app.models.caremap import (
    MAX_FILE_BYTES,
    CareDataset,
    CareDatasetFile,
    CareTerritory,
    DatasetKind,
    DatasetMeta,
    DatasetOrigin,
    DatasetPublic,
)
from app.models.users import User
from app.services import audit
from app.services.caremap.messages import data_error_messages
from app.services.errors import InvalidInput, NotFound

# -- datasets: parsing, with a cache of parsed versions -----------------------------------------

Parsed = Units | Demand | Supply
_CACHE_SIZE = 24
_cache: OrderedDict[tuple[object, ...], Parsed] = OrderedDict()
_cache_lock = threading.Lock()


def parse(kind: DatasetKind, content: bytes, filename: str, units: Units | None) -> Parsed:
    """The engine's loader for the layer; any unreadable file becomes a CareDataError."""
    try:
        if kind == DatasetKind.units:
            return load_units(content, filename=filename)
        if kind == DatasetKind.demand:
            return load_demand(content, filename=filename, units=units)
        return load_supply(content, filename=filename)
    except UnicodeDecodeError:
        msg = N_("The file is not UTF-8 text (save it as CSV UTF-8 or GeoJSON)")
    except RecursionError:
        msg = N_("The file nests its data too deeply to be read")
    except csv.Error:  # e.g. a line break inside a field that is not in quotes
        msg = N_("The file is not valid CSV: put any field with a line break in quotes")
    raise CareDataError([CareIssue(filename, None, None, msg, {})])


def _cached(key: tuple[object, ...], load: Any) -> Any:
    """Parsed datasets by (id, sha256, ...): versions never change, so instances may each keep
    their own copy without ever disagreeing."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = load()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def dataset_content(db: Session, dataset: CareDataset) -> bytes:
    row = db.get(CareDatasetFile, dataset.id)
    if row is None:  # pragma: no cover - the file is written with its dataset
        raise NotFound()
    return bytes(row.content)


def parsed_units(db: Session, dataset: CareDataset) -> Units:
    key = ("units", dataset.id, dataset.sha256)
    result = _cached(
        key,
        lambda: parse(DatasetKind.units, dataset_content(db, dataset), dataset.filename, None),
    )
    assert isinstance(result, Units)
    return result


def parsed_layer(
    db: Session, dataset: CareDataset, units_dataset: CareDataset | None
) -> Demand | Supply:
    units = parsed_units(db, units_dataset) if units_dataset is not None else None
    key = (
        str(dataset.kind),
        dataset.id,
        dataset.sha256,
        units_dataset.id if units_dataset else 0,
        units_dataset.sha256 if units_dataset else "",
    )
    result = _cached(
        key, lambda: parse(dataset.kind, dataset_content(db, dataset), dataset.filename, units)
    )
    assert isinstance(result, Demand | Supply)
    return result


# -- datasets: records --------------------------------------------------------------------------


def get_dataset(db: Session, dataset_id: int) -> CareDataset:
    found = db.get(CareDataset, dataset_id)
    if found is None:
        raise NotFound()
    return found


def datasets_of(
    db: Session, territory_id: int, kind: DatasetKind | None = None
) -> Sequence[CareDataset]:
    """Every version, newest first within each layer."""
    stmt = select(CareDataset).where(col(CareDataset.territory_id) == territory_id)
    if kind is not None:
        stmt = stmt.where(col(CareDataset.kind) == kind)
    stmt = stmt.order_by(col(CareDataset.kind), col(CareDataset.version).desc())
    return db.execute(stmt).scalars().all()


def latest_datasets(db: Session, territory_id: int) -> dict[DatasetKind, CareDataset]:
    latest: dict[DatasetKind, CareDataset] = {}
    for ds in datasets_of(db, territory_id):
        latest.setdefault(ds.kind, ds)
    return latest


def _clean_filename(filename: str | None, kind: DatasetKind, content: bytes) -> str:
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[:200]
    if not name:
        is_json = kind == DatasetKind.units or content.lstrip()[:1] == b"{"
        name = f"{kind.value}.geojson" if is_json else f"{kind.value}.csv"
    return name


@dataclass
class IncomingFile:
    meta: DatasetMeta
    filename: str | None
    content: bytes


def _check_size(content: bytes, error_field: str) -> None:
    if not content.strip():
        raise InvalidInput({error_field: [N_("The file is empty.")]})
    if len(content) > MAX_FILE_BYTES:
        too_large = Message(
            N_("The file is larger than %(megabytes)s MB."),
            megabytes=MAX_FILE_BYTES // (1024 * 1024),
        )
        raise InvalidInput({error_field: [too_large]})


def _next_version(db: Session, territory_id: int, kind: DatasetKind) -> int:
    last = db.execute(
        select(func.max(col(CareDataset.version))).where(
            col(CareDataset.territory_id) == territory_id, col(CareDataset.kind) == kind
        )
    ).scalar()
    return int(last or 0) + 1


def store_dataset(
    db: Session,
    *,
    actor: User | None,
    territory: CareTerritory,
    meta: DatasetMeta,
    filename: str,
    content: bytes,
    rows: int,
    origin: DatasetOrigin,
    logged: bool = True,
) -> CareDataset:
    assert territory.id is not None
    dataset = CareDataset(
        territory_id=territory.id,
        kind=meta.kind,
        version=_next_version(db, territory.id, meta.kind),
        filename=filename,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        row_count=rows,
        source=meta.source.strip(),
        year=meta.year,
        licence=meta.licence.strip(),
        note=(meta.note or "").strip() or None,
        origin=origin,
        created_by_id=actor.id if actor is not None else None,
    )
    db.add(dataset)
    db.flush()
    assert dataset.id is not None
    db.add(CareDatasetFile(dataset_id=dataset.id, content=content))
    if logged:
        place = audit.first_text(territory.name)
        audit.record(
            db,
            actor=actor,
            action="create",
            object_type="care_dataset",
            object_id=dataset.id,
            summary=f"{place}: {dataset.kind!s} v{dataset.version} {filename}",
        )
    return dataset


def import_files(
    db: Session,
    *,
    actor: User | None,
    territory: CareTerritory,
    files: Sequence[IncomingFile],
    origin: DatasetOrigin = DatasetOrigin.upload,
    error_field: str = "file",
) -> list[CareDataset]:
    """Checks every file, then stores them all as new versions in one transaction, or none.

    Demand given as counts per unit is placed with the units file among ``files``, else the
    territory's latest units. Problems go in an InvalidInput under ``error_field``.
    """
    assert territory.id is not None
    latest = latest_datasets(db, territory.id)
    ordered = sorted(files, key=lambda f: list(DatasetKind).index(f.meta.kind))
    units: Units | None = None
    if DatasetKind.units in latest:
        units = parsed_units(db, latest[DatasetKind.units])
    checked: list[tuple[IncomingFile, str, int]] = []
    messages: list[str] = []
    for incoming in ordered:
        _check_size(incoming.content, error_field)
        name = _clean_filename(incoming.filename, incoming.meta.kind, incoming.content)
        try:
            parsed = parse(incoming.meta.kind, incoming.content, name, units)
        except CareDataError as exc:
            messages.extend(data_error_messages(exc))
            continue
        if isinstance(parsed, Units):
            units = parsed
        checked.append((incoming, name, len(parsed)))
    if messages:
        raise InvalidInput({error_field: messages})
    stored = [
        store_dataset(
            db,
            actor=actor,
            territory=territory,
            meta=incoming.meta,
            filename=name,
            content=incoming.content,
            rows=rows,
            origin=origin,
        )
        for incoming, name, rows in checked
    ]
    db.commit()
    return stored


def add_dataset(
    db: Session,
    *,
    actor: User | None,
    territory: CareTerritory,
    meta: DatasetMeta,
    filename: str | None,
    content: bytes,
    origin: DatasetOrigin = DatasetOrigin.upload,
    error_field: str = "file",
) -> CareDataset:
    """One uploaded file as the layer's next version (see :func:`import_files`)."""
    return import_files(
        db,
        actor=actor,
        territory=territory,
        files=[IncomingFile(meta, filename, content)],
        origin=origin,
        error_field=error_field,
    )[0]


# -- for pages and the API --------------------------------------------------------------------


def dataset_choices(datasets: Sequence[CareDataset]) -> dict[str, list[tuple[str, str]]]:
    """Options of the run form's version selects, per layer (labels are message ids)."""
    out: dict[str, list[tuple[str, str]]] = {k.value: [] for k in DatasetKind}
    for ds in datasets:
        label = Message(N_("Version %(version)s — %(file)s"), version=ds.version, file=ds.filename)
        out[str(ds.kind)].append((str(ds.id), label))
    return out


def dataset_public(dataset: CareDataset) -> DatasetPublic:
    return DatasetPublic.model_validate(
        dataset, update={"download_url": f"/caremap/datasets/{dataset.id}/file"}
    )


def download_name(dataset: CareDataset) -> str:
    safe = "".join(ch for ch in dataset.filename if ch.isalnum() or ch in "._-") or "data"
    return f"v{dataset.version}-{safe}"


def media_type(filename: str) -> str:
    if filename.lower().endswith((".geojson", ".json")):
        return "application/geo+json"
    return "text/csv; charset=utf-8"
