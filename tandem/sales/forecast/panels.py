"""The forecast category on a deal's page: the rep's call, changed in one click (the deals app's page knows
nothing of this panel; it is registered on the "deal" record type from ForecastConfig.ready)."""

from django.urls import reverse

from tandem.core import access
from tandem.core.access import Verb
from tandem.sales.deals.models import ForecastCategory, StageKind
from tandem.sales.deals.services import deal_version

HINTS = {
    ForecastCategory.COMMIT: "Will close this period",
    ForecastCategory.BEST_CASE: "Could close with luck",
    ForecastCategory.PIPELINE: "Real, not yet likely",
    ForecastCategory.OMITTED: "Left out of the forecast",
}


def deal_category(request, deal) -> dict:
    return {
        "deal": deal,
        "is_open": deal.status == StageKind.OPEN,
        "categories": [(value, label, HINTS[value]) for value, label in ForecastCategory.choices],
        "may_change": access.can(request.user, Verb.CHANGE, deal),
        "action": reverse("forecast:deal_category", args=[deal.pk]),
        "version": deal_version(deal),
    }
