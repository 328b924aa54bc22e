"""Creating, editing, trashing and restoring quotes, and the counter that numbers them."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.contacts.services.fields import parse_ids, raise_if
from tandem.contacts.services.writes import StaleRecord, check_version, next_updated_at, record_version
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User
from tandem.sales.deals.models import Deal
from tandem.sales.quotes import events
from tandem.sales.quotes.models import DealLine, Quote, QuoteLine, QuoteNumberCounter, QuoteStatus
from tandem.sales.quotes.services.cleaning import parse_percent
from tandem.sales.quotes.services.lines import lock_quote, store_totals

__all__ = ["StaleRecord"]

EDITABLE_FIELDS = ["deal", "valid_until", "discount_percent", "tax_rate", "terms", "close_deal_on_accept"]
AUDITED = ["valid_until", "discount_percent", "tax_rate", "terms", "close_deal_on_accept"]
DEFAULT_VALIDITY_DAYS = 30
MAX_TERMS = 10_000
DEFAULT_TERMS = "Prices exclude tax unless stated. Payment within 30 days of the invoice date."


def quote_version(quote: Quote) -> str:
    return record_version(quote)


def format_number(year: int, sequence: int) -> str:
    return f"Q-{year}-{sequence:04d}"


def allocate_number(today: datetime.date | None = None) -> str:
    """The next quote number of the year, inside the caller's transaction. The year's counter row is
    locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already queue writers), so
    two creators are ordered and get consecutive numbers; it never goes down, so a number is never reused.
    A rolled-back creation gives its number back with its counter, so the sequence has no holes."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_number must run inside the transaction that creates the quote.")
    year = (today or timezone.localdate()).year
    counter = QuoteNumberCounter.objects.select_for_update().filter(year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                QuoteNumberCounter.objects.create(year=year, last=0)
        except IntegrityError:
            pass  # another creator made the year's row first; lock theirs
        counter = QuoteNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    QuoteNumberCounter.objects.filter(year=year).update(last=counter.last)
    return format_number(year, counter.last)


def _clean_date(raw: Any, errors: dict[str, str]) -> datetime.date | None:
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        errors["valid_until"] = (
            f"“{str(raw)[:30]}” is not a date; use YYYY-MM-DD."
            if raw
            else "Give the date the quote is valid until."
        )
        return None


def _clean_deal(actor, raw: Any, errors: dict[str, str]) -> Deal | None:
    deal = raw if isinstance(raw, Deal) else None
    if deal is None and raw not in (None, ""):
        try:
            deal = Deal.objects.filter(pk=int(raw), deleted_at__isnull=True).first()
        except (TypeError, ValueError):
            deal = None
    if (
        deal is None
        or deal.deleted_at is not None
        or (actor is not None and not access.can(actor, Verb.VIEW, deal))
    ):
        errors["deal"] = "Choose a deal that exists."
        return None
    if actor is not None and not access.can(actor, Verb.CHANGE, deal):
        errors["deal"] = "You may not change this deal, so you may not quote it."
        return None
    return deal


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


def clean_quote_values(actor, values: Mapping[str, Any], quote: Quote | None) -> dict[str, Any]:
    """Check and convert what a form or the API hands in; errors keyed by field, one sentence each. Totals
    and the status are never taken from the caller: the server computes the one and the flow sets the other."""
    errors: dict[str, str] = {}
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        errors[unknown[0]] = f"“{unknown[0]}” cannot be set on a quote."
    cleaned: dict[str, Any] = {}
    if quote is None:
        cleaned["deal"] = _clean_deal(actor, values.get("deal"), errors)
    elif (
        "deal" in values
        and values["deal"] not in (None, "")
        and str(getattr(values["deal"], "pk", values["deal"])) != str(quote.deal_id)
    ):
        errors["deal"] = "A quote stays with its deal; create a new quote from the other deal instead."
    if "valid_until" in values or quote is None:
        raw = values.get("valid_until")
        if raw in (None, "") and quote is None:
            cleaned["valid_until"] = timezone.localdate() + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)
        else:
            cleaned["valid_until"] = _clean_date(raw, errors)
    for name, label, places in (("discount_percent", "discount", 2), ("tax_rate", "tax rate", 3)):
        if name in values:
            cleaned[name] = parse_percent(values[name], errors, name=name, label=label, places=places)
    if "terms" in values:
        terms = str(values["terms"] or "").strip().replace("\r\n", "\n")
        if len(terms) > MAX_TERMS:
            errors["terms"] = f"At most {MAX_TERMS:,} characters."
        cleaned["terms"] = terms
    if "close_deal_on_accept" in values:
        cleaned["close_deal_on_accept"] = _boolean(values["close_deal_on_accept"])
    raise_if(errors)
    return cleaned


def _snapshot(quote: Quote) -> dict[str, str]:
    return {name: "" if getattr(quote, name) is None else str(getattr(quote, name)) for name in AUDITED}


@transaction.atomic
def create_quote(*, actor: User | None, values: Mapping[str, Any], request=None) -> Quote:
    """A draft quote for a deal the actor may change: the deal's lines copied (then the quote's own), its
    currency, owner and team, the next number of the year, the totals computed here."""
    if actor is not None:
        access.require_allowed(actor, "quote", Verb.CREATE)
    cleaned = clean_quote_values(actor, values, None)
    deal = cleaned.pop("deal")
    # The deal's row locked while its lines are copied: a line added meanwhile is either in or after.
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    now = timezone.now()
    cleaned.setdefault("terms", DEFAULT_TERMS)
    quote = Quote(
        **cleaned,
        number=allocate_number(timezone.localdate()),
        deal=deal,
        owner_id=deal.owner_id,
        team_id=deal.team_id,
        currency=deal.currency,
        created_by=actor if actor is not None else None,
        created_at=now,
        updated_at=now,
    )
    quote.save()
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                quote=quote,
                product_id=line.product_id,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                position=line.position,
            )  # fmt: skip
            for line in DealLine.objects.filter(deal=deal).order_by("position", "id")
        ]
    )
    store_totals(quote)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=quote,
        request=request,
        changes={
            "number": [None, quote.number],
            "deal": [None, deal.name],
            "total": [None, str(quote.total)],
        },
    )
    publish(events.QUOTE_CREATED, quote_id=quote.pk, deal_id=deal.pk)
    return quote


