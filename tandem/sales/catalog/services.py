"""Writes to the catalog: create, update, trash, restore and bulk, each checking access (object type `product`),
cleaning with one sentence per bad field, and writing one audit row per product."""

import decimal
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.sales.catalog.models import Product

MAX_FEATURES = 12
MAX_FEATURE_LENGTH = 200
MAX_TEXT = 5000
MAX_PRICE = decimal.Decimal("9999999999.99")
SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
EDITABLE = (
    "name",
    "sku",
    "price",
    "currency",
    "billing",
    "description",
    "value_proposition",
    "key_features",
    "active",
)


class StaleProduct(ValidationError):
    """The product changed since the version the caller read."""


def product_version(product: Product) -> str:
    return product.updated_at.isoformat()


def _text(value: Any) -> str:
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", str(value or "")).strip()


def _price(value: Any, errors: dict) -> decimal.Decimal:
    text = str(value if value is not None else "").strip().replace(" ", "")
    if not text:
        return decimal.Decimal("0.00")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # "49,90" as many people write it
    try:
        price = decimal.Decimal(text)
    except decimal.InvalidOperation:
        errors["price"] = f"“{str(value)[:20]}” is not a price. Write it like 49.90."
        return decimal.Decimal("0.00")
    if not price.is_finite() or price < 0:
        errors["price"] = "The price cannot be negative."
    elif price > MAX_PRICE:
        errors["price"] = "The price is too large."
    elif price != price.quantize(decimal.Decimal("0.01")):
        errors["price"] = "A price has at most two decimals."
    else:
        return price.quantize(decimal.Decimal("0.01"))
    return decimal.Decimal("0.00")


def _features(value: Any, errors: dict) -> list[str]:
    raw = value if isinstance(value, list) else str(value or "").splitlines()
    features = [_text(feature) for feature in raw if _text(feature)]
    if len(features) > MAX_FEATURES:
        errors["key_features"] = f"At most {MAX_FEATURES} key features (there are {len(features)})."
    elif any(len(feature) > MAX_FEATURE_LENGTH for feature in features):
        errors["key_features"] = f"A key feature can be at most {MAX_FEATURE_LENGTH} characters."
    return features


def _clean(values: dict[str, Any], product: Product | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in ("name", "sku", "description", "value_proposition"):
        if name not in values:
            continue
        cleaned[name] = _text(values[name])
        limit = Product._meta.get_field(name).max_length or MAX_TEXT
        if len(cleaned[name]) > limit:
            errors[name] = f"At most {limit} characters (this has {len(cleaned[name])})."
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = "Give the product a name."
    if "sku" in cleaned and "sku" not in errors:
        if not cleaned["sku"]:
            errors["sku"] = "Give the product a SKU, the code it is known by (e.g. NW-PRO-Y)."
        elif not SKU_PATTERN.match(cleaned["sku"]):
            errors["sku"] = "A SKU holds letters, digits, dots, dashes, slashes and underscores only."
        else:
            taken = Product.objects.filter(sku__iexact=cleaned["sku"], deleted_at__isnull=True)
            if product is not None:
                taken = taken.exclude(pk=product.pk)
            if taken.exists():
                errors["sku"] = f"Another product already has the SKU {cleaned['sku']}."
    if "price" in values:
        cleaned["price"] = _price(values["price"], errors)
    if "currency" in values:
        cleaned["currency"] = values["currency"] or Product.Currency.EUR
        if cleaned["currency"] not in Product.Currency.values:
            errors["currency"] = f"Choose one of {', '.join(Product.Currency.values)}."
    if "billing" in values:
        cleaned["billing"] = values["billing"] or Product.Billing.ONE_OFF
        if cleaned["billing"] not in Product.Billing.values:
            errors["billing"] = "Choose one-off, monthly or yearly."
    if "key_features" in values:
        cleaned["key_features"] = _features(values["key_features"], errors)
    if "active" in values:
        cleaned["active"] = bool(values["active"]) and values["active"] not in ("false", "0", "off")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save(product: Product, fields: list[str]) -> None:
    try:
        with transaction.atomic():
            product.save(update_fields=fields) if fields else product.save()
    except IntegrityError as error:  # two people took the same SKU at the same moment
        raise ValidationError({"sku": f"Another product already has the SKU {product.sku}."}) from error


@transaction.atomic
def create_product(*, actor, values: dict[str, Any], request=None) -> Product:
    access.require_allowed(actor, "product", Verb.CREATE)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown field: {', '.join(sorted(unknown))}.")
    cleaned = _clean({"name": "", "sku": "", **values}, None)
    product = Product(**cleaned)
    _save(product, [])
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=product, event="product_created", request=request
    )
    return product


