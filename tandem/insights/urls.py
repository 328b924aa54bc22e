from django.urls import path
from django.views.generic import RedirectView

from tandem.insights import views

app_name = "insights"
urlpatterns = [
    # The dashboard is Home at "/" (insights/apps.py registers it); old links to /insights/ land there.
    path("", RedirectView.as_view(pattern_name="core:home", query_string=True), name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
]
