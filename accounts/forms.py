"""Forms of the Settings pages: the API key form maps per-resource access onto the contract's scopes."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.scopes import Scope

NONE, READ, WRITE = "none", "read", "write"

# Resources with read and write access, then those that can only be read.
READ_WRITE_RESOURCES = [("jobs", "Jobs"), ("flows", "Flows"), ("assets", "Assets"), ("projects", "Projects"),
                        ("webhooks", "Webhooks"),
                        ("invoices", "Invoices")]  # fmt: skip
READ_ONLY_RESOURCES = [("team", "Team"), ("search", "Search"), ("metrics", "Metrics")]

EXPIRY_CHOICES = [("never", "Never"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("date", "On a date")]


class APIKeyCreateForm(forms.Form):
    """Name, expiry and per-resource access (None / Read / Write) for a new key."""

    name = forms.CharField(max_length=100, help_text="What uses this key, e.g. “Zapier” or “Warehouse sync”.")
    expiry = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", widget=forms.RadioSelect, label="Expires")
    expiry_date = forms.DateField(required=False, label="Expiry date", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = [(NONE, "None"), (READ, "Read"), (WRITE, "Write")]
        for resource, label in READ_WRITE_RESOURCES:
            self.fields[f"access_{resource}"] = forms.ChoiceField(
                choices=levels, initial=NONE, widget=forms.RadioSelect, label=label, required=False
            )
        for resource, label in READ_ONLY_RESOURCES:
            self.fields[f"access_{resource}"] = forms.ChoiceField(
                choices=levels[:2], initial=NONE, widget=forms.RadioSelect, label=label, required=False
            )

    def access_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("access_")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("expiry") == "date":
            day = cleaned.get("expiry_date")
            if day is None:
                self.add_error("expiry_date", "Pick the day the key stops working.")
            elif day <= timezone.localdate():
                self.add_error("expiry_date", "The expiry date must be in the future.")
        if self.is_valid_so_far() and not self.scopes():
            raise forms.ValidationError("Give the key access to at least one resource.")
        return cleaned

    def is_valid_so_far(self) -> bool:
        return all(name in self.cleaned_data for name in self.fields if name.startswith("access_"))

    def scopes(self) -> list[str]:
        """The contract scopes chosen: `write` gives `X.write` (which includes read), `read` gives `X.read`."""
        chosen = []
        for name, level in self.cleaned_data.items():
            if name.startswith("access_") and level in (READ, WRITE):
                scope = f"{name.removeprefix('access_')}.{level}"
                if scope in Scope.values:
                    chosen.append(scope)
        return sorted(chosen)

    def expires_at(self) -> dt.datetime | None:
        expiry = self.cleaned_data["expiry"]
        if expiry == "never":
            return None
        if expiry == "date":
            day: dt.date = self.cleaned_data["expiry_date"]
            return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
        return timezone.now() + dt.timedelta(days=int(expiry))


class TeamSwitchForm(forms.Form):
    team = forms.SlugField()


SIGN_IN_FAILURES_PER_ACCOUNT = 5
SIGN_IN_FAILURES_PER_ADDRESS = 30
SIGN_IN_WINDOW_SECONDS = 15 * 60


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in with brute-force protection: after 5 failures for one email (or 30 from one address)
    within 15 minutes, sign-in is refused for the rest of the window — even with the right password.
    Unknown emails and wrong passwords get the same message, so accounts cannot be discovered."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed sign-in attempts. Wait 15 minutes and try again.",
    }

    def _counters(self) -> list[tuple[str, int]]:
        address = self.request.META.get("REMOTE_ADDR", "") if self.request is not None else ""
        email = str(self.data.get("username", "")).strip().lower()
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        return [
            (f"signin:account:{digest}", SIGN_IN_FAILURES_PER_ACCOUNT),
            (f"signin:address:{address}", SIGN_IN_FAILURES_PER_ADDRESS),
        ]

    def clean(self) -> dict[str, Any]:
        counters = self._counters()
        if any((cache.get(key) or 0) >= limit for key, limit in counters):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except ValidationError:
            for key, _ in counters:
                if not cache.add(key, 1, SIGN_IN_WINDOW_SECONDS):
                    try:
                        cache.incr(key)
                    except ValueError:
                        cache.set(key, 1, SIGN_IN_WINDOW_SECONDS)
            raise
