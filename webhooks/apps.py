from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from core import registry
        from webhooks import selectors
        from webhooks.api.serializers import WebhookEndpointSerializer
        from webhooks.models import WebhookEndpoint

        registry.register(WebhookEndpoint, selector=selectors.endpoints_for, serializer=WebhookEndpointSerializer)
