"""The board's rows and its Unscheduled tray as HTML, built in Python: 500 cards took ~1.7 s through the
template engine (a variable lookup and an autoescape per field of every card) and take a few
milliseconds here. Every value from the database goes through `escape` (templates/jobs/board.html
holds the page around it). A card carries no form: its link opens the job's own page
(`GET /board/jobs/{id}/move/`, the job's essentials and the move form), so the page's size is the
cards' and not 500 copies of the engineer list."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from jobs.board.grid import Card, Row, Tray, Week
from jobs.models import JobStatus

STATUS_LABELS = {status.value: escape(str(status.label)) for status in JobStatus}


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


class RowsHtml:
    """The `<tbody>` rows of one week and the tray, for one page (the board query its links carry)."""

    def __init__(self, *, board_url: str, query: str):
        self.board_url = board_url
        # The week and filters, carried to each job's page so that it comes back to them.
        self.query = _attr(f"?{query}") if query else ""

    def week(self, week: Week) -> SafeString:
        days = [(f"{day:%Y-%m-%d}", f"{day:%a} {day.day} {day:%b}") for day in week.days]
        parts: list[str] = []
        for row in week.rows:
            self._row(parts, row, days)
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def tray(self, tray: Tray) -> SafeString:
        parts: list[str] = []
        for card in tray.cards:
            self._card(parts, card)
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
        for cell, (iso, label) in zip(row.cells, days, strict=True):
            classes = "board-cell" + (" is-today" if cell.is_today else "") + ("" if cell.cards else " is-empty")
            today = " · today" if cell.is_today else ""
            parts.append(f'<td class="{classes}" data-engineer="{_attr(row.key)}" data-date="{iso}" '
                         f'data-day-label="{label}{today}">')  # fmt: skip
            for card in cell.cards:
                self._card(parts, card)
            parts.append("</td>")
        parts.append("</tr>")

    def _card(self, parts: list[str], card: Card) -> None:
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
            f'<p class="job-type"><a href="{move_url}{self.query}">{job_type}</a></p>'
        )
        if client:
            parts.append(f'<p class="job-client">{client}</p>')
        if job.site_name:
            postcode = f", {escape(job.site_postcode)}" if job.site_postcode else ""
            parts.append(f'<p class="job-site">{escape(job.site_name)}{postcode}</p>')
        if job.scheduled_date is None and job.assigned_to_id:  # in the tray: whose it is already
            parts.append(f'<p class="job-assignee">{escape(job.assignee)}</p>')
        project = f' <span class="job-project">{escape(job.project_name)}</span>' if job.project_name else ""
        parts.append(f'<p class="job-foot"><span class="job-status">{STATUS_LABELS[job.status]}</span>{project}</p>')
        parts.append("</article>")
