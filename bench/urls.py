from django.urls import path

from bench import views
from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/raw/contacts/", views.raw_contact_list, name="bench_raw_contact_list"),
    *app_urlpatterns,
]
