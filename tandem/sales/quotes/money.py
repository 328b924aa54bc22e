"""The arithmetic of lines and quotes, on the server only, with Decimal and ROUND_HALF_UP to cents.

line total = quantity × unit price × (1 − discount % / 100), rounded to cents
subtotal   = the sum of the rounded line totals
discount   = subtotal × the quote's discount % / 100, rounded
tax        = (subtotal − discount) × tax rate % / 100, rounded
total      = subtotal − discount + tax

Every product is computed in a context wide enough that nothing is rounded before the final quantize (a
12-digit quantity times a 14-digit price is 26 digits, past Decimal's default 28 once a percent is applied).
"""

import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def _context() -> decimal.Context:
    return decimal.Context(prec=80, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_context())


def line_total(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    with decimal.localcontext(_context()):
        return to_cents(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


def totals(lines: Iterable, discount_percent: Decimal = ZERO, tax_rate: Decimal = ZERO) -> Totals:
    """The totals of `lines` (objects with quantity, unit_price and discount_percent)."""
    with decimal.localcontext(_context()):
        subtotal = sum(
            (line_total(line.quantity, line.unit_price, line.discount_percent) for line in lines), ZERO
        )
        discount = to_cents(subtotal * discount_percent / HUNDRED)
        net = subtotal - discount
        tax = to_cents(net * tax_rate / HUNDRED)
        return Totals(subtotal=subtotal, discount=discount, net=net, tax=tax, total=net + tax)


def money(amount: Decimal | None, currency: str) -> str:
    """ "1,234.50 EUR", the deals app's spelling."""
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency}"


def percent(value: Decimal) -> str:
    """ "19 %", "7.5 %": a rate without its trailing zeros."""
    text = f"{value.normalize():f}" if value else "0"
    return f"{text} %"
