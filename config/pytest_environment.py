"""Loaded by pytest with `-p config.pytest_environment` (pyproject addopts), before pytest-django reads
the settings: a root conftest.py runs too late for settings that are read at import time."""

import os
from pathlib import Path

# Tasks run inline in tests: a job queued inside a test runs before the call returns.
os.environ["TANDEM_HUEY_IMMEDIATE"] = "1"
# Playbook search ranks by full text alone in the tests (their exact orders), whether or not the semantic
# extra is installed; the semantic tests turn it on for themselves.
os.environ.setdefault("TANDEM_SEMANTIC_SEARCH", "off")
# Test runs keep their files (Huey's, screenshots) apart from the demo's var/.
os.environ.setdefault("TANDEM_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
# A record type that exists only in the tests: proves the record layer works from a declaration alone.
os.environ.setdefault("TANDEM_TEST_APPS", "tandem.core.tests.recordapp")
