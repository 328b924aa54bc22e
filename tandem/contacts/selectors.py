"""Page-shaped reads of the spine. Every list is scoped by the access helpers, filtered in the database
and paged by keyset; nothing here loads more rows than it shows."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower

from tandem.contacts.models import (
    Activity,
    Company,
    Consent,
    Contact,
    PropertyDefinition,
    PropertyType,
    StageChange,
    Suppression,
)
from tandem.contacts.normalize import address_hash, normalize_tag
from tandem.contacts.search import (
    RANK_GROUPS,
    SEARCH_DRIVES,
    ContactSearch,
    company_rank_groups,
    contact_rank_groups,
    count_contacts,
    plan_contact_search,
    search_companies,
    search_contacts,
)
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import (
    InvalidCursor,
    Page,
    SortKey,
    after,
    count_up_to,
    decode_cursor,
    page_of,
    paginate,
)

PAGE_SIZE = 50
COUNT_CAP = 10_000
# What a list row shows of a contact's company: its name, linked unless it is in the trash. The rest of the
# company row (its properties JSON, dates, phone…) is left unread: each column is a conversion per row.
COMPANY_IN_A_LIST_ROW = ("id", "name", "deleted_at")

# "Best match" (search.py): the ranked groups, then the most recently added first, paged by contact_page /
# company_page with a cursor holding the group's score (2 exact, 1 starts with, 0 the rest) and the id.
# Without a search it is newest first. Its SortKey in the tables below is what readers that walk a plain
# key use (an export of a searched list, or a caller of `paginate`): newest first.
RELEVANCE = "relevance"
RELEVANCE_KEY = SortKey(("search_score", "id"), descending=True)
GROUP_KEY = SortKey(("id",), descending=True)
NEWEST_KEY = SortKey(("created_at", "id"), descending=True)

CONTACT_SORTS: dict[str, tuple[str, SortKey]] = {
    RELEVANCE: ("Best match", NEWEST_KEY),
    "newest": ("Newest first", NEWEST_KEY),
    "oldest": ("Oldest first", SortKey(("created_at", "id"), descending=False)),
    "updated": ("Recently updated", SortKey(("updated_at", "id"), descending=True)),
    "name": ("Name A–Z", SortKey(("last_name", "first_name", "id"), descending=False)),
    "score": ("Highest score", SortKey(("score", "id"), descending=True)),
}
COMPANY_SORTS: dict[str, tuple[str, SortKey]] = {
    RELEVANCE: ("Best match", NEWEST_KEY),
    "newest": ("Newest first", NEWEST_KEY),
    "oldest": ("Oldest first", SortKey(("created_at", "id"), descending=False)),
    "updated": ("Recently updated", SortKey(("updated_at", "id"), descending=True)),
    "name": ("Name A–Z", SortKey(("name", "id"), descending=False)),
}


@dataclass
class PropertyFilter:
    name: str
    value: Any
    operator: str = "eq"  # eq, gte, lte, contains (multi-choice), set, unset


@dataclass
class ContactFilters:
    search: str = ""
    stages: list[str] = field(default_factory=list)
    owner_ids: list[int] = field(default_factory=list)
    unowned: bool = False
    team_ids: list[int] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    tag: str = ""
    company_id: int | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    properties: list[PropertyFilter] = field(default_factory=list)


@dataclass
class CompanyFilters:
    search: str = ""
    owner_ids: list[int] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    industry: str = ""
    stages: list[str] = field(default_factory=list)
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    properties: list[PropertyFilter] = field(default_factory=list)


@dataclass
class ListPage:
    page: Page
    count: int
    count_is_capped: bool


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _created_between(queryset: QuerySet, start: datetime.date | None, end: datetime.date | None) -> QuerySet:
    """Created on `start` or later and on `end` or earlier (whole days, UTC). The last representable day
    has no day after it, so "to 9999-12-31" means no upper bound rather than an overflow."""
    if start:
        queryset = queryset.filter(created_at__gte=_day_start(start))
    if end and end < datetime.date.max:
        queryset = queryset.filter(created_at__lt=_day_start(end + datetime.timedelta(days=1)))
    return queryset


def _property_condition(
    queryset: QuerySet, definitions: dict[str, PropertyDefinition], item: PropertyFilter, column: str
) -> QuerySet:
    definition = definitions.get(item.name)
    if definition is None:
        return queryset
    path = f"{column}__{definition.name}"
    if item.operator == "set":
        return queryset.filter(**{f"{column}__has_key": definition.name})
    if item.operator == "unset":
        return queryset.exclude(**{f"{column}__has_key": definition.name})
    if definition.value_type == PropertyType.MULTI_CHOICE:
        if connection.vendor == "postgresql":
            return queryset.filter(**{f"{path}__contains": [item.value]})
        # SQLite has no JSON containment operator; json_each reads the array. The key is a slug we
        # defined (validated on creation), the table and column are the model's own, and the value is a
        # bound parameter.
        table = queryset.model._meta.db_table
        return queryset.extra(  # noqa: S610 (only bound parameters and our own table and column names)
            where=[f"EXISTS (SELECT 1 FROM json_each({table}.{column}, %s) WHERE json_each.value = %s)"],
            params=[f'$."{definition.name}"', item.value],
        )
    if item.operator in ("gte", "lte") and definition.value_type in (PropertyType.NUMBER, PropertyType.DATE):
        return queryset.filter(**{f"{path}__{item.operator}": item.value})
    if definition.value_type == PropertyType.TEXT:
        return queryset.filter(**{f"{path}__iexact": item.value})
    return queryset.filter(**{path: item.value})


def filter_properties(
    queryset: QuerySet, object_type: str, conditions: list[PropertyFilter], *, column: str = "properties"
) -> QuerySet:
    """`queryset` narrowed by custom-property conditions on its JSON `column` (one query reads the
    definitions; a condition on a property that no longer exists is ignored)."""
    if not conditions:
        return queryset
    definitions = {item.name: item for item in PropertyDefinition.objects.filter(object_type=object_type)}
    for item in conditions:
        queryset = _property_condition(queryset, definitions, item, column)
    return queryset


def filter_contacts(
    queryset: QuerySet[Contact], filters: ContactFilters, search_plan: ContactSearch | None = None
) -> QuerySet[Contact]:
    """`search_plan`: the search's plan (search.plan_contact_search), when the caller has made it already."""
    if filters.search.strip():
        queryset = search_contacts(queryset, filters.search, search_plan)
    if filters.stages:
        queryset = queryset.filter(lifecycle_stage__in=filters.stages)
    if filters.owner_ids or filters.unowned:
        owner_condition = Q(owner_id__in=filters.owner_ids) if filters.owner_ids else Q(pk__in=[])
        if filters.unowned:
            owner_condition |= Q(owner__isnull=True)
        queryset = queryset.filter(owner_condition)
    if filters.team_ids:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    if filters.countries:
        queryset = queryset.filter(country__in=filters.countries)
    if filters.tag:
        queryset = queryset.filter(contacttag__tag__name=normalize_tag(filters.tag))
    if filters.company_id:
        queryset = queryset.filter(company_id=filters.company_id)
    return _created_between(queryset, filters.created_from, filters.created_to)


