"""What other apps read: brand_context (plain values only) and the email header and footer built from it."""

import json
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.brand import emails, selectors, services
from tandem.brand.colours import contrast_ratio, contrast_warning, normalise_hex
from tandem.brand.tests.factories import full_changes, make_user
from tandem.brand.tests.images import image_bytes

BASE = "https://crm.example.com/"


def test_contrast_follows_wcag():
    assert round(contrast_ratio("#ffffff", "#000000"), 2) == 21.0
    assert round(contrast_ratio("#3d4fd1", "#ffffff"), 2) == 6.49
    assert contrast_warning("#3d4fd1") == ""
    assert contrast_warning("#808080") == (
        "Dark text on #808080 has a contrast of 4.1:1, below the 4.5:1 that WCAG AA asks for body text: buttons "
        "and headers in this colour will be hard to read. Choose a darker or lighter shade."
    )
    assert (normalise_hex(" #ABC "), normalise_hex("red"), normalise_hex("#abcdeg")) == (
        "#aabbcc",
        None,
        None,
    )


@pytest.mark.django_db
def test_without_a_saved_kit_the_context_has_the_defaults():
    brand = selectors.brand_context(absolute_base_url=BASE)

    assert brand["name"] == "Our company"
    assert (brand["logo_url"], brand["postal_address"], brand["social_links"], brand["pillars"]) == (
        "",
        [],
        [],
        [],
    )
    assert brand["colours"]["primary"] == "#3d4fd1" and brand["version"] == 0
    assert selectors.missing_for_marketing_mail() == ["the business name", "the sender's postal address"]


@pytest.mark.django_db
def test_the_context_is_plain_json_values_with_an_absolute_logo_url():
    given_admin = make_user("admin@example.com")
    services.update_brand_kit(actor=given_admin, changes=full_changes(), expected_version=None)
    kit = services.set_logo(actor=given_admin, upload=SimpleUploadedFile("l.png", image_bytes("PNG")))

    brand = selectors.brand_context(absolute_base_url=BASE)

    assert json.loads(json.dumps(brand)) == brand  # plain values only: no model objects, no lazy strings
    assert brand["logo_url"] == f"https://crm.example.com/brand/logo/{kit.logo_hash}.png"
    assert brand["postal_address"] == [
        "Northwind Analytics Ltd",
        "12 Harbour Street",
        "Bristol BS1 4XX",
        "United Kingdom",
    ]
    assert brand["social_links"] == [
        {"key": "linkedin", "label": "LinkedIn", "url": "https://www.linkedin.com/company/northwind"},
        {"key": "x", "label": "X", "url": "https://x.com/northwind"},
        {"key": "youtube", "label": "YouTube", "url": "https://www.youtube.com/@northwind"},
        {"key": "website", "label": "Website", "url": "https://northwind.example"},
    ]
    assert brand["fonts"] == {
        "heading": 'Georgia, "Times New Roman", Times, serif',
        "body": '"Helvetica Neue", Helvetica, Arial, sans-serif',
    }
    assert brand["positioning"]["statement"] == (
        "For finance teams at mid-sized retailers, Northwind Analytics is a forecasting platform that turns sales "
        "data into a forecast they trust. Unlike spreadsheets, we update every forecast overnight."
    )
    assert brand["colours"]["text_on_primary"] == "#ffffff"
    assert selectors.missing_for_marketing_mail() == []


def hostile_brand() -> dict:
    return {
        "name": '<script>alert("name")</script>',
        "tagline": "<b>bold</b>",
        "logo_url": "",
        "colours": {"primary": 'red;background:url("https://evil.example")', "accent": "#0e7c66"},
        "fonts": {"heading": "x;}</style><script>", "body": "Arial"},
        "postal_address": ["<img src=x onerror=alert(1)>", "Bristol"],
        "social_links": [
            {"key": "x", "label": "<i>X</i>", "url": "javascript:alert(1)"},
            {"key": "website", "label": "Web", "url": 'https://ok.example/?a="><script>'},
        ],
    }


def test_the_header_and_footer_escape_everything_and_recheck_colours_fonts_and_urls():
    brand = hostile_brand()

    header = emails.email_header_html(brand)
    footer = emails.email_footer_html(brand, unsubscribe_url="https://crm.example.com/u/abc?x=1&y=2")

    assert "<script" not in header + footer and "<img src=x" not in footer and "javascript:" not in footer
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in header
    assert "background:#3d4fd1" in header and "evil.example" not in header  # a bad colour falls back
    assert "font-family:Arial, sans-serif" in header  # a bad font stack falls back
    assert '<a href="https://ok.example/?a=&quot;&gt;&lt;script&gt;"' in footer
    assert "&lt;img src=x onerror=alert(1)&gt;<br>Bristol" in footer
    assert 'href="https://crm.example.com/u/abc?x=1&amp;y=2"' in footer


def test_the_text_footer_lists_name_address_links_and_unsubscribe():
    brand = {
        "name": "Northwind",
        "postal_address": ["12 Harbour Street", "Bristol"],
        "social_links": [
            {"label": "LinkedIn", "url": "https://www.linkedin.com/company/n"},
            {"label": "Bad", "url": "ftp://x"},
        ],
    }

    assert emails.email_footer_text(brand, unsubscribe_url="https://crm.example.com/u/1") == (
        "--\nNorthwind\n12 Harbour Street\nBristol\n\nLinkedIn: https://www.linkedin.com/company/n\n\n"
        "Unsubscribe: https://crm.example.com/u/1"
    )


@pytest.mark.django_db
def test_the_header_shows_the_logo_when_there_is_one():
    given_admin = make_user("admin@example.com")
    services.update_brand_kit(actor=given_admin, changes={"name": "Northwind"}, expected_version=None)
    kit = services.set_logo(actor=given_admin, upload=SimpleUploadedFile("l.png", image_bytes("PNG")))

    header = emails.email_header_html(selectors.brand_context(absolute_base_url=BASE))

    assert (
        f'<img src="https://crm.example.com/brand/logo/{kit.logo_hash}.png" alt="Northwind" width="300"'
        in header
    )


text_values = st.text(max_size=60)


@settings(max_examples=150, deadline=None)
@given(
    name=text_values,
    tagline=text_values,
    address=st.lists(text_values, max_size=4),
    label=text_values,
    url=text_values,
    colour=text_values,
)
def test_no_value_can_add_markup_to_the_header_or_footer(name, tagline, address, label, url, colour):
    brand = {
        "name": name,
        "tagline": tagline,
        "logo_url": "",
        "colours": {"primary": colour, "accent": colour},
        "fonts": {"heading": label, "body": name},
        "postal_address": address,
        "social_links": [
            {"key": "x", "label": label, "url": "https://x.com/" + url},
            {"label": label, "url": url},
        ],
    }

    html = emails.email_header_html(brand) + emails.email_footer_html(brand, unsubscribe_url=url)

    parser = TagCollector()
    parser.feed(html)
    assert parser.tags <= {"table", "tr", "td", "span", "div", "p", "a", "strong", "br"}
    assert all(not attribute.startswith("on") for attribute in parser.attributes)
    assert all(
        value.startswith("https://") for value in parser.hrefs[:-1]
    )  # the last is the unsubscribe link


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for attribute, value in attrs:
            self.attributes.add(attribute)
            if attribute == "href":
                self.hrefs.append(value or "")
