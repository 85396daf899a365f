"""The plans queue: the daily pass that creates the jobs of due occurrences (see `plans.worker`).

The pass is cheap when nothing is due (one range scan on an index of ACTIVE plans by the day their
next job is due), so the sweep runs it every sweep interval: a plan made or resumed today gets its
job within the interval, and a day's jobs appear soon after the team's midnight. It is idempotent.
"""

from __future__ import annotations

from django_tasks import task

from core.work import register_queue

QUEUE = "plans"


@task(queue_name=QUEUE)
def create_due_jobs_task() -> int:
    """One pass on demand (e.g. from a shell or a deployment hook); the sweep runs the same pass."""
    from plans.worker import create_due_jobs

    return create_due_jobs()


def _sweep() -> int:
    from plans.worker import create_due_jobs

    return create_due_jobs()


# `manage.py run_worker` runs this queue and, every sweep interval, the pass.
register_queue(QUEUE, sweep=_sweep)
