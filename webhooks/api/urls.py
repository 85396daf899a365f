from rest_framework.routers import SimpleRouter

from core.api.views import UUID_PATTERN
from webhooks.api.events import EventViewSet
from webhooks.api.views import DeliveryViewSet, EndpointDeliveryViewSet, WebhookEndpointViewSet

router = SimpleRouter(trailing_slash=False)
router.register("webhooks/deliveries", DeliveryViewSet, basename="webhook-delivery")
router.register(rf"webhooks/(?P<id>{UUID_PATTERN})/deliveries", EndpointDeliveryViewSet, basename="webhook-deliveries")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("events", EventViewSet, basename="event")

urlpatterns = router.urls
