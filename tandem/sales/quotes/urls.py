from django.urls import path

from tandem.core.records.urls import patterns
from tandem.sales.quotes import views
from tandem.sales.quotes.records import QUOTE

app_name = "quotes"
urlpatterns = [
    path("deal-lines/deal/<int:pk>/add/", views.deal_line_add, name="deal_line_add"),
    path("deal-lines/deal/<int:pk>/amount/", views.deal_amount_from_lines, name="deal_amount_from_lines"),
    path("deal-lines/deal/<int:pk>/quote/", views.quote_from_deal, name="quote_from_deal"),
    path("deal-lines/<int:pk>/edit/", views.deal_line_edit, name="deal_line_edit"),
    path("deal-lines/<int:pk>/remove/", views.deal_line_remove, name="deal_line_remove"),
    path("quotes/<int:pk>/pdf/", views.quote_pdf, name="quote_pdf"),
    path("quotes/<int:pk>/share/", views.quote_share, name="quote_share"),
    path("quotes/<int:pk>/lines/add/", views.quote_line_add, name="quote_line_add"),
    path("quote-lines/<int:pk>/edit/", views.quote_line_edit, name="quote_line_edit"),
    path("quote-lines/<int:pk>/remove/", views.quote_line_remove, name="quote_line_remove"),
    *patterns(QUOTE),
]
