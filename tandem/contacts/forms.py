"""Turning what a browser sends into what selectors and services take, and service errors back into fields.

Two kinds live here. List queries: a query string parsed into `ContactFilters` / `CompanyFilters`, where a
bad value is dropped with a sentence saying so (a shared link with a typo still opens). Record forms:
Django forms that only shape and re-display input; every rule is the service's, whose ValidationError is
put back next to the fields. Values for the service are built from the declared fields only, so a POST
carrying `team`, `score` or `deleted_at` has nothing to attach to.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import QueryDict
from django_countries import countries

from tandem.contacts import selectors
from tandem.contacts.models import (
    CompanySize,
    LeadStatus,
    LifecycleStage,
    PropertyDefinition,
    PropertyType,
)
from tandem.contacts.selectors import CompanyFilters, ContactFilters, PropertyFilter
from tandem.core.models import Team, User

SEARCH_MAX_LENGTH = 200
COMPANY_CHOICES_LIMIT = 200
PROPERTY_FIELD_PREFIX = "property__"
# Special values of the property filter's select: "has any value" and "is empty".
PROPERTY_SET, PROPERTY_UNSET = "__set__", "__unset__"
UNOWNED = "none"
COMPANY_CHIP_LABEL = "Company: the selected company"


# --- list queries ---------------------------------------------------------------------------------


@dataclass
class Chip:
    """One applied filter, shown above the results with a link that removes it."""

    label: str
    remove_query: str


@dataclass
class ListQuery:
    """A parsed list query string: filters for the selector plus what the page needs to redraw itself."""

    filters: ContactFilters | CompanyFilters
    sort: str
    cursor: str | None
    errors: list[str] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    property_definition: PropertyDefinition | None = None


def _without(query: QueryDict, name: str, value: str | None = None) -> str:
    """The query string minus one parameter (or one of its values), and minus the cursor."""
    copy = query.copy()
    copy.pop("cursor", None)
    if value is None:
        copy.pop(name, None)
    else:
        copy.setlist(name, [item for item in copy.getlist(name) if item != value])
    return copy.urlencode()


def _values(query: QueryDict, name: str) -> list[str]:
    return [value.strip() for value in query.getlist(name) if value.strip()]


def _parse_ids(query: QueryDict, name: str, label: str, errors: list[str]) -> list[int]:
    ids = []
    for raw in _values(query, name):
        try:
            ids.append(int(raw))
        except ValueError:
            errors.append(f"“{raw[:40]}” is not a valid {label}; that filter was ignored.")
    return ids


def _parse_date(query: QueryDict, name: str, label: str, errors: list[str]) -> datetime.date | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        errors.append(f"{label}: “{raw[:40]}” is not a date (use YYYY-MM-DD); that filter was ignored.")
        return None


def _parse_sort(query: QueryDict, sorts: dict, errors: list[str]) -> str:
    sort = query.get("sort", "").strip() or "newest"
    if sort not in sorts:
        errors.append(f"“{sort[:40]}” is not a sort order; showing newest first.")
        return "newest"
    return sort


def _parse_countries(query: QueryDict, errors: list[str], chips: list[Chip]) -> list[str]:
    names = dict(countries)
    codes = []
    for raw in _values(query, "country"):
        code = raw.upper()
        if code in names:
            codes.append(code)
            chips.append(Chip(f"Country: {names[code]}", _without(query, "country", raw)))
        else:
            errors.append(f"“{raw[:40]}” is not a country code; that filter was ignored.")
    return codes


def _parse_created(query: QueryDict, errors: list[str], chips: list[Chip]) -> tuple:
    created_from = _parse_date(query, "created_from", "Created from", errors)
    created_to = _parse_date(query, "created_to", "Created to", errors)
    if created_from and created_to and created_from > created_to:
        errors.append("“Created from” is after “Created to”, so nothing could match; the range was ignored.")
        return None, None
    if created_from:
        chips.append(Chip(f"Created from {created_from:%d %b %Y}", _without(query, "created_from")))
    if created_to:
        chips.append(Chip(f"Created to {created_to:%d %b %Y}", _without(query, "created_to")))
    return created_from, created_to


def _parse_owners_and_teams(
    query: QueryDict, users: dict[int, User], teams: dict[int, Team], errors: list[str], chips: list[Chip]
) -> tuple[list[int], bool, list[int]]:
    unowned = UNOWNED in _values(query, "owner")
    if unowned:
        chips.append(Chip("Owner: nobody", _without(query, "owner", UNOWNED)))
    owner_ids = []
    for raw in _values(query, "owner"):
        if raw == UNOWNED:
            continue
        try:
            owner_ids.append(int(raw))
        except ValueError:
            errors.append(f"“{raw[:40]}” is not a valid owner; that filter was ignored.")
            continue
        owner = users.get(owner_ids[-1])
        chips.append(Chip(f"Owner: {owner or 'user #' + raw}", _without(query, "owner", raw)))
    team_ids = _parse_ids(query, "team", "team", errors)
    for team_id in team_ids:
        chips.append(Chip(f"Team: {teams.get(team_id, team_id)}", _without(query, "team", str(team_id))))
    return owner_ids, unowned, team_ids


def _parse_property(
    query: QueryDict, definitions: list[PropertyDefinition], errors: list[str], chips: list[Chip]
) -> tuple[list[PropertyFilter], PropertyDefinition | None]:
    """One custom-property condition: `property` names it, the value parameters depend on its type."""
    name = query.get("property", "").strip()
    if not name:
        return [], None
    definition = next((item for item in definitions if item.name == name), None)
    if definition is None:
        errors.append(f"There is no property “{name[:60]}”; that filter was ignored.")
        return [], None
    label = definition.label
    remove = _without_property(query)
    value = query.get("property_value", "").strip()
    if value == PROPERTY_SET:
        chips.append(Chip(f"{label}: has a value", remove))
        return [PropertyFilter(name, None, "set")], definition
    if value == PROPERTY_UNSET:
        chips.append(Chip(f"{label}: empty", remove))
        return [PropertyFilter(name, None, "unset")], definition
    value_type = definition.value_type
    if value_type in (PropertyType.NUMBER, PropertyType.DATE):
        result = []
        for parameter, operator, word in (("property_from", "gte", "≥"), ("property_to", "lte", "≤")):
            raw = query.get(parameter, "").strip()
            if not raw:
                continue
            try:
                cleaned = _property_bound(definition, raw)
            except ValidationError as error:
                errors.append(f"{error.messages[0]} That filter was ignored.")
                continue
            result.append(PropertyFilter(name, cleaned, operator))
            chips.append(Chip(f"{label} {word} {raw[:40]}", remove))
        return result, definition
    if not value:
        return [], definition
    if value_type == PropertyType.BOOLEAN:
        if value not in ("yes", "no"):
            errors.append(f"{label}: choose yes or no; that filter was ignored.")
            return [], definition
        chips.append(Chip(f"{label}: {value}", remove))
        return [PropertyFilter(name, value == "yes")], definition
    if value_type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE) and value not in definition.choices:
        errors.append(f"{label}: “{value[:40]}” is not one of its options; that filter was ignored.")
        return [], definition
    operator = "contains" if value_type == PropertyType.MULTI_CHOICE else "eq"
    chips.append(Chip(f"{label}: {value[:60]}", remove))
    return [PropertyFilter(name, value[:SEARCH_MAX_LENGTH], operator)], definition


def _property_bound(definition: PropertyDefinition, raw: str) -> Any:
    """A number or date bound in its stored JSON form (dates compare as ISO text)."""
    from tandem.contacts.properties import clean_value

    return clean_value(definition, raw)


def _without_property(query: QueryDict) -> str:
    copy = query.copy()
    for name in ("cursor", "property", "property_value", "property_from", "property_to"):
        copy.pop(name, None)
    return copy.urlencode()


def _parse_search(query: QueryDict, chips: list[Chip]) -> str:
    search = query.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    if search:
        chips.append(Chip(f"Search: {search}", _without(query, "q")))
    return search


def _cursor(query: QueryDict) -> str | None:
    return query.get("cursor", "").strip()[:1000] or None


def parse_contact_query(
    query: QueryDict,
    *,
    definitions: list[PropertyDefinition],
    users: dict[int, User],
    teams: dict[int, Team],
) -> ListQuery:
    """The contacts list's query string as ContactFilters; bad values are dropped with a message."""
    errors: list[str] = []
    chips: list[Chip] = []
    search = _parse_search(query, chips)
    stages = []
    stage_labels = dict(LifecycleStage.choices)
    for raw in _values(query, "stage"):
        if raw in stage_labels:
            stages.append(raw)
            chips.append(Chip(f"Stage: {stage_labels[raw]}", _without(query, "stage", raw)))
        else:
            errors.append(f"“{raw[:40]}” is not a lifecycle stage; that filter was ignored.")
    owner_ids, unowned, team_ids = _parse_owners_and_teams(query, users, teams, errors, chips)
    country_codes = _parse_countries(query, errors, chips)
    tag = query.get("tag", "").strip()[:60]
    if tag:
        chips.append(Chip(f"Tag: {tag}", _without(query, "tag")))
    company_ids = _parse_ids(query, "company", "company", errors)
    if company_ids:
        chips.append(Chip(COMPANY_CHIP_LABEL, _without(query, "company")))
    created_from, created_to = _parse_created(query, errors, chips)
    property_filters, definition = _parse_property(query, definitions, errors, chips)
    filters = ContactFilters(
        search=search,
        stages=stages,
        owner_ids=owner_ids,
        unowned=unowned,
        team_ids=team_ids,
        countries=country_codes,
        tag=tag,
        company_id=company_ids[0] if company_ids else None,
        created_from=created_from,
        created_to=created_to,
        properties=property_filters,
    )
    sort = _parse_sort(query, selectors.CONTACT_SORTS, errors)
    return ListQuery(filters, sort, _cursor(query), errors, chips, definition)


