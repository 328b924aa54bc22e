"""Set-based upsert of contacts and companies: the import's (and later the API's) write path.

One lookup per key for a whole batch, bulk inserts for new records, bulk updates for changed ones, one
timeline entry per touched record. Never the per-row create/update services, which cost ~10 queries a row.

Rules (what a HubSpot user expects of an import):
- A blank cell never clears a value; it means "the file says nothing here".
- The key is matched case-insensitively for email and domain; the stored spelling of the key stays.
- Mode "update" changes every differing field, "fill_empty" only fields that are empty, "skip" leaves
  matched records alone. A matched row that changes nothing counts as skipped.
- Tags are added, never removed. Custom properties are validated by their definitions.
- Contacts are linked to an existing company by domain (as HubSpot does), else by name (case- and
  accent-insensitive, the oldest of that name); a company that does not exist yet is created (once, owned
  by the importing user) when that user may create companies, else the contact is left without one.
- A row that would give a record an address (or external id) another record has fails, as does a row for a
  record the actor may not change, or an owner the actor may not assign. The rest of the batch lands.
- Rows with the same key in one batch are applied in waves, in file order, so the later updates the earlier.
- Two writers inserting the same key: the unique index decides; the batch is retried and becomes updates.
"""

from tandem.contacts.services.bulk.cleaning import address_hashes, fast_normalize_email
from tandem.contacts.services.bulk.restore import restore_records
from tandem.contacts.services.bulk.rows import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    PROPERTY_PREFIX,
    Outcome,
    Problem,
    RowResult,
    UpsertContext,
    context_for,
)
from tandem.contacts.services.bulk.sql import insert_rows
from tandem.contacts.services.bulk.upsert import upsert_companies, upsert_contacts

__all__ = [
    "COMPANY_FIELDS",
    "CONTACT_FIELDS",
    "PROPERTY_PREFIX",
    "Outcome",
    "Problem",
    "RowResult",
    "UpsertContext",
    "address_hashes",
    "context_for",
    "fast_normalize_email",
    "insert_rows",
    "restore_records",
    "upsert_companies",
    "upsert_contacts",
]
