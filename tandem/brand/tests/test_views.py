"""The brand kit's pages: who may see and change it, the stale-form warning, the logo view and the preview."""

import re

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tandem.brand import services
from tandem.brand.models import BrandKit
from tandem.brand.tests.factories import full_changes, make_user
from tandem.brand.tests.images import SVG_WITH_SCRIPT, image_bytes, png_claiming
from tandem.core.models import Role

PAGE = "/brand/"


def signed_in(client, role=Role.ADMIN, email="admin@example.com"):
    user = make_user(email, role)
    client.force_login(user)
    return user


def form_data(version="0", **overrides) -> dict:
    changes = full_changes(**overrides)
    data = {name: value for name, value in changes.items() if name != "pillars"}
    for position, pillar in enumerate(changes["pillars"], start=1):
        data[f"pillar_{position}_title"] = pillar["title"]
        data[f"pillar_{position}_sentence"] = pillar["sentence"]
    data["version"] = version
    return data


def text(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_the_page_is_in_settings_and_shows_the_form_to_an_editor(client):
    signed_in(client, Role.MARKETING)

    response = client.get(PAGE)

    assert response.status_code == 200
    body = text(response)
    assert reverse("brand:brand_kit") == PAGE
    assert '<a href="/brand/"' in body and ">Brand kit<" in body  # the sidebar entry
    assert "Save brand kit" in body and 'name="version" value="0"' in body
    assert "Hosted forms" in body and "Later" in body
    assert (
        "Marketing mail cannot go out until the brand kit has the business name and the sender&#x27;s postal address."
        in body
    )


@pytest.mark.django_db
def test_where_it_is_used_says_what_reads_the_kit_today_and_what_later(client):
    # given a signed-in user, when they open the brand kit
    signed_in(client, Role.MARKETING)
    body = text(client.get(PAGE))

    # then each use is listed with the badge that is true today
    uses = re.findall(
        r'<li><div class="grow"><strong>([^<]+)</strong>.*?<span class="badge badge--\w+">(Now|Later)</span></li>',
        body,
        re.DOTALL,
    )
    assert uses == [
        ("Transactional emails", "Now"),
        ("1:1 emails", "Now"),
        ("Marketing mail", "Later"),
        ("Hosted forms", "Later"),
        ("Quote PDFs", "Later"),
    ]
    assert "Kept personal on purpose: no header or colours" in body


@pytest.mark.django_db
def test_an_editor_saves_the_kit_from_the_form(client):
    signed_in(client)

    response = client.post(PAGE, form_data())

    assert (response.status_code, response["Location"]) == (302, PAGE)
    kit = BrandKit.objects.get()
    assert (kit.name, kit.version, len(kit.pillars)) == ("Northwind Analytics", 1, 3)
    assert "The brand kit is saved." in text(client.get(PAGE))


@pytest.mark.django_db
def test_a_bad_value_shows_its_message_and_keeps_the_input(client):
    signed_in(client)

    response = client.post(PAGE, form_data(primary_colour="bluish", tagline="Kept as typed"))

    body = text(response)
    assert response.status_code == 200
    assert "Write the colour as a hex code like #3d4fd1." in body
    assert 'value="Kept as typed"' in body
    assert BrandKit.objects.count() == 0


@pytest.mark.django_db
def test_pillar_errors_are_shown_above_the_form(client):
    signed_in(client)
    data = form_data()
    data["pillar_2_sentence"] = ""

    body = text(client.post(PAGE, data))

    assert "Message pillars: Pillar 2 needs both a title and a sentence." in body


@pytest.mark.django_db
def test_the_second_of_two_editors_is_warned_and_keeps_their_input(client):
    given_other = make_user("other@example.com", Role.MARKETING)
    signed_in(client)
    services.update_brand_kit(actor=given_other, changes={"name": "Changed meanwhile"}, expected_version="0")

    response = client.post(PAGE, form_data(version="0", name="My version"))

    body = text(response)
    assert response.status_code == 200
    assert "Someone else changed the brand kit while you were editing." in body
    assert 'value="My version"' in body
    assert re.search(r'name="version" value="1"', body)
    assert BrandKit.objects.get().name == "Changed meanwhile"

    client.post(PAGE, form_data(version="1", name="My version"))

    assert BrandKit.objects.values_list("name", "version").get() == ("My version", 2)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SALES, Role.SERVICE, Role.READ_ONLY])
