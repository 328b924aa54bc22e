"""Reads for the duplicates pages and merge history: likely duplicate pairs, found set-based.

Each reason is a key (a phone, a name at an email domain...). A page is a keyset page of duplicate
*groups*: `GROUP BY key HAVING COUNT(*) > 1` over the live records the user may see, walked in key order
through a partial index made for it, so the database stops after one page of groups however many records
there are. Then the members of just those groups are read (at most MEMBERS_PER_GROUP each) and paired.

Email and external id are not reasons: both are unique among live records (database constraints), so two
live records can never share them. A company's domain is unique among live companies for the same reason.
"""

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import BooleanField, Count, F, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, RowNumber

from tandem.contacts.models import Company, Contact, DismissedDuplicate, MergeRecord
from tandem.contacts.selectors import visible_companies, visible_contacts
from tandem.core.pagination import Page, SortKey, paginate

GROUPS_PER_PAGE = 25
MEMBERS_PER_GROUP = 5

# Addresses at these domains belong to private people, not a company: the same name at gmail.com says
# nothing about being the same person.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
    }
)


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    # The grouping columns, by their annotation names on the candidates queryset.
    fields: tuple[str, ...]


CONTACT_REASONS: dict[str, Reason] = {
    reason.key: reason
    for reason in (
        Reason("phone", "Same phone number", ("phone",)),
        Reason(
            "name_domain", "Same name at the same email domain", ("key_last", "key_first", "email_domain")
        ),
        Reason("name_company", "Same name at the same company", ("key_last", "key_first", "company_id")),
    )
}
COMPANY_REASONS: dict[str, Reason] = {
    reason.key: reason
    for reason in (
        Reason("name", "Same name", ("key_name",)),
        Reason("phone", "Same phone number", ("phone",)),
    )
}


@dataclass
class DuplicateGroup:
    reason: Reason
    key: tuple[Any, ...]
    size: int
    members: list[Any] = field(default_factory=list)
    # (first, second) in id order, not dismissed, among the members shown.
    pairs: list[tuple[Any, Any]] = field(default_factory=list)


def reasons_for(object_type: str) -> dict[str, Reason]:
    return CONTACT_REASONS if object_type == "contact" else COMPANY_REASONS


def _candidates(user, object_type: str, reason: Reason) -> QuerySet:
    """The live, visible records that have a value for the reason's key, with the key annotated. The
    filters repeat the partial index's condition so the database can use it."""
    if object_type == "contact":
        queryset = visible_contacts(user)
        if reason.key == "phone":
            return queryset.exclude(phone="")
        queryset = queryset.exclude(first_name="").exclude(last_name="")
        queryset = queryset.annotate(key_last=Lower("last_name"), key_first=Lower("first_name"))
        if reason.key == "name_domain":
            return queryset.exclude(email_domain="").exclude(email_domain__in=FREE_MAIL_DOMAINS)
        return queryset.filter(company__isnull=False)
    queryset = visible_companies(user)
    if reason.key == "phone":
        return queryset.exclude(phone="")
    return queryset.annotate(key_name=Lower("name"))


def _key_condition(reason: Reason, key: tuple[Any, ...]) -> Q:
    return Q(**dict(zip(reason.fields, key, strict=True)))


class _PairDismissed(RawSQL):
    """HAVING-side test: the group's two members (its MIN and MAX id) were dismissed as a pair.

    Django cannot point a subquery's OuterRef at an aggregate, so this is written out; it is an
    aggregate condition (belongs in HAVING, adds nothing to GROUP BY). Only our table names go in the
    text; the object type is a bound parameter.
    """

    contains_aggregate = True

    def __init__(self, table: str, object_type: str):
        dismissed = DismissedDuplicate._meta.db_table
        # A row-value IN keeps MIN and MAX in the outer query (SQLite refuses outer aggregates inside a
        # correlated subquery); the dismissals form a small hashed set.
        super().__init__(
            f'(MIN("{table}"."id"), MAX("{table}"."id")) IN'
            f' (SELECT first_id, second_id FROM "{dismissed}" WHERE object_type = %s)',
            [object_type],
            output_field=BooleanField(),
        )

    def get_group_by_cols(self):
        return []


