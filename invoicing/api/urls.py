from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from invoicing.api.views import (
    ContractViewSet,
    InvoiceTemplateViewSet,
    InvoiceViewSet,
    InvoicingProfileViewSet,
    RateViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("invoicing/rates", RateViewSet, basename="invoicing-rate")
router.register("invoicing/contracts", ContractViewSet, basename="invoicing-contract")

urlpatterns: list[URLPattern | URLResolver] = [
    path("invoicing/profile", InvoicingProfileViewSet.as_view({"get": "profile"}), name="invoicing-profile"),
    path(
        "invoicing/profile/upsert",
        InvoicingProfileViewSet.as_view({"post": "upsert"}),
        name="invoicing-profile-upsert",
    ),
    path("invoicing/template", InvoiceTemplateViewSet.as_view({"get": "template"}), name="invoicing-template"),
    path(
        "invoicing/template/upsert",
        InvoiceTemplateViewSet.as_view({"post": "upsert"}),
        name="invoicing-template-upsert",
    ),
    *router.urls,
]
