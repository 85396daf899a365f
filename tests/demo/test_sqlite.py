"""`make run`'s SQLite database: the server and the worker write side by side without "database is locked"."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from config.settings import database


@pytest.fixture(autouse=True)
def _real_connections(django_db_blocker: Any) -> Any:
    """These tests open their own SQLite files, not the test database."""
    with django_db_blocker.unblock():
        yield


def connect(path: Path, monkeypatch: Any) -> DatabaseWrapper:
    monkeypatch.setenv("DEMO_DATABASE_URL", f"sqlite:///{path}")
    settings = {**database("DEMO_DATABASE_URL", ""), "TIME_ZONE": None, "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False}
    settings.setdefault("TEST", {})
    return DatabaseWrapper(settings, alias=f"demo-{path.name}-{threading.get_ident()}")


def test_wal_and_a_busy_timeout(tmp_path: Path, monkeypatch: Any) -> None:
    connection = connect(tmp_path / "demo.sqlite3", monkeypatch)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 10_000
    connection.close()


def test_two_writers_wait_for_each_other(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "demo.sqlite3"
    setup = connect(path, monkeypatch)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE tally (n INTEGER)")
    setup.close()
    errors: list[BaseException] = []

    def write(rows: int) -> None:
        connection = connect(path, monkeypatch)
        connections[connection.alias] = connection  # this thread's own handle, for transaction.atomic
        try:
            for _ in range(rows):  # read then write in one transaction, as a service does
                with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*) FROM tally")
                    cursor.execute("INSERT INTO tally VALUES (1)")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(100,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = connect(path, monkeypatch)
    with check.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM tally")
        assert cursor.fetchone()[0] == 200
    check.close()
