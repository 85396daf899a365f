from rest_framework.routers import SimpleRouter

from jobs.api.views import JobTypeViewSet, JobViewSet

router = SimpleRouter(trailing_slash=False)
router.register("jobs", JobViewSet, basename="job")
router.register("job-types", JobTypeViewSet, basename="job-type")

urlpatterns = router.urls
