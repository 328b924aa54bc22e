"""Quotes on a share of the demo's deals: accepted on won deals, declined on some lost ones, sent or draft on
open deals in Proposal or Negotiation, each with its lines (also on the deal), numbered per year in the order
they were made, with the timeline entries the services write. Set-based and deterministic: draws from this
step's own random stream, deals walked in insertion order (by id), numbers given by (created time, that
order), so no two rows tie."""

import datetime
from decimal import Decimal

from tandem.contacts.models import Activity, Contact
from tandem.demo.generator.context import DAY, GeneratorContext
from tandem.sales.catalog.models import Product
from tandem.sales.deals.models import Deal, DealContact, StageKind
from tandem.sales.quotes import money
from tandem.sales.quotes.models import DealLine, Quote, QuoteLine, QuoteNumberCounter, QuoteStatus
from tandem.sales.quotes.services.quotes import DEFAULT_TERMS, format_number

TAX_RATES = [Decimal("19"), Decimal("20"), Decimal("0"), Decimal("8.1")]
DECLINE_REASONS = [
    "We chose to stay with our current tool this year.",
    "The budget was moved to next year.",
    "Too expensive for the number of seats we need.",
    "Went with another vendor.",
]


def _lines(rng, deal_amount: Decimal, currency: str, products: list[Product]) -> list[dict]:
    """One to three lines: a plan sized to the deal's amount, maybe an add-on, maybe a free services line."""
    chosen = rng.sample(products, k=min(len(products), rng.randrange(1, 3)))
    lines = []
    for index, product in enumerate(chosen):
        share = deal_amount if index == 0 else deal_amount / 10
        quantity = (
            max(Decimal(1), (share / product.price).to_integral_value()) if product.price else Decimal(1)
        )
        lines.append({
            "product_id": product.pk if product.currency == currency else None, "name": product.name,
            "quantity": min(quantity, Decimal(999)), "unit_price": product.price,
            "discount_percent": rng.choice([Decimal(0), Decimal(0), Decimal(5), Decimal(10)]),
        })  # fmt: skip
    if rng.random() < 0.4:
        lines.append({"product_id": None, "name": "Onboarding workshop", "quantity": Decimal(1),
                      "unit_price": Decimal("1500.00"), "discount_percent": Decimal(0)})  # fmt: skip
    return lines


