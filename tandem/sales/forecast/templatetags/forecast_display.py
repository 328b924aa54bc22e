"""How the forecast shows amounts: thousands separated, two decimals (the currency is in the heading)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def amount(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}"


@register.filter
def percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:,.1f} %"