def parse_company_query(
    query: QueryDict,
    *,
    definitions: list[PropertyDefinition],
    users: dict[int, User],
    teams: dict[int, Team],
) -> ListQuery:
    """The companies list's query string as CompanyFilters; bad values are dropped with a message."""
    errors: list[str] = []
    chips: list[Chip] = []
    search = _parse_search(query, chips)
    owner_ids, unowned, team_ids = _parse_owners_and_teams(query, users, teams, errors, chips)
    if unowned:
        errors.append("Filtering companies by “no owner” is not supported yet; that filter was ignored.")
        chips[:] = [chip for chip in chips if chip.label != "Owner: nobody"]
    country_codes = _parse_countries(query, errors, chips)
    industry = query.get("industry", "").strip()[:100]
    if industry:
        chips.append(Chip(f"Industry: {industry}", _without(query, "industry")))
    created_from, created_to = _parse_created(query, errors, chips)
    property_filters, definition = _parse_property(query, definitions, errors, chips)
    filters = CompanyFilters(
        search=search,
        owner_ids=owner_ids,
        team_ids=team_ids,
        countries=country_codes,
        industry=industry,
        created_from=created_from,
        created_to=created_to,
        properties=property_filters,
    )
    sort = _parse_sort(query, selectors.COMPANY_SORTS, errors)
    return ListQuery(filters, sort, _cursor(query), errors, chips, definition)


