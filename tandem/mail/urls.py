"""The mail app's pages. Each area of the app adds its paths here."""

from tandem.mail.views import compose

app_name = "mail"

urlpatterns: list = [*compose.urlpatterns]
