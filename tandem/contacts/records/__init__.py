"""Contacts and companies as record types: two declarations, plus what is really theirs (the contact's
company picker, consent and stage panels, the company's contacts panel). Registered by ContactsConfig.ready.
"""

from tandem.contacts import selectors, services
from tandem.contacts.models import Company, CompanySize, Contact, LeadStatus, LifecycleStage
from tandem.contacts.records import panels
from tandem.contacts.records.display import phone_label, stage_label
from tandem.contacts.records.properties import PropertySupport
from tandem.contacts.records.timeline import TimelineSupport
from tandem.contacts.services.contacts import BulkAction as ContactBulk
from tandem.core.records import registry
from tandem.core.records.fields import Cell, Field, detail_url
from tandem.core.records.registry import (
    BulkAction,
    Filter,
    RecordApi,
    RecordType,
    Selectors,
    Services,
    Sort,
)

# --- how values are shown (each reads only what the list selector already loaded) ------------------


def _owner(record) -> Cell:
    return Cell(record.owner.display_name if record.owner_id else "Unowned")


def _team(record) -> Cell:
    return Cell(record.team.name if record.team_id and record.team else "")


def _country(record) -> Cell:
    return Cell(record.country.name if record.country else "")


def _created(record) -> Cell:
    return Cell(when=record.created_at)


def _updated(record) -> Cell:
    return Cell(when=record.updated_at)


def _stage(contact) -> Cell:
    return Cell(stage_label(contact.lifecycle_stage), badge=f"stage-{contact.lifecycle_stage}")


def _company(contact) -> Cell:
    company = contact.company if contact.company_id else None
    if company is None:
        return Cell()
    url = "" if company.deleted_at else detail_url("contacts:company_detail", company.pk)
    return Cell(company.name, url=url)


def _tags(contact) -> Cell:
    return Cell(", ".join(tag.name for tag in contact.tags.all()))


def _score(contact) -> Cell:
    return Cell(str(contact.score), numeric=True)


def _email(contact) -> Cell:
    return Cell(contact.email or "", link="mailto")


def _phone(record) -> Cell:
    return Cell(phone_label(record.phone or ""), link="tel", target=record.phone or "")


def _split_tags(raw) -> list[str]:
    return [name.strip() for name in (raw or "").split(",") if name.strip()]


def _tag_names(contact) -> str:
    return ", ".join(tag.name for tag in contact.tags.all())


def _company_names(user, ids: list[int]) -> dict[int, str]:
    return dict(selectors.visible_companies(user).filter(pk__in=ids).values_list("pk", "name"))


def _contact_filters(company_ids=(), **attributes) -> selectors.ContactFilters:
    return selectors.ContactFilters(company_id=company_ids[0] if company_ids else None, **attributes)


def _initials(contact) -> str:
    letters = (contact.first_name[:1] + contact.last_name[:1]) or (contact.email or "?")[:2]
    return letters.upper()


# Headers other products write for a field, best match first (the import mapping compares them after
# normalising case and punctuation, so "Country/Region" is "country region"): HubSpot, Mailchimp, Salesforce.


def _owner_field(section: str, aliases: tuple[str, ...]) -> Field:
    return Field(
        "owner",
        "Owner",
        widget="owner",
        display=_owner,
        section=section,
        api_type="integer",
        import_aliases=aliases,
        import_label="Owner (by email)",
        export_label="Owner email",
        export_source="owner__email",
    )


def _external_id_field(*aliases: str) -> Field:
    # The record's id in the system it came from; shown nowhere but exports (right after our own id) and
    # used by imports to match rows. Not audited: only imports set it.
    return Field(
        "external_id",
        "External ID",
        column=False,
        fact=False,
        audited=False,
        import_aliases=("external id", "record id", *aliases, "id", "hubspot id", "crm id"),
    )


