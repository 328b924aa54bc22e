"""REST API v1, mounted at /api/v1/. Token auth with scopes, one error format (tandem.api.errors)."""

from ninja import NinjaAPI

from tandem.api import errors
from tandem.api.v1 import activities, companies, contacts, imports, properties

api = NinjaAPI(
    title="Tandem API",
    version="1",
    description=(
        "Contacts, companies, timelines and custom properties. Authenticate with a token from "
        "Settings → API tokens: `Authorization: Bearer tdm_…`. Errors always have the shape "
        '`{"error": {"code", "message", "fields"}}`; list endpoints page with `next_cursor`.'
    ),
    urls_namespace="api-v1",
    docs_url=None,
)
errors.install(api)
api.add_router("", contacts.router)
api.add_router("", companies.router)
api.add_router("", activities.router)
api.add_router("", properties.router)
api.add_router("", imports.router)
