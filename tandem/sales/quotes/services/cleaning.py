"""Reading what people type for money, quantities and percentages: one sentence per refusal, never a float."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_QUANTITY = Decimal("9999999999.99")
MAX_PRICE = Decimal("999999999999.99")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d{1,3}$")


def parse_decimal(
    raw: Any,
    *,
    name: str,
    label: str,
    errors: dict[str, str],
    places: int = 2,
    minimum: Decimal = Decimal(0),
    maximum: Decimal = MAX_PRICE,
    above_minimum: bool = False,
    default: Decimal | None = None,
) -> Decimal | None:
    """`raw` (text, int or Decimal) as a Decimal with at most `places` decimals between `minimum` and
    `maximum`; None with a sentence in `errors[name]` otherwise. "1 250.50", "1,250.50" and "49,90" are read;
    a float is refused (it has already lost cents)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if default is not None:
            return default
        errors[name] = f"Enter the {label}."
        return None
    if isinstance(raw, float):
        errors[name] = f'Give the {label} as a decimal number in text, e.g. "12.50".'
        return None
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").removesuffix("%")
    # "49,90" has a decimal comma; in "1,250.50" the commas separate thousands.
    text = text.replace(",", ".") if _DECIMAL_COMMA.match(text) else text.replace(",", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        errors[name] = f"“{str(raw)[:30]}” is not a number; write digits with an optional point, e.g. 12.50."
        return None
    if not value.is_finite():
        errors[name] = f"“{str(raw)[:30]}” is not a number."
        return None
    if value < minimum or (above_minimum and value == minimum):
        errors[name] = f"The {label} must be {'more than' if above_minimum else 'at least'} {minimum}."
        return None
    if value > maximum:
        errors[name] = f"The {label} can be at most {maximum:,}."
        return None
    quantum = Decimal(1).scaleb(-places)
    if value != value.quantize(quantum):
        errors[name] = f"Give the {label} with at most {places} decimals."
        return None
    return value.quantize(quantum)


def parse_quantity(raw: Any, errors: dict[str, str]) -> Decimal | None:
    return parse_decimal(
        raw, name="quantity", label="quantity", errors=errors, maximum=MAX_QUANTITY, above_minimum=True
    )


def parse_price(raw: Any, errors: dict[str, str]) -> Decimal | None:
    return parse_decimal(raw, name="unit_price", label="unit price", errors=errors)


def parse_percent(
    raw: Any, errors: dict[str, str], *, name: str, label: str, places: int = 2
) -> Decimal | None:
    """A percentage from 0 to 100; an empty field is 0."""
    return parse_decimal(
        raw, name=name, label=label, errors=errors, places=places, maximum=Decimal(100), default=Decimal(0)
    )


def clean_line_name(raw: Any, errors: dict[str, str], max_length: int = 200) -> str:
    text = " ".join(str(raw or "").split())
    if not text:
        errors["name"] = "Give the line a name."
    elif len(text) > max_length:
        errors["name"] = f"At most {max_length} characters."
    return text
