from django.urls import path

from bench import views
from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/raw/contacts/", views.raw_contact_list, name="bench_raw_contact_list"),
    path("bench/raw/deals/board/", views.raw_deal_board, name="bench_raw_deal_board"),
    *app_urlpatterns,
]
