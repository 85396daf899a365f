"""The dispatch board's pages (see jobs/board/views.py and docs/jobs.md)."""

from django.urls import path

from jobs.board import views

urlpatterns = [
    path("", views.board, name="dispatch-board"),
    path("unscheduled/", views.unscheduled, name="dispatch-board-unscheduled"),
    path("jobs/<uuid:job_id>/move/", views.move, name="dispatch-board-move"),
]