def parse_ids(values: list[str]) -> list[int]:
    """Row ids from a bulk form's checkboxes; anything that is not a number is not a row."""
    ids = []
    for raw in values:
        try:
            ids.append(int(raw))
        except ValueError:
            continue
    return ids


# --- record forms ---------------------------------------------------------------------------------


def active_users():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "email")


def owner_choices() -> list[tuple[str, str]]:
    return [("", "— No owner —")] + [(str(user.pk), user.display_name) for user in active_users()]


def _country_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(code, name) for code, name in countries]


class RecordForm(forms.Form):
    """Shapes input and shows the service's errors; declares no rules of its own (the service has them)."""

    # Field names that map 1:1 to service values; subclasses list theirs.
    plain_fields: tuple[str, ...] = ()
    object_type = ""

    def __init__(self, *args, user: User, record=None, definitions: list[PropertyDefinition], **kwargs):
        self.user = user
        self.record = record
        self.definitions = definitions
        super().__init__(*args, **kwargs)
        self.fields["owner"] = forms.CharField(
            required=False, label="Owner", widget=forms.Select(choices=owner_choices())
        )
        for definition in definitions:
            self.fields[PROPERTY_FIELD_PREFIX + definition.name] = property_field(definition)
        if record is None:
            self.initial.setdefault("owner", str(user.pk))
        else:
            self.initial.update({name: getattr(record, name) for name in self.plain_fields})
            self.initial["owner"] = str(record.owner_id or "")
            self.initial["country"] = str(record.country or "")
            for definition in definitions:
                self.initial[PROPERTY_FIELD_PREFIX + definition.name] = property_initial(
                    definition, record.properties.get(definition.name)
                )

    @property
    def property_fields(self):
        return [self[PROPERTY_FIELD_PREFIX + definition.name] for definition in self.definitions]

    def service_values(self) -> dict[str, Any]:
        """The values for the service, built only from declared fields (never from arbitrary POST keys)."""
        data = self.cleaned_data
        values: dict[str, Any] = {name: data.get(name) or "" for name in self.plain_fields}
        # The owner only goes to the service when it changes, so that someone who may not reassign
        # records can still save other fields; if they do change it, the service's refusal is shown.
        current_owner = str(self.record.owner_id or "") if self.record is not None else str(self.user.pk)
        if (data.get("owner") or "") != current_owner:
            values["owner"] = data.get("owner") or None
        current = self.record.properties if self.record is not None else {}
        properties: dict[str, Any] = {}
        for definition in self.definitions:
            raw = data.get(PROPERTY_FIELD_PREFIX + definition.name)
            if definition.value_type == PropertyType.BOOLEAN:
                # An unticked box means "no" only where a value was recorded; otherwise it stays unset.
                raw = True if raw else (False if definition.name in current else None)
            properties[definition.name] = raw
        if properties:
            values["properties"] = properties
        return values

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for key, messages in error.message_dict.items():
            name = (
                key.replace("properties.", PROPERTY_FIELD_PREFIX, 1) if key.startswith("properties.") else key
            )
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def property_field(definition: PropertyDefinition) -> forms.Field:
    """A form field for a custom property, with a control suited to its type."""
    common = {"required": False, "label": definition.label, "help_text": definition.help_text}
    value_type = definition.value_type
    if value_type == PropertyType.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if value_type == PropertyType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if value_type == PropertyType.BOOLEAN:
        return forms.BooleanField(**common)
    if value_type == PropertyType.CHOICE:
        choices = [("", "—")] + [(choice, choice) for choice in definition.choices]
        return forms.CharField(widget=forms.Select(choices=choices), **common)
    if value_type == PropertyType.MULTI_CHOICE:
        choices = [(choice, choice) for choice in definition.choices]
        return forms.Field(widget=forms.CheckboxSelectMultiple(choices=choices), **common)
    return forms.CharField(**common)


