"""The import journey's browser fixtures are the contact journey's (Debian's chromium, errors fail the test)."""

from tandem.contacts.tests.browser.conftest import browser, page, screenshot

__all__ = ["browser", "page", "screenshot"]
