from django.urls import path

from tandem.core.records.urls import patterns
from tandem.sales.deals import views
from tandem.sales.deals.records import DEAL

app_name = "deals"
urlpatterns = [
    # Fixed paths first: "deals/board/" must not be read as a record id.
    path("deals/board/", views.deal_board, name="deal_board"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:pk>/close/", views.deal_close, name="deal_close"),
    path("deals/loss-reasons/", views.loss_reasons, name="loss_reasons"),
    path("qualification/<slug:kind>/<int:pk>/", views.qualification, name="qualification"),
    *patterns(DEAL),
]
