"""The deals app's writes: deals (create, update, trash, restore, bulk), stage moves and closing, and the
admin's loss reasons. Every write checks access, is atomic, and leaves an audit row, timeline entries on the
deal's company and contacts, and an event."""

from tandem.sales.deals.services.deals import (
    StaleRecord,
    bulk_update_deals,
    create_deal,
    deal_version,
    delete_deal,
    restore_deal,
    update_deal,
)
from tandem.sales.deals.services.moves import close_deal, move_deal
from tandem.sales.deals.services.qualification import save_qualification
from tandem.sales.deals.services.reasons import save_loss_reasons

__all__ = [
    "StaleRecord",
    "bulk_update_deals",
    "close_deal",
    "create_deal",
    "deal_version",
    "delete_deal",
    "move_deal",
    "restore_deal",
    "save_loss_reasons",
    "save_qualification",
    "update_deal",
]
