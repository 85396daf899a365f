from django.urls import re_path
from rest_framework.routers import SimpleRouter

from core.api.views import UUID_PATTERN
from jobs.api.views import FILE_PATH, JobAttachmentViewSet, JobFileView, JobTypeViewSet, JobViewSet

router = SimpleRouter(trailing_slash=False)
router.register(rf"jobs/(?P<id>{UUID_PATTERN})/attachments", JobAttachmentViewSet, basename="job-attachment")
router.register("jobs", JobViewSet, basename="job")
router.register("job-types", JobTypeViewSet, basename="job-type")

urlpatterns = [re_path(FILE_PATH, JobFileView.as_view(), name="job-file"), *router.urls]
