"""Forms of the Settings pages: the API key form maps per-resource access onto the contract's scopes."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role, User
from accounts.scopes import Scope

NONE, READ, WRITE = "none", "read", "write"

# Resources with read and write access, then those that can only be read.
READ_WRITE_RESOURCES = [("jobs", "Jobs"), ("flows", "Flows"), ("assets", "Assets"), ("projects", "Projects"),
                        ("webhooks", "Webhooks"),
                        ("invoices", "Invoices"), ("plans", "Maintenance plans")]  # fmt: skip
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


class AttemptCounter:
    """Counts attempts per account (email) and per client address in a 15-minute window, in the
    cache, and says when either has reached its limit. Sign-in counts failures; password reset
    counts every request (each one sends an email)."""

    def __init__(self, kind: str, request: Any, email: str,
                 per_account: int = SIGN_IN_FAILURES_PER_ACCOUNT,
                 per_address: int = SIGN_IN_FAILURES_PER_ADDRESS) -> None:  # fmt: skip
        address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        self.counters = [(f"{kind}:account:{digest}", per_account), (f"{kind}:address:{address}", per_address)]

    def exhausted(self) -> bool:
        return any((cache.get(key) or 0) >= limit for key, limit in self.counters)

    def record(self) -> None:
        for key, _ in self.counters:
            if not cache.add(key, 1, SIGN_IN_WINDOW_SECONDS):
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, SIGN_IN_WINDOW_SECONDS)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in with brute-force protection: after 5 failures for one email (or 30 from one address)
    within 15 minutes, sign-in is refused for the rest of the window — even with the right password.
    Unknown emails and wrong passwords get the same message, so accounts cannot be discovered."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed sign-in attempts. Wait 15 minutes and try again.",
    }

    def clean(self) -> dict[str, Any]:
        attempts = AttemptCounter("signin", self.request, str(self.data.get("username", "")))
        if attempts.exhausted():
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except ValidationError:
            attempts.record()
            raise


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, limited like sign-in: 5 requests per email (30 per address) in 15 minutes.
    The answer is the same whether or not the address has an account."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        attempts = AttemptCounter("reset", self.request, str(cleaned.get("email", "")))
        if attempts.exhausted():
            raise ValidationError("Too many reset requests. Wait 15 minutes and try again.", code="throttled")
        attempts.record()
        return cleaned


# --- team members and invitations ------------------------------------------------------------------
class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email", help_text="The link to join is sent to this address.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ENGINEER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    """A name and a password for a new account (an existing account only confirms)."""

    full_name = forms.CharField(label="Your name", max_length=200)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False,
                                help_text=password_validation.password_validators_help_text_html())  # fmt: skip
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, email: str, new_account: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        if not new_account:
            for name in ("full_name", "password1", "password2"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if "password1" in self.fields and first and second:
            if first != second:
                self.add_error("password2", "The two passwords differ.")
            else:
                try:
                    password_validation.validate_password(first, User(email=self.email))
                except ValidationError as error:
                    self.add_error("password1", error)
        return cleaned
