"""Set-based upsert of contacts and companies: the import's (and later the API's) write path.

One lookup per key for a whole batch, bulk inserts for new records, bulk updates for changed ones, one
timeline entry per touched record. Never the per-row create/update services, which cost ~10 queries a row.
"""

PROPERTY_PREFIX = "property:"

# The field keys a column may be mapped to (custom properties are "property:<name>").
CONTACT_FIELDS = (
    "email",
    "external_id",
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "company",  # a company's name: linked to the live company of that name (never created by a contact import)
    "company_domain",  # a company's domain: linked to the live company with that domain
    "country",
    "lifecycle_stage",
    "lead_status",
    "owner",  # a user's email address
    "source",
    "source_medium",
    "source_campaign",
    "tags",  # several tags separated by ";"
)
COMPANY_FIELDS = (
    "name",
    "domain",
    "external_id",
    "industry",
    "size",
    "country",
    "phone",
    "owner",
)
