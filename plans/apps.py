from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from jobs.models import Job


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Maintenance plans"

    def ready(self) -> None:
        from core import registry
        from jobs.signals import job_completed
        from plans import selectors
        from plans.api.serializers import MaintenancePlanSerializer
        from plans.models import MaintenancePlan

        registry.register(MaintenancePlan, selector=selectors.plans_for, serializer=MaintenancePlanSerializer)
        # A plan's visit is billed at the plan's price (or its contract's rate): invoicing asks its sources.
        from invoicing import job_prices
        from plans.billing import SOURCE, plan_prices

        job_prices.register(SOURCE, plan_prices)
        # Plans are built on jobs: jobs announce a completion, and do not know who listens.
        job_completed.connect(_visit_done, dispatch_uid="plans.visit_done")


def _visit_done(sender: type[Job], job: Job, **kwargs: Any) -> None:
    """A job completed: if it is a plan's visit, the plan's last serviced and next due move on."""
    from plans.services import record_visit_done

    record_visit_done(job=job)
