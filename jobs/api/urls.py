from django.urls import re_path
from rest_framework.routers import SimpleRouter

from core.api.views import UUID_PATTERN
from jobs.api.views import (
    ATTACHMENT_FILE_PATH,
    SIGNATURE_IMAGE_PATH,
    JobAttachmentFileView,
    JobAttachmentViewSet,
    JobSignatureImageView,
    JobTypeViewSet,
    JobViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register(rf"jobs/(?P<id>{UUID_PATTERN})/attachments", JobAttachmentViewSet, basename="job-attachment")
router.register("jobs", JobViewSet, basename="job")
router.register("job-types", JobTypeViewSet, basename="job-type")

urlpatterns = [
    re_path(ATTACHMENT_FILE_PATH, JobAttachmentFileView.as_view(), name="job-attachment-file"),
    re_path(SIGNATURE_IMAGE_PATH, JobSignatureImageView.as_view(), name="job-signature-image"),
    *router.urls,
]
