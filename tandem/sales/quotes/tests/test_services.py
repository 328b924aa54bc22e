"""The quotes services on the real database: lines from the catalog, numbering, totals, sending, the buyer's
answer and who may do what (a refusal changes nothing)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.mail.models import Message
from tandem.mail.tests.compose_fixtures import verified_identity
from tandem.notifications.models import Notification
from tandem.public.models import PublicLink
from tandem.sales.deals.models import Deal
from tandem.sales.quotes import services
from tandem.sales.quotes.models import DealLine, Quote, QuoteLine, QuoteNumberCounter, QuoteStatus
from tandem.sales.quotes.tests.factories import make_deal, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return UserFactory(role=Role.SALES, email="rep@tandem.example")


def test_a_product_line_takes_the_catalog_name_and_price_and_a_free_line_its_own(rep):
    deal, _, _ = make_deal(rep)
    product = make_product()
    line = services.add_deal_line(
        actor=rep, deal=deal, values={"product": product.pk, "quantity": "3", "discount_percent": "10"}
    )
    free = services.add_deal_line(
        actor=rep, deal=deal, values={"name": "Onboarding day", "unit_price": "1,200.00"}
    )
    assert (line.name, line.unit_price, line.quantity, line.discount_percent) == (
        "Northwind Pro", Decimal("199.00"), Decimal("3.00"), Decimal("10.00"))  # fmt: skip
    assert (free.name, free.product_id, free.unit_price, free.position) == (
        "Onboarding day",
        None,
        Decimal("1200.00"),
        2,
    )


def test_a_product_in_another_currency_is_refused_with_a_sentence(rep):
    deal, _, _ = make_deal(rep)
    product = make_product("US plan", "99.00", "USD")
    with pytest.raises(ValidationError) as refusal:
        services.add_deal_line(actor=rep, deal=deal, values={"product": product.pk})
    assert refusal.value.message_dict["product"] == [
        "US plan is priced in USD (USD 99.00 / month), but this is in EUR. Add it as a free line with a EUR "
        "price, or change the currency."
    ]
    assert DealLine.objects.count() == 0


def test_bad_line_input_gets_a_sentence_per_field(rep):
    deal, _, _ = make_deal(rep)
    with pytest.raises(ValidationError) as refusal:
        services.add_deal_line(
            actor=rep,
            deal=deal,
            values={"name": "", "quantity": "0", "unit_price": "-3", "discount_percent": "150"},
        )
    assert refusal.value.message_dict == {
        "name": ["Give the line a name."],
        "quantity": ["The quantity must be more than 0."],
        "unit_price": ["The unit price must be at least 0."],
        "discount_percent": ["The discount can be at most 100."],
    }


def test_the_deal_amount_is_set_from_the_lines_through_the_deals_service(rep):
    deal, _, _ = make_deal(rep)
    services.add_deal_line(actor=rep, deal=deal, values={"name": "A", "quantity": "3", "unit_price": "0.33"})
    services.add_deal_line(
        actor=rep,
        deal=deal,
        values={"name": "B", "quantity": "2", "unit_price": "10", "discount_percent": "12.5"},
    )
    services.set_amount_from_lines(actor=rep, deal=deal)
    assert Deal.objects.get(pk=deal.pk).amount == Decimal(
        "18.49"
    )  # 3 × 0.33 = 0.99, plus 2 × 10 − 12.5 % = 17.50


def test_quote_numbers_are_sequential_per_year_and_a_deleted_number_is_not_reused(rep):
    deal, _, _ = make_deal(rep)
    year = timezone.localdate().year
    first = services.create_quote(actor=rep, values={"deal": deal.pk})
    second = services.create_quote(actor=rep, values={"deal": deal.pk})
    services.delete_quote(actor=rep, quote=second)
    third = services.create_quote(actor=rep, values={"deal": deal.pk})
    assert [first.number, second.number, third.number] == [
        f"Q-{year}-0001",
        f"Q-{year}-0002",
        f"Q-{year}-0003",
    ]
    QuoteNumberCounter.objects.create(year=year - 1, last=41)
    from django.db import transaction

    with transaction.atomic():
        assert services.allocate_number(datetime.date(year - 1, 12, 31)) == f"Q-{year - 1}-0042"


def test_a_quote_copies_the_deal_lines_and_computes_its_totals(rep):
    deal, _, _ = make_deal(rep)
    services.add_deal_line(
        actor=rep,
        deal=deal,
        values={"product": make_product().pk, "quantity": "12", "discount_percent": "10"},
    )
    services.add_deal_line(actor=rep, deal=deal, values={"name": "Setup", "unit_price": "0.01"})
    quote = services.create_quote(
        actor=rep, values={"deal": deal.pk, "discount_percent": "5", "tax_rate": "19"}
    )
    copied = QuoteLine.objects.filter(quote=quote).order_by("position")
    assert list(copied.values_list("name", "quantity", "unit_price")) == [
        ("Northwind Pro", Decimal("12.00"), Decimal("199.00")),
        ("Setup", Decimal("1.00"), Decimal("0.01")),
    ]
    quote.refresh_from_db()
    assert (quote.subtotal, quote.discount_amount, quote.tax_amount, quote.total, quote.currency) == (
        Decimal("2149.21"), Decimal("107.46"), Decimal("387.93"), Decimal("2429.68"), "EUR")  # fmt: skip
    # The quote's lines are its own: changing the deal's lines later does not change it.
    DealLine.objects.filter(deal=deal).delete()
    assert QuoteLine.objects.filter(quote=quote).count() == 2


def test_a_user_who_may_not_change_the_deal_cannot_quote_or_edit_its_lines_and_nothing_is_written(rep):
    deal, _, _ = make_deal(rep)
    line = services.add_deal_line(actor=rep, deal=deal, values={"name": "A", "unit_price": "5"})
    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    marketer = UserFactory(role=Role.MARKETING)
    with pytest.raises(PermissionDenied):
        services.create_quote(actor=marketer, values={"deal": deal.pk})
    with pytest.raises(PermissionDenied):
        services.add_deal_line(actor=marketer, deal=deal, values={"name": "B", "unit_price": "5"})
    with pytest.raises(PermissionDenied):
        services.update_deal_line(actor=marketer, line=line, values={"quantity": "9"})
    with pytest.raises(PermissionDenied):
        services.update_quote(actor=marketer, quote=quote, values={"tax_rate": "20"})
    with pytest.raises(PermissionDenied):
        services.share_quote(actor=marketer, quote=quote)
    assert Quote.objects.count() == 1 and DealLine.objects.count() == 1
    assert DealLine.objects.get().quantity == Decimal("1.00")
    assert Quote.objects.get().tax_rate == 0 and Quote.objects.get().status == QuoteStatus.DRAFT
    assert PublicLink.objects.count() == 0


def _sent_quote(rep, **values):
    deal, stages, contact = make_deal(rep)
    services.add_deal_line(
        actor=rep, deal=deal, values={"name": "Plan", "quantity": "2", "unit_price": "100"}
    )
    quote = services.create_quote(actor=rep, values={"deal": deal.pk, **values})
    shared = services.share_quote(actor=rep, quote=quote)
    return quote, shared, deal, stages, contact


def test_sharing_makes_a_link_marks_the_quote_sent_and_writes_the_timeline(rep):
    quote, shared, deal, _, contact = _sent_quote(rep)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT and quote.sent_by == rep
    assert shared.url.startswith("http") and "/p/quote/" in shared.url
    assert PublicLink.objects.filter(purpose="quote", revoked_at__isnull=True).count() == 1
    assert list(Activity.objects.filter(kind="quote_sent").values_list("contact_id", "company_id")) in (
        [(None, deal.company_id), (contact.pk, None)], [(contact.pk, None), (None, deal.company_id)])  # fmt: skip
    again = services.share_quote(actor=rep, quote=quote)
    assert again.url != shared.url
    assert PublicLink.objects.filter(purpose="quote", revoked_at__isnull=True).count() == 1


def test_emailing_the_link_twice_with_the_same_form_sends_once(rep):
    deal, _, contact = make_deal(rep)
    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    identity = verified_identity()
    token = "0b6a4f0e-8d84-4a5e-9b7e-6a1f3b2c9d10"
    first = services.share_quote(actor=rep, quote=quote, email=True, identity=identity, form_token=token)
    second = services.share_quote(actor=rep, quote=quote, email=True, identity=identity, form_token=token)
    assert first.emailed_to == "ana@acme.example" and second.emailed_to == "ana@acme.example"
    assert second.url == ""
    assert Message.objects.filter(key=f"personal:{token}").count() == 1
    assert PublicLink.objects.filter(purpose="quote").count() == 1
    message = Message.objects.get(key=f"personal:{token}")
    assert message.subject == f"Quote {quote.number}"


def test_accepting_records_the_name_time_and_address_marks_the_deal_won_and_tells_the_owner(rep):
    quote, _, deal, stages, contact = _sent_quote(rep)
    services.accept_quote(quote=quote, name="  Ana   Ruiz ", ip="203.0.113.9")
    quote.refresh_from_db()
    assert (quote.status, quote.accepted_name, quote.accepted_ip) == (
        QuoteStatus.ACCEPTED,
        "Ana Ruiz",
        "203.0.113.9",
    )
    assert quote.accepted_at is not None
    deal.refresh_from_db()
    assert (deal.status, deal.stage_id, deal.won_reason) == (
        "won",
        stages["Won"].pk,
        f"Quote {quote.number} accepted",
    )
    notice = Notification.objects.get(user=rep, kind="sales.quote_accepted")
    assert notice.title == f"Quote {quote.number} was accepted"
    assert notice.body == f"Ana Ruiz accepted quote {quote.number} for {deal.name}. The deal is marked won."
    assert Activity.objects.filter(kind="quote_accepted", contact=contact).count() == 1
    with pytest.raises(ValidationError) as refusal:
        services.accept_quote(quote=quote, name="Ana Ruiz", ip="203.0.113.9")
    assert refusal.value.messages[0].startswith("You already accepted this quote on ")
    with pytest.raises(ValidationError):
        services.decline_quote(quote=quote, reason="Too late", ip="203.0.113.9")
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.ACCEPTED


def test_accepting_without_the_setting_leaves_the_deal_open(rep):
    quote, _, deal, _, _ = _sent_quote(rep, close_deal_on_accept=False)
    services.accept_quote(quote=quote, name="Ana Ruiz", ip="203.0.113.9")
    assert Deal.objects.get(pk=deal.pk).status == "open"


def test_accepting_needs_a_typed_name_and_nothing_changes_without_one(rep):
    quote, *_ = _sent_quote(rep)
    for name in ("", " ", "A", "x" * 201):
        with pytest.raises(ValidationError):
            services.accept_quote(quote=quote, name=name, ip="203.0.113.9")
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.SENT
    assert not Activity.objects.filter(kind="quote_accepted").exists()


def test_declining_keeps_the_reason_and_the_deal_open(rep):
    quote, _, deal, _, _ = _sent_quote(rep)
    with pytest.raises(ValidationError) as refusal:
        services.decline_quote(quote=quote, reason="  ", ip="198.51.100.4")
    assert refusal.value.message_dict == {"reason": ["Tell us briefly why you are declining."]}
    services.decline_quote(quote=quote, reason="Budget moved to next year.", ip="198.51.100.4")
    quote.refresh_from_db()
    assert (quote.status, quote.decline_reason, quote.declined_ip) == (
        "declined",
        "Budget moved to next year.",
        "198.51.100.4",
    )
    assert Deal.objects.get(pk=deal.pk).status == "open"
    assert (
        Notification.objects.get(user=rep, kind="sales.quote_declined").title
        == f"Quote {quote.number} was declined"
    )


def test_an_expired_quote_cannot_be_accepted_and_says_so(rep):
    quote, *_ = _sent_quote(rep)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    quote.refresh_from_db()
    with pytest.raises(ValidationError) as refusal:
        services.accept_quote(quote=quote, name="Ana Ruiz", ip="203.0.113.9")
    assert refusal.value.messages == [
        f"This quote expired on {quote.valid_until:%d %B %Y}. Ask the seller for a new one."
    ]
    assert services.expire_overdue_quotes() == 1
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.EXPIRED


def test_a_quote_the_buyer_answered_can_no_longer_be_edited(rep):
    quote, *_ = _sent_quote(rep)
    services.accept_quote(quote=quote, name="Ana Ruiz", ip="203.0.113.9")
    line = QuoteLine.objects.get(quote=quote)
    with pytest.raises(ValidationError) as refusal:
        services.update_quote_line(actor=rep, line=line, values={"quantity": "5"})
    assert refusal.value.messages == [
        "This quote is accepted; it can no longer be changed. Create a new quote from the deal instead."
    ]
    assert QuoteLine.objects.get(pk=line.pk).quantity == Decimal("2.00")


def test_totals_are_never_taken_from_the_caller(rep):
    deal, _, _ = make_deal(rep)
    with pytest.raises(ValidationError) as refusal:
        services.create_quote(actor=rep, values={"deal": deal.pk, "total": "1.00"})
    assert refusal.value.message_dict == {"total": ["“total” cannot be set on a quote."]}
    assert Quote.objects.count() == 0


def test_a_reassigned_deal_takes_its_quotes_along(rep):
    from tandem.sales.quotes.handlers import follow_deal_owner

    deal, _, _ = make_deal(rep)
    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    other = UserFactory(role=Role.SALES)
    Deal.objects.filter(pk=deal.pk).update(owner=other, team=other.team)
    follow_deal_owner(deal_id=deal.pk, fields=["owner"])
    quote.refresh_from_db()
    assert (quote.owner_id, quote.team_id) == (other.pk, other.team_id)


def test_accepting_fills_an_empty_deal_amount_with_the_total_so_a_won_stage_that_requires_it_is_reached(rep):
    quote, _, deal, stages, _ = _sent_quote(rep, tax_rate="10")
    stages["Won"].required_fields = ["amount"]
    stages["Won"].save()
    assert deal.amount is None
    services.accept_quote(quote=quote, name="Ana Ruiz", ip="203.0.113.9")
    deal.refresh_from_db()
    assert (deal.status, deal.amount) == ("won", Decimal("220.00"))


def test_when_the_deal_cannot_be_marked_won_the_acceptance_stands_and_the_owner_is_told_why(rep):
    quote, _, deal, stages, _ = _sent_quote(rep)
    stages["Won"].required_fields = ["expected_close_date"]
    stages["Won"].save()
    services.accept_quote(quote=quote, name="Ana Ruiz", ip="203.0.113.9")
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.ACCEPTED
    assert Deal.objects.get(pk=deal.pk).status == "open"
    assert Notification.objects.get(user=rep, kind="sales.quote_accepted").body == (
        f"Ana Ruiz accepted quote {quote.number} for {deal.name}. The deal could not be marked won: "
        "Fill in the expected close date before moving the deal to Won."
    )


def test_an_accepted_quote_shows_once_on_its_deals_own_timeline(rep):
    from tandem.sales.deals.timeline import deal_timeline

    quote, _, deal, _, _ = _sent_quote(rep, close_deal_on_accept=False)
    assert "quote_accepted" not in [entry.kind for entry in deal_timeline(reader=rep, deal=deal).rows]
    services.accept_quote(quote=quote, name="Ana Ruiz", ip="203.0.113.9")
    kinds = [entry.kind for entry in deal_timeline(reader=rep, deal=deal).rows]
    assert kinds.count("quote_accepted") == 1