def filter_companies(queryset: QuerySet[Company], filters: CompanyFilters) -> QuerySet[Company]:
    if filters.search.strip():
        queryset = search_companies(queryset, filters.search)
    if filters.owner_ids:
        queryset = queryset.filter(owner_id__in=filters.owner_ids)
    if filters.team_ids:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    if filters.countries:
        queryset = queryset.filter(country__in=filters.countries)
    if filters.stages:
        queryset = queryset.filter(lifecycle_stage__in=filters.stages)
    if filters.industry:
        # Case-insensitive as lower() on both sides, which the company_live_industry index serves (iexact
        # is LIKE on SQLite and upper() on PostgreSQL, which no index of ours does).
        queryset = queryset.alias(industry_lower=Lower("industry")).filter(
            industry_lower=Lower(Value(filters.industry))
        )
    return _created_between(queryset, filters.created_from, filters.created_to)


def visible_contacts(user) -> QuerySet[Contact]:
    return access.scope_queryset(user, Verb.VIEW, Contact.objects.filter(deleted_at__isnull=True))


def visible_companies(user) -> QuerySet[Company]:
    return access.scope_queryset(user, Verb.VIEW, Company.objects.filter(deleted_at__isnull=True))


def _unchanged(queryset: QuerySet) -> QuerySet:
    return queryset


