"""How money is shown: the amount with thousands separators and two decimals, then the ISO code."""

from decimal import Decimal


def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency}"
