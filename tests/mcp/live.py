"""A real HTTP server for end-to-end tests: the project's ASGI app under uvicorn on 127.0.0.1:<free port>.

It runs in a thread of the test process, so it uses the test database (tests that talk to it use
`django_db(transaction=True)` so that their rows are committed and visible to it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from django.db import connection


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server() -> Iterator[str]:
    """Serve a fresh `config.asgi` application (its own MCP session manager) and yield its base URL."""
    from config.asgi import build_application

    port = free_port()
    config = uvicorn.Config(build_application(), host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("The test server did not start.")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def disconnect_server_threads() -> None:
    """End the server threads' database sessions, so the test database can be dropped afterwards."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def server_url(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The base URL of a live server shared by the session's end-to-end tests."""
    with live_server() as url:
        yield url
    with django_db_blocker.unblock():
        disconnect_server_threads()
