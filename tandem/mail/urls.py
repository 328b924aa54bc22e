"""The mail app's pages. Each area of the app adds its paths here."""

from tandem.mail.views import inbound

app_name = "mail"

urlpatterns: list = [
    *inbound.urlpatterns,
]
