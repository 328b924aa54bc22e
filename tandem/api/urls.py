"""The API at /api/v1/ (namespace "api-v1", as ninja reverses its own root there) and the pages around it:
the token settings page and the server-rendered API docs (namespace "api")."""

from django.urls import include, path

from tandem.api import views
from tandem.api.v1 import api

pages = [
    path("api/v1/docs", views.api_docs, name="docs"),
    path("settings/api-tokens/", views.token_list, name="token_list"),
    path("settings/api-tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]

urlpatterns = [
    path("", include((pages, "api"))),
    path("api/v1/", api.urls),
]
