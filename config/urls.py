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

# Error pages in the app shell (tandem/core/views.py); CSRF_FAILURE_VIEW in settings is the fourth.
handler403 = "tandem.core.views.permission_denied"
handler404 = "tandem.core.views.page_not_found"
handler500 = "tandem.core.views.server_error"
