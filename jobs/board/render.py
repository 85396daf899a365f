"""The board's rows as HTML, built in Python: 500 cards each with its quick form took ~1.7 s through the
template engine (a variable lookup and an autoescape per field of every card) and take a few
milliseconds here. Every value from the database goes through `escape`; the markup is the same as
the template's (templates/jobs/board.html holds the page around it)."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from jobs.board.grid import Card, Row, Week
from jobs.models import JobStatus

STATUS_LABELS = {status.value: escape(str(status.label)) for status in JobStatus}


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


class RowsHtml:
    """The `<tbody>` rows of one week, for one page (its return address, CSRF token and engineer list)."""

    def __init__(self, *, board_url: str, admin_jobs_url: str, here: str, csrf_token: str, engineer_options: str):
        self.board_url = board_url
        self.admin_jobs_url = admin_jobs_url
        # What every quick form repeats: the CSRF token and where to come back to.
        self.form_head = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{_attr(csrf_token)}">'
            f'<input type="hidden" name="next" value="{_attr(here)}">'
        )
        self.engineer_options = engineer_options  # already escaped (format_html_join)

    def week(self, week: Week) -> SafeString:
        days = [(f"{day:%Y-%m-%d}", f"{day:%a} {day.day} {day:%b}") for day in week.days]
        parts: list[str] = []
        for row in week.rows:
            self._row(parts, row, days)
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def _row(self, parts: list[str], row: Row, days: list[tuple[str, str]]) -> None:
        count = row.job_count
        note = f' <span class="person-note">{escape(row.note)}</span>' if row.note else ""
        unassigned = "" if row.is_person else ' class="row-unassigned"'
        parts.append(
            f'<tr data-row="{_attr(row.key)}"{unassigned}><th scope="row" class="board-person">'
            f'<span class="person-name">{escape(row.label)}</span> '
            f'<span class="person-count">{count} job{"" if count == 1 else "s"}</span>{note}</th>'
        )
        keep = f"{escape(row.label)} (keep)" if row.is_person else "Unassigned (keep)"
        for cell, (iso, label) in zip(row.cells, days, strict=True):
            classes = "board-cell" + (" is-today" if cell.is_today else "") + ("" if cell.cards else " is-empty")
            today = " · today" if cell.is_today else ""
            parts.append(f'<td class="{classes}" data-engineer="{_attr(row.key)}" data-date="{iso}" '
                         f'data-day-label="{label}{today}">')  # fmt: skip
            for card in cell.cards:
                self._card(parts, card, keep)
            parts.append("</td>")
        parts.append("</tr>")

    def _card(self, parts: list[str], card: Card, keep: str) -> None:
        job = card.job
        job_id = str(job.id)
        job_type = escape(job.job_type_name)
        client = escape(job.client_name) if job.client_name else ""
        move_url = f"{self.board_url}jobs/{job_id}/move/"
        classes = f"job-card is-{job.status.lower()}" + (" has-overlap" if card.overlaps else "")
        drag = (f' draggable="true" data-move-url="{move_url}" data-start="{card.start}" data-end="{card.end}"'
                f' data-assignable="{1 if card.assignable else 0}"') if card.movable else ""  # fmt: skip
        named = f"{job_type}, {client}" if client else job_type
        window = f"<span>{card.start}–{card.end}</span>" if card.start else '<span class="muted">Any time</span>'
        overlap = (' <span class="overlap-flag" title="Overlaps another job of this engineer">Overlap</span>'
                   if card.overlaps else "")  # fmt: skip
        parts.append(
            f'<article id="job-{job_id}" class="{classes}" data-job="{job_id}"{drag} aria-label="{named}">'
            f'<p class="job-time">{window}{overlap}</p>'
            f'<p class="job-type"><a href="{self.admin_jobs_url}{job_id}/change/">{job_type}</a></p>'
        )
        if client:
            parts.append(f'<p class="job-client">{client}</p>')
        if job.site_name:
            postcode = f", {escape(job.site_postcode)}" if job.site_postcode else ""
            parts.append(f'<p class="job-site">{escape(job.site_name)}{postcode}</p>')
        project = f' <span class="job-project">{escape(job.project_name)}</span>' if job.project_name else ""
        parts.append(f'<p class="job-foot"><span class="job-status">{STATUS_LABELS[job.status]}</span>{project}</p>')
        if card.movable:
            self._quick_form(parts, card, keep, move_url, f"{job_type} for {client}" if client else job_type)
        parts.append("</article>")

    def _quick_form(self, parts: list[str], card: Card, keep: str, move_url: str, named: str) -> None:
        day = f"{card.job.scheduled_date:%Y-%m-%d}"
        engineer = (f'<label>Engineer <select name="engineer"><option value="">{keep}</option>'
                    f"{self.engineer_options}</select></label>") if card.assignable else ""  # fmt: skip
        parts.append(
            f'<details class="job-edit"><summary>Change<span class="visually-hidden">: {named}</span></summary>'
            f'<form method="post" action="{move_url}" class="quick-form">{self.form_head}{engineer}'
            f'<label>Day <input type="date" name="date" value="{day}" required></label>'
            f'<span class="time-pair"><label>From <input type="time" name="start" value="{card.start}"></label>'
            f'<label>To <input type="time" name="end" value="{card.end}"></label></span>'
            '<button type="submit" class="button button-small button-primary">Save</button></form></details>'
        )