def _first_touch(key: str, label: str, import_aliases: tuple[str, ...] = (), *, wide: bool = False) -> Field:
    """A first-touch detail. The form and the record page show it under "First touch" as "Medium"; the
    import menu and the export header, with no group around them, say "Source medium"."""
    qualified = f"Source {label.lower()}"
    return Field(
        key,
        label,
        section="first_touch",
        fact_group="first_touch",
        column=False,
        wide=wide,
        import_aliases=import_aliases,
        import_label=qualified,
        export_label=qualified,
    )


TEAM = Field(
    "team",
    "Team",
    display=_team,
    prefetch="team",
    audited=True,
    export=True,
    api_type="integer",
    export_source="team__name",
)
CREATED = Field(
    "created",
    "Created",
    name="created_at",
    display=_created,
    sort="newest",
    audited=False,
    export_label="Created at",
)
UPDATED = Field(
    "updated",
    "Updated",
    name="updated_at",
    display=_updated,
    sort="updated",
    audited=False,
    export_label="Updated at",
)
# The API's old names for the owner and team filters (the list page's are owner and team).
DEPRECATED_PARAMETERS = {"owner_id": "owner", "team_id": "team"}
EXTERNAL_ID = (
    "external_id",
    "The record's id in the system it was imported from (set by imports matched by external_id); read-only.",
)


def _cursor_order(key: str, order):
    """The keyset a sort's cursor holds: Best match pages by (group score, id) while searching (without a
    search it is newest first, and the API asks for that sort instead)."""
    return selectors.RELEVANCE_KEY if key == selectors.RELEVANCE else order


CREATED_RANGE = [
    Filter("created_from", "Created from", "date", "created_from", bound="from"),
    Filter("created_to", "Created to", "date", "created_to", bound="to"),
]

CONTACT_FIELDS = [
    _external_id_field("contact id", "lead id"),
    Field(
        "first_name",
        "First name",
        section="person",
        column=False,
        fact=False,
        autocomplete_off=True,
        import_aliases=("first name", "firstname", "given name", "fname", "forename"),
    ),
    Field(
        "last_name",
        "Last name",
        section="person",
        column=False,
        fact=False,
        autocomplete_off=True,
        import_aliases=("last name", "lastname", "surname", "family name", "lname"),
    ),
    Field(
        "email",
        "Email",
        section="person",
        widget="email",
        display=_email,
        autocomplete_off=True,
        import_aliases=(
            "email",
            "email address",
            "e mail",
            "e mail address",
            "work email",
            "mail",
            "email 1",
        ),
    ),
    Field(
        "phone",
        "Phone",
        section="person",
        widget="tel",
        display=_phone,
        help="Any format; stored as +CountryCode… (read in the contact's country).",
        autocomplete_off=True,
        import_aliases=(
            "phone",
            "phone number",
            "telephone",
            "telephone number",
            "tel",
            "work phone",
            "business phone",
            "mobile",
            "mobile phone",
            "mobile phone number",
            "mobile number",
        ),
    ),
    Field(
        "job_title",
        "Job title",
        section="person",
        import_aliases=("job title", "title", "position", "job position", "jobtitle"),
    ),
    Field(
        "company",
        "Company",
        section="person",
        display=_company,
        form_field=panels.company_form_field,
        form_template="contacts/_company_field.html",
        initial_from=lambda contact: str(contact.company_id or ""),
        help="The list shows the first 200 by name; type in the search box to find others.",
        api_type="integer",
        import_aliases=(
            "company",
            "company name",
            "account name",
            "account",
            "organization",
            "organisation",
            "organization name",
            "associated company",
            "employer",
        ),
        import_label="Company (by name)",
        export_source="company__name",
    ),
    Field(
        "country",
        "Country",
        section="person",
        widget="country",
        display=_country,
        # Mailchimp writes the country code as CC.
        import_aliases=(
            "country",
            "country region",
            "mailing country",
            "country code",
            "billing country",
            "nation",
            "cc",
        ),
    ),
    Field(
        "stage",
        "Lifecycle stage",
        name="lifecycle_stage",
        section="lifecycle",
        widget="select",
        choices=tuple(LifecycleStage.choices),
        display=_stage,
        column_label="Stage",
        initial=LifecycleStage.LEAD,
        import_aliases=("lifecycle stage", "lifecyclestage", "stage", "lifecycle"),
    ),
    Field(
        "lead_status",
        "Lead status",
        section="lifecycle",
        widget="select",
        choices=tuple(LeadStatus.choices),
        import_aliases=("lead status", "hs lead status", "status"),
    ),
    _owner_field(
        "lifecycle",
        (
            "owner",
            "contact owner",
            "owner email",
            "contact owner email",
            "lead owner",
            "contact owner name",
            "hubspot owner",
            "assigned to",
        ),
    ),
    TEAM,
    Field(
        "tags",
        "Tags",
        section="lifecycle",
        display=_tags,
        prefetch="tags",
        help="Separate tags with commas.",
        to_service=_split_tags,
        service_argument="tags",
        initial_from=_tag_names,
        import_aliases=("tags", "tag", "labels"),
        import_label="Tags (separated by ; or ,)",
        api_type="array",
        api_value=lambda contact: sorted(tag.name for tag in contact.tags.all()),
    ),
    Field("score", "Score", display=_score, sort="score", numeric=True, audited=False, api_type="integer"),
    Field(
        "source",
        "Source",
        section="first_touch",
        fact_group="first_touch",
        import_aliases=("source", "original source", "lead source", "utm source", "original source type"),
    ),
    _first_touch(
        "source_medium", "Medium", ("source medium", "medium", "utm medium", "original source drill down 1")
    ),
    _first_touch(
        "source_campaign",
        "Campaign",
        ("source campaign", "campaign", "utm campaign", "original source drill down 2"),
    ),
    _first_touch("source_referrer", "Referrer"),
    _first_touch("source_landing_page", "Landing page", wide=True),
    CREATED,
    UPDATED,
]

