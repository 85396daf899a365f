"""Running a test's work in several threads at once, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

_T = TypeVar("_T")


def run_together(
    work: Callable[[], _T], *, count: int = 2, start_together: bool = True, timeout: float = 120
) -> list[_T]:
    """`work()` in `count` threads (released together by a barrier unless `start_together` is False,
    for work that holds itself); what each returned. A thread's error fails the test."""
    barrier = threading.Barrier(count)
    results: list[_T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            if start_together:
                barrier.wait()
            results.append(work())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
    assert len(results) == count, "a thread did not finish in time"
    return results
