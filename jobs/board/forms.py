"""The dispatch board's two forms: the week and filters (GET), and a job's move (POST: engineer, day,
time window), the one form behind both drag-and-drop and the quick form on each card."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any

from django import forms

from accounts.models import Team, User
from jobs.board.grid import UNASSIGNED
from jobs.models import JobType
from jobs.selectors import job_types_for, team_engineers
from projects.models import Client, Project
from projects.selectors import clients_for


class TeamChoiceField(forms.ModelChoiceField):
    """A choice among the team's rows by id; an unknown id or another team's is "not one of yours"."""

    default_error_messages = {"invalid_choice": "Not one of your team's. Choose from the list."}

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except forms.ValidationError:  # not even an id (Django would say "not a valid UUID")
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class BoardFilterForm(forms.Form):
    """`?week=YYYY-MM-DD` (any day of the week) and optional `type`, `project`, `client` ids."""

    week = forms.DateField(required=False, input_formats=["%Y-%m-%d"],
                           error_messages={"invalid": "Give the week as a day, YYYY-MM-DD."})  # fmt: skip
    type = TeamChoiceField(queryset=JobType.objects.none(), required=False, label="Job type",
                           empty_label="All job types")  # fmt: skip
    project = TeamChoiceField(queryset=Project.objects.none(), required=False, empty_label="All projects")
    client = TeamChoiceField(queryset=Client.objects.none(), required=False, empty_label="All clients")

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = job_types_for(team=team).only("name").order_by("name")  # type: ignore[attr-defined]
        # Not `projects_for`: its per-project job counts are not needed for a list of names.
        projects = Project.objects.for_team(team).only("name").order_by("name")
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["client"].queryset = clients_for(team=team).only("name").order_by("name")  # type: ignore[attr-defined]

    def clean_week(self) -> dt.date | None:
        week: dt.date | None = self.cleaned_data.get("week")
        if week is not None and not dt.date(2000, 1, 1) <= week <= dt.date(2100, 12, 31):
            raise forms.ValidationError("Choose a week between 2000 and 2100.")
        return week

    def errors_text(self) -> str:
        return " ".join(f"{self.fields[name].label or name.title()}: {' '.join(map(str, errors))}"
                        for name, errors in self.errors.items())  # fmt: skip


class MoveForm(forms.Form):
    """Where a job goes: an engineer (blank keeps the current one), a day and an optional window.

    The times are wall-clock times in the team's time zone on that day.
    """

    engineer = forms.CharField(required=False, max_length=64)
    date = forms.DateField(input_formats=["%Y-%m-%d"], error_messages={"required": "Choose the day.",
                           "invalid": "Give the day as YYYY-MM-DD."})  # fmt: skip
    start = forms.TimeField(required=False, input_formats=["%H:%M", "%H:%M:%S"],
                            error_messages={"invalid": "Give the start as HH:MM."})  # fmt: skip
    end = forms.TimeField(required=False, input_formats=["%H:%M", "%H:%M:%S"],
                          error_messages={"invalid": "Give the end as HH:MM."})  # fmt: skip

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_engineer(self) -> User | str | None:
        """None (keep), `UNASSIGNED`, or one of the team's engineers."""
        value = (self.cleaned_data.get("engineer") or "").strip()
        if not value:
            return None
        if value == UNASSIGNED:
            return UNASSIGNED
        try:
            user_id = uuid.UUID(value)
        except ValueError:
            raise forms.ValidationError("Choose one of your team's engineers.") from None
        engineer = team_engineers(team=self.team).filter(pk=user_id).first()
        if engineer is None:
            raise forms.ValidationError("Choose one of your team's engineers.")
        return engineer

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("start") is None) != (data.get("end") is None) and not self.errors:
            raise forms.ValidationError("Give both the start and the end time, or neither.")
        return data

    def window(self, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The window as aware datetimes on the chosen day in `zone` (None, None without one)."""
        day, start, end = (self.cleaned_data[name] for name in ("date", "start", "end"))
        if start is None or end is None:
            return None, None
        return dt.datetime.combine(day, start, tzinfo=zone), dt.datetime.combine(day, end, tzinfo=zone)

    def errors_text(self) -> str:
        return " ".join(" ".join(map(str, errors)) for errors in self.errors.values())