def test_other_roles_see_the_kit_read_only_and_a_post_is_refused_with_nothing_changed(client, role):
    signed_in(client, role, "user@example.com")

    page = client.get(PAGE)
    refused = [
        client.post(PAGE, form_data()),
        client.post(reverse("brand:logo_upload"), {"logo": SimpleUploadedFile("l.png", image_bytes("PNG"))}),
        client.post(reverse("brand:logo_remove")),
    ]

    assert page.status_code == 200
    assert "You can view the brand kit. Admins and marketing can change it." in text(page)
    assert "Save brand kit" not in text(page) and "disabled" in text(page)
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert (BrandKit.objects.count(), LogEntry.objects.filter(content_type__model="brandkit").count()) == (
        0,
        0,
    )


@pytest.mark.django_db
def test_a_visitor_who_is_not_signed_in_is_sent_to_login(client):
    response = client.get(PAGE)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_uploading_a_logo_serves_it_by_its_hash_with_caching_headers(client):
    signed_in(client)

    response = client.post(
        reverse("brand:logo_upload"), {"logo": SimpleUploadedFile("l.webp", image_bytes("WEBP"))}
    )

    assert response.status_code == 302
    kit = BrandKit.objects.get()
    client.logout()  # mail clients fetch the logo without a session
    served = client.get(f"/brand/logo/{kit.logo_hash}.png")
    assert (served.status_code, served["Content-Type"], served["Cache-Control"], served["ETag"]) == (
        200,
        "image/png",
        "public, max-age=31536000, immutable",
        f'"{kit.logo_hash}"',
    )
    assert served.content == bytes(kit.logo_png)
    again = client.get(f"/brand/logo/{kit.logo_hash}.png", HTTP_IF_NONE_MATCH=f'"{kit.logo_hash}"')
    assert (again.status_code, again.content) == (304, b"")
    assert client.get("/brand/logo/0123456789abcdef0123456789abcdef.png").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", SVG_WITH_SCRIPT, "SVG logos are not accepted (an SVG can carry script)."),
        ("logo.png", b"hello, I am text", "This file is not an image Tandem can read."),
        ("logo.png", png_claiming(50_000, 50_000), "This image is too large to process."),
        ("logo.jpg", image_bytes("JPEG", size=(800, 600))[:1500], "This image file is truncated or damaged"),
    ],
)
def test_a_bad_logo_is_refused_on_the_page_with_its_reason(client, name, content, message):
    signed_in(client)

    response = client.post(reverse("brand:logo_upload"), {"logo": SimpleUploadedFile(name, content)})

    assert response.status_code == 200
    assert message in text(response)
    assert BrandKit.objects.count() == 0


@pytest.mark.django_db
def test_removing_the_logo(client):
    user = signed_in(client)
    kit = services.set_logo(actor=user, upload=SimpleUploadedFile("l.png", image_bytes("PNG")))

    response = client.post(reverse("brand:logo_remove"))

    assert response.status_code == 302
    assert BrandKit.objects.get().logo_hash == ""
    assert client.get(f"/brand/logo/{kit.logo_hash}.png").status_code == 404


@pytest.mark.django_db
def test_the_preview_renders_unsaved_input_in_a_frame_that_may_run_no_script(client):
    signed_in(client, Role.SALES, "rep@example.com")

    response = client.get(
        reverse("brand:email_preview"),
        {"name": "<b>Draft</b> Co", "primary_colour": "#0e7c66", "accent_colour": "nonsense"},
    )

    body = text(response)
    assert response.status_code == 200
    assert "&lt;b&gt;Draft&lt;/b&gt; Co" in body and "background:#0e7c66" in body
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = response["Content-Security-Policy"]
    assert (
        "default-src 'none'" in policy and "script-src" not in policy and "frame-ancestors 'self'" in policy
    )
    assert BrandKit.objects.count() == 0


@pytest.mark.django_db
def test_the_preview_panel_warns_about_a_primary_colour_that_fails_contrast(client):
    signed_in(client)

    failing = text(client.get(reverse("brand:preview_panel"), {"primary_colour": "#808080"}))
    passing = text(client.get(reverse("brand:preview_panel"), {"primary_colour": "#1f3a93"}))

    assert "has a contrast of 4.1:1, below the 4.5:1 that WCAG AA asks for" in failing
    assert "White text on #1f3a93:" in passing
    assert "primary_colour=%231f3a93" in passing


@pytest.mark.django_db
def test_the_audit_log_shows_brand_kit_changes_in_words(client):
    admin = signed_in(client)
    services.update_brand_kit(actor=admin, changes={"name": "Northwind"}, expected_version=None)
    services.set_logo(actor=admin, upload=SimpleUploadedFile("l.png", image_bytes("PNG")))

    response = client.get("/settings/audit/")

    body = text(response)
    assert response.status_code == 200
    assert "Brand kit changed" in body and "Brand logo uploaded" in body and "600 × 150 PNG" in body
