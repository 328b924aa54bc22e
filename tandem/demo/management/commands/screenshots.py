"""`manage.py screenshots` (`make screenshots`): the README's pictures, taken with Playwright from a running
demo (`make demo`), as the demo's sales rep would see them. Needs the test extras (Playwright) and Debian's
chromium."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tandem.demo.generator import DEMO_PASSWORD

# (file, path, viewport width, viewport height): the hero is a list page as it fills a laptop screen.
SHOTS = (
    ("contacts.png", "/contacts/?sort=updated", 1280, 760),
    ("contacts-phone.png", "/contacts/?sort=updated", 390, 844),
)
LOGIN = "sales@demo.tandem.test"


class Command(BaseCommand):
    help = "Take the README's screenshots from a running demo into docs/screenshots/."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where `make demo` serves")
        parser.add_argument("--chromium", default="/usr/bin/chromium")

    def handle(self, *args, url: str, chromium: str, **options):
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as missing:
            raise CommandError("Playwright is a test extra: pip install -e '.[test]'.") from missing
        target = Path(settings.BASE_DIR) / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for name, path, width, height in SHOTS:
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(f"{url}/accounts/login/")
                page.fill("input[name=login]", LOGIN)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.goto(url + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(target / name), caret="initial")
                context.close()
                self.stdout.write(f"{target / name}: {(target / name).stat().st_size // 1024} KB")
            browser.close()