# What a contact import fills beyond the contact's own fields: the company found by its domain, and the
# marketing-email consent evidence (Mailchimp's OPTIN_TIME, CONFIRM_TIME, CONFIRM_IP / OPTIN_IP).
CONTACT_IMPORT_ONLY_FIELDS = [
    Field(
        "company_domain",
        "Company domain",
        import_aliases=(
            "company domain",
            "company domain name",
            "company website",
            "website",
            "website url",
            "domain",
        ),
    ),
    Field(
        "marketing_consent_at",
        "Marketing email consent: given at",
        import_aliases=("optin time", "opt in time", "opt in date", "consent date", "subscribed at"),
    ),
    Field(
        "marketing_consent_confirmed_at",
        "Marketing email consent: confirmed at",
        import_aliases=("confirm time", "confirmed at", "confirmation time"),
    ),
    Field(
        "marketing_consent_ip",
        "Marketing email consent: IP address",
        import_aliases=("confirm ip", "optin ip", "opt in ip"),
    ),
]

CONTACT = RecordType(
    object_type="contact",
    model=Contact,
    namespace="contacts",
    url_prefix="contacts",
    verbose_name="contact",
    verbose_name_plural="contacts",
    fields=CONTACT_FIELDS,
    filters_factory=_contact_filters,
    filters=[
        Filter(
            "q",
            "Search",
            "search",
            "search",
            help="Any part of a word of the name, email, phone, job title or company.",
        ),
        Filter(
            "stage",
            "Stage",
            "choice",
            "stages",
            choices=tuple(LifecycleStage.choices),
            noun="lifecycle stage",
        ),
        Filter("owner", "Owner", "owner", "owner_ids", unowned_attribute="unowned"),
        Filter("team", "Team", "team", "team_ids"),
        Filter("country", "Country", "country", "countries"),
        Filter("tag", "Tag", "text", "tag", max_length=60),
        Filter("company", "Company", "ids", "company_ids", in_panel=False, describe=_company_names),
        *CREATED_RANGE,
    ],
    sorts=[
        Sort(key, label, _cursor_order(key, order), needs_search=key == selectors.RELEVANCE)
        for key, (label, order) in selectors.CONTACT_SORTS.items()
    ],
    default_columns=["email", "company", "stage", "owner", "created"],
    selectors=Selectors(
        list=selectors.contact_list,
        detail=selectors.contact_detail,
        filtered=lambda user, filters: selectors.filter_contacts(selectors.visible_contacts(user), filters),
        trash=lambda user, cursor=None: selectors.trash(user, Contact, cursor=cursor),
        editable=lambda queryset: queryset.select_related("owner", "company").prefetch_related("tags"),
        page=selectors.contact_page,
    ),
    services=Services(
        create=services.create_contact,
        update=services.update_contact,
        delete=services.delete_contact,
        restore=services.restore_contact,
        bulk=services.bulk_update_contacts,
        record_argument="contact",
        ids_argument="contact_ids",
        version=services.record_version,
        stale_error=services.StaleRecord,
        # Cleaned by the services themselves, under the row lock (a change merges into the locked row).
        cleans_properties=True,
    ),
    bulk_actions=[
        BulkAction(ContactBulk.ASSIGN_OWNER, "Assign owner", "owner", "owner", "New owner"),
        BulkAction(
            ContactBulk.SET_STAGE, "Set stage", "choice", "stage", "New stage", tuple(LifecycleStage.choices)
        ),
        BulkAction(ContactBulk.ADD_TAG, "Add tag", "text", "tag", "Tag to add"),
        BulkAction(ContactBulk.REMOVE_TAG, "Remove tag", "text", "tag", "Tag to remove"),
        BulkAction(ContactBulk.DELETE, "Move to trash", destructive=True),
    ],
    title=lambda contact: contact.display_name,
    subtitle=lambda contact: contact.job_title,
    trash_subtitle=lambda contact: contact.email if contact.email and contact.full_name else "",
    initials=_initials,
    search_placeholder="Name, email, phone, job title or company",
    empty_text="Contacts are the people you market to, sell to and help. Add the first one, or import a list.",
    properties_field="properties",
    import_only_fields=CONTACT_IMPORT_ONLY_FIELDS,
    timeline=TimelineSupport("contact"),
    templates={"detail_header": "contacts/_contact_header.html"},
    list_links=[("Duplicates", "contacts:contact_duplicates")],
    import_url="imports:import_new",
    export_url="exports:contact_export_create",
    form_sections=[
        ("person", "Person"),
        ("lifecycle", "Lifecycle and ownership"),
        ("first_touch", "First touch"),
    ],
    fact_groups=[("about", "About"), ("first_touch", "First touch")],
    api=RecordApi(
        read_only=(EXTERNAL_ID,),
        service_arguments={"cause_type": "api"},  # stage changes made through the API say so
        deprecated_parameters=DEPRECATED_PARAMETERS,
    ),
)