def contact_list(
    user,
    filters: ContactFilters,
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    narrow: Callable[[QuerySet], QuerySet] = _unchanged,
) -> ListPage:
    """The contacts list: one page of rows with owner and company, and a count capped at COUNT_CAP.
    `narrow`: the record layer's custom-property conditions (RecordType.list_page passes them)."""
    search_plan = plan_contact_search(filters.search) if filters.search.strip() else None
    queryset = narrow(filter_contacts(visible_contacts(user), filters, search_plan))
    # Owners are few: one IN query for them beats joining a user row onto each of the 51 contacts.
    unread = [f"company__{field.attname}" for field in Company._meta.concrete_fields]
    with_company = queryset.select_related("company").defer(
        *(name for name in unread if name.removeprefix("company__") not in COMPANY_IN_A_LIST_ROW)
    )
    page = contact_page(with_company.prefetch_related("owner"), filters, sort, cursor, limit)
    count, capped = _count_contacts(user, filters, queryset, search_plan, narrow)
    return ListPage(page=page, count=count, count_is_capped=capped)


def _count_contacts(
    user,
    filters: ContactFilters,
    queryset: QuerySet[Contact],
    search_plan: ContactSearch | None,
    narrow: Callable[[QuerySet], QuerySet] = _unchanged,
) -> tuple[int, bool]:
    """The list's capped count; a search is counted from its index where that is faster (see
    search.count_contacts)."""
    if search_plan is not None:
        others = narrow(filter_contacts(visible_contacts(user), replace(filters, search="")))
        counted = count_contacts(others, search_plan, COUNT_CAP)
        if counted is not None:
            return counted
    return count_up_to(queryset, COUNT_CAP)


def company_list(
    user,
    filters: CompanyFilters,
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    narrow: Callable[[QuerySet], QuerySet] = _unchanged,
) -> ListPage:
    """The companies list (owners joined); `narrow` as for contact_list."""
    queryset = narrow(filter_companies(visible_companies(user), filters))
    page = company_page(queryset.select_related("owner"), filters, sort, cursor, limit)
    count, capped = count_up_to(queryset, COUNT_CAP)
    return ListPage(page=page, count=count, count_is_capped=capped)


def contact_page(
    queryset: QuerySet[Contact], filters: ContactFilters, sort: str, cursor: str | None, limit: int
) -> Page:
    """One page of a filtered contacts queryset in a sort of CONTACT_SORTS (the list page and the API)."""
    if sort == RELEVANCE and filters.search.strip():
        return paginate_ranked(queryset, contact_rank_groups(filters.search), cursor, limit)
    sort_key = CONTACT_SORTS.get(sort, CONTACT_SORTS["newest"])[1]
    return paginate(queryset, sort_key, cursor, limit)


def company_page(
    queryset: QuerySet[Company], filters: CompanyFilters, sort: str, cursor: str | None, limit: int
) -> Page:
    if sort == RELEVANCE and filters.search.strip():
        return paginate_ranked(queryset, company_rank_groups(filters.search), cursor, limit)
    sort_key = COMPANY_SORTS.get(sort, COMPANY_SORTS["newest"])[1]
    return paginate(queryset, sort_key, cursor, limit)


def paginate_ranked(queryset: QuerySet, groups: list[Q], cursor: str | None, limit: int) -> Page:
    """A page in "Best match" order: the rows of `groups` (best first), then the rest, newest first within
    each; one query per group, each of at most a page (see search.py). Keyset cursors, both directions,
    as `paginate`; each row gets its group's score as `search_score`."""
    scored = []  # (score, condition) best first; each group leaves out the ones before it
    earlier = Q(pk__in=[])
    for position, condition in enumerate(groups):
        scored.append((len(groups) - position, condition & ~earlier))
        earlier |= condition
    scored.append((0, ~earlier))
    backwards = False
    position_values = None
    if cursor:
        values, backwards = decode_cursor(cursor, len(RELEVANCE_KEY.fields))
        if not isinstance(values[0], int) or isinstance(values[0], bool) or not 0 <= values[0] < RANK_GROUPS:
            raise InvalidCursor("This page link is no longer valid.")
        position_values = values
    rows: list = []
    for score, condition in reversed(scored) if backwards else scored:
        if position_values is not None and (
            score < position_values[0] if backwards else score > position_values[0]
        ):
            continue  # a group the cursor has passed already
        group = queryset.filter(condition)
        # A ranked group is found through its own (short) list from the name indexes, the search's list
        # only tests it; the rest is found through the search's list.
        setattr(group.query, SEARCH_DRIVES, score == 0)
        if position_values is not None and score == position_values[0]:
            try:
                group = group.filter(after(GROUP_KEY.fields, position_values[1:], descending=not backwards))
            except (ValueError, TypeError, ValidationError) as error:
                raise InvalidCursor("This page link is no longer valid.") from error
        fetched = list(group.order_by(*GROUP_KEY.order_by(reverse=backwards))[: limit + 1 - len(rows)])
        for row in fetched:
            row.search_score = score
        rows += fetched
        if len(rows) > limit:
            break
    return page_of(rows, RELEVANCE_KEY, cursor, limit, backwards)


