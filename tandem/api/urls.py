"""The API at /api/v1/ (namespace "api-v1", as ninja reverses its own root there) and the pages around it:
the token settings page and the server-rendered API docs (namespace "api").

Every path under /api/ answers in the API's one error format: ninja's own views are wrapped (405 and the
rate-limit headers, tandem.api.v1.transport), and the last pattern catches any path no operation answers."""

from django.urls import include, path, re_path

from tandem.api import views
from tandem.api.v1 import api, transport

pages = [
    path("api/v1/docs", views.api_docs, name="docs"),
    path("settings/api-tokens/", views.token_list, name="token_list"),
    path("settings/api-tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]

api_patterns, api_app_name, api_namespace = api.urls

urlpatterns = [
    path("", include((pages, "api"))),
    path("api/v1/", include((transport.wrap_patterns(api_patterns), api_app_name), namespace=api_namespace)),
    re_path(r"^api/(?P<path>.*)$", transport.not_found, name="api_not_found"),
]
