"""Search indexes for invoices: their number (full text and trigram); clients are matched through theirs."""

from django.db import migrations

from search.migrations._postgres import search_indexes, text_of


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0001_initial"),
        ("invoicing", "0001_initial"),
    ]

    operations = [
        search_indexes(
            "invoice",
            "invoicing_invoice",
            "setweight(to_tsvector('simple'::regconfig, COALESCE(number, '')), 'A')",
            text_of("number"),
        ),
    ]
