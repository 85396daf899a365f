"""Input serializers copy their declared fields per instance without DRF's deep copy (`_copy_of`):
each instance still has fields of its own, and a field's child (a list's items) is never shared,
so one request's binding (its context: the caller's team) never reaches another's."""

from __future__ import annotations

from jobs.api.serializers import JobCompleteSerializer, JobCreateSerializer


def test_each_instance_has_its_own_fields_and_children() -> None:
    first, second = JobCompleteSerializer(data={}), JobCompleteSerializer(data={})
    for name in list(first.fields.keys()):
        assert first.fields[name] is not second.fields[name], name
    assert first.fields["attachment_ids"].child is not second.fields["attachment_ids"].child
    assert first.fields["attachment_ids"].child.parent is first.fields["attachment_ids"]
    assert second.fields["attachment_ids"].child.parent is second.fields["attachment_ids"]
    assert first.fields["signature"].fields["signer_name"] is not second.fields["signature"].fields["signer_name"]


def test_a_copy_is_the_declared_field() -> None:
    declared = JobCreateSerializer._declared_fields
    fields = JobCreateSerializer(data={}).fields
    for name, field in declared.items():
        copy = fields[name]
        assert type(copy) is type(field) and copy._kwargs == field._kwargs, name
        assert copy.required == field.required and copy.default == field.default, name
    assert fields["notes"].allow_null is True  # made nullable per copy, the declared field untouched
    assert declared["notes"].allow_null is False
