from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import (
    ActorSerializer,
    InputSerializer,
    OptionalEmailField,
    TeamObjectField,
    TeamPrimaryKeyField,
    actor_data,
)
from invoicing.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    TAX_RATE_DIGITS,
    TAX_RATE_PLACES,
    Contract,
    ContractRate,
    Invoice,
    InvoiceLine,
    InvoiceTemplate,
    InvoicingProfile,
    LineUnit,
    Rate,
    RateUnit,
)
from invoicing.selectors import team_today
from invoicing.services import ManualLine
from jobs.models import JobType
from projects.models import Client

HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def _currency(**kwargs: Any) -> serializers.RegexField:
    kwargs.setdefault("help_text", "ISO 4217 code, e.g. EUR.")
    return serializers.RegexField(r"^[A-Z]{3}$", **kwargs)


def _tax_rate(**kwargs: Any) -> serializers.DecimalField:
    kwargs.setdefault("help_text", 'Percent, e.g. "20.000".')
    return serializers.DecimalField(
        max_digits=TAX_RATE_DIGITS,
        decimal_places=TAX_RATE_PLACES,
        min_value=Decimal(0),
        max_value=Decimal(100),
        **kwargs,
    )


@extend_schema_field(ActorSerializer(allow_null=True))
class ActorField(serializers.Field[Any, Any, Any, Any]):
    """Who did something, read from a `<prefix>_user` / `<prefix>_key` pair; null when nobody has yet."""

    def __init__(self, prefix: str, **kwargs: Any) -> None:
        self.prefix = prefix
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        user, key = getattr(value, f"{self.prefix}_user"), getattr(value, f"{self.prefix}_key")
        if user is None and key is None:
            return None
        return actor_data(user, key)


# Profile and template ---------------------------------------------------------------------------


