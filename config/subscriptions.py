"""Every flow between apps, in one place: event name -> handlers (dotted paths), run by the outbox worker.

Services publish events inside their transaction (tandem.core.events.publish); the worker claims each
outbox row and calls the handlers listed here. Handlers take the payload (ids) and must tolerate
re-delivery.
"""

SUBSCRIPTIONS: dict[str, list[str]] = {
    # Later issues subscribe here, e.g. "contacts.contact.stage_changed": ["tandem.automation.handlers..."].
    # What the spine publishes, with each payload, is listed in tandem/contacts/events.py. A failed handler
    # is retried with backoff (tandem.core.events), so handlers must tolerate re-delivery.
    # The team follows the owner: a user's records move with them to their new team.
    "core.user.team_changed": ["tandem.contacts.handlers.move_owned_records_to_team"],
    # A quote's owner and team are its deal's (tandem/sales/quotes): they follow a reassigned deal.
    "sales.deal.updated": ["tandem.sales.quotes.handlers.follow_deal_owner"],
    "sales.deal.bulk_updated": ["tandem.sales.quotes.handlers.follow_deal_owner"],
    # A deal's next step is its earliest open task: re-read whenever a task about it changes.
    "engagements.task.changed": ["tandem.sales.deals.handlers.sync_next_step"],
}
