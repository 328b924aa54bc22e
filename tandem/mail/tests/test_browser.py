"""The mail pages in a real browser: the HTML part is shown styled but sandboxed (no script, no cookies, no
remote image), the reading pane at both widths, and the test message's live status."""

import email
import email.policy
import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.tests.browser_session import log_in
from tandem.contacts.tests.factories import UserFactory
from tandem.mail.models import Category, Message, Status
from tandem.mail.services.ledger import queue_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_page(browser):
    """A page without the shared fixture's console check: the blocked script and image are reported on the
    console, and that is what this test wants to happen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_html_part_is_styled_but_runs_no_script_reads_no_cookie_and_fetches_no_remote_image(
    live_server, own_page, width
):
    page = own_page
    page.set_viewport_size({"width": width, "height": 900})
    admin = UserFactory(email="ada@example.com")
    pixel = f"{live_server.url}/static/tandem/favicon.svg?tracking-pixel"
    message = queue_message(
        key="hostile",
        category=Category.MARKETING,
        to=["ann@example.com"],
        subject="Hostile newsletter",
        text="Plain part.",
        html=(
            '<p id="styled" style="color: rgb(255, 0, 0)">Red text</p>'
            f'<img src="{pixel}" alt="pixel">'
            "<script>parent.document.title = 'owned'; document.body.dataset.ran = 'yes';</script>"
        ),
    )
    pixel_requests: list[str] = []
    # What reached the server: Chromium may announce a request that the frame's policy then blocks (DevTools
    # lists it as "blocked:csp"), so a request counts only once it finished with an answer.
    page.on(
        "requestfinished",
        lambda request: pixel_requests.append(request.url) if "tracking-pixel" in request.url else None,
    )
    log_in(page, live_server, admin)

    page.goto(f"{live_server.url}/mail/mailbox/{message.pk}/")

    frame_element = page.locator("iframe.mail-frame")
    # Generous waits: the machine running the suite may be busy, and a frame loads after its page.
    expect(frame_element).to_be_visible(timeout=15000)
    frame = frame_element.content_frame
    expect(frame.locator("#styled")).to_have_css("color", "rgb(255, 0, 0)", timeout=15000)
    inner = next(candidate for candidate in page.frames if candidate != page.main_frame)
    found = inner.evaluate(
        "() => { let cookie; try { cookie = document.cookie; } catch (error) { cookie = error.name; }"
        " return [self.origin, cookie, document.body.dataset.ran || 'no']; }"
    )
    assert found == ["null", "SecurityError", "no"]
    assert page.title() == "Hostile newsletter · Mailbox · Tandem"
    assert pixel_requests == []
    # The reading pane: beside the list at 1280 px, alone (with a way back) at 390 px.
    if width == 1280:
        expect(page.locator(".mailbox-list")).to_be_visible()
    else:
        expect(page.locator(".mailbox-list")).to_be_hidden()
        expect(page.get_by_role("link", name="← All messages")).to_be_visible()


def test_the_test_message_shows_its_status_live(live_server, page, screenshot):
    admin = UserFactory(email="ada@example.com")
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/mail/settings/")

    page.get_by_role("button", name="Send a test message").click()

    status = page.locator("#test-status")
    expect(status).to_contain_text("Queued")
    expect(status).to_contain_text("checking…")
    Message.objects.filter(key__startswith="relay-test:").update(
        status=Status.SENT, last_response="250 2.0.0 Ok: queued as 4F2A1"
    )
    expect(status).to_contain_text("250 2.0.0 Ok: queued as 4F2A1", timeout=6000)
    expect(status).not_to_contain_text("checking…")
    screenshot("mail-settings-test-sent")


def test_an_admin_adds_an_identity_confirms_it_from_the_mailed_link_and_generates_its_dkim_key(
    live_server, page, screenshot
):
    admin = UserFactory(email="ada@example.com")
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/mail/identities/")

    page.get_by_role("link", name="Add identity").first.click()
    page.get_by_label("From name").fill("Ada at Northwind")
    page.get_by_label("Address").fill("ada@northwind.example")
    page.get_by_role("button", name="Add and send confirmation").click()
    expect(page.get_by_text("Waiting for confirmation")).to_be_visible()

    # (the verification mail has a text and an HTML part: the link is read from the decoded text)
    raw = bytes(Message.objects.get().raw)
    text = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()
    link = re.search(r"http\S+/p/identity_verification/\S+/", text).group(0)
    page.goto(live_server.url + "/p/" + link.split("/p/", 1)[1])
    expect(page.get_by_role("heading", name="Confirm this sending address")).to_be_visible()
    screenshot("mail-identity-confirm-public")
    page.get_by_role("button", name="Confirm ada@northwind.example").click()
    expect(page.get_by_role("heading", name="Address confirmed")).to_be_visible()

    # The public page has no way back into the app: the admin returns to it themselves.
    page.goto(f"{live_server.url}/mail/identities/")
    expect(page.locator(".identity-list").get_by_text("Default")).to_be_visible()
    page.get_by_role("button", name="Generate a DKIM key").click()
    expect(page.locator(".dns-record").first).to_contain_text("._domainkey.northwind.example")
    screenshot("mail-identities-with-dkim")


def test_the_copy_button_puts_the_dkim_record_on_the_clipboard(live_server, browser):
    from tandem.mail.services import identities

    admin = UserFactory(email="ada@example.com")
    identity = identities.create_identity(actor=admin, from_name="Ada", address="ada@northwind.example")
    identities.generate_dkim_key(actor=admin, identity=identity)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    try:
        log_in(page, live_server, admin)
        page.goto(f"{live_server.url}/mail/identities/")

        page.get_by_role("button", name="Copy the record value").click()

        expect(page.get_by_role("button", name="Copied the record value")).to_be_visible()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied.startswith('"v=DKIM1; k=rsa; p=') and '" "' in copied
    finally:
        context.close()
