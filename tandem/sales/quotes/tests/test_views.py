"""The quote pages through HTTP: the deal's panel, a posted total ignored, the public link (show, PDF,
accept once, decline, expired, withdrawn, another quote unreachable) and refusals that change nothing."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tandem.contacts.tests.factories import PASSWORD, UserFactory
from tandem.core.models import Role
from tandem.public.services import create_link, link_url
from tandem.sales.deals.models import Deal
from tandem.sales.quotes import services
from tandem.sales.quotes.models import DealLine, Quote, QuoteStatus
from tandem.sales.quotes.tests.factories import make_deal, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return UserFactory(role=Role.SALES, email="rep@tandem.example")


def signed_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_the_deal_page_shows_the_products_panel_and_adds_a_line_with_htmx(rep):
    deal, _, _ = make_deal(rep)
    product = make_product()
    client = signed_in(rep)
    page = client.get(f"/sales/deals/{deal.pk}/")
    assert page.status_code == 200 and "Products and quotes" in page.content.decode()
    answer = client.post(
        f"/sales/deal-lines/deal/{deal.pk}/add/", {"product": product.pk, "quantity": "2", "discount_percent": ""},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert answer.status_code == 200
    assert "Northwind Pro added." in answer.content.decode()
    assert DealLine.objects.get().quantity == Decimal("2.00")
    refused = client.post(
        f"/sales/deal-lines/deal/{deal.pk}/add/",
        {"product": product.pk, "quantity": "lots"},
        HTTP_HX_REQUEST="true",
    )
    assert "“lots” is not a number" in refused.content.decode()
    assert 'value="lots"' in refused.content.decode()  # what was typed is kept
    assert DealLine.objects.count() == 1


def test_a_total_posted_from_the_browser_is_ignored(rep):
    deal, _, _ = make_deal(rep)
    services.add_deal_line(
        actor=rep, deal=deal, values={"name": "Plan", "quantity": "2", "unit_price": "100"}
    )
    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    client = signed_in(rep)
    version = services.quote_version(quote)
    answer = client.post(
        f"/sales/quotes/{quote.pk}/edit/",
        {
            "deal": deal.pk, "valid_until": quote.valid_until.isoformat(), "discount_percent": "0",
            "tax_rate": "10", "terms": "Net 30", "close_deal_on_accept": "on", "total": "1.00",
            "subtotal": "1.00", "record_version": version,
        },
    )  # fmt: skip
    assert answer.status_code == 302
    quote.refresh_from_db()
    assert (quote.subtotal, quote.tax_amount, quote.total) == (
        Decimal("200.00"),
        Decimal("20.00"),
        Decimal("220.00"),
    )
    line_answer = client.post(
        f"/sales/quotes/{quote.pk}/lines/add/", {"name": "Extra", "unit_price": "5", "total": "0"}
    )
    assert line_answer.status_code == 302
    assert Quote.objects.get(pk=quote.pk).total == Decimal("225.50")


def test_someone_who_may_not_see_the_deal_gets_404_and_nothing_changes(rep):
    deal, _, _ = make_deal(rep)
    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    stranger = UserFactory(role=Role.READ_ONLY)
    client = signed_in(stranger)
    assert client.get(f"/sales/quotes/{quote.pk}/").status_code == 404
    assert (
        client.post(f"/sales/deal-lines/deal/{deal.pk}/add/", {"name": "X", "unit_price": "1"}).status_code
        == 404
    )
    assert client.post(f"/sales/quotes/{quote.pk}/share/").status_code == 404
    assert client.get(f"/sales/quotes/{quote.pk}/pdf/").status_code == 404
    assert DealLine.objects.count() == 0
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT


def _shared(rep):
    deal, stages, contact = make_deal(rep)
    services.add_deal_line(
        actor=rep, deal=deal, values={"name": "Plan", "quantity": "2", "unit_price": "100"}
    )
    quote = services.create_quote(actor=rep, values={"deal": deal.pk, "tax_rate": "19"})
    shared = services.share_quote(actor=rep, quote=quote)
    path = re.sub(r"^https?://[^/]+", "", shared.url)
    return quote, path, deal


def test_the_buyer_sees_the_quote_without_a_cookie_and_accepts_it_once(rep):
    quote, path, deal = _shared(rep)
    buyer = Client()
    page = buyer.get(path)
    text = page.content.decode()
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert quote.number in text and "238.00" in text and "Accept quote" in text
    refused = buyer.post(path, {"action": "accept", "name": ""}, REMOTE_ADDR="203.0.113.7")
    assert (
        refused.status_code == 400 and "Type your full name to accept the quote." in refused.content.decode()
    )
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.SENT
    done = buyer.post(path, {"action": "accept", "name": "Ana Ruiz"}, REMOTE_ADDR="203.0.113.7")
    assert done.status_code == 200 and "Thank you, Ana Ruiz." in done.content.decode()
    quote.refresh_from_db()
    assert (quote.status, quote.accepted_ip) == (QuoteStatus.ACCEPTED, "203.0.113.7")
    assert Deal.objects.get(pk=deal.pk).status == "won"
    again = buyer.post(path, {"action": "decline", "reason": "Changed my mind"})
    assert again.status_code == 400 and "You already accepted this quote on" in again.content.decode()
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.ACCEPTED
    assert buyer.get(path, {"action": "accept"}).status_code == 200  # a GET never acts
    assert Quote.objects.get(pk=quote.pk).accepted_name == "Ana Ruiz"


def test_declining_through_the_link_keeps_the_reason(rep):
    quote, path, _ = _shared(rep)
    answer = Client().post(path, {"action": "decline", "reason": "Budget <b>moved</b>"})
    assert answer.status_code == 200 and "You declined this quote" in answer.content.decode()
    assert Quote.objects.get(pk=quote.pk).decline_reason == "Budget <b>moved</b>"


def test_an_expired_quote_says_so_plainly(rep):
    quote, path, _ = _shared(rep)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=3))
    page = Client().get(path).content.decode()
    assert "This quote expired on" in page and "Accept quote" not in page
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.EXPIRED
    refused = Client().post(path, {"action": "accept", "name": "Ana Ruiz"})
    assert refused.status_code == 400 and Quote.objects.get(pk=quote.pk).status == QuoteStatus.EXPIRED


def test_a_revoked_or_withdrawn_link_says_so_and_another_quote_is_never_reached(rep):
    quote, path, deal = _shared(rep)
    other = services.create_quote(actor=rep, values={"deal": deal.pk})
    # The link's own quote, whatever the request names.
    page = Client().get(path, {"quote": other.pk, "pk": other.pk}).content.decode()
    assert quote.number in page and other.number not in page
    services.share_quote(actor=rep, quote=quote)  # a new link withdraws the old one
    withdrawn = Client().get(path)
    assert withdrawn.status_code == 410 and "This link was withdrawn" in withdrawn.content.decode()
    _, token = create_link(purpose="quote", target=quote)
    services.delete_quote(actor=rep, quote=quote)
    trashed = Client().get(link_url("quote", token, absolute=False))
    assert trashed.status_code == 410


def test_the_pdf_downloads_signed_in_and_through_the_link(rep):
    quote, path, _ = _shared(rep)
    signed = signed_in(rep).get(f"/sales/quotes/{quote.pk}/pdf/")
    assert signed.status_code == 200 and signed["Content-Type"] == "application/pdf"
    assert signed.content.startswith(b"%PDF")
    assert signed["Content-Disposition"] == f'attachment; filename="{quote.number}.pdf"'
    public = Client().get(path, {"download": "pdf"})
    assert public.status_code == 200 and public.content.startswith(b"%PDF")


def test_hostile_and_accented_names_are_shown_as_text_on_every_page_and_in_the_pdf(rep):
    deal, _, _ = make_deal(rep, name="Zürich <script>alert(1)</script> — 日本")
    services.add_deal_line(
        actor=rep,
        deal=deal,
        values={"name": "Übersetzung <img src=x onerror=alert(1)>", "unit_price": "12,50"},
    )
    quote = services.create_quote(actor=rep, values={"deal": deal.pk, "terms": "{{ 7*7 }} <b>bold</b>"})
    shared = services.share_quote(actor=rep, quote=quote)
    for page in (
        signed_in(rep).get(f"/sales/quotes/{quote.pk}/").content.decode(),
        Client().get(re.sub(r"^https?://[^/]+", "", shared.url)).content.decode(),
    ):
        assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "{{ 7*7 }}" in page
    assert signed_in(rep).get(f"/sales/quotes/{quote.pk}/pdf/").content.startswith(b"%PDF")
    assert Quote.objects.get(pk=quote.pk).total == Decimal("12.50")


def test_without_weasyprint_the_pages_say_so_in_a_sentence_instead_of_failing(rep, monkeypatch):
    import sys

    from tandem.sales.quotes import pdf

    quote, path, _ = _shared(rep)
    # The import really fails (a None entry in sys.modules makes `import weasyprint` raise ImportError).
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    pdf.unavailable_reason.cache_clear()
    try:
        sentence = "PDF downloads need WeasyPrint, which is not installed on this server."
        client = signed_in(rep)
        download = client.get(f"/sales/quotes/{quote.pk}/pdf/")
        assert download.status_code == 503 and sentence in download.content.decode()
        assert sentence in client.get(f"/sales/quotes/{quote.pk}/").content.decode()
        public = Client().get(path)
        assert public.status_code == 200 and sentence in public.content.decode()
        assert "Download PDF" not in public.content.decode()
        assert Client().get(path, {"download": "pdf"}).status_code == 503
    finally:
        pdf.unavailable_reason.cache_clear()


def test_drawing_pdfs_leaves_the_logo_check_refusing_truncated_images():
    # WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported
    from django.core.exceptions import ValidationError

    from tandem.brand import logos
    from tandem.brand.tests.images import image_bytes
    from tandem.sales.quotes import pdf

    pdf.unavailable_reason.cache_clear()
    assert pdf.unavailable_reason() == ""
    with pytest.raises(ValidationError) as refusal:
        logos.normalise_logo(image_bytes("JPEG", size=(800, 600))[:1500])
    assert refusal.value.message_dict["logo"] == [
        "This image file is truncated or damaged and cannot be read. Export it again and upload it."
    ]


def _header(html: str) -> str:
    start = html.index('<div class="quote-header" id="quote-header"')
    return re.sub(r"\s+", " ", html[start : html.index("</div>", start)])


def test_sharing_over_htmx_sends_the_page_header_again_with_the_new_status_and_link(rep):
    deal, _, _ = make_deal(rep)
    services.add_deal_line(
        actor=rep, deal=deal, values={"name": "Plan", "quantity": "2", "unit_price": "100"}
    )
    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    client = signed_in(rep)
    before = _header(client.get(f"/sales/quotes/{quote.pk}/").content.decode())
    assert '<span class="badge badge--quote-draft">Draft</span>' in before
    assert "Not shared yet: no buyer's link." in before and "hx-swap-oob" not in before

    answer = client.post(f"/sales/quotes/{quote.pk}/share/", {"form_token": "t-1"}, HTTP_HX_REQUEST="true")

    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.count('id="quote-header"') == 1 and html.count('id="quote-lines"') == 1
    header = _header(html)
    assert 'id="quote-header" hx-swap-oob="true"' in header
    assert '<span class="badge badge--quote-sent">Sent</span>' in header
    assert '<span class="num">200.00 EUR</span>' in header
    valid_until = Quote.objects.get(pk=quote.pk).valid_until + datetime.timedelta(days=90)
    until = f"{valid_until.day} {valid_until.strftime('%b %Y')}"
    assert re.search(rf"works until <time [^>]*>{until}</time> · not opened yet</p>", header), header
    assert "Buyer's link created " in header
    # and the facts beside the panel, out of band too
    start = html.index('<section class="panel" id="facts-about"')
    facts = html[start : html.index("</section>", start)]
    assert 'aria-labelledby="facts-about-heading" hx-swap-oob="true"' in facts
    assert '<dt>Status</dt><dd><span class="badge badge--quote-sent"><bdi>Sent</bdi></span></dd>' in facts


def test_a_refused_line_change_also_sends_the_header_and_changes_nothing(rep):
    deal, _, _ = make_deal(rep)
    services.add_deal_line(
        actor=rep, deal=deal, values={"name": "Plan", "quantity": "2", "unit_price": "100"}
    )
    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    line = quote.lines.get()
    client = signed_in(rep)
    answer = client.post(
        f"/sales/quote-lines/{line.pk}/edit/",
        {"name": "Plan", "quantity": "3", "unit_price": "100", "discount_percent": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert '<span class="num">300.00 EUR</span>' in _header(answer.content.decode())
    refused = client.post(
        f"/sales/quote-lines/{line.pk}/edit/", {"name": "Plan", "quantity": "many"}, HTTP_HX_REQUEST="true"
    )
    assert '<span class="num">300.00 EUR</span>' in _header(refused.content.decode())
    assert Quote.objects.get(pk=quote.pk).total == Decimal("300.00")


def test_adding_and_editing_lines_answer_alike_on_the_deal_and_on_the_quote(rep):
    deal, _, _ = make_deal(rep)
    client = signed_in(rep)
    free = {"name": "Setup", "quantity": "1", "unit_price": "50", "discount_percent": "0"}
    added = client.post(f"/sales/deal-lines/deal/{deal.pk}/add/", free, HTTP_HX_REQUEST="true")
    assert "Setup added." in added.content.decode()
    deal_line = DealLine.objects.get()
    refused = client.post(
        f"/sales/deal-lines/{deal_line.pk}/edit/", {**free, "quantity": "lots"}, HTTP_HX_REQUEST="true"
    )
    assert (
        "“lots” is not a number" in refused.content.decode()
        and 'value="lots"' not in refused.content.decode()
    )
    assert DealLine.objects.get().quantity == Decimal("1.00")

    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    refused = client.post(
        f"/sales/quotes/{quote.pk}/lines/add/", {**free, "name": "Training", "quantity": "lots"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert "“lots” is not a number" in refused.content.decode()
    assert 'value="lots"' in refused.content.decode()  # a new line keeps what was typed
    assert quote.lines.count() == 1
    saved = client.post(
        f"/sales/quote-lines/{quote.lines.get().pk}/edit/", {**free, "quantity": "3"}, HTTP_HX_REQUEST="true"
    )
    assert "Setup saved." in saved.content.decode()
    assert quote.lines.get().quantity == Decimal("3.00")
    plain = client.post(f"/sales/quote-lines/{quote.lines.get().pk}/edit/", {**free, "quantity": "4"})
    assert (plain.status_code, plain["Location"]) == (302, f"/sales/quotes/{quote.pk}/")
