from django.urls import path

from tandem.core.records.urls import patterns
from tandem.sales.deals import views
from tandem.sales.deals.records import DEAL

app_name = "deals"
urlpatterns = [
    # Fixed paths first: "deals/board/" must not be read as a record id.
    path("deals/board/", views.deal_board, name="deal_board"),
    path("deals/board/move/", views.deal_board_move, name="deal_board_move"),
    path("deals/no-next-step/", views.no_next_step, name="deal_no_next_step"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:pk>/close/", views.deal_close, name="deal_close"),
    path("deals/loss-reasons/", views.loss_reasons, name="loss_reasons"),
    path("pipelines/", views.pipeline_settings, name="pipeline_settings"),
    path("pipelines/new/", views.pipeline_edit, name="pipeline_create"),
    path("pipelines/<int:pk>/", views.pipeline_edit, name="pipeline_edit"),
    path("pipelines/<int:pk>/action/", views.pipeline_action, name="pipeline_action"),
    path("qualification/<slug:kind>/<int:pk>/", views.qualification, name="qualification"),
    *patterns(DEAL),
]
