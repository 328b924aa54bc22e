"""The events the quotes app publishes (payloads are ids only)."""

QUOTE_CREATED = "sales.quote.created"  # quote_id, deal_id
QUOTE_UPDATED = "sales.quote.updated"  # quote_id, fields
QUOTE_DELETED = "sales.quote.deleted"  # quote_id
QUOTE_RESTORED = "sales.quote.restored"  # quote_id
QUOTE_SENT = "sales.quote.sent"  # quote_id, deal_id
QUOTE_ACCEPTED = "sales.quote.accepted"  # quote_id, deal_id
QUOTE_DECLINED = "sales.quote.declined"  # quote_id, deal_id
DEAL_LINES_CHANGED = "sales.deal.lines_changed"  # deal_id
