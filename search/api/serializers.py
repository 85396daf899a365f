from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.serializers import InputSerializer
from search.selectors import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_LENGTH
from search.types import SearchType


class SearchRequestSerializer(InputSerializer):
    query = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        help_text="Words, a quoted phrase, `-word` to exclude, or an identifier (serial, email, invoice number).",
    )
    types = serializers.ListField(
        child=serializers.ChoiceField(choices=SearchType.choices),
        required=False,
        allow_empty=False,
        help_text="Kinds of record to search; all those the token can read when omitted.",
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


class SearchHitSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=SearchType.choices)
    id = serializers.UUIDField()
    title = serializers.CharField()
    subtitle = serializers.CharField(allow_blank=True, help_text="Context for the hit; null when there is none.")
    score = serializers.FloatField(help_text="Relevance from 0 to 1; 1 is an exact identifier match.")
