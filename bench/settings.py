"""The app's own settings plus the raw views the benchmarks compare against (served by the same gunicorn)."""

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
# Measure what production runs: no debug toolbar of SQL logging, no debug pages.
DEBUG = False
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
