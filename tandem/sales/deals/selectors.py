"""Page-shaped reads of deals, scoped by the access policy: the list, one deal, the trash, the board, and
the deals panels of a company and a contact."""

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Lower
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import SortKey, count_up_to, paginate
from tandem.core.records import registry
from tandem.sales.deals.models import (
    Deal,
    DealContact,
    DealStageChange,
    LossReason,
    Pipeline,
    Stage,
    StageKind,
)
from tandem.sales.playbooks.models import Objection

SORTS = {
    "newest": ("Newest first", SortKey(("created_at", "id"), descending=True)),
    "oldest": ("Oldest first", SortKey(("created_at", "id"), descending=False)),
    "name": ("Name A–Z", SortKey(("name", "id"), descending=False)),
    "updated": ("Recently updated", SortKey(("updated_at", "id"), descending=True)),
}
CARDS_PER_COLUMN = 50


@dataclass
class DealFilters:
    search: str = ""
    owner_ids: list[int] = field(default_factory=list)
    unowned: bool = False
    team_ids: list[int] = field(default_factory=list)
    pipeline_ids: list[int] = field(default_factory=list)
    stage_ids: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None
    # The first day of the month the deal is expected to close in (the `close_month` filter).
    close_month: datetime.date | None = None
    company_ids: list[int] = field(default_factory=list)
    # ["missing"]: open deals without a next step (every open deal should have one).
    next_step: list[str] = field(default_factory=list)
    properties: list = field(default_factory=list)


@dataclass
class ListPage:
    page: object
    count: int
    count_is_capped: bool


def month_end(first: datetime.date) -> datetime.date:
    """The last day of the month `first` begins (an inclusive bound: December 9999 has no next month)."""
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def visible_deals(user):
    return access.scope_queryset(user, Verb.VIEW, Deal.objects.filter(deleted_at__isnull=True))


def filter_deals(queryset, filters: DealFilters):
    if filters.search:
        queryset = queryset.filter(
            Q(name__icontains=filters.search) | Q(company__name__icontains=filters.search)
        )
    if filters.owner_ids or filters.unowned:
        condition = Q(owner_id__in=filters.owner_ids)
        if filters.unowned:
            condition |= Q(owner__isnull=True)
        queryset = queryset.filter(condition)
    if filters.team_ids:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    if filters.pipeline_ids:
        queryset = queryset.filter(pipeline_id__in=filters.pipeline_ids)
    if filters.stage_ids:
        queryset = queryset.filter(stage_id__in=filters.stage_ids)
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.close_from:
        queryset = queryset.filter(expected_close_date__gte=filters.close_from)
    if filters.close_to:
        queryset = queryset.filter(expected_close_date__lte=filters.close_to)
    if filters.close_month:
        # A range on the column, never a function of it (`__month`, TruncMonth): the board's and the
        # forecast's indexes on expected_close_date serve it.
        queryset = queryset.filter(
            expected_close_date__gte=filters.close_month,
            expected_close_date__lte=month_end(filters.close_month),
        )
    if filters.company_ids:
        queryset = queryset.filter(company_id__in=filters.company_ids)
    if "missing" in filters.next_step:
        queryset = queryset.filter(status=StageKind.OPEN, next_step="")
    return registry.get("deal").properties.filter(queryset, filters.properties)


def filtered_deals(user, filters: DealFilters):
    return filter_deals(visible_deals(user), filters)


def deal_list(
    user,
    filters: DealFilters,
    sort: str = "newest",
    cursor=None,
    limit: int = 50,
    narrow: Callable[[QuerySet], QuerySet] = lambda queryset: queryset,
) -> ListPage:
    """A page of the deals list. `narrow`: the record layer's custom-property conditions, applied to what is
    paged and counted alike."""
    queryset = narrow(filtered_deals(user, filters))
    page = paginate(
        queryset.select_related("owner", "team", "company", "stage", "pipeline"),
        SORTS[sort][1],
        cursor,
        limit,
    )
    count, capped = count_up_to(queryset, 10_000)
    return ListPage(page, count, capped)


def deal_detail(user, pk) -> Deal:
    queryset = Deal.objects.filter(deleted_at__isnull=True).select_related(
        "owner", "team", "company", "stage", "pipeline", "loss_reason"
    )
    return access.get_object_or_deny(user, Verb.VIEW, queryset, pk=pk)


def deal_trash(user, cursor=None):
    queryset = access.scope_queryset(user, Verb.DELETE, Deal.objects.filter(deleted_at__isnull=False))
    return paginate(queryset, SortKey(("deleted_at", "id"), descending=True), cursor, 50)


def stage_history(deal: Deal) -> list[DealStageChange]:
    return list(
        DealStageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "actor")
        .order_by("-changed_at", "-id")[:50]
    )


def deal_people(deal: Deal) -> list[DealContact]:
    return list(
        DealContact.objects.filter(deal=deal, contact__deleted_at__isnull=True)
        .select_related("contact")
        .order_by("-is_primary", "id")
    )