class InvoicingProfileSerializer(serializers.ModelSerializer[InvoicingProfile]):
    next_number_preview = serializers.SerializerMethodField(help_text="The number the next finalize would give today.")
    updated_at = serializers.SerializerMethodField()

    class Meta:
        model = InvoicingProfile
        fields = (
            "legal_name", "address", "tax_id", "bank_details", "default_currency", "default_tax_rate",
            "payment_terms_days", "number_prefix", "number_include_year", "number_padding", "next_number",
            "next_number_preview", "footer_text", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_next_number_preview(self, profile: InvoicingProfile) -> str:
        return profile.format_number(profile.next_number, team_today(team=profile.team).year)

    @extend_schema_field(serializers.DateTimeField(allow_null=True, help_text="Null until the profile is saved."))
    def get_updated_at(self, profile: InvoicingProfile) -> Any:
        if profile._state.adding:
            return None
        return serializers.DateTimeField().to_representation(profile.updated_at)


class InvoicingProfileUpsertSerializer(InputSerializer):
    legal_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    address = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    tax_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    bank_details = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    default_currency = _currency(required=False)
    default_tax_rate = _tax_rate(required=False)
    payment_terms_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    number_prefix = serializers.RegexField(
        r"^[A-Za-z0-9/_.-]*$", required=False, allow_blank=True, max_length=20, help_text="e.g. SE"
    )
    number_include_year = serializers.BooleanField(required=False)
    number_padding = serializers.IntegerField(required=False, min_value=1, max_value=12)
    next_number = serializers.IntegerField(
        required=False, min_value=1, help_text="Settable only before the first invoice is finalized."
    )
    footer_text = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class InvoiceTemplateSerializer(serializers.ModelSerializer[InvoiceTemplate]):
    class Meta:
        model = InvoiceTemplate
        fields = ("id", "logo_text", "primary_color", "accent_color", "notes", "terms", "created_at", "updated_at")
        read_only_fields = fields


class InvoiceTemplateUpsertSerializer(InputSerializer):
    logo_text = serializers.CharField(required=False, allow_blank=True, max_length=100)
    primary_color = serializers.RegexField(HEX_COLOUR, required=False, help_text="#RRGGBB")
    accent_color = serializers.RegexField(HEX_COLOUR, required=False, help_text="#RRGGBB")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    terms = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# Rates and contracts ----------------------------------------------------------------------------


class RateSerializer(serializers.ModelSerializer[Rate]):
    job_type_id = serializers.UUIDField()
    job_type = serializers.CharField(source="job_type.key", help_text="The job type's key.")

    class Meta:
        model = Rate
        fields = (
            "id", "job_type_id", "job_type", "unit_price", "unit", "tax_rate", "currency", "valid_from", "valid_to",
            "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class RateCreateSerializer(InputSerializer):
    job_type_id = TeamPrimaryKeyField(JobType)
    unit_price = _money(min_value=Decimal(0))
    unit = serializers.ChoiceField(choices=RateUnit.choices, required=False, default=RateUnit.JOB)
    tax_rate = _tax_rate(required=False, help_text="Percent; defaults to the profile's default tax rate.")
    currency = _currency(required=False)
    valid_from = serializers.DateField(required=False, help_text="Defaults to today.")
    valid_to = serializers.DateField(required=False, allow_null=True, default=None, help_text="Inclusive.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["job_type"] = attrs.pop("job_type_id")
        return attrs


class ContractRateSerializer(serializers.ModelSerializer[ContractRate]):
    job_type_id = serializers.UUIDField()
    job_type = serializers.CharField(source="job_type.key", help_text="The job type's key.")

    class Meta:
        model = ContractRate
        fields = ("job_type_id", "job_type", "unit_price", "unit", "tax_rate")
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer[Contract]):
    client_id = serializers.UUIDField()
    rates = ContractRateSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = (
            "id", "client_id", "reference", "valid_from", "valid_to", "currency", "notes", "rates",
            "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class ContractRateInputSerializer(InputSerializer):
    job_type_id = TeamPrimaryKeyField(JobType)
    unit_price = _money(min_value=Decimal(0))
    unit = serializers.ChoiceField(choices=RateUnit.choices, required=False, default=RateUnit.JOB)
    tax_rate = _tax_rate(required=False, help_text="Percent; defaults to the profile's default tax rate.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["job_type"] = attrs.pop("job_type_id")
        return attrs


class ContractCreateSerializer(InputSerializer):
    client_id = TeamPrimaryKeyField(Client)
    reference = serializers.CharField(max_length=100)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None, help_text="Inclusive.")
    currency = _currency(required=False, help_text="ISO 4217; defaults to the profile's currency.")
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    rates = ContractRateInputSerializer(many=True, required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["client"] = attrs.pop("client_id")
        return attrs


# Invoices ---------------------------------------------------------------------------------------


class ClientSummarySerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    email = OptionalEmailField()


class IssuerSerializer(serializers.Serializer[Any]):
    legal_name = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    tax_id = serializers.CharField(allow_blank=True)
    bank_details = serializers.CharField(allow_blank=True)
    footer_text = serializers.CharField(allow_blank=True)


class InvoiceLineSerializer(serializers.ModelSerializer[InvoiceLine]):
    class Meta:
        model = InvoiceLine
        fields = (
            "id", "position", "job_id", "description", "quantity", "unit", "unit_price", "tax_rate",
            "net_amount", "tax_amount", "line_total",
        )  # fmt: skip
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer[Invoice]):
    client = ClientSummarySerializer()
    contract_id = serializers.UUIDField(allow_null=True, help_text="The contract that priced the job lines.")
    created_by = ActorField("created_by")
    finalized_by = ActorField("finalized_by")
    approved_by = ActorField("approved_by")
    voided_by = ActorField("voided_by")
    paid_by = ActorField("paid_by", help_text="Who marked the invoice paid.")
    paid_at = serializers.DateField(allow_null=True, help_text="The day the client paid; null while unpaid.")
    sent_at = serializers.DateTimeField(
        allow_null=True, help_text="When the invoice was last emailed to the client; null until it is sent."
    )

    class Meta:
        model = Invoice
        fields = (
            "id", "number", "status", "client", "contract_id", "currency", "issue_date", "due_date",
            "payment_terms_days", "subtotal", "tax_total", "total", "notes", "void_reason",
            "created_by", "finalized_by", "approved_by", "voided_by", "paid_by",
            "created_at", "updated_at", "finalized_at", "approved_at", "voided_at", "paid_at", "sent_at",
        )  # fmt: skip
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    issuer = IssuerSerializer(allow_null=True, read_only=True, help_text="The seller as it was at finalize.")

    class Meta(InvoiceSerializer.Meta):
        fields = (*InvoiceSerializer.Meta.fields, "issuer", "lines")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]


class DraftLineInputSerializer(InputSerializer):
    description = serializers.CharField(max_length=500)
    quantity = serializers.DecimalField(
        max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, min_value=Decimal("0.001")
    )
    unit_price = _money(min_value=Decimal(0))
    tax_rate = _tax_rate(required=False, help_text="Percent; defaults to the profile's default tax rate.")
    unit = serializers.ChoiceField(choices=LineUnit.choices, required=False, default=LineUnit.ITEM)

    def validate(self, attrs: dict[str, Any]) -> ManualLine:
        return ManualLine(**{**attrs, "unit": LineUnit(attrs["unit"])})


class InvoiceDraftSerializer(InputSerializer):
    invoice_id = TeamObjectField(Invoice, required=False, help_text="Update this draft instead of creating one.")
    client_id = TeamPrimaryKeyField(Client, required=False, help_text="Required for a new draft.")
    job_ids = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=500,
        help_text="Completed jobs of the client to bill, one line each.",
    )
    lines = DraftLineInputSerializer(  # type: ignore[call-arg]  # ListSerializer takes max_length
        many=True, required=False, max_length=500, help_text="Manual lines."
    )
    issue_date = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "client_id" in attrs:
            attrs["client"] = attrs.pop("client_id")
        elif "invoice_id" not in attrs:
            raise serializers.ValidationError({"client_id": ["clientId is required for a new draft."]})
        return attrs


class InvoiceActionSerializer(InputSerializer):
    invoice_id = TeamObjectField(Invoice)


class InvoiceMarkPaidSerializer(InputSerializer):
    invoice_id = TeamObjectField(Invoice)
    paid_at = serializers.DateField(help_text="The day the client paid (not after today in the team's time zone).")


class InvoiceSendSerializer(InputSerializer):
    invoice_id = TeamObjectField(Invoice)
    resend = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Email it again although it was sent already (a new send); without it a sent invoice is not "
        "emailed twice.",
    )


class InvoiceVoidSerializer(InputSerializer):
    invoice_id = TeamObjectField(Invoice)
    reason = serializers.CharField(max_length=2000)


class InvoiceDefaultsQuerySerializer(serializers.Serializer[Any]):
    """`GET /invoices/defaults?clientId=`: the client whose contract to take into account."""

    client_id = TeamPrimaryKeyField(
        Client, required=False, error_messages={"does_not_exist": "No such client in your team."}
    )


class InvoiceDefaultsSerializer(serializers.Serializer[Any]):
    currency = serializers.CharField()
    tax_rate = serializers.DecimalField(max_digits=TAX_RATE_DIGITS, decimal_places=TAX_RATE_PLACES)
    payment_terms_days = serializers.IntegerField()
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    next_number_preview = serializers.CharField(help_text="A preview: the number is only taken at finalize.")
    contract_id = serializers.UUIDField(allow_null=True, source="contract.id", default=None)
    contract_reference = serializers.CharField(allow_null=True, source="contract.reference", default=None)
