from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets"

    def ready(self) -> None:
        from assets import selectors
        from assets.api.serializers import AssetDetailSerializer, AssetTypeSerializer
        from assets.models import Asset, AssetType
        from core import registry

        registry.register(AssetType, selector=selectors.asset_types_for, serializer=AssetTypeSerializer)
        registry.register(
            Asset,
            selector=selectors.assets_for,
            serializer=AssetDetailSerializer,
            context=lambda asset: {"job_summary": selectors.job_summary(asset=asset)},
        )
