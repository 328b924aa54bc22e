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
from tandem.core.records.registry import BulkAction, Filter, RecordType, Selectors, Services, Sort

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


OWNER = Field("owner", "Owner", widget="owner", display=_owner, section="lifecycle", api_type="integer")
TEAM = Field("team", "Team", display=_team, prefetch="team", audited=True, export=True, api_type="integer")
CREATED = Field("created", "Created", name="created_at", display=_created, sort="newest", audited=False)
UPDATED = Field("updated", "Updated", name="updated_at", display=_updated, sort="updated", audited=False)
CREATED_RANGE = [
    Filter("created_from", "Created from", "date", "created_from", bound="from"),
    Filter("created_to", "Created to", "date", "created_to", bound="to"),
]

CONTACT_FIELDS = [
    Field("first_name", "First name", section="person", column=False, fact=False, autocomplete_off=True),
    Field("last_name", "Last name", section="person", column=False, fact=False, autocomplete_off=True),
    Field("email", "Email", section="person", widget="email", display=_email, autocomplete_off=True),
    Field(
        "phone",
        "Phone",
        section="person",
        widget="tel",
        display=_phone,
        help="Any format; stored as +CountryCode… (read in the contact's country).",
        autocomplete_off=True,
    ),
    Field("job_title", "Job title", section="person"),
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
    ),
    Field("country", "Country", section="person", widget="country", display=_country),
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
    ),
    Field(
        "lead_status", "Lead status", section="lifecycle", widget="select", choices=tuple(LeadStatus.choices)
    ),
    OWNER,
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
    ),
    Field("score", "Score", display=_score, sort="score", numeric=True, audited=False, api_type="integer"),
    Field("source", "Source", section="first_touch", fact_group="first_touch"),
    Field("source_medium", "Medium", section="first_touch", fact_group="first_touch", column=False),
    Field("source_campaign", "Campaign", section="first_touch", fact_group="first_touch", column=False),
    Field("source_referrer", "Referrer", section="first_touch", fact_group="first_touch", column=False),
    Field(
        "source_landing_page",
        "Landing page",
        section="first_touch",
        fact_group="first_touch",
        column=False,
        wide=True,
    ),
    CREATED,
    UPDATED,
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
        Filter("q", "Search", "search", "search"),
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
        Sort(key, label, needs_search=key == selectors.RELEVANCE)
        for key, (label, _) in selectors.CONTACT_SORTS.items()
    ],
    default_columns=["email", "company", "stage", "owner", "created"],
    selectors=Selectors(
        list=selectors.contact_list,
        detail=selectors.contact_detail,
        filtered=lambda user, filters: selectors.filter_contacts(selectors.visible_contacts(user), filters),
        trash=lambda user, cursor=None: selectors.trash(user, Contact, cursor=cursor),
        editable=lambda queryset: queryset.select_related("owner", "company").prefetch_related("tags"),
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
    properties=PropertySupport("contact"),
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
)

COMPANY_FIELDS = [
    Field("name", "Name", section="company", column=False, fact=False),
    Field(
        "domain",
        "Domain",
        section="company",
        help="e.g. example.com (a pasted web address is fine).",
        autocomplete_off=True,
    ),
    Field("industry", "Industry", section="company"),
    Field("size", "Size", section="company", widget="select", choices=tuple(CompanySize.choices)),
    Field("country", "Country", section="company", widget="country", display=_country),
    Field("phone", "Phone", section="company", widget="tel", display=_phone, autocomplete_off=True),
    Field("owner", "Owner", widget="owner", display=_owner, section="company", api_type="integer"),
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
        Filter("q", "Search", "search", "search"),
        Filter("owner", "Owner", "owner", "owner_ids"),
        Filter("team", "Team", "team", "team_ids"),
        Filter("country", "Country", "country", "countries"),
        Filter("industry", "Industry", "text", "industry"),
        *CREATED_RANGE,
    ],
    sorts=[
        Sort(key, label, needs_search=key == selectors.RELEVANCE)
        for key, (label, _) in selectors.COMPANY_SORTS.items()
    ],
    default_columns=["domain", "industry", "country", "owner", "created"],
    selectors=Selectors(
        list=selectors.company_list,
        detail=selectors.company_detail,
        filtered=lambda user, filters: selectors.filter_companies(selectors.visible_companies(user), filters),
        trash=lambda user, cursor=None: selectors.trash(user, Company, cursor=cursor),
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
    properties=PropertySupport("company"),
    timeline=TimelineSupport("company", show_contact=True),
    templates={"detail_header": "contacts/_company_header.html"},
    list_links=[("Duplicates", "contacts:company_duplicates")],
    import_url="imports:import_new",
    export_url="exports:company_export_create",
    form_sections=[("company", "Company")],
)


def register() -> None:
    """Declare contacts and companies and the panels of their pages (from ContactsConfig.ready)."""
    registry.register(CONTACT)
    registry.register(COMPANY)
    panels.register()


__all__ = ["COMPANY", "CONTACT", "register"]
