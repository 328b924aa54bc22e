"""Reactions to the deals app's events: a quote's owner and team are its deal's, so they follow it."""

from django.db.models import OuterRef, Q, Subquery

from tandem.sales.deals.models import Deal
from tandem.sales.quotes.models import Quote


def follow_deal_owner(*, deal_id: int | None = None, deal_ids: list[int] | None = None, **_: object) -> None:
    """Set the quotes of the given deals to their deal's current owner and team (read now, so a late
    re-delivery cannot move them back). One UPDATE; quotes already matching are skipped."""
    ids = list(deal_ids or []) + ([deal_id] if deal_id is not None else [])
    if not ids:
        return
    deal = Deal.objects.filter(pk=OuterRef("deal_id"))
    stale = Quote.objects.filter(deal_id__in=ids).exclude(
        Q(owner_id=Subquery(deal.values("owner_id"))) & Q(team_id=Subquery(deal.values("team_id")))
    )
    stale.update(owner_id=Subquery(deal.values("owner_id")), team_id=Subquery(deal.values("team_id")))
