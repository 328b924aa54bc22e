from django.urls import path

from tandem.sales.forecast import views

app_name = "forecast"
urlpatterns = [
    path("forecast/", views.forecast_page, name="forecast"),
    path("quotas/", views.quotas, name="quotas"),
    path("quotas/<int:pk>/", views.quota_change, name="quota_change"),
    path("quotas/<int:pk>/delete/", views.quota_delete, name="quota_delete"),
    path("deals/<int:pk>/forecast-category/", views.deal_category, name="deal_category"),
]
