"""The admin's forms for asset types and assets: schemas edited as rows, attributes as a generated form.

An asset type's `attributes_schema` is edited with the structured editor (`core.schema_builder`), the
JSON Schema behind "Advanced". An asset's type is a select of the team's types, and its attributes
are a form drawn from that type's schema (redrawn when the select changes: `static/js/schema-form.js`);
`clean()` adds the services' attribute issues beside Django's field errors, all at once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from assets.models import AssetType
from assets.services import attribute_issues, check_attributes_schema
from core.admin import TeamConsistentForm
from core.admin_schema import SchemaFormWidget, SchemaJSONField, SchemaRowsCodec, issues_to_errors
from core.exceptions import DomainError


class AssetTypeForm(TeamConsistentForm):
    """An asset type, its attributes schema edited as rows of fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "attributes_schema" in self.fields:
            self.fields["attributes_schema"] = SchemaJSONField(
                label="Attributes",
                codec=SchemaRowsCodec(),
                empty=lambda: None,
                widget=SchemaFormWidget(codec=SchemaRowsCodec()),
                help_text="What an asset of this type records (e.g. rated output, refrigerant): one row per "
                "attribute. The JSON Schema it makes is under Advanced.",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("attributes_schema") is not None:
            try:
                check_attributes_schema(cleaned["attributes_schema"])
            except DomainError as exc:
                issues_to_errors(self, exc.issues, {"attributesSchema": "attributes_schema"})
        return cleaned


class AssetForm(TeamConsistentForm):
    """An asset: its type chosen among the team's, its attributes a form generated from that type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.chosen_team()
        types = AssetType.objects.filter(team=team).order_by("name") if team is not None else None
        if "asset_type" in self.fields and types is not None:
            keys = [(asset_type.key, f"{asset_type.name} ({asset_type.key})") for asset_type in types]
            current = self.initial.get("asset_type") or ""
            if current and current not in dict(keys):  # a type since removed stays visible
                keys.append((current, current))
            self.fields["asset_type"] = forms.ChoiceField(
                label="Asset type", choices=[("", "---------"), *keys], help_text="One of the team's asset types."
            )
        self.asset_type = self.chosen_type(types)
        if "attributes" in self.fields:
            field = SchemaJSONField(
                label="Attributes",
                widget=SchemaFormWidget(
                    source="asset_type",
                    schema_url=reverse("admin:assets_asset_type_schema"),
                    empty_note="This asset type asks for no attributes (or none is chosen yet).",
                ),
                help_text="What the asset type asks for. Changing the type starts this form afresh.",
            )
            field.set_schema(self.asset_type.attributes_schema if self.asset_type is not None else None)
            self.fields["attributes"] = field

    def chosen_team(self) -> Any:
        if self.instance.team_id:
            return self.instance.team
        field = self.fields.get("team")
        raw = self.data.get(self.add_prefix("team")) if self.is_bound else self.initial.get("team")
        if not isinstance(field, forms.ModelChoiceField) or raw in (None, ""):
            return None
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None

    def chosen_type(self, types: Any) -> AssetType | None:
        key = self.data.get(self.add_prefix("asset_type")) if self.is_bound else None
        key = key or self.initial.get("asset_type") or self.instance.asset_type
        if types is None or not key:
            return None
        found: AssetType | None = types.filter(key=key).first()
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "attributes" in self.fields and "attributes" in cleaned and self.asset_type is not None:
            issues = attribute_issues(self.asset_type, cleaned["attributes"])
            issues_to_errors(self, issues, {"attributes": "attributes"})
        return cleaned
