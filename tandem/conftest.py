"""Browser fixtures for every app: Playwright driving Debian's chromium against pytest-django's live server.

Locally a missing /usr/bin/chromium skips these tests; under CI (TANDEM_BROWSER_REQUIRED=1) it fails them.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("TANDEM_SCREENSHOT_DIR", Path(__file__).resolve().parents[1] / "var" / "screenshots")
)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("TANDEM_BROWSER_REQUIRED") or os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing at /usr/bin/chromium (apt-get install chromium).")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; the live server and the ORM calls that set up
    # each test run outside it, so Django's async-safety guard does not apply here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 500 else None
        ),
    )
    yield page
    context.close()
    assert errors == [], f"The browser reported errors: {errors}"


@pytest.fixture
def screenshot(page):
    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, caret="initial")  # "hide" injects a style CSP blocks
        return path

    return take


@pytest.fixture(autouse=True, scope="session")
def _mail_through_the_ledger(django_test_environment):
    """Django's test set-up swaps EMAIL_BACKEND for its in-memory outbox; Tandem's tests keep the real one,
    so Django's mail lands in the send ledger as in production (read it with tandem.mail.testing)."""
    from django.conf import settings

    settings.EMAIL_BACKEND = "tandem.mail.backends.LedgerBackend"