def property_initial(definition: PropertyDefinition, value: Any) -> Any:
    if value is None:
        return [] if definition.value_type == PropertyType.MULTI_CHOICE else ""
    return value


def _text(label: str, max_length: int, **attrs) -> forms.CharField:
    widget_attrs = {"maxlength": str(max_length), **attrs}
    return forms.CharField(required=False, label=label, widget=forms.TextInput(attrs=widget_attrs))


class ContactForm(RecordForm):
    object_type = "contact"
    plain_fields = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "company",
        "country",
        "lifecycle_stage",
        "lead_status",
        "source",
        "source_medium",
        "source_campaign",
        "source_referrer",
        "source_landing_page",
    )

    first_name = _text("First name", 100, autocomplete="off")
    last_name = _text("Last name", 100, autocomplete="off")
    email = forms.CharField(
        required=False, label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        required=False,
        label="Phone",
        help_text="Any format; stored as +CountryCode… (read in the contact's country).",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    job_title = _text("Job title", 150)
    company = forms.CharField(
        required=False,
        label="Company",
        help_text="The list shows the first 200 by name; type in the search box to find others.",
    )
    country = forms.CharField(required=False, label="Country")
    lifecycle_stage = forms.CharField(
        required=False, label="Lifecycle stage", widget=forms.Select(choices=LifecycleStage.choices)
    )
    lead_status = forms.CharField(
        required=False, label="Lead status", widget=forms.Select(choices=LeadStatus.choices)
    )
    tags = forms.CharField(required=False, label="Tags", help_text="Separate tags with commas.")
    source = _text("Source", 100)
    source_medium = _text("Medium", 100)
    source_campaign = _text("Campaign", 200)
    source_referrer = _text("Referrer", 500)
    source_landing_page = _text("Landing page", 500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].widget = forms.Select(choices=_country_choices())
        if self.record is None:
            self.initial.setdefault("lifecycle_stage", LifecycleStage.LEAD)
        else:
            self.initial["company"] = str(self.record.company_id or "")
            self.initial["tags"] = ", ".join(tag.name for tag in self.record.tags.all())
        selected = self.data.get("company") if self.is_bound else self.initial.get("company")
        self.fields["company"].widget = forms.Select(
            choices=company_choices(self.user, selected=selected or None), attrs={"class": "company-select"}
        )

    def service_tags(self) -> list[str]:
        return [name.strip() for name in (self.cleaned_data.get("tags") or "").split(",") if name.strip()]


def company_choices(user: User, *, search: str = "", selected: str | None = None) -> list[tuple[str, str]]:
    """Options for a contact's company select: the selected one first, then up to 200 by name.

    A select of every company would not survive a million rows; the search box next to it asks
    `contacts:company_options` for the next 200 that match what was typed.
    """
    queryset = selectors.visible_companies(user)
    if search:
        queryset = selectors.filter_companies(queryset, CompanyFilters(search=search))
    companies = list(queryset.order_by(Lower("name"), "id")[:COMPANY_CHOICES_LIMIT])
    choices = [("", "— No company —")]
    selected_id = None
    try:
        selected_id = int(selected) if selected else None
    except (TypeError, ValueError):
        selected_id = None
    if selected_id is not None and all(company.pk != selected_id for company in companies):
        current = selectors.visible_companies(user).filter(pk=selected_id).first()
        if current is not None:
            choices.append((str(current.pk), _company_label(current)))
    choices += [(str(company.pk), _company_label(company)) for company in companies]
    return choices


def _company_label(company) -> str:
    return f"{company.name} ({company.domain})" if company.domain else company.name


class CompanyForm(RecordForm):
    object_type = "company"
    plain_fields = ("name", "domain", "industry", "size", "country", "phone")

    name = _text("Name", 200)
    domain = forms.CharField(
        required=False,
        label="Domain",
        help_text="e.g. example.com (a pasted web address is fine).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    industry = _text("Industry", 100)
    size = forms.CharField(required=False, label="Size", widget=forms.Select(choices=CompanySize.choices))
    country = forms.CharField(required=False, label="Country")
    phone = forms.CharField(
        required=False, label="Phone", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].widget = forms.Select(choices=_country_choices())


class PropertyCreateForm(forms.Form):
    object_type = forms.CharField(
        label="Applies to", widget=forms.Select(choices=PropertyDefinition.ObjectType.choices)
    )
    label = forms.CharField(label="Label", required=False, widget=forms.TextInput(attrs={"maxlength": "100"}))
    name = forms.CharField(
        label="Key",
        required=False,
        help_text="Used in imports and the API: lower-case letters, digits and underscores, e.g. plan_tier.",
        widget=forms.TextInput(attrs={"maxlength": "60", "autocomplete": "off"}),
    )
    value_type = forms.CharField(label="Type", widget=forms.Select(choices=PropertyType.choices))
    choices = forms.CharField(
        label="Options",
        required=False,
        help_text="For choice types: one option per line.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    help_text = forms.CharField(
        label="Help text", required=False, widget=forms.TextInput(attrs={"maxlength": "200"})
    )

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "object_type": data.get("object_type") or "",
            "name": data.get("name") or "",
            "label": data.get("label") or "",
            "value_type": data.get("value_type") or "",
            "choices": (data.get("choices") or "").splitlines(),
            "help_text": data.get("help_text") or "",
        }

    def add_service_errors(self, error: ValidationError) -> None:
        add_errors(self, error)


class PropertyEditForm(forms.Form):
    label = forms.CharField(label="Label", required=False, widget=forms.TextInput(attrs={"maxlength": "100"}))
    choices = forms.CharField(
        label="Options",
        required=False,
        help_text="One option per line. Add new ones at the end; used options cannot be removed.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    help_text = forms.CharField(
        label="Help text", required=False, widget=forms.TextInput(attrs={"maxlength": "200"})
    )

    def __init__(self, *args, definition: PropertyDefinition, **kwargs):
        self.definition = definition
        super().__init__(*args, **kwargs)
        self.initial.update(
            label=definition.label, choices="\n".join(definition.choices), help_text=definition.help_text
        )
        if definition.value_type not in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE):
            del self.fields["choices"]

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label": data.get("label") or "",
            "choices": (data.get("choices") or "").splitlines(),
            "help_text": data.get("help_text") or "",
        }

    def add_service_errors(self, error: ValidationError) -> None:
        add_errors(self, error)


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: keyed messages by field, the rest at the top."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, messages in error.message_dict.items():
        for message in messages:
            form.add_error(key if key in form.fields else None, message)
