from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        from functools import partial

        from core import registry
        from jobs import selectors
        from jobs.api.detail import written_jobs
        from jobs.api.serializers import JobDetailSerializer, JobTypeSerializer
        from jobs.models import Job, JobType

        registry.register(JobType, selector=selectors.job_types_for, serializer=JobTypeSerializer)
        registry.register(
            Job,
            selector=partial(selectors.jobs_for, with_events=True),
            serializer=JobDetailSerializer,
            # A job just written is shown as its detail endpoint reads it (jobs/api/detail.py).
            reader=written_jobs,
        )
