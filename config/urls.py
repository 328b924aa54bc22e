from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("", include("tandem.core.urls")),
    path("", include("tandem.contacts.urls")),
    path("insights/", include("tandem.insights.urls")),
    path("imports/", include("tandem.imports.urls")),
    path("exports/", include("tandem.exports.urls")),
    path("", include("tandem.api.urls")),  # /api/v1/ and /settings/api-tokens/
]
