"""REST API v1, mounted at /api/v1/. Token auth with scopes, one error format (tandem.api.errors)."""

from tandem.api import errors
from tandem.api.v1 import activities, contacts, exports, imports, merges, properties
from tandem.api.v1.openapi import TandemAPI
from tandem.api.v1.records import RecordRouter
from tandem.core.records import registry

# What a record type's API does beyond its declaration, by object type.
HOOKS = {"contact": contacts.HOOKS}

api = TandemAPI(
    title="Tandem API",
    version="1",
    description=(
        "Contacts, companies, timelines, custom properties, imports, exports, duplicates and merges. "
        "Authenticate with a token from "
        "Settings → API tokens: `Authorization: Bearer tdm_…`. Errors always have the shape "
        '`{"error": {"code", "message", "fields"}}`; list endpoints page with `next_cursor`. '
        "Each token may send a number of requests per minute; every answer to a request with a valid token "
        "carries `RateLimit-Limit` (requests per window), `RateLimit-Remaining` (left in this window) and "
        "`RateLimit-Reset` (seconds until the window resets), and a 429 also `Retry-After` (seconds)."
    ),
    urls_namespace="api-v1",
    docs_url=None,
)
errors.install(api)
# Before the record types: /contacts/duplicates must not be matched as /contacts/{contact_id}.
api.add_router("", merges.router)
for record_type in registry.all_types():
    if record_type.api is not None:
        api.add_router("", RecordRouter(record_type, HOOKS.get(record_type.object_type)).router)
api.add_router("", activities.router)
api.add_router("", properties.router)
api.add_router("", imports.router)
api.add_router("", exports.router)
api.refuse_unknown_query_parameters()
