"""A year of deals: two pipelines (New business, Renewals), open deals on the board, and deals won and lost
with reasons, for the contacts the funnel took to sales qualified or beyond. Set-based (bulk inserts) and
deterministic: every draw comes from this step's own random stream, every time from the year of history."""

import datetime
from decimal import Decimal

from tandem.contacts.models import Activity, Contact
from tandem.demo.generator.context import DAY, GeneratorContext
from tandem.sales.deals.models import (
    Deal,
    DealContact,
    DealStageChange,
    LossReason,
    Pipeline,
    Stage,
    StageKind,
)
from tandem.sales.deals.services.reasons import DEFAULT_LOSS_REASONS

# name, probability, rotting days, required fields, kind
PIPELINES = {
    "New business": [
        ("Qualification", 10, 14, [], StageKind.OPEN),
        ("Discovery", 25, 21, [], StageKind.OPEN),
        ("Proposal", 50, 21, ["amount"], StageKind.OPEN),
        ("Negotiation", 75, 14, ["amount", "expected_close_date"], StageKind.OPEN),
        ("Won", 100, None, ["amount"], StageKind.WON),
        ("Lost", 0, None, [], StageKind.LOST),
    ],
    "Renewals": [
        ("Upcoming", 60, 30, [], StageKind.OPEN),
        ("In review", 75, 21, ["amount"], StageKind.OPEN),
        ("Renewed", 100, None, ["amount"], StageKind.WON),
        ("Churned", 0, None, [], StageKind.LOST),
    ],
}
AMOUNTS = [Decimal(value) for value in ("4800", "9600", "12000", "18000", "24000", "36000", "60000", "96000")]
CURRENCIES = ["EUR"] * 6 + ["USD"] * 3 + ["GBP"]
PRODUCTS = ["Dashboards", "Forecasting", "Data pipelines", "Alerts", "Embedded analytics"]
COMPETITORS = ["Contoso BI", "Fabrikam Insights", "Tailspin Data", ""]
MAX_DEALS = 900


def _pipelines() -> dict[str, list[Stage]]:
    Deal.objects.all().delete()
    Pipeline.objects.all().delete()
    result = {}
    for order, (name, stages) in enumerate(PIPELINES.items()):
        pipeline = Pipeline.objects.create(name=name, is_default=order == 0, order=order)
        result[name] = Stage.objects.bulk_create(
            [
                Stage(pipeline=pipeline, name=stage, order=index, probability=probability,
                      rotting_days=rotting, required_fields=required, kind=kind)
                for index, (stage, probability, rotting, required, kind) in enumerate(stages)
            ]
        )  # fmt: skip
    return result


def _reasons() -> list[LossReason]:
    for order, label in enumerate(DEFAULT_LOSS_REASONS):
        LossReason.objects.update_or_create(label=label, defaults={"order": order, "active": True})
    return list(LossReason.objects.filter(active=True))


# An open deal has been in its stage for a time drawn evenly up to its rotting days divided by this share:
# about 15 % of the board is past its rotting days, as on a board people keep up to date.
NOT_ROTTING_SHARE = 0.85


