"""Backups of the database and of uploaded files, and their restore (README: «Backup
and restore»; ``manage.py backup`` / ``manage.py restore``).

A backup is a directory:

- ``database.dump``: ``pg_dump --format=custom`` (compressed; ``pg_restore`` can restore
  one table, or in parallel);
- ``media.tar.gz``: everything under ``MEDIA_ROOT`` (relatives' photos, export files),
  which the database dump does not hold;
- ``manifest.json``: when, from which database, the row count of every table and the
  SHA-256 of both files, so a restore can prove it is whole.

The dump is taken first and the files after: a photo uploaded in between is in the
files but not the database (harmless); the reverse, a row naming a file the backup
lacks, cannot happen unless a file is deleted meanwhile, and the restore checks for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.models import FileField
from psycopg import sql

DUMP, MEDIA, MANIFEST = "database.dump", "media.tar.gz", "manifest.json"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


def _database() -> dict:
    db = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        raise BackupError(
            "backups are of PostgreSQL; on SQLite, copy the database file and MEDIA_ROOT"
        )
    return db


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    env.update(
        PGHOST=str(db.get("HOST") or "127.0.0.1"),
        PGPORT=str(db.get("PORT") or 5432),
        PGUSER=str(db.get("USER") or ""),
        PGDATABASE=str(db["NAME"]),
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts() -> dict[str, int]:
    """Rows in every table of an installed model, by table name."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )
    present = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table in present:
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                counts[table] = cursor.fetchone()[0]
    return counts


def backup_create(*, destination: Path) -> Path:
    """Write a backup into a new directory under ``destination``; returns it."""
    db = _database()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(destination) / f"conscripts-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    counts = table_counts()  # just before the dump: compared after a restore
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-acl",
            f"--file={target / DUMP}",
        ],
        _pg_env(db),
    )
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(target / MEDIA, "w:gz") as archive:
        if media_root.is_dir():
            archive.add(media_root, arcname=".")
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "database": db["NAME"],
        "tables": counts,
        "sha256": {name: _sha256(target / name) for name in (DUMP, MEDIA)},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return target


@dataclass
class RestoreReport:
    tables: int
    rows: int
    files: int
    differences: list[str]


def _check(backup: Path) -> dict:
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{backup}: no readable {MANIFEST} ({exc})") from None
    for name, expected in manifest["sha256"].items():
        if not (backup / name).is_file() or _sha256(backup / name) != expected:
            raise BackupError(f"{backup / name} is missing or damaged (SHA-256 differs)")
    return manifest


def _create_database(db: dict) -> bool:
    """Create the target database (UTF-8, C.UTF-8: trigram search needs it) unless it
    exists; True if created, False if it exists and is empty. Refuses one with tables."""
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(
                sql.SQL(
                    "CREATE DATABASE {} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                    "LC_CTYPE 'C.UTF-8' TEMPLATE template0"
                ).format(sql.Identifier(db["NAME"]))
            )
            return True
    with psycopg.connect(dbname=db["NAME"], **params) as target:
        tables = target.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
    if tables:
        raise BackupError(
            f"database {db['NAME']} already has {tables} tables; restore into a new one "
            "(set DATABASE_URL to a database that does not exist yet)"
        )
    return False


def _extract_media(backup: Path, media_root: Path) -> None:
    if media_root.is_dir() and any(media_root.iterdir()):
        raise BackupError(f"MEDIA_ROOT {media_root} is not empty; restore into an empty one")
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup / MEDIA, "r:gz") as archive:
        # "data": no absolute paths, no links out of MEDIA_ROOT, no device files.
        archive.extractall(media_root, filter="data")


def _missing_files() -> list[str]:
    """Files named by a FileField that are not under MEDIA_ROOT."""
    missing = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField):
                names = model._default_manager.exclude(**{field.name: ""}).values_list(
                    field.name, flat=True
                )
                missing += [
                    name for name in names if not (Path(settings.MEDIA_ROOT) / name).is_file()
                ]
    return missing


def backup_restore(*, backup: Path) -> RestoreReport:
    """Restore ``backup`` into the database of ``DATABASE_URL`` (created if missing, and
    refused if it has tables) and an empty ``MEDIA_ROOT``; then compare every table's
    rows with the manifest and check that every file a row names is there."""
    backup = Path(backup)
    manifest = _check(backup)
    db = _database()
    connections.close_all()
    _create_database(db)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--jobs=2",
            f"--dbname={db['NAME']}",
            str(backup / DUMP),
        ],
        _pg_env(db),
    )
    _extract_media(backup, Path(settings.MEDIA_ROOT))
    counts = table_counts()
    differences = [
        f"{table}: {expected} rows in the backup, {counts.get(table)} restored"
        for table, expected in manifest["tables"].items()
        if counts.get(table) != expected
    ]
    differences += [f"file missing: {name}" for name in _missing_files()]
    files = sum(1 for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())
    return RestoreReport(
        tables=len(counts), rows=sum(counts.values()), files=files, differences=differences
    )


def tools_available() -> bool:
    return bool(shutil.which("pg_dump") and shutil.which("pg_restore"))
