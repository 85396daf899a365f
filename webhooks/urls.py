"""Settings > Developer > Webhooks (browser pages; the API is under /v1/webhooks)."""

from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.webhook_list, name="settings-webhooks"),
    path("<uuid:endpoint_id>/", views.webhook_detail, name="settings-webhook"),
    path("<uuid:endpoint_id>/<str:verb>/", views.webhook_action, name="settings-webhook-action"),
    path("deliveries/<uuid:delivery_id>/redeliver/", views.redeliver_view, name="settings-webhook-redeliver"),
]
