from django.urls import path

from tandem.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_new, name="import_new"),
    path("<int:job_id>/", views.import_detail, name="import_detail"),
    path("<int:job_id>/mapping/", views.import_mapping, name="import_mapping"),
    path("<int:job_id>/dry-run/", views.import_dry_run, name="import_dry_run"),
    path("<int:job_id>/start/", views.import_start, name="import_start"),
    path("<int:job_id>/errors.csv", views.import_errors, name="import_errors"),
    path("<int:job_id>/undo/", views.import_undo, name="import_undo"),
]
