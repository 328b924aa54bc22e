from django.urls import path

from tandem.core.bulkjobs import views

app_name = "bulkjobs"
urlpatterns = [
    path("", views.bulk_job_list, name="bulk_job_list"),
    path("<int:job_id>/", views.bulk_job_detail, name="bulk_job_detail"),
    path("<int:job_id>/cancel/", views.bulk_job_cancel, name="bulk_job_cancel"),
    path("<int:job_id>/run-again/", views.bulk_job_restart, name="bulk_job_restart"),
]
