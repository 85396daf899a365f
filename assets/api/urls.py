from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from assets.api.views import AssetFilterOptionsView, AssetHistoryViewSet, AssetTypeViewSet, AssetViewSet
from core.api.views import UUID_PATTERN

router = SimpleRouter(trailing_slash=False)
router.register("assets", AssetViewSet, basename="asset")
router.register("asset-types", AssetTypeViewSet, basename="asset-type")
router.register(rf"assets/(?P<id>{UUID_PATTERN})/history", AssetHistoryViewSet, basename="asset-history")

urlpatterns: list[URLPattern | URLResolver] = [
    path("assets/filter-options", AssetFilterOptionsView.as_view(), name="asset-filter-options"),
    *router.urls,
]
