from django.conf import settings
from django.urls import include, path, re_path

from tandem.core.views import page_not_found

# Admins manage each person's address (Settings → Users) and Tandem does not verify addresses: allauth's
# email management and verification pages would offer both. They answer 404 (their names still reverse).
hidden_account_pages = (
    [
        path("accounts/email/", page_not_found, name="hidden_account_email"),
        re_path(r"^accounts/confirm-email/", page_not_found, name="hidden_account_confirm_email"),
    ]
    if settings.ACCOUNT_EMAIL_VERIFICATION == "none"
    else []
)

urlpatterns = [
    *hidden_account_pages,
    path("accounts/", include("allauth.urls")),
    path("", include("tandem.core.urls")),
    path("", include("tandem.contacts.urls")),
    path("insights/", include("tandem.insights.urls")),
    path("imports/", include("tandem.imports.urls")),
    path("exports/", include("tandem.exports.urls")),
    path("bulk-jobs/", include("tandem.core.bulkjobs.urls")),
    path("mail/", include("tandem.mail.urls")),
    path("sales/", include("tandem.sales.deals.urls")),
    path("", include("tandem.engagements.urls")),  # /tasks/, /activities/log/
    path("brand/", include("tandem.brand.urls")),
    path("notifications/", include("tandem.notifications.urls")),
    # The public area: signed links for people outside the app, no session (tandem/public).
    path("p/", include("tandem.public.urls")),
    path("sales/", include("tandem.sales.catalog.urls")),
    path("sales/", include("tandem.sales.quotes.urls")),
    path("sales/playbooks/", include("tandem.sales.playbooks.urls")),
    path("sales/", include("tandem.sales.forecast.urls")),
    path("", include("tandem.api.urls")),  # /api/v1/ and /settings/api-tokens/
]

# Error pages in the app shell (tandem/core/views.py); CSRF_FAILURE_VIEW in settings is the fourth.
handler403 = "tandem.core.views.permission_denied"
handler404 = "tandem.core.views.page_not_found"
handler500 = "tandem.core.views.server_error"