def _recipients(user, deal: Deal):
    # Imported here: the contacts' selectors read the record registry at call time.
    from tandem.contacts import selectors as contact_selectors

    return (
        contact_selectors.visible_contacts(user)
        .filter(pk__in=DealContact.objects.filter(deal=deal).values("contact_id"))
        .exclude(email__isnull=True)
        .exclude(email="")
    )


def deal_recipients(user, deal: Deal) -> list:
    """The deal's contacts `user` may see that have an email address, the primary contact first: whom a 1:1
    email from the deal page can go to."""
    primary = DealContact.objects.filter(deal=deal, is_primary=True).values("contact_id")
    return list(
        _recipients(user, deal)
        .select_related("company")
        .annotate(is_primary=Exists(primary.filter(contact_id=OuterRef("pk"))))
        .order_by("-is_primary", Lower("last_name"), Lower("first_name"), "id")[:200]
    )


def deal_has_recipient(user, deal: Deal) -> bool:
    return _recipients(user, deal).exists()


def answers_used(deal: Deal, limit: int = 10) -> list:
    """The playbook answers reps marked used on this deal, newest first (the reverse of AnswerUse.deal)."""
    return list(deal.answer_uses.select_related("answer__objection", "user").order_by("-at", "-id")[:limit])


def objection_choices() -> list[tuple[str, list[Objection]]]:
    """The playbook's objections by category, for "Objections met" when a deal is lost."""
    labels = dict(Objection.Category.choices)
    groups: dict[str, list[Objection]] = {}
    for objection in Objection.objects.order_by("category", "text", "id")[:500]:
        groups.setdefault(labels.get(objection.category, objection.category.title()), []).append(objection)
    return list(groups.items())


def stage_deal_counts(stages) -> dict[int, int]:
    """How many deals (live or in the trash: they all point at the stage) each stage holds, in one query."""
    if not stages:
        return {}
    rows = (
        Deal.objects.filter(stage__in=stages).order_by().values_list("stage_id").annotate(total=Count("id"))
    )
    return dict(rows)


def pipeline_overview() -> list[Pipeline]:
    """Settings → Pipelines: every pipeline, archived ones last, with its stages in use and the number of
    open deals in each (two queries)."""
    pipelines_ = list(
        Pipeline.objects.order_by(F("archived_at").asc(nulls_first=True), "order", "id").prefetch_related(
            Prefetch("stages", queryset=Stage.objects.filter(archived_at__isnull=True), to_attr="live_stages")
        )
    )
    counts = dict(
        Deal.objects.filter(deleted_at__isnull=True, status=StageKind.OPEN)
        .order_by()
        .values_list("pipeline_id")
        .annotate(total=Count("id"))
    )
    live = [pipeline for pipeline in pipelines_ if pipeline.archived_at is None]
    for pipeline in pipelines_:
        pipeline.open_deals = counts.get(pipeline.pk, 0)
        pipeline.is_last_live = bool(live) and pipeline is live[-1]
        for stage in pipeline.live_stages:
            stage.required_labels = [
                Stage.REQUIRABLE[name] for name in stage.required_fields if name in Stage.REQUIRABLE
            ]
    return pipelines_


def active_loss_reasons() -> list[LossReason]:
    return list(LossReason.objects.filter(active=True))


def pipelines() -> list[Pipeline]:
    """The pipelines in use (not archived), each with its stages in use, in their order."""
    return list(
        Pipeline.objects.filter(archived_at__isnull=True).prefetch_related(
            Prefetch("stages", queryset=Stage.objects.filter(archived_at__isnull=True))
        )
    )


def stage_choices() -> list[tuple[str, str]]:
    """Every open or won stage as "Pipeline · Stage", for the deal form's select and the bulk move."""
    stages = (
        Stage.objects.select_related("pipeline")
        .filter(archived_at__isnull=True, pipeline__archived_at__isnull=True)
        .exclude(kind=StageKind.LOST)
    )
    return [
        (str(stage.pk), f"{stage.pipeline.name} · {stage.name}")
        for stage in stages.order_by("pipeline__order", "pipeline_id", "order", "id")
    ]


def related_deals(user, *, company=None, contact=None, limit: int = 20) -> list[Deal]:
    """The live deals of a company or of a contact the user may see, open first, then the newest."""
    queryset = visible_deals(user)
    if company is not None:
        queryset = queryset.filter(company=company)
    if contact is not None:
        queryset = queryset.filter(pk__in=DealContact.objects.filter(contact=contact).values("deal_id"))
    return list(
        queryset.select_related("stage", "owner").order_by(
            F("closed_at").desc(nulls_first=True), "-created_at", "-id"
        )[:limit]
    )


# --- the board ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Card:
    """A deal as its board card shows it: the row's columns plus its company's and owner's names, read as
    plain values (building 300 model instances with their company and owner was most of the selector's
    time). `access_object_type` lets `access.can` judge it like a Deal, from its owner and team."""

    access_object_type = "deal"

    pk: int
    name: str
    amount: Decimal | None
    currency: str
    expected_close_date: datetime.date | None
    stage_id: int
    stage_entered_at: datetime.datetime
    next_step: str
    next_step_date: datetime.date | None
    owner_id: int | None
    team_id: int | None
    company_id: int | None
    company_name: str
    owner_name: str