@transaction.atomic
def update_quote(
    *,
    actor: User | None,
    quote: Quote,
    values: Mapping[str, Any],
    request=None,
    expected_version: str | None = None,
) -> Quote:
    """Change the validity, discount, tax rate, terms or the close-on-accept setting of a draft or sent
    quote; the totals follow. A quote changed meanwhile is refused with StaleRecord when `expected_version`
    is given. `quote` is refreshed to the stored row."""
    current = lock_quote(actor, quote)
    cleaned = clean_quote_values(actor, values, current)
    before = _snapshot(current)
    for name, value in cleaned.items():
        setattr(current, name, value)
    after = _snapshot(current)
    changes = {name: [before[name], after[name]] for name in AUDITED if before[name] != after[name]}
    if not changes:
        quote.refresh_from_db()
        return quote
    check_version(Quote.objects.get(pk=current.pk), expected_version)
    current.updated_at = next_updated_at(current.updated_at)
    current.save(update_fields=[*cleaned, "updated_at"])
    store_totals(current)
    audit.record(actor=actor, action=audit.Action.UPDATE, target=current, changes=changes, request=request)
    publish(events.QUOTE_UPDATED, quote_id=current.pk, fields=sorted(changes))
    quote.refresh_from_db()
    return quote


def _withdraw_links(quote: Quote) -> None:
    from tandem.public import services as public_services

    public_services.revoke_links(purpose="quote", target=quote)


@transaction.atomic
def delete_quote(*, actor: User | None, quote: Quote, request=None) -> Quote:
    """Move to the trash; its public links stop working. Its number is not given out again."""
    if actor is not None:
        access.require(actor, Verb.DELETE, quote)
    if quote.deleted_at is not None:
        return quote
    quote.deleted_at = timezone.now()
    Quote.objects.filter(pk=quote.pk).update(deleted_at=quote.deleted_at)
    _withdraw_links(quote)
    audit.record(actor=actor, action=audit.Action.DELETE, target=quote, request=request)
    publish(events.QUOTE_DELETED, quote_id=quote.pk)
    return quote


@transaction.atomic
def restore_quote(*, actor: User | None, quote: Quote, request=None) -> Quote:
    """Back from the trash (its old links stay withdrawn: share it again)."""
    if actor is not None:
        access.require(actor, Verb.DELETE, quote)
    if quote.deleted_at is None:
        return quote
    quote.deleted_at = None
    quote.updated_at = next_updated_at(quote.updated_at)
    Quote.objects.filter(pk=quote.pk).update(deleted_at=None, updated_at=quote.updated_at)
    audit.record(
        actor=actor, action=audit.Action.UPDATE, target=quote, request=request,
        changes={"deleted_at": ["trash", None]}, event="restored",
    )  # fmt: skip
    publish(events.QUOTE_RESTORED, quote_id=quote.pk)
    return quote


@transaction.atomic
def bulk_update_quotes(
    *, actor: User, quote_ids: Iterable[int], action: str, value: Any = None, request=None
) -> int:
    """The bulk bar: move the quotes the actor may delete to the trash."""
    ids = parse_ids(quote_ids, "quote_ids")
    if not ids:
        raise ValidationError({"quote_ids": "Select at least one quote."})
    if action != "delete":
        raise ValidationError({"action": "Choose what to do with the selected quotes."})
    live = Quote.objects.filter(deleted_at__isnull=True, pk__in=ids)
    targets = list(access.scope_queryset(actor, Verb.DELETE, live).values_list("pk", "number"))
    target_ids = [pk for pk, _ in targets]
    Quote.objects.filter(pk__in=target_ids).update(deleted_at=timezone.now())
    from django.contrib.contenttypes.models import ContentType

    from tandem.public.models import PublicLink

    PublicLink.objects.filter(
        purpose="quote",
        target_type=ContentType.objects.get_for_model(Quote),
        target_id__in=target_ids,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    audit.record_many(
        actor=actor, action=audit.Action.DELETE, model=Quote,
        targets=[(pk, number, None) for pk, number in targets], event="bulk_delete",
    )  # fmt: skip
    for pk in target_ids:
        publish(events.QUOTE_DELETED, quote_id=pk)
    return len(target_ids)


def expire_overdue_quotes(today: datetime.date | None = None) -> int:
    """Sent quotes past their validity date become expired (one UPDATE; the daily task and every page that
    shows a quote ask it, so a buyer never accepts a quote past its date)."""
    today = today or timezone.localdate()
    return Quote.objects.filter(status=QuoteStatus.SENT, valid_until__lt=today).update(
        status=QuoteStatus.EXPIRED
    )


def expire_if_overdue(quote: Quote, today: datetime.date | None = None) -> Quote:
    """Mark this one quote expired if it was sent and its date has passed (the public page asks before it
    shows or acts, in a write of its own, so the answer "expired" sticks even when the action is refused)."""
    today = today or timezone.localdate()
    if Quote.objects.filter(pk=quote.pk, status=QuoteStatus.SENT, valid_until__lt=today).update(
        status=QuoteStatus.EXPIRED
    ):
        quote.status = QuoteStatus.EXPIRED
    return quote
