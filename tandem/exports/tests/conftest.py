# The browser fixtures (Debian's chromium through Playwright) are the contacts app's; shared, not copied.
from tandem.contacts.tests.browser.conftest import browser, page  # noqa: F401
