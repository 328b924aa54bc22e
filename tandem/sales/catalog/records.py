"""The product as a record type: its list, page, form, trash, bulk actions and REST API come from this
declaration (tandem/core/records/)."""

import decimal
from dataclasses import dataclass, field

from tandem.core import access, audit, navigation
from tandem.core.access import E, N, Verb
from tandem.core.models import Role
from tandem.core.pagination import SortKey, paginate
from tandem.core.records import registry
from tandem.core.records.fields import Cell, Field
from tandem.core.records.registry import BulkAction, Filter, RecordApi, RecordType, Selectors, Services, Sort
from tandem.sales.catalog import services
from tandem.sales.catalog.models import Product

SORTS = {
    "name": SortKey(("name", "id"), descending=False),
    "newest": SortKey(("created_at", "id"), descending=True),
    "price": SortKey(("price", "id"), descending=False),
}
ACTIVE_CHOICES = (("yes", "Active"), ("no", "Inactive"))


@dataclass
class ProductFilters:
    search: str = ""
    billing: list[str] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    properties: list = field(default_factory=list)


def _visible(user):
    return access.scope_queryset(user, Verb.VIEW, Product.objects.filter(deleted_at__isnull=True))


def _filtered(user, filters: ProductFilters):
    queryset = _visible(user)
    for word in filters.search.split()[:5]:
        # A catalog is small (tens to hundreds of rows): a scan is fine and finds any part of a name or SKU.
        queryset = queryset.filter(name__icontains=word) | queryset.filter(sku__icontains=word)
    if filters.billing:
        queryset = queryset.filter(billing__in=filters.billing)
    if filters.currencies:
        queryset = queryset.filter(currency__in=filters.currencies)
    if len(set(filters.active)) == 1:
        queryset = queryset.filter(active=filters.active[0] == "yes")
    return queryset


def _detail(user, pk):
    return access.get_object_or_deny(user, Verb.VIEW, Product.objects.filter(deleted_at__isnull=True), pk=pk)


def _trash(user, cursor=None):
    queryset = access.scope_queryset(user, Verb.DELETE, Product.objects.filter(deleted_at__isnull=False))
    return paginate(queryset, SortKey(("deleted_at", "id"), descending=True), cursor, 50)


def price_text(product: Product) -> str:
    """ "EUR 49.90 / month": the amount as stored (a Decimal, never a float) with its currency and billing."""
    amount = f"{product.price:,.2f}" if isinstance(product.price, decimal.Decimal) else str(product.price)
    suffix = {"monthly": " / month", "yearly": " / year"}.get(product.billing, "")
    return f"{product.currency} {amount}{suffix}"


def _features_cell(product: Product) -> Cell:
    return Cell(" · ".join(product.key_features))


