"""The events the deals app publishes (payloads are ids only)."""

DEAL_CREATED = "sales.deal.created"  # deal_id
DEAL_UPDATED = "sales.deal.updated"  # deal_id, fields
DEAL_DELETED = "sales.deal.deleted"  # deal_id
DEAL_RESTORED = "sales.deal.restored"  # deal_id
# deal_id, from_stage_id, to_stage_id, stage_change_id, status
DEAL_STAGE_CHANGED = "sales.deal.stage_changed"
DEAL_BULK_UPDATED = "sales.deal.bulk_updated"  # deal_ids, action
