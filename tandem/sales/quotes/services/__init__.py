"""The quotes app's writes: a deal's lines, quotes and their lines, sending and the buyer's answer. Every
write checks access, is atomic, and leaves an audit row (and, for sending and answers, timeline entries and
an event)."""

from tandem.sales.quotes.services.lines import (
    add_deal_line,
    add_quote_line,
    remove_deal_line,
    remove_quote_line,
    set_amount_from_lines,
    update_deal_line,
    update_quote_line,
)
from tandem.sales.quotes.services.quotes import (
    StaleRecord,
    allocate_number,
    bulk_update_quotes,
    create_quote,
    delete_quote,
    expire_if_overdue,
    expire_overdue_quotes,
    quote_version,
    restore_quote,
    update_quote,
)
from tandem.sales.quotes.services.responses import accept_quote, decline_quote, share_quote

__all__ = [
    "StaleRecord",
    "accept_quote",
    "add_deal_line",
    "add_quote_line",
    "allocate_number",
    "bulk_update_quotes",
    "create_quote",
    "decline_quote",
    "delete_quote",
    "expire_if_overdue",
    "expire_overdue_quotes",
    "quote_version",
    "remove_deal_line",
    "remove_quote_line",
    "restore_quote",
    "set_amount_from_lines",
    "share_quote",
    "update_deal_line",
    "update_quote",
    "update_quote_line",
]
