"""The brand app's pages. Each area of the app adds its paths here."""

app_name = "brand"

urlpatterns: list = []