def trash(user, model: type[Contact] | type[Company], cursor: str | None = None) -> Page:
    queryset = access.scope_queryset(user, Verb.DELETE, model.objects.filter(deleted_at__isnull=False))
    return paginate(queryset, SortKey(("deleted_at", "id"), descending=True), cursor, PAGE_SIZE)


def contact_detail(user, contact_id: int) -> Contact:
    """One live contact the user may see, with what its page shows beside the fields (404 otherwise)."""
    queryset = Contact.objects.filter(deleted_at__isnull=True).select_related("owner", "team", "company")
    return access.get_object_or_deny(user, Verb.VIEW, queryset.prefetch_related("tags"), pk=contact_id)


def company_detail(user, company_id: int) -> Company:
    queryset = Company.objects.filter(deleted_at__isnull=True).select_related("owner", "team")
    return access.get_object_or_deny(user, Verb.VIEW, queryset, pk=company_id)


def timeline(
    *,
    reader=None,
    contact: Contact | None = None,
    company: Company | None = None,
    cursor: str | None = None,
    kinds: list[str] | None = None,
    limit: int = 25,
) -> Page:
    """A record's touches, newest first, as `reader` may see them.

    A company's timeline gathers the touches of its contacts too; those of a contact the reader may not see
    (another team's, or in the trash) are left out in the same query: a join on the contact's primary key
    with the access rule as its condition, walking the (company, occurred_at, id) index. A contact's own
    timeline is all that contact's, so only a company's needs the reader (and refuses to run without one).
    """
    queryset = Activity.objects.select_related("actor")
    if contact is not None:
        queryset = queryset.filter(contact=contact)
    else:
        if reader is None:
            raise TypeError("A company's timeline needs the reader, to leave out contacts they may not see.")
        visible_contact = Q(contact__deleted_at__isnull=True) & access.related_condition(
            reader, Verb.VIEW, Contact, "contact"
        )
        queryset = queryset.filter(company=company).filter(Q(contact__isnull=True) | visible_contact)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    return paginate(queryset, SortKey(("occurred_at", "id"), descending=True), cursor, limit)


def consent_overview(contact: Contact) -> dict[str, Any]:
    """The consent that holds per purpose (the latest decision; older rows are its history) and whether the
    address is suppressed, for the contact page."""
    consents = {consent.purpose: consent for consent in Consent.objects.filter(contact=contact).current()}
    suppression = (
        Suppression.objects.filter(address_hash=address_hash(contact.email)).first()
        if contact.email
        else None
    )
    return {"consents": consents, "suppression": suppression}


def stage_history(contact: Contact) -> list[StageChange]:
    return list(contact.stage_changes.select_related("actor").order_by("-changed_at", "-id")[:20])


def company_contacts(user, company: Company, limit: int = 20) -> list[Contact]:
    return list(
        visible_contacts(user)
        .filter(company=company)
        .select_related("owner")
        .order_by(Lower("last_name"), "id")[:limit]
    )


def property_definitions(object_type: str) -> list[PropertyDefinition]:
    return list(PropertyDefinition.objects.filter(object_type=object_type))


def property_definitions_by_type() -> dict[str, list[PropertyDefinition]]:
    """Every definition, grouped by object type, in one query (the settings page's groups)."""
    grouped: dict[str, list[PropertyDefinition]] = {}
    for definition in PropertyDefinition.objects.all():
        grouped.setdefault(definition.object_type, []).append(definition)
    return grouped