def create_quotes(context: GeneratorContext) -> None:
    rng = context.random("quotes")
    Quote.objects.all().delete()
    DealLine.objects.all().delete()
    QuoteNumberCounter.objects.all().delete()
    products = list(Product.objects.filter(deleted_at__isnull=True, active=True, price__gt=0).order_by("sku"))
    if not products:
        return
    end = context.end_at
    deals = list(
        Deal.objects.filter(deleted_at__isnull=True)
        .select_related("stage")
        .order_by("id")
        .values_list("id", "name", "amount", "currency", "status", "stage__name", "owner_id", "team_id",
                     "company_id", "created_at", "closed_at")
    )  # fmt: skip
    primary = dict(DealContact.objects.filter(is_primary=True).values_list("deal_id", "contact_id"))
    names = {
        pk: f"{first} {last}".strip()
        for pk, first, last in Contact.objects.filter(pk__in=primary.values()).values_list(
            "pk", "first_name", "last_name"
        )
    }
    planned = []
    for order, (
        deal_id,
        name,
        amount,
        currency,
        status,
        stage,
        owner_id,
        team_id,
        company_id,
        created,
        closed,
    ) in enumerate(deals):
        draw = rng.random()
        if status == StageKind.WON and draw < 0.6:
            answered = closed - datetime.timedelta(hours=rng.randrange(1, 48))
            outcome = QuoteStatus.ACCEPTED
        elif status == StageKind.LOST and draw < 0.35:
            answered = closed - datetime.timedelta(hours=rng.randrange(1, 48))
            outcome = QuoteStatus.DECLINED
        elif status == StageKind.OPEN and stage in ("Proposal", "Negotiation", "In review") and draw < 0.7:
            answered, outcome = None, rng.choice([QuoteStatus.SENT, QuoteStatus.SENT, QuoteStatus.DRAFT])
        else:
            continue
        reference = answered or end - datetime.timedelta(seconds=rng.randrange(DAY, 10 * DAY))
        sent = reference - datetime.timedelta(seconds=rng.randrange(DAY, 9 * DAY))
        made = max(created, sent - datetime.timedelta(seconds=rng.randrange(3600, 2 * DAY)))
        sent = max(sent, made + datetime.timedelta(minutes=5))
        lines = _lines(rng, amount or Decimal("1000"), currency, products)
        discount = rng.choice([Decimal(0), Decimal(0), Decimal(5)])
        tax = rng.choice(TAX_RATES)
        planned.append((made, order, deal_id, name, currency, owner_id, team_id, company_id, outcome, sent, answered,
                        lines, discount, tax))  # fmt: skip
    planned.sort(key=lambda item: (item[0], item[1]))
    counters: dict[int, int] = {}
    quotes, quote_lines, deal_lines, activities = [], [], [], []
    for (
        made,
        _,
        deal_id,
        name,
        currency,
        owner_id,
        team_id,
        company_id,
        outcome,
        sent,
        answered,
        lines,
        discount,
        tax,
    ) in planned:
        counters[made.year] = counters.get(made.year, 0) + 1
        totals = money.totals([_Line(**line) for line in lines], discount, tax)
        contact_id = primary.get(deal_id)
        was_sent = outcome != QuoteStatus.DRAFT
        quote = Quote(
            number=format_number(made.year, counters[made.year]), deal_id=deal_id, owner_id=owner_id, team_id=team_id,
            currency=currency, status=outcome, discount_percent=discount, tax_rate=tax, terms=DEFAULT_TERMS,
            valid_until=(sent + datetime.timedelta(days=30)).date(), subtotal=totals.subtotal,
            discount_amount=totals.discount, tax_amount=totals.tax, total=totals.total, created_by_id=owner_id,
            sent_at=sent if was_sent else None, sent_by_id=owner_id if was_sent else None,
            accepted_at=answered if outcome == QuoteStatus.ACCEPTED else None,
            accepted_name=names.get(contact_id, "") if outcome == QuoteStatus.ACCEPTED else "",
            accepted_ip=f"192.0.2.{rng.randrange(1, 255)}" if outcome == QuoteStatus.ACCEPTED else None,
            declined_at=answered if outcome == QuoteStatus.DECLINED else None,
            decline_reason=rng.choice(DECLINE_REASONS) if outcome == QuoteStatus.DECLINED else "",
            created_at=made, updated_at=answered or sent,
        )  # fmt: skip
        quotes.append(quote)
        for position, line in enumerate(lines, start=1):
            deal_lines.append(DealLine(deal_id=deal_id, position=position, created_at=made, **line))
        entries = []
        if was_sent:
            entries.append(("quote_sent", sent, {}))
        if outcome == QuoteStatus.ACCEPTED:
            entries.append(("quote_accepted", answered, {"by": quote.accepted_name}))
        elif outcome == QuoteStatus.DECLINED:
            entries.append(("quote_declined", answered, {"reason": quote.decline_reason}))
        activities.append((quote, contact_id, company_id, name, entries, lines))
    Quote.objects.bulk_create(quotes, batch_size=1000)
    DealLine.objects.bulk_create(deal_lines, batch_size=2000)
    timeline = []
    for quote, contact_id, company_id, name, entries, lines in activities:
        quote_lines += [
            QuoteLine(quote=quote, position=position, created_at=quote.created_at, **line)
            for position, line in enumerate(lines, start=1)
        ]
        for kind, at, extra in entries:
            details = {"quote": quote.number, "deal": name, **extra}
            actor_id = quote.owner_id if kind == "quote_sent" else None  # the buyer answers, not a user
            # On the contact's timeline and on the company's, as the services write them.
            for target in ({"contact_id": contact_id}, {"company_id": company_id}):
                if next(iter(target.values())) is not None:
                    timeline.append(
                        Activity(**target, kind=kind, occurred_at=at, actor_id=actor_id, subject_type="quote",
                                 subject_id=quote.pk, details=details)
                    )  # fmt: skip
    QuoteLine.objects.bulk_create(quote_lines, batch_size=2000)
    Activity.objects.bulk_create(timeline, batch_size=2000)
    QuoteNumberCounter.objects.bulk_create(
        [QuoteNumberCounter(year=year, last=last) for year, last in sorted(counters.items())]
    )


class _Line:
    def __init__(self, *, product_id, name, quantity, unit_price, discount_percent):
        self.quantity, self.unit_price, self.discount_percent = quantity, unit_price, discount_percent
