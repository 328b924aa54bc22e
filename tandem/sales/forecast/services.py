"""Setting quotas: one rep's target for a month or a quarter. Admins write them (access object type "quota");
every write is checked, atomic and audited, and a bad value is refused with a sentence naming the field."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.models import User
from tandem.sales.forecast import periods
from tandem.sales.forecast.currencies import is_currency
from tandem.sales.forecast.models import Quota

MAX_AMOUNT = Decimal("999999999999.99")


def _decimal_text(text: str) -> str:
    """Digits as Decimal reads them, from the ways people write amounts: "12 500", "12,500.00", "12.500,00"
    and "25000,50". With both marks the last one is the decimal mark; a lone comma followed by exactly three
    digits separates thousands ("12,500"), otherwise it is the decimal mark ("49,90")."""
    compact = "".join(text.split()).replace("\u00a0", "").replace("\u202f", "").replace("'", "")
    if "," in compact and "." in compact:
        decimal_mark = "," if compact.rfind(",") > compact.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        return compact.replace(thousands, "").replace(decimal_mark, ".")
    if "," in compact:
        groups = compact.split(",")
        if len(groups) > 2 or len(groups[-1]) == 3:
            return compact.replace(",", "")
        return compact.replace(",", ".")
    return compact


def clean_amount(raw: Any) -> Decimal:
    """A quota's amount from what a person typed ("12 500", "12,500.00", "12500"); ValidationError otherwise."""
    if isinstance(raw, float):
        raise ValidationError({"amount": 'Give the amount as a decimal number in text, e.g. "25000.00".'})
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ValidationError({"amount": "Give the quota's amount, e.g. 25000."})
    cleaned = _decimal_text(text)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(
            {"amount": f"“{text[:30]}” is not an amount; write digits with an optional point, e.g. 25000.00."}
        ) from None
    if not amount.is_finite():
        raise ValidationError({"amount": f"“{text[:30]}” is not an amount."})
    if amount < 0:
        raise ValidationError({"amount": "A quota cannot be negative; give zero or more."})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": "The amount is too large (at most 999,999,999,999.99)."})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": "Give the amount with at most two decimals."})
    return amount.quantize(Decimal("0.01"))


def clean_currency(raw: Any) -> str:
    code = str(raw or "").strip().upper()
    if not code:
        raise ValidationError({"currency": "Give the currency as its three-letter ISO code, e.g. EUR."})
    if not is_currency(code):
        raise ValidationError(
            {
                "currency": f"“{str(raw)[:10]}” is not a currency we know; use an ISO code such as EUR, USD or GBP."
            }
        )
    return code


def _clean_owner(raw: Any) -> User:
    if isinstance(raw, User):
        owner = raw
    else:
        try:
            owner = User.objects.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            owner = None
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": "Choose an active user for the quota."})
    return owner


def _clean_period(raw: Any) -> periods.Period:
    if isinstance(raw, periods.Period):
        return raw
    try:
        return periods.parse(raw)
    except ValueError as problem:
        raise ValidationError({"period": str(problem)}) from None


def _collect(*checks) -> list[Any]:
    """Run each cleaning step and raise every field's error at once, so a form shows all of them together."""
    errors: dict[str, str] = {}
    values = []
    for check, raw in checks:
        try:
            values.append(check(raw))
        except ValidationError as error:
            errors.update({key: messages[0] for key, messages in error.message_dict.items()})
            values.append(None)
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def create_quota(
    *, actor: User | None, owner: Any, period: Any, amount: Any, currency: Any = "EUR", request=None
) -> Quota:
    """Set `owner`'s quota for a month ("2026-07") or a quarter ("2026-Q3"). Refused when the rep already has
    one for that period (change that one instead), for a negative amount or an unknown currency."""
    if actor is not None:
        access.require_allowed(actor, "quota", Verb.CREATE)
    owner, period, amount, currency = _collect(
        (_clean_owner, owner), (_clean_period, period), (clean_amount, amount), (clean_currency, currency)
    )
    duplicate = Quota.objects.filter(owner=owner, period_kind=period.kind, period_start=period.start)
    if duplicate.exists():
        raise ValidationError(
            {
                "period": f"{owner.display_name} already has a quota for {period.label}; change that one instead."
            }
        )
    now = timezone.now()
    quota = Quota(
        owner=owner,
        team_id=owner.team_id,
        period_kind=period.kind,
        period_start=period.start,
        amount=amount,
        currency=currency,
        created_at=now,
        updated_at=now,
    )
    try:
        # Two admins adding the same quota at once: the unique constraint decides, the loser gets a sentence.
        with transaction.atomic():
            quota.save()
    except IntegrityError:
        raise ValidationError(
            {
                "period": f"{owner.display_name} already has a quota for {period.label}; change that one instead."
            }
        ) from None
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=quota,
        request=request,
        changes={
            "owner": [None, owner.pk],
            "period": [None, period.key],
            "amount": [None, str(amount)],
            "currency": [None, currency],
        },
    )
    return quota


@transaction.atomic
def update_quota(*, actor: User | None, quota: Quota, amount: Any, currency: Any, request=None) -> Quota:
    """Change a quota's amount and currency (its rep and period stay: a new period is a new quota)."""
    current = Quota.objects.select_for_update().filter(pk=quota.pk).first()
    if current is None:
        raise ValidationError("This quota no longer exists.")
    if actor is not None:
        access.require(actor, Verb.CHANGE, current)
    amount, currency = _collect((clean_amount, amount), (clean_currency, currency))
    changes = {}
    if current.amount != amount:
        changes["amount"] = [str(current.amount), str(amount)]
    if current.currency != currency:
        changes["currency"] = [current.currency, currency]
    if changes:
        Quota.objects.filter(pk=current.pk).update(
            amount=amount, currency=currency, updated_at=timezone.now()
        )
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=current, changes=changes, request=request
        )
    quota.refresh_from_db()
    return quota


@transaction.atomic
def delete_quota(*, actor: User | None, quota: Quota, request=None) -> None:
    """Remove a quota (the forecast then shows "no quota" for that rep and period)."""
    if actor is not None:
        access.require(actor, Verb.DELETE, quota)
    period = periods.Period(quota.period_kind, quota.period_start)
    audit.record(
        actor=actor,
        action=audit.Action.DELETE,
        target=quota,
        request=request,
        changes={"period": [period.key, None], "amount": [str(quota.amount), None]},
    )
    Quota.objects.filter(pk=quota.pk).delete()
