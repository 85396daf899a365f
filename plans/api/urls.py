from rest_framework.routers import SimpleRouter

from plans.api.views import MaintenancePlanViewSet

router = SimpleRouter(trailing_slash=False)
router.register("maintenance-plans", MaintenancePlanViewSet, basename="maintenance-plan")

urlpatterns = router.urls
