"""The public area, mounted at /p/ (config/urls.py). PublicAreaMiddleware keys on that prefix."""

from django.urls import path

from tandem.public import views

app_name = "public"

urlpatterns = [
    path("brand.css", views.brand_stylesheet, name="brand_stylesheet"),
    path("<slug:purpose>/<str:token>/", views.link, name="link"),
    path("", views.not_found),
    path("<path:rest>", views.not_found, name="not_found"),
]
