from django.urls import path

from bench.views import CarefulJobList, NaiveJobViewSet
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/naive/jobs", NaiveJobViewSet.as_view({"get": "list"})),
    path("bench/careful/jobs", CarefulJobList.as_view()),
    *product_urlpatterns,
]
