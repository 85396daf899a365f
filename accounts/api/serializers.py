"""The `GET /v1/team` answer: the team, its members and the calling credential."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

from accounts.models import Membership, Role, Team


class CredentialKind(models.TextChoices):
    """How the caller authenticated, as the wire spells it."""

    API_KEY = "apiKey", "API key"
    OAUTH_TOKEN = "oauthToken", "OAuth access token"


# A credential model's `kind` attribute → the API's value.
KIND_BY_MODEL_KIND = {"api_key": CredentialKind.API_KEY, "oauth_token": CredentialKind.OAUTH_TOKEN}


class TeamSummarySerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ("id", "slug", "name", "currency", "timezone", "created_at")
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer[Membership]):
    user_id = serializers.UUIDField()
    name = serializers.SerializerMethodField()
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(choices=Role.choices)
    active = serializers.SerializerMethodField(help_text="An active membership of an active user.")
    joined_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Membership
        fields = ("user_id", "name", "email", "role", "active", "joined_at")
        read_only_fields = fields

    def get_name(self, membership: Membership) -> str:
        return membership.user.full_name or membership.user.email

    def get_active(self, membership: Membership) -> bool:
        return membership.is_active and membership.user.is_active


class CredentialSerializer(serializers.Serializer[Any]):
    """The credential that made this request. The secret itself is never returned, only prefix and last four."""

    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    id = serializers.CharField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The first characters of the token, e.g. `se_AbC1`.")
    last4 = serializers.CharField(help_text="The last four characters of the token.")
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField(allow_null=True)


class TeamOverviewSerializer(serializers.Serializer[Any]):
    team = TeamSummarySerializer()
    members = MemberSerializer(many=True, help_text="Members by join date, oldest first; at most 200.")
    members_truncated = serializers.BooleanField(help_text="True when the team has more members than listed.")
    credential = CredentialSerializer()


def credential_data(credential: Any, scopes: frozenset[str]) -> dict[str, Any]:
    """Describe a credential for display. Credential models expose `kind`, `name`, `prefix`, `last4`, `expires_at`."""
    return {
        "kind": KIND_BY_MODEL_KIND[credential.kind],
        "id": str(credential.pk),
        "name": credential.name,
        "prefix": credential.prefix,
        "last4": credential.last4,
        "scopes": sorted(scopes),
        "expires_at": credential.expires_at,
    }
