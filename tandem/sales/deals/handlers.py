"""The deals app's part in the engagements app's work (engagements sits below the hubs and never imports
them): who a deal's timeline entries land on, and a deal's next step kept on its earliest open task."""

from tandem.engagements import selectors as engagement_selectors
from tandem.sales.deals.models import Deal, DealContact


def timeline_people(deal_id: int) -> tuple[int | None, list[int]]:
    """The company and contacts whose timelines show an entry about the deal (a call logged on it), as the
    deal's own entries do (record_deal_activity). Registered with core.records.registry from ready()."""
    company_id = Deal.objects.filter(pk=deal_id).values_list("company_id", flat=True).first()
    contact_ids = list(
        DealContact.objects.filter(deal_id=deal_id)
        .order_by("-is_primary", "contact_id")
        .values_list("contact_id", flat=True)
    )
    return company_id, contact_ids


def sync_next_step(*, subject_type: str = "", subject_id: int | None = None, **_: object) -> None:
    """On `engagements.task.changed`: the deal's next step and its date become its earliest open task's title
    and due date, or empty when it has none. Read from the tasks as they are now, not from the payload, so a
    re-delivered or late event writes the same thing (or nothing: update_deal writes only what differs)."""
    if subject_type != "deal" or not subject_id:
        return
    from tandem.sales.deals.services import update_deal

    deal = Deal.objects.filter(pk=subject_id, deleted_at__isnull=True).first()
    if deal is None:
        return
    task = engagement_selectors.earliest_open_task("deal", deal.pk)
    step = task.title[: Deal._meta.get_field("next_step").max_length] if task else ""
    values = {"next_step": step, "next_step_date": task.due_date if task else None}
    if (deal.next_step, deal.next_step_date) != (values["next_step"], values["next_step_date"]):
        update_deal(actor=None, deal=deal, values=values)
