"""Reads for the home dashboard and global search. Every row comes through the contacts selectors'
visibility helpers, so nothing here shows a record the user could not open."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from tandem.contacts.models import Activity, Company, Contact, LifecycleStage
from tandem.contacts.search import best_contacts, rank_companies
from tandem.contacts.selectors import (
    CompanyFilters,
    ContactFilters,
    filter_companies,
    filter_contacts,
    visible_companies,
    visible_contacts,
)
from tandem.core import access
from tandem.core.access import Scope, Verb

FUNNEL_CACHE_SECONDS = 300
RECENT_ACTIVITY_LIMIT = 15
RECENT_CONTACTS_LIMIT = 8
SUGGEST_LIMIT = 5
SEARCH_PAGE_LIMIT = 25


# Labels short enough for a badge or a funnel tile; the full label stays in the title attribute.
STAGE_SHORT_LABELS = {"mql": "MQL", "sql": "SQL"}


def stage_short_label(stage: str) -> str:
    return STAGE_SHORT_LABELS.get(stage) or dict(LifecycleStage.choices).get(stage, stage)


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    label: str
    count: int

    @property
    def short_label(self) -> str:
        return stage_short_label(self.stage)


@dataclass(frozen=True)
class Funnel:
    steps: list[FunnelStep]
    total: int
    largest: int


def _funnel_cache_key(user) -> str:
    """Users who see the same contacts share one cached funnel: everyone, one team, or one owner."""
    scope = access.scope_for(user, "contact", Verb.VIEW)
    if scope is Scope.EVERYTHING:
        return "insights:funnel:all"
    if scope is Scope.TEAM and user.team_id is not None:
        return f"insights:funnel:team:{user.team_id}"
    if scope is Scope.NONE:
        return "insights:funnel:none"
    return f"insights:funnel:owner:{user.pk}"


def stage_counts(user) -> dict[str, int]:
    """Live contacts the user may see, counted per lifecycle stage in ONE GROUP BY, cached for 5 minutes."""
    key = _funnel_cache_key(user)
    counts = cache.get(key)
    if counts is None:
        rows = (
            visible_contacts(user)
            .order_by()
            .values_list("lifecycle_stage")
            .annotate(number=Count("id"))
            .values_list("lifecycle_stage", "number")
        )
        counts = dict(rows)
        cache.set(key, counts, FUNNEL_CACHE_SECONDS)
    return counts


def funnel(user) -> Funnel:
    counts = stage_counts(user)
    steps = [FunnelStep(stage, label, counts.get(stage, 0)) for stage, label in LifecycleStage.choices]
    total = sum(step.count for step in steps)
    return Funnel(steps=steps, total=total, largest=max((step.count for step in steps), default=0))


def recent_contacts(user, limit: int = RECENT_CONTACTS_LIMIT) -> list[Contact]:
    """The contacts this user owns, most recently updated first."""
    return list(
        visible_contacts(user)
        .filter(owner_id=user.pk)
        .select_related("company")
        .order_by("-updated_at", "-id")[:limit]
    )


def recent_activity_queryset(user) -> QuerySet[Activity]:
    """Activities on live records the user may see, newest first.

    Walks the (occurred_at DESC, id DESC) index from the newest row and checks each row's record with a
    correlated EXISTS on its primary key, stopping at the LIMIT: no scan of the activity table, and no
    materialised list of the visible contacts.
    """
    contact_visible = Exists(visible_contacts(user).filter(pk=OuterRef("contact_id")))
    company_visible = Exists(visible_companies(user).filter(pk=OuterRef("company_id")))
    # A touch on a contact belongs to that contact: it shows only if the contact may be seen, even when it
    # also names a company the user sees (as a company's timeline does). A company's own touch needs the
    # company.
    return (
        Activity.objects.filter(contact_visible | (Q(contact_id__isnull=True) & company_visible))
        .select_related("contact", "company", "actor")
        .order_by("-occurred_at", "-id")
    )


def recent_activity(user, limit: int = RECENT_ACTIVITY_LIMIT) -> list[Activity]:
    return list(recent_activity_queryset(user)[:limit])


@dataclass
class SearchResults:
    query: str
    contacts: list[Contact]
    companies: list[Company]
    more_contacts: bool
    more_companies: bool

    @property
    def is_empty(self) -> bool:
        return not self.contacts and not self.companies


def search(user, text: str, limit: int = SUGGEST_LIMIT) -> SearchResults:
    """Contacts and companies matching `text` that the user may see, at most `limit` of each, best match
    first (tandem.contacts.search.best_contacts: an exact name, then a name that starts so, then the other
    matches; companies: an exact name, a name that starts so, a domain that does), then by name."""
    text = text.strip()[:100]
    if not text:
        return SearchResults(text, [], [], False, False)
    contacts: list[Contact] = []
    companies: list[Company] = []
    if access.allows(user, "contact", Verb.VIEW):
        matching = filter_contacts(visible_contacts(user), ContactFilters(search=text))
        contacts = best_contacts(matching.select_related("company"), text, limit)
    if access.allows(user, "company", Verb.VIEW):
        matching_companies = filter_companies(visible_companies(user), CompanyFilters(search=text))
        companies = list(
            rank_companies(matching_companies, text).order_by("search_rank", "name", "id")[: limit + 1]
        )
    return SearchResults(
        query=text,
        contacts=contacts[:limit],
        companies=companies[:limit],
        more_contacts=len(contacts) > limit,
        more_companies=len(companies) > limit,
    )
