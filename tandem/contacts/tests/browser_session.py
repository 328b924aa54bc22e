"""Signing in through the real login page, for the browser tests of every app (their users are made by
`factories.UserFactory`, whose password is `factories.PASSWORD`)."""

import re

from playwright.sync_api import expect

from tandem.contacts.tests.factories import PASSWORD


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