def _open_moves(rng, path: list[Stage], opened: datetime.datetime, end: datetime.datetime):
    """The moves of a deal still open: it entered its current stage recently (within its rotting days for
    most deals, past them for about 15 %), and the earlier stages before that, 3 to 25 days each, never
    before the deal could be opened (squeezed evenly when the contact is recent)."""
    final = path[-1]
    rotting = final.rotting_days or 30
    entered = end - datetime.timedelta(seconds=rng.randrange(DAY // 2, int(rotting * DAY / NOT_ROTTING_SHARE)))
    gaps = [rng.randrange(3 * DAY, 25 * DAY) for _ in path[:-1]]
    earliest = min(opened, end - datetime.timedelta(days=1))
    if entered < earliest:
        entered = earliest + (end - earliest) / 2
    room = (entered - earliest).total_seconds()
    if sum(gaps) > room:
        gaps = [int(gap * room / sum(gaps)) for gap in gaps]
    times = [entered]
    for gap in reversed(gaps):
        times.insert(0, times[0] - datetime.timedelta(seconds=gap))
    return list(zip(path, times, strict=True))


def create_deals(context: GeneratorContext) -> None:
    """Deals for the contacts at sales qualified or beyond: customers won (and some renewing), opportunities
    open on the board, some sales qualified leads lost with a reason."""
    rng = context.random("deals")
    stages = _pipelines()
    reasons = _reasons()
    new_business, renewals = stages["New business"], stages["Renewals"]
    end = context.end_at
    people = list(
        Contact.objects.filter(
            deleted_at__isnull=True, lifecycle_stage__in=["sql", "opportunity", "customer", "evangelist"]
        )
        .order_by("id")
        .values_list("id", "company_id", "owner_id", "team_id", "source", "lifecycle_stage", "created_at")[
            :MAX_DEALS
        ]
    )
    company_names = dict(
        Contact.objects.filter(pk__in=[row[0] for row in people]).values_list("pk", "company__name")
    )
    deals, paths = [], []
    for contact_id, company_id, owner_id, team_id, source, stage, created_at in people:
        opened = max(created_at, context.start_at) + datetime.timedelta(seconds=rng.randrange(DAY, 30 * DAY))
        opened = min(opened, end - datetime.timedelta(days=2))
        amount = rng.choice(AMOUNTS)
        product = rng.choice(PRODUCTS)
        name = f"{company_names.get(contact_id) or 'New'} — {product}"
        if stage in ("customer", "evangelist"):
            pipeline_stages, final = new_business, new_business[4]
        elif stage == "opportunity":
            pipeline_stages, final = new_business, new_business[rng.randrange(0, 4)]
        elif rng.random() < 0.55:
            pipeline_stages, final = new_business, new_business[5]
        else:
            pipeline_stages, final = new_business, new_business[0]
        path = [item for item in pipeline_stages if item.kind == StageKind.OPEN and item.order <= final.order]
        if final.kind != StageKind.OPEN:
            path = path[: rng.randrange(1, 5)] + [final]
        deals.append((contact_id, company_id, owner_id, team_id, source, name, amount, opened, path))
        if stage in ("customer", "evangelist") and rng.random() < 0.35:
            renewal_final = renewals[rng.choice([0, 0, 1, 2, 3])]
            renewal_path = [item for item in renewals if item.kind == StageKind.OPEN]
            renewal_path = renewal_path[: renewal_final.order + 1] if renewal_final.kind == StageKind.OPEN else [
                renewal_path[0], renewal_final]  # fmt: skip
            renewed = min(
                opened + datetime.timedelta(days=rng.randrange(60, 200)), end - datetime.timedelta(days=1)
            )
            deals.append((contact_id, company_id, owner_id, team_id, source, f"{name} renewal", amount, renewed,
                          renewal_path))  # fmt: skip
    rows = []
    for contact_id, company_id, owner_id, team_id, source, name, amount, opened, path in deals:
        if path[-1].kind == StageKind.OPEN:
            moves = _open_moves(rng, path, opened, end)
        else:
            moves, at = [], opened
            for stage in path:
                moves.append((stage, at))
                at = min(at + datetime.timedelta(seconds=rng.randrange(3 * DAY, 25 * DAY)), end)
        final, entered = moves[-1]
        # The deal was created into its first stage: its creation is the first move (an open deal's path is
        # drawn back from the stage it sits in now, so it may start after `opened`).
        created = moves[0][1]
        closed = final.kind != StageKind.OPEN
        lost = final.kind == StageKind.LOST
        close_date = (entered if closed else end + datetime.timedelta(days=rng.randrange(5, 120))).date()
        deal = Deal(
            name=name[:200], amount=amount, currency=rng.choice(CURRENCIES), expected_close_date=close_date,
            company_id=company_id, pipeline_id=final.pipeline_id, stage=final, status=final.kind,
            stage_entered_at=entered, source=source or "", owner_id=owner_id, team_id=team_id,
            # About one open deal in ten has no next step yet: the "No next step" list has work in it.
            next_step="" if closed or rng.random() < 0.1 else rng.choice(
                ["Send proposal", "Demo for the team", "Call the CFO", "Security review", "Agree on terms"]),
            next_step_date=None if closed else (end + datetime.timedelta(days=rng.randrange(1, 14))).date(),
            loss_reason=rng.choice(reasons) if lost else None,
            competitor=rng.choice(COMPETITORS) if lost else "",
            close_note="Chose a cheaper tool for now." if lost and rng.random() < 0.3 else "",
            closed_at=entered if closed else None, created_at=created, updated_at=entered,
        )  # fmt: skip
        rows.append(deal)
        paths.append((contact_id, company_id, owner_id, moves))
    Deal.objects.bulk_create(rows, batch_size=1000)
    contacts, changes, activities = [], [], []
    kinds = {StageKind.WON: "deal_won", StageKind.LOST: "deal_lost"}
    for deal, (contact_id, company_id, owner_id, moves) in zip(rows, paths, strict=True):
        contacts.append(DealContact(deal=deal, contact_id=contact_id, role="decision_maker", is_primary=True))
        previous = None
        for stage, at in moves:
            changes.append(
                DealStageChange(
                    deal=deal, from_stage=previous, to_stage=stage, changed_at=at, actor_id=owner_id
                )
            )
            previous = stage
        entries = [("deal_created", deal.created_at, {"deal": deal.name, "to": moves[0][0].name})]
        if deal.status in kinds:
            entries.append((kinds[deal.status], deal.closed_at, {"deal": deal.name}))
        for kind, at, details in entries:
            # The deal's own row, then the copies on the contact's timeline and on the company's, as the
            # services write them (`record_deal_activity`).
            targets = ({}, {"contact_id": contact_id}, {"company_id": company_id} if company_id else None)
            for target in targets:
                if target is not None:
                    activities.append(
                        Activity(**target, kind=kind, occurred_at=at, actor_id=owner_id, subject_type="deal",
                                 subject_id=deal.pk, details=details)
                    )  # fmt: skip
    DealContact.objects.bulk_create(contacts, batch_size=2000)
    DealStageChange.objects.bulk_create(changes, batch_size=2000)
    Activity.objects.bulk_create(activities, batch_size=2000)
