from rest_framework.routers import SimpleRouter

from projects.api.views import ClientViewSet, ProjectTemplateViewSet, ProjectViewSet, SiteViewSet

router = SimpleRouter(trailing_slash=False)
router.register("projects", ProjectViewSet, basename="project")
router.register("project-templates", ProjectTemplateViewSet, basename="project-template")
router.register("clients", ClientViewSet, basename="client")
router.register("sites", SiteViewSet, basename="site")

urlpatterns = router.urls