COMPANY_FIELDS = [
    _external_id_field("company id", "account id"),
    Field(
        "name",
        "Name",
        section="company",
        column=False,
        fact=False,
        import_aliases=(
            "name",
            "company name",
            "company",
            "account name",
            "organization",
            "organisation",
            "organization name",
        ),
    ),
    Field(
        "domain",
        "Domain",
        section="company",
        help="e.g. example.com (a pasted web address is fine).",
        autocomplete_off=True,
        import_aliases=(
            "domain",
            "company domain name",
            "company domain",
            "website",
            "website url",
            "web site",
            "url",
        ),
    ),
    Field("industry", "Industry", section="company", import_aliases=("industry", "sector")),
    Field(
        "size",
        "Size",
        section="company",
        widget="select",
        choices=tuple(CompanySize.choices),
        import_aliases=(
            "size",
            "company size",
            "number of employees",
            "employees",
            "employee count",
            "headcount",
        ),
    ),
    Field(
        "country",
        "Country",
        section="company",
        widget="country",
        display=_country,
        import_aliases=("country", "country region", "billing country", "mailing country", "country code"),
    ),
    Field(
        "phone",
        "Phone",
        section="company",
        widget="tel",
        display=_phone,
        autocomplete_off=True,
        import_aliases=("phone", "phone number", "telephone", "tel", "main phone"),
    ),
    Field(
        "stage",
        "Lifecycle stage",
        name="lifecycle_stage",
        section="company",
        widget="select",
        choices=tuple(LifecycleStage.choices),
        display=_stage,
        column_label="Stage",
        initial=LifecycleStage.LEAD,
        help="A won deal moves the company to customer.",
        import_aliases=("lifecycle stage", "lifecyclestage", "stage", "lifecycle", "company lifecycle stage"),
    ),
    _owner_field(
        "company",
        ("owner", "company owner", "account owner", "owner email", "company owner email", "assigned to"),
    ),
    TEAM,
    CREATED,
    UPDATED,
]

