"""Test-wide settings that must be in place before Django starts."""

import os

# Tasks run inline in tests: a job queued inside a test runs before the call returns.
os.environ["TANDEM_HUEY_IMMEDIATE"] = "1"
os.environ.setdefault("TANDEM_VAR_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))
