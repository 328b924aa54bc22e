"""Property-based run of the whole API against its own OpenAPI schema (schemathesis, in-process WSGI).

Bounded and deterministic: a fixed number of examples per operation, derandomized. It asserts no 5xx and
that every response (successes and errors alike) conforms to the schema: status codes, content types,
headers and bodies.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tandem.api.tests.conftest import make_token
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, PropertyDefinitionFactory

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_test_connection():
    # The WSGI app fires request_started/finished, which would close the connection that holds the test's
    # transaction (Django's own test client disconnects these handlers the same way).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_headers(admin, settings, keep_test_connection):
    # Records for the generated ids to find sometimes, and a limit no run reaches.
    settings.TANDEM_API_RATE_LIMIT = 1_000_000
    company = CompanyFactory(owner=admin)
    for _ in range(3):
        ContactFactory(owner=admin, company=company)
    PropertyDefinitionFactory(name="plan")
    return {"Authorization": f"Bearer {make_token(admin)}"}


# Loaded at collection through the app itself: the schema view reads no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, api_headers):
    case.call_and_validate(headers=api_headers, checks=CHECKS)
