from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = "Flows"

    def ready(self) -> None:
        from core import registry
        from flows import selectors
        from flows.api.serializers import FlowSerializer
        from flows.models import Flow

        registry.register(Flow, selector=selectors.flows_for, serializer=FlowSerializer)
