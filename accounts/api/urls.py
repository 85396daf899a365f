from django.urls import URLPattern, URLResolver, path

from accounts.api.views import TeamView

urlpatterns: list[URLPattern | URLResolver] = [
    path("team", TeamView.as_view(), name="team"),
]