PRODUCT = RecordType(
    object_type="product",
    model=Product,
    namespace="catalog",
    url_prefix="products",
    verbose_name="product",
    verbose_name_plural="products",
    fields=[
        Field(
            "name",
            "Name",
            section="main",
            column=False,
            fact=False,
            import_aliases=("product", "product name"),
        ),
        Field("sku", "SKU", section="main", sort="", import_aliases=("sku", "code", "product code")),
        Field(
            "price",
            "Price",
            section="pricing",
            numeric=True,
            sort="price",
            display=lambda product: Cell(price_text(product), numeric=True),
            initial_from=lambda product: f"{product.price:.2f}",
            help="The price before tax, e.g. 49.90.",
        ),
        Field(
            "currency",
            "Currency",
            section="pricing",
            widget="select",
            choices=tuple(Product.Currency.choices),
        ),
        Field(
            "billing", "Billing", section="pricing", widget="select", choices=tuple(Product.Billing.choices)
        ),
        Field(
            "active",
            "Active",
            section="pricing",
            widget="checkbox",
            help="Inactive products stay on old quotes but are not offered on new ones.",
            display=lambda product: Cell(
                "Active" if product.active else "Inactive", badge="success" if product.active else "muted"
            ),
            initial=True,
        ),
        Field(
            "description", "Description", section="story", widget="textarea", column=False, fact_group="story"
        ),
        Field(
            "value_proposition",
            "Value proposition",
            section="story",
            widget="textarea",
            column=False,
            fact=False,
            help="Why a buyer wants it, in one or two sentences.",
        ),
        Field(
            "key_features",
            "Key features",
            section="story",
            widget="textarea",
            column=False,
            fact=False,
            help="One per line.",
            display=_features_cell,
            initial_from=lambda product: "\n".join(product.key_features),
            api_type="array",
        ),
    ],
    filters_factory=ProductFilters,
    filters=[
        Filter("q", "Search", "search", "search"),
        Filter("billing", "Billing", "choice", "billing", choices=tuple(Product.Billing.choices)),
        Filter("currency", "Currency", "choice", "currencies", choices=tuple(Product.Currency.choices)),
        Filter("active", "Status", "choice", "active", choices=ACTIVE_CHOICES, noun="status"),
    ],
    sorts=[
        Sort("name", "Name A–Z", SORTS["name"]),
        Sort("newest", "Newest first", SORTS["newest"]),
        Sort("price", "Price, lowest first", SORTS["price"]),
    ],
    default_columns=["sku", "price", "active"],
    selectors=Selectors(detail=_detail, filtered=_filtered, trash=_trash),
    services=Services(
        create=services.create_product,
        update=services.update_product,
        delete=services.delete_product,
        restore=services.restore_product,
        bulk=services.bulk_update_products,
        record_argument="product",
        ids_argument="product_ids",
        version=services.product_version,
        stale_error=services.StaleProduct,
    ),
    bulk_actions=[
        BulkAction("activate", "Mark active"),
        BulkAction("deactivate", "Mark inactive"),
        BulkAction("delete", "Move to trash", destructive=True),
    ],
    title=lambda product: product.name,
    # The list shows SKU and price in their own columns; the record's page says them under its name.
    subtitle=lambda product: "" if product.active else "Inactive",
    detail_subtitle=lambda product: f"{product.sku} · {price_text(product)}",
    initials=lambda product: product.name[:2].upper(),
    search_placeholder="Search products by name or SKU",
    empty_text="No products yet. Add what you sell, with its price and why buyers want it.",
    form_sections=[
        ("main", "Product"),
        ("pricing", "Price and billing"),
        ("story", "What reps say about it"),
    ],
    fact_groups=[("about", "Price and billing")],
    api=RecordApi(),
)

PRODUCT_ICON = '<path d="M21 8 12 3 3 8v8l9 5 9-5z"/><path d="m3 8 9 5 9-5M12 13v8"/>'


def register() -> None:
    registry.register(PRODUCT)
    # The pitch, description and features read as prose in the page's main column, not as facts.
    registry.register_panel(
        "product",
        registry.Panel(
            "product_story",
            "catalog/_story_panel.html",
            lambda request, product: {"product": product},
            "main",
            10,
        ),
    )
    # Admins and sales keep the catalog; everyone else reads it (marketing writes about the products,
    # service supports them).
    editor, reader = access.grants(E, E, E, E), access.grants(E, N, N, N)
    access.register_object_type(
        "product",
        {
            Role.ADMIN: editor,
            Role.SALES: editor,
            Role.MARKETING: reader,
            Role.SERVICE: reader,
            Role.READ_ONLY: reader,
        },
    )
    navigation.register_section("sales", "Sales", order=20)
    navigation.register_icon("product", PRODUCT_ICON)
    navigation.register(
        navigation.NavEntry(
            key="products",
            label="Products",
            url_name="catalog:product_list",
            section="sales",
            icon="product",
            order=30,
            allowed=lambda user: access.allows(user, "product", Verb.VIEW),
            current=("catalog:product",),
        )
    )
    navigation.register_create(
        navigation.CreateEntry(
            key="product",
            label="Product",
            url_name="catalog:product_create",
            order=60,
            allowed=lambda user: access.can_create(user, "product"),
        )
    )
    audit.register_event_labels(
        {
            "product_created": "Product created",
            "product_updated": "Product changed",
            "product_deleted": "Product moved to the trash",
            "product_restored": "Product restored",
            "product_bulk_activate": "Product marked active",
            "product_bulk_deactivate": "Product marked inactive",
            "product_bulk_delete": "Product moved to the trash",
        }
    )
