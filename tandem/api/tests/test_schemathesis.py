"""Property-based run of the whole API against its own OpenAPI schema (schemathesis, in-process WSGI).

Deterministic (derandomized) and deep: TANDEM_SCHEMATHESIS_EXAMPLES examples per operation (200 by default,
what CI runs), data that fits the schema and data that does not, and every check schemathesis has but one:
no 5xx; status codes, content types, headers and bodies as documented; schema-violating requests refused;
unsupported methods answered 405 with Allow; missing auth refused; ... The one left out is
positive_data_acceptance, which expects every schema-valid request to succeed: an API with references
and business rules refuses some with a 400 by design (an owner id that is no active user, two records that
are the same, a cursor it never issued, a file that is not a table), and a schema cannot say those.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tandem.api.tests.conftest import make_token
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, PropertyDefinitionFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("TANDEM_SCHEMATHESIS_EXAMPLES", "200"))
EXCLUDED_CHECKS = [positive_data_acceptance]


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
schema.config.generation.update(modes=list(GenerationMode))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, api_headers):
    case.call_and_validate(headers=headers_for(case, api_headers), excluded_checks=EXCLUDED_CHECKS)


def headers_for(case, api_headers: dict) -> dict:
    """The token, unless the case leaves it out on purpose: a negative case whose headers violate the schema
    by missing the required Authorization must go without it (adding it back made a valid request that the
    negative check then counted as "invalid data accepted")."""
    header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if header is not None and header.mode == GenerationMode.NEGATIVE and "Authorization" not in (case.headers or {}):
        return {}
    return api_headers
