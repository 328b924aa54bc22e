from django.urls import path

from tandem.sales.playbooks import views

app_name = "playbooks"

urlpatterns = [
    path("", views.objection_list, name="objection_list"),
    path("objections/new/", views.objection_create, name="objection_create"),
    path("objections/<int:objection_id>/", views.objection_detail, name="objection_detail"),
    path("objections/<int:objection_id>/edit/", views.objection_edit, name="objection_edit"),
    path("objections/<int:objection_id>/delete/", views.objection_delete, name="objection_delete"),
    path("answers/<int:answer_id>/edit/", views.answer_edit, name="answer_edit"),
    path("answers/<int:answer_id>/delete/", views.answer_delete, name="answer_delete"),
    path("answers/<int:answer_id>/move/", views.answer_move, name="answer_move"),
    path("answers/<int:answer_id>/use/", views.answer_use, name="answer_use"),
    path("search/", views.search_page, name="search"),
    path("search/results/", views.search_results, name="search_results"),
    path("battle-cards/", views.battle_card_list, name="battle_card_list"),
    path("battle-cards/new/", views.battle_card_create, name="battle_card_create"),
    path("battle-cards/<int:card_id>/", views.battle_card_detail, name="battle_card_detail"),
    path("battle-cards/<int:card_id>/edit/", views.battle_card_edit, name="battle_card_edit"),
    path("battle-cards/<int:card_id>/delete/", views.battle_card_delete, name="battle_card_delete"),
]
