"""The events the spine publishes, by name, with their payloads (ids and small values, never objects).

Services publish them inside their transaction through tandem.core.events; handlers subscribe to them in
config/subscriptions.py. A hub reacts to these names and never imports the spine's services to find out.

contacts.contact.created         contact_id
contacts.contact.updated         contact_id, fields (names of what changed)
contacts.contact.deleted         contact_id (moved to the trash)
contacts.contact.restored        contact_id
contacts.contact.bulk_updated    contact_ids, action
contacts.contact.stage_changed   contact_id, from_stage, to_stage, stage_change_id (None when an undo took
                                 the stage move back), cause_type ("user", "api", "bulk", "import",
                                 "merge", "merge_undone", ...), cause_id. One event per contact on every
                                 path that changes a stage: single update, bulk set stage, import, merge,
                                 merge undo.
contacts.contact.merged          merge_id, survivor_id, other_id: rows pointing at other_id follow to
                                 survivor_id
contacts.contact.merge_undone    merge_id, survivor_id, other_id: other_id is live again; rows that
                                 followed the merge may go back
contacts.contact.imported        ids, source_type, source_id (published by the import, services/bulk.py)
contacts.company.created / updated / deleted / restored / bulk_updated   company_id (company_ids, action)
contacts.company.stage_changed   company_id, from_stage, to_stage, cause_type ("user", "api", "deal"),
                                 cause_id: a person's edit or a won deal moving the company forward
contacts.company.merged / merge_undone   merge_id, survivor_id, other_id
contacts.consent.changed         contact_id, consent_id, purpose, status
contacts.suppression.added       suppression_id, reason, contact_ids (live contacts with the address)
contacts.note.added              activity_id
"""

from typing import Any

CONTACT_CREATED = "contacts.contact.created"
CONTACT_UPDATED = "contacts.contact.updated"
CONTACT_DELETED = "contacts.contact.deleted"
CONTACT_RESTORED = "contacts.contact.restored"
CONTACT_BULK_UPDATED = "contacts.contact.bulk_updated"
CONTACT_STAGE_CHANGED = "contacts.contact.stage_changed"
CONTACT_IMPORTED = "contacts.contact.imported"
CONTACT_MERGED = "contacts.contact.merged"
CONTACT_MERGE_UNDONE = "contacts.contact.merge_undone"
COMPANY_CREATED = "contacts.company.created"
COMPANY_UPDATED = "contacts.company.updated"
COMPANY_DELETED = "contacts.company.deleted"
COMPANY_RESTORED = "contacts.company.restored"
COMPANY_BULK_UPDATED = "contacts.company.bulk_updated"
COMPANY_STAGE_CHANGED = "contacts.company.stage_changed"
COMPANY_IMPORTED = "contacts.company.imported"
COMPANY_MERGED = "contacts.company.merged"
COMPANY_MERGE_UNDONE = "contacts.company.merge_undone"
CONSENT_CHANGED = "contacts.consent.changed"
SUPPRESSION_ADDED = "contacts.suppression.added"
NOTE_ADDED = "contacts.note.added"

MERGED = {"contact": CONTACT_MERGED, "company": COMPANY_MERGED}
MERGE_UNDONE = {"contact": CONTACT_MERGE_UNDONE, "company": COMPANY_MERGE_UNDONE}


def stage_changed_payload(
    *,
    contact_id: int,
    from_stage: str,
    to_stage: str,
    stage_change_id: int | None,
    cause_type: str,
    cause_id: int | None = None,
) -> dict[str, Any]:
    """The payload of contacts.contact.stage_changed, the same from every path that moves a stage."""
    return {
        "contact_id": contact_id,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "stage_change_id": stage_change_id,
        "cause_type": cause_type,
        "cause_id": cause_id,
    }
