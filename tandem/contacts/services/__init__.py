"""Every write a user would notice on the spine. Views, the API, tasks and imports all call these."""

from tandem.contacts.services.companies import (
    advance_company_lifecycle,
    bulk_update_companies,
    create_company,
    delete_company,
    restore_company,
    update_company,
)
from tandem.contacts.services.consent import fill_missing_address_hashes, record_consent, suppress_address
from tandem.contacts.services.contacts import (
    bulk_update_contacts,
    create_contact,
    delete_contact,
    restore_contact,
    update_contact,
)
from tandem.contacts.services.properties import create_property, delete_property, update_property
from tandem.contacts.services.timeline import add_note, record_activity
from tandem.contacts.services.trash import purge_trash
from tandem.contacts.services.writes import StaleRecord, record_version

__all__ = [
    "StaleRecord",
    "add_note",
    "advance_company_lifecycle",
    "bulk_update_companies",
    "bulk_update_contacts",
    "create_company",
    "create_contact",
    "create_property",
    "delete_company",
    "delete_contact",
    "delete_property",
    "fill_missing_address_hashes",
    "purge_trash",
    "record_activity",
    "record_consent",
    "record_version",
    "restore_company",
    "restore_contact",
    "suppress_address",
    "update_company",
    "update_contact",
    "update_property",
]