@transaction.atomic
def update_product(
    *, actor, product: Product, values: dict[str, Any], request=None, expected_version: str | None = None
) -> Product:
    access.require(actor, Verb.CHANGE, product)
    current = Product.objects.select_for_update().get(pk=product.pk)
    if expected_version is not None and product_version(current) != expected_version:
        raise StaleProduct("This product changed since you opened it.", code="stale")
    cleaned = _clean({name: value for name, value in values.items() if name in EDITABLE}, current)
    before = {name: getattr(current, name) for name in cleaned}
    changes = audit.diff(before, cleaned)
    if not changes:
        return current
    for name in changes:
        setattr(current, name, cleaned[name])
    _save(current, [*changes, "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=current,
        changes={name: [str(old), str(new)] for name, (old, new) in changes.items()},
        event="product_updated",
        request=request,
    )
    return current


@transaction.atomic
def delete_product(*, actor, product: Product, request=None) -> Product:
    access.require(actor, Verb.DELETE, product)
    product.deleted_at = timezone.now()
    product.save(update_fields=["deleted_at"])
    audit.record(
        actor=actor, action=audit.Action.DELETE, target=product, event="product_deleted", request=request
    )
    return product


@transaction.atomic
def restore_product(*, actor, product: Product, request=None) -> Product:
    """Back from the trash, unless a live product took its SKU meanwhile."""
    access.require(actor, Verb.DELETE, product)
    if (
        Product.objects.filter(sku__iexact=product.sku, deleted_at__isnull=True)
        .exclude(pk=product.pk)
        .exists()
    ):
        raise ValidationError(f"Another product now has the SKU {product.sku}: change that one's SKU first.")
    product.deleted_at = None
    _save(product, ["deleted_at"])
    audit.record(
        actor=actor, action=audit.Action.UPDATE, target=product, event="product_restored", request=request
    )
    return product


@transaction.atomic
def bulk_update_products(*, actor, product_ids, action: str, value=None, request=None) -> int:
    """Activate, deactivate or trash the products among `product_ids` the actor may change."""
    live = Product.objects.filter(pk__in=product_ids, deleted_at__isnull=True)
    if action in ("activate", "deactivate"):
        active = action == "activate"
        targets = access.scope_queryset(actor, Verb.CHANGE, live).exclude(active=active)
        ids = list(targets.values_list("pk", flat=True))
        targets.update(active=active, updated_at=timezone.now())
    elif action == "delete":
        targets = access.scope_queryset(actor, Verb.DELETE, live)
        ids = list(targets.values_list("pk", flat=True))
        targets.update(deleted_at=timezone.now())
    else:
        raise ValidationError("Choose one of the actions offered.")
    if ids:
        audit.record_many(
            actor=actor,
            action=audit.Action.DELETE if action == "delete" else audit.Action.UPDATE,
            model=Product,
            targets=[
                (pk, name, None) for pk, name in Product.objects.filter(pk__in=ids).values_list("pk", "name")
            ],
            event=f"product_bulk_{action}",
        )
    return len(ids)
