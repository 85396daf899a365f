"""The backup procedure of docs/operations.md, as code: `pg_dump -Fc`, `pg_restore` into a fresh database,
then every table's row count compared. Used by `make reliability` and by a CI test.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from reliability.services import run


@dataclass
class RoundTrip:
    tables: int
    rows: int
    mismatches: dict[str, tuple[int, int]]
    dump_bytes: int

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.tables > 0


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def table_counts(url: str) -> dict[str, int]:
    """Exact row counts of every table in the `public` schema."""
    with psycopg.connect(url, autocommit=True) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )]  # fmt: skip
        counts = {}
        for table in tables:
            row = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608 - names from pg_tables
            counts[table] = int(row[0]) if row else 0
        return counts


def recreate_database(url: str, name: str) -> None:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backup_and_restore(source_url: str, restore_name: str, keep: bool = False) -> RoundTrip:
    """Dump `source_url`, restore it into `restore_name` (recreated), compare every table's row count."""
    with tempfile.TemporaryDirectory(prefix="shocking-backup-") as scratch:
        dump = Path(scratch) / "shocking.dump"
        before = table_counts(source_url)
        run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), "--dbname", source_url], timeout=600)
        recreate_database(source_url, restore_name)
        target_url = with_database(source_url, restore_name)
        try:
            run(
                ["pg_restore", "--no-owner", "--exit-on-error", "--jobs", "2", "--dbname", target_url, str(dump)],
                timeout=600,
            )
            after = table_counts(target_url)
        finally:
            if not keep:
                drop_database(source_url, restore_name)
        mismatches = {
            table: (before.get(table, -1), after.get(table, -1))
            for table in sorted(set(before) | set(after))
            if before.get(table, -1) != after.get(table, -1)
        }
        return RoundTrip(len(before), sum(before.values()), mismatches, dump.stat().st_size)
