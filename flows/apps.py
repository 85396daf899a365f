from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from jobs.models import Job


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = "Flows"

    def ready(self) -> None:
        from core import registry
        from flows import selectors
        from flows.api.serializers import FlowSerializer
        from flows.models import Flow
        from jobs.signals import job_completed

        registry.register(Flow, selector=selectors.flows_for, serializer=FlowSerializer)
        # Flows are built on jobs: jobs announce a completion, and do not know who listens.
        job_completed.connect(_start_documents, dispatch_uid="flows.start_documents")


def _start_documents(sender: type[Job], job: Job, **kwargs: Any) -> None:
    """A job completed: queue its customer documents, in the completion's transaction."""
    from flows.services import start_flow_group

    start_flow_group(job=job)
