from django.urls import re_path
from rest_framework.routers import SimpleRouter

from core.api.views import UUID_PATTERN
from flows.api.views import (
    DOCUMENT_PATH,
    FlowDocumentView,
    FlowGroupViewSet,
    FlowMetricsView,
    FlowTemplateViewSet,
    FlowViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register(rf"job-types/(?P<id>{UUID_PATTERN})/flow-templates", FlowTemplateViewSet, basename="flow-template")
router.register("flows/groups", FlowGroupViewSet, basename="flow-group")
router.register("flows", FlowViewSet, basename="flow")

urlpatterns = [
    re_path(DOCUMENT_PATH, FlowDocumentView.as_view(), name="flow-document"),
    # GET /v1/metrics/flows lives with the flows it measures.
    re_path(r"^metrics/flows$", FlowMetricsView.as_view(), name="flow-metrics"),
    *router.urls,
]
