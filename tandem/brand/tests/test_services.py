"""The brand kit's services: cleaning, optimistic concurrency, access, audit rows and events."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.brand import services
from tandem.brand.models import BrandKit
from tandem.brand.tests.factories import full_changes, make_user
from tandem.brand.tests.images import image_bytes
from tandem.contacts.services import StaleRecord
from tandem.core.models import Event, Role


def audit_rows() -> list[tuple]:
    return list(
        LogEntry.objects.filter(content_type__model="brandkit")
        .order_by("id")
        .values_list("action", "actor__email", "additional_data")
    )


def kit_events() -> list[tuple]:
    return list(Event.objects.filter(name="brand.kit.changed").order_by("id").values_list("name", "payload"))


def service_errors(changes: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        services.update_brand_kit(
            actor=make_user("admin@example.com"), changes=changes, expected_version=None
        )
    return caught.value.message_dict


@pytest.mark.django_db
def test_update_stores_cleaned_values_audits_and_publishes():
    given_marketer = make_user("mia@example.com", Role.MARKETING)

    kit = services.update_brand_kit(actor=given_marketer, changes=full_changes(), expected_version="0")

    kit.refresh_from_db()
    assert (kit.name, kit.primary_colour, kit.accent_colour, kit.version, kit.updated_by) == (
        "Northwind Analytics",
        "#1f3a93",
        "#0e7c66",
        1,
        given_marketer,
    )
    assert kit.postal_address == "Northwind Analytics Ltd\n12 Harbour Street\nBristol BS1 4XX\nUnited Kingdom"
    assert kit.pillars == [
        {"title": "Trust", "sentence": "Every number traces back to its source."},
        {"title": "Speed", "sentence": "Forecasts refresh overnight."},
        {"title": "Clarity", "sentence": "One page a board can read."},
    ]
    assert audit_rows() == [(LogEntry.Action.UPDATE, "mia@example.com", {"event": "brand_kit_updated"})]
    changes = LogEntry.objects.get().changes
    assert changes["name"] == ["", "Northwind Analytics"]
    assert changes["primary_colour"] == ["#3d4fd1", "#1f3a93"]
    assert kit_events() == [("brand.kit.changed", {"version": 1})]


@pytest.mark.django_db
def test_a_save_that_changes_nothing_keeps_the_version_and_writes_no_audit_row():
    given_admin = make_user("admin@example.com")
    services.update_brand_kit(actor=given_admin, changes=full_changes(), expected_version="0")

    kit = services.update_brand_kit(actor=given_admin, changes=full_changes(), expected_version="1")

    assert (kit.version, len(audit_rows()), len(kit_events())) == (1, 1, 1)


@pytest.mark.django_db
def test_a_stale_version_is_refused_and_changes_nothing():
    given_first, given_second = make_user("ann@example.com"), make_user("bob@example.com", Role.MARKETING)
    services.update_brand_kit(actor=given_first, changes={"name": "First"}, expected_version="0")

    with pytest.raises(StaleRecord) as caught:
        services.update_brand_kit(actor=given_second, changes={"name": "Second"}, expected_version="0")

    assert caught.value.current_version == "1"
    assert caught.value.messages == [
        "Someone else changed this brand kit after you opened it. Reload it to see their changes, then make "
        "yours again."
    ]
    assert BrandKit.objects.values_list("name", "version").get() == ("First", 1)
    assert len(audit_rows()) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SALES, Role.SERVICE, Role.READ_ONLY])
def test_roles_other_than_admin_and_marketing_may_not_change_the_kit_and_nothing_happens(role):
    given_user = make_user("someone@example.com", role)

    with pytest.raises(PermissionDenied):
        services.update_brand_kit(actor=given_user, changes={"name": "Mine"}, expected_version=None)
    with pytest.raises(PermissionDenied):
        services.set_logo(actor=given_user, upload=SimpleUploadedFile("logo.png", image_bytes("PNG")))
    with pytest.raises(PermissionDenied):
        services.remove_logo(actor=given_user)

    assert (BrandKit.objects.count(), audit_rows(), kit_events()) == (0, [], [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"primary_colour": "blue"}, {"primary_colour": ["Write the colour as a hex code like #3d4fd1."]}),
        ({"accent_colour": "#12345"}, {"accent_colour": ["Write the colour as a hex code like #3d4fd1."]}),
        (
            {"heading_font": "Comic Sans from fonts.example"},
            {"heading_font": ["Choose one of the listed fonts."]},
        ),
        ({"name": "Evil\r\nBcc: victim@example.com"}, {"name": ["Write this on one line."]}),
        ({"tagline": "x" * 161}, {"tagline": ["At most 160 characters (this has 161)."]}),
        (
            {"linkedin_url": "http://www.linkedin.com/company/x"},
            {"linkedin_url": ["Give the full https:// address of your LinkedIn page."]},
        ),
        (
            {"website_url": "javascript:alert(1)"},
            {"website_url": ["Give the full https:// address of your website."]},
        ),
        (
            {"x_url": "https://evil.example/x"},
            {"x_url": ["This is not an X address (it should be on x.com)."]},
        ),
        (
            {"pillars": [{"title": "Only one", "sentence": "Not enough."}]},
            {"pillars": ["Write 3 to 5 message pillars (there are 1)."]},
        ),
        (
            {
                "pillars": [
                    {"title": "A", "sentence": "a."},
                    {"title": "B", "sentence": ""},
                    {"title": "C", "sentence": "c."},
                ]
            },
            {"pillars": ["Pillar 2 needs both a title and a sentence."]},
        ),
        ({"logo_png": b"x"}, {"__all__": ["The brand kit has no field logo_png."]}),
    ],
)
def test_bad_values_are_refused_with_a_sentence_and_nothing_is_saved(changes, expected):
    assert service_errors(changes) == expected
    assert (BrandKit.objects.count(), audit_rows()) == (0, [])


@pytest.mark.django_db
def test_short_hex_and_missing_hash_are_accepted():
    kit = services.update_brand_kit(
        actor=make_user("admin@example.com"),
        changes={"primary_colour": "#3AD", "accent_colour": "0E7C66"},
        expected_version=None,
    )

    assert (kit.primary_colour, kit.accent_colour) == ("#33aadd", "#0e7c66")


@pytest.mark.django_db
def test_set_logo_stores_png_bytes_in_the_row_and_remove_logo_clears_them():
    given_admin = make_user("admin@example.com")

    kit = services.set_logo(actor=given_admin, upload=SimpleUploadedFile("logo.jpg", image_bytes("JPEG")))

    stored = BrandKit.objects.get()
    assert (stored.logo_width, stored.logo_height, bytes(stored.logo_png)[:8]) == (
        600,
        150,
        b"\x89PNG\r\n\x1a\n",
    )
    assert stored.logo_hash == kit.logo_hash and len(kit.logo_hash) == 32

    services.remove_logo(actor=given_admin)

    stored.refresh_from_db()
    assert (stored.logo_png, stored.logo_hash, stored.logo_width, stored.version) == (None, "", 0, 2)
    assert [row[2]["event"] for row in audit_rows()] == ["brand_logo_set", "brand_logo_removed"]
    assert LogEntry.objects.order_by("id").first().changes == {"logo": [None, "600 × 150 PNG"]}


@pytest.mark.django_db
def test_a_refused_logo_leaves_the_kit_as_it_was():
    given_admin = make_user("admin@example.com")

    with pytest.raises(ValidationError):
        services.set_logo(actor=given_admin, upload=SimpleUploadedFile("logo.png", b"not an image"))

    assert (BrandKit.objects.count(), audit_rows()) == (0, [])
