from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from functools import partial

        from core import registry
        from invoicing import selectors
        from invoicing.api.serializers import InvoiceDetailSerializer
        from invoicing.models import Invoice

        registry.register(
            Invoice, selector=partial(selectors.invoices_for, with_lines=True), serializer=InvoiceDetailSerializer
        )