@dataclass
class Column:
    stage: Stage
    count: int = 0
    # per currency: [(currency, total, weighted)], largest first
    totals: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


# What a board card shows (deals/_board.html, display.board_cards) or its access check and rotting flag read,
# in Card's order; the owner's three columns make its name.
CARD_COLUMNS = (
    "id", "name", "amount", "currency", "expected_close_date", "stage_id", "stage_entered_at", "next_step",
    "next_step_date", "owner_id", "team_id", "company_id", "company__name", "owner__first_name",
    "owner__last_name", "owner__email",
)  # fmt: skip


def board(
    user, pipeline: Pipeline, filters: DealFilters, *, per_column: int = CARDS_PER_COLUMN
) -> list[Column]:
    """One column per stage of `pipeline`: the count, total and weighted total (amount × the stage's win
    probability) per currency of the deals the user may see that match `filters`, and the first
    `per_column` cards by expected close date (deals without one last). Four queries whatever the number of
    stages or deals (the stages, then these three), none reading more rows than it needs:

    - the sums: one GROUP BY (stage, currency), served by the covering index `deal_board_totals` (no row of
      the table is read); the weighted total is the total × the stage's probability ÷ 100, the same number
      as summing each deal's weighted amount, without a join per deal;
    - the cards: one statement of two index ranges per stage (`deal_board`), the dated deals in close date
      order and the undated ones, each stopping after `per_column` rows: a window over every deal of the
      pipeline (ROW_NUMBER) numbered all 50,000 deals of a large board to keep 300;
    - those cards with their company's and owner's names, by id, as `Card` values."""
    stages = list(pipeline.stages.filter(archived_at__isnull=True))
    columns = {stage.pk: Column(stage) for stage in stages}
    deals = filter_deals(visible_deals(user), filters).filter(pipeline=pipeline)
    sums = deals.order_by().values("stage_id", "currency").annotate(count=Count("id"), total=Sum("amount"))
    for row in sums:
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["count"]
        if row["total"] is not None:
            total = Decimal(row["total"]).quantize(Decimal("0.01"))
            weighted = (total * column.stage.probability / 100).quantize(Decimal("0.01"))
            column.totals.append((row["currency"], total, weighted))
    for column in columns.values():
        column.totals.sort(key=lambda item: (-item[1], item[0]))
    fields = ("id", "stage_id", "expected_close_date")
    ranges = []
    for stage in stages:
        in_stage = deals.filter(stage=stage).order_by()
        dated = in_stage.filter(expected_close_date__isnull=False).order_by("expected_close_date", "id")
        undated = in_stage.filter(expected_close_date__isnull=True).order_by("id")
        ranges += [dated.values_list(*fields)[:per_column], undated.values_list(*fields)[:per_column]]
    # A column keeps its first `per_column` of the (at most 2 × per_column) rows its two ranges gave.
    first: dict[int, list[tuple]] = {stage.pk: [] for stage in stages}
    for row in sorted(_union_of_rows(ranges), key=_board_order):
        if len(first[row[1]]) < per_column:
            first[row[1]].append(row)
    ids = [row[0] for rows in first.values() for row in rows]
    cards = {}
    for row in Deal.objects.filter(pk__in=ids).order_by().values_list(*CARD_COLUMNS):
        *values, first_name, last_name, email = row
        # User.display_name: the full name, else the email address.
        cards[row[0]] = Card(*values, f"{first_name or ''} {last_name or ''}".strip() or (email or ""))
    for rows in first.values():
        for row in rows:
            card = cards.get(row[0])
            if card is not None:  # gone between the two reads (a deal deleted meanwhile)
                columns[row[1]].cards.append(card)
    return [columns[stage.pk] for stage in stages]


def _board_order(row: tuple) -> tuple:
    """A card's place in its column: by close date, the deals without one after the others, then by id
    (`row` is id, stage id, close date: a date, or its ISO text as SQLite's cursor returns it)."""
    deal_id, _stage_id, close_date = row
    return (close_date is None, str(close_date or ""), deal_id)


def _union_of_rows(ranges: list[QuerySet]) -> list[tuple]:
    """The rows of every sliced, ordered values_list queryset in `ranges`, in one statement (UNION ALL of
    subqueries: Django's own union() refuses a LIMIT in its parts on SQLite)."""
    parts, params = [], []
    for number, queryset in enumerate(ranges):
        try:
            sql, part_params = queryset.query.sql_with_params()
        except EmptyResultSet:  # a range that cannot hold a row (a reader who may see no deal)
            continue
        parts.append(f"SELECT * FROM ({sql}) AS range_{number}")
        params.extend(part_params)
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def is_rotting(deal: Deal | Card, stage: Stage, now: datetime.datetime | None = None) -> bool:
    """An open deal sitting in its stage longer than the stage's rotting days."""
    if stage.kind != StageKind.OPEN or not stage.rotting_days:
        return False
    now = now or timezone.now()
    return now - deal.stage_entered_at > datetime.timedelta(days=stage.rotting_days)
