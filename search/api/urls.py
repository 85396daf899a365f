from django.urls import URLPattern, URLResolver, path

from search.api.views import SearchView

urlpatterns: list[URLPattern | URLResolver] = [
    path("search", SearchView.as_view(), name="search"),
]