def duplicate_groups(
    user, object_type: str, reason_key: str, cursor: str | None = None, limit: int = GROUPS_PER_PAGE
) -> tuple[Page, list[DuplicateGroup]]:
    """One keyset page of duplicate groups for a reason, with their members and undismissed pairs.

    Only records the user may see take part, so a pair never shows a record the user may not open. A
    group of two whose pair was dismissed is left out in SQL; a larger group is shown while any of its
    pairs is undismissed. Raises InvalidCursor for a tampered cursor.
    """
    reasons = reasons_for(object_type)
    reason = reasons.get(reason_key) or next(iter(reasons.values()))
    candidates = _candidates(user, object_type, reason)
    model = candidates.model
    groups = (
        candidates.order_by()
        .values(*reason.fields)
        .annotate(size=Count("id"))
        .filter(size__gt=1)
        .exclude(Q(size=2) & _PairDismissed(model._meta.db_table, object_type))
    )
    page = paginate(
        groups,
        SortKey(reason.fields, descending=False),
        cursor,
        limit,
        key=lambda row: [row[name] for name in reason.fields],
    )
    result = [
        DuplicateGroup(reason=reason, key=tuple(row[name] for name in reason.fields), size=row["size"])
        for row in page.rows
    ]
    _load_members(object_type, reason, candidates, result)
    return page, result


def _load_members(
    object_type: str, reason: Reason, candidates: QuerySet, groups: list[DuplicateGroup]
) -> None:
    """The first MEMBERS_PER_GROUP records of each group (by id), and their pairs minus dismissed ones."""
    if not groups:
        return
    condition = Q()
    for group in groups:
        condition |= _key_condition(reason, group.key)
    if object_type == "contact":
        candidates = candidates.select_related("company", "owner")
    else:
        candidates = candidates.select_related("owner")
    members = (
        candidates.filter(condition)
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F(name) for name in reason.fields], order_by=F("id").asc()
            )
        )
        .filter(position__lte=MEMBERS_PER_GROUP)
        .order_by("id")
    )
    by_key: dict[tuple[Any, ...], list[Any]] = {}
    for member in members:
        by_key.setdefault(tuple(getattr(member, name) for name in reason.fields), []).append(member)
    member_ids = [member.pk for members_of_group in by_key.values() for member in members_of_group]
    dismissed = set(
        DismissedDuplicate.objects.filter(
            object_type=object_type, first_id__in=member_ids, second_id__in=member_ids
        ).values_list("first_id", "second_id")
    )
    for group in groups:
        group.members = by_key.get(group.key, [])
        group.pairs = [
            (first, second)
            for first, second in combinations(group.members, 2)
            if (first.pk, second.pk) not in dismissed
        ]


def merge_history(object_type: str, survivor_id: int, limit: int = 10) -> list[MergeRecord]:
    """The merges into this record, newest first, for the panel on its page."""
    return list(
        MergeRecord.objects.filter(object_type=object_type, survivor_id=survivor_id)
        .select_related("actor", "undone_by")
        .order_by("-merged_at", "-id")[:limit]
    )


def undoable_merge_id(object_type: str, survivor_id: int) -> int | None:
    """Merges are undone newest first: the latest merge into this record that is not undone yet."""
    return (
        MergeRecord.objects.filter(object_type=object_type, survivor_id=survivor_id, undone_at__isnull=True)
        .order_by("-merged_at", "-id")
        .values_list("id", flat=True)
        .first()
    )


def model_for(object_type: str) -> type[Contact] | type[Company]:
    return Contact if object_type == "contact" else Company
