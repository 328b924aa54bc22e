from django.urls import path

from tandem.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("settings/users/", views.user_list, name="user_list"),
    path("settings/users/new/", views.user_create, name="user_create"),
    path("settings/users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("settings/users/<int:user_id>/active/", views.user_set_active, name="user_set_active"),
    path("settings/teams/", views.team_list, name="team_list"),
    path("settings/teams/<int:team_id>/rename/", views.team_rename, name="team_rename"),
    path("settings/audit/", views.audit_log, name="audit_log"),
]
