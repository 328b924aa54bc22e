"""The mail app's pages. Each area of the app adds its paths here."""

app_name = "mail"

urlpatterns: list = []
