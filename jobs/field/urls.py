"""My day and the engineer's job page (see jobs/field/views.py and docs/jobs.md)."""

from django.urls import path

from jobs.field import views

urlpatterns = [
    path("", views.my_day, name="my-day"),
    path("jobs/<uuid:job_id>/", views.job_page, name="my-day-job"),
    path("jobs/<uuid:job_id>/start/", views.start, name="my-day-start"),
    path("jobs/<uuid:job_id>/complete/", views.complete, name="my-day-complete"),
]
