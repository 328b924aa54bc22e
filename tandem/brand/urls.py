"""The brand app's pages: the settings page and its parts, and the public logo."""

from django.urls import path

from tandem.brand import views

app_name = "brand"

urlpatterns = [
    path("", views.brand_kit, name="brand_kit"),
    path("logo/", views.logo_upload, name="logo_upload"),
    path("logo/remove/", views.logo_remove, name="logo_remove"),
    path("logo/<str:content_hash>.png", views.logo, name="logo"),
    path("preview/", views.email_preview, name="email_preview"),
    path("preview/panel/", views.preview_panel, name="preview_panel"),
]