COMPANY = RecordType(
    object_type="company",
    model=Company,
    namespace="contacts",
    url_prefix="companies",
    verbose_name="company",
    verbose_name_plural="companies",
    fields=COMPANY_FIELDS,
    filters_factory=selectors.CompanyFilters,
    filters=[
        Filter(
            "q", "Search", "search", "search", help="Words, or parts of words, of the name, domain or phone."
        ),
        Filter(
            "stage",
            "Stage",
            "choice",
            "stages",
            choices=tuple(LifecycleStage.choices),
            noun="lifecycle stage",
        ),
        Filter("owner", "Owner", "owner", "owner_ids"),
        Filter("team", "Team", "team", "team_ids"),
        Filter("country", "Country", "country", "countries"),
        Filter("industry", "Industry", "text", "industry"),
        *CREATED_RANGE,
    ],
    sorts=[
        Sort(key, label, _cursor_order(key, order), needs_search=key == selectors.RELEVANCE)
        for key, (label, order) in selectors.COMPANY_SORTS.items()
    ],
    default_columns=["domain", "industry", "stage", "owner", "created"],
    selectors=Selectors(
        list=selectors.company_list,
        detail=selectors.company_detail,
        filtered=lambda user, filters: selectors.filter_companies(selectors.visible_companies(user), filters),
        trash=lambda user, cursor=None: selectors.trash(user, Company, cursor=cursor),
        page=selectors.company_page,
    ),
    services=Services(
        create=services.create_company,
        update=services.update_company,
        delete=services.delete_company,
        restore=services.restore_company,
        bulk=services.bulk_update_companies,
        record_argument="company",
        ids_argument="company_ids",
        version=services.record_version,
        stale_error=services.StaleRecord,
        # Cleaned by the services themselves, under the row lock (a change merges into the locked row).
        cleans_properties=True,
    ),
    bulk_actions=[
        BulkAction("assign_owner", "Assign owner", "owner", "owner", "New owner"),
        BulkAction("delete", "Move to trash", destructive=True),
    ],
    title=lambda company: company.name,
    detail_subtitle=lambda company: " · ".join(part for part in (company.domain, company.industry) if part),
    trash_subtitle=lambda company: company.domain,
    initials=lambda company: company.name[:2].upper(),
    search_placeholder="Name, domain or phone",
    empty_text="Companies group the people you work with. Add the first one; contacts can then be linked to it.",
    delete_message="{title} was moved to the trash. Its contacts stay where they are.",
    properties_field="properties",
    timeline=TimelineSupport("company", show_contact=True),
    templates={"detail_header": "contacts/_company_header.html"},
    list_links=[("Duplicates", "contacts:company_duplicates")],
    import_url="imports:import_new",
    export_url="exports:company_export_create",
    form_sections=[("company", "Company")],
    api=RecordApi(read_only=(EXTERNAL_ID,), deprecated_parameters=DEPRECATED_PARAMETERS),
)


def register() -> None:
    """Declare contacts and companies and the panels of their pages, and give every record type that
    declares a `properties_field` its custom properties (from ContactsConfig.ready)."""
    registry.register_property_support(PropertySupport.for_record_type)
    registry.register(CONTACT)
    registry.register(COMPANY)
    panels.register()


__all__ = ["COMPANY", "CONTACT", "register"]
