"""Merging two contacts (or companies) into one, field by field, and undoing it.

The survivor takes the chosen values and everything that hangs off the other record: its timeline
(Activity rows), stage history, consent history (the newest decision per purpose holds), tags (union), and for
companies its contacts. The other record goes to the trash. A MergeRecord keeps the survivor's columns from
before and the ids of every row moved, so an undo puts both records back as they were.

- `choices`: the fields offered, the default choices, checking and applying a person's choices;
- `rows`: moving related rows (and back) and the row snapshots an undo writes back;
- `merging`: `merge_contacts`, `merge_companies`;
- `undo`: `undo_merge`;
- `dismissals`: `dismiss_duplicate` (not the same person or company).
"""

from tandem.contacts.services.merge.choices import (
    COMPANY_MERGE_FIELDS,
    CONTACT_MERGE_FIELDS,
    OTHER,
    SURVIVOR,
    choice_keys,
    default_choices,
    field_value,
    merge_fields,
)
from tandem.contacts.services.merge.dismissals import dismiss_duplicate
from tandem.contacts.services.merge.merging import merge_companies, merge_contacts
from tandem.contacts.services.merge.rows import CHUNK, row_snapshot
from tandem.contacts.services.merge.undo import undo_merge

__all__ = [
    "CHUNK",
    "COMPANY_MERGE_FIELDS",
    "CONTACT_MERGE_FIELDS",
    "OTHER",
    "SURVIVOR",
    "choice_keys",
    "default_choices",
    "dismiss_duplicate",
    "field_value",
    "merge_companies",
    "merge_contacts",
    "merge_fields",
    "row_snapshot",
    "undo_merge",
]
