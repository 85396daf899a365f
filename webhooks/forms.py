"""The form of Settings > Developer > Webhooks."""

from __future__ import annotations

from django import forms

from webhooks.api.serializers import SUBSCRIBABLE
from webhooks.models import ALL_EVENTS


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(max_length=2000, label="Endpoint URL", assume_scheme="https",
                         help_text="An https URL on the public internet that accepts POST requests.")  # fmt: skip
    description = forms.CharField(max_length=500, required=False, help_text="What receives these events.")
    enabled_events = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE,
        widget=forms.CheckboxSelectMultiple,
        initial=[ALL_EVENTS],
        label="Events",
        help_text="“Every event” alone, or just the types this endpoint needs.",
    )
