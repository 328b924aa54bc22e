from django.urls import path

from tandem.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.export_list, name="export_list"),
    path("contacts/new/", views.export_create, {"object_type": "contact"}, name="contact_export_create"),
    path("companies/new/", views.export_create, {"object_type": "company"}, name="company_export_create"),
    path("<int:export_id>/", views.export_detail, name="export_detail"),
    path("<int:export_id>/download/", views.export_download, name="export_download"),
]
