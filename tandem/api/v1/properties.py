"""Custom property definitions: read by anyone whose role sees properties, defined by admins."""

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Status

from tandem.api.auth import TokenAuth
from tandem.api.errors import responses
from tandem.api.v1.schemas import PropertyList, PropertyOut, PropertyWrite
from tandem.contacts import selectors, services
from tandem.contacts.models import PropertyDefinition
from tandem.core import access
from tandem.core.access import Verb

router = Router(tags=["properties"])


def property_data(definition: PropertyDefinition) -> dict:
    return {
        "id": definition.pk,
        "object_type": definition.object_type,
        "name": definition.name,
        "label": definition.label,
        "value_type": definition.value_type,
        "choices": definition.choices,
        "help_text": definition.help_text,
        "position": definition.position,
        "created_at": definition.created_at,
    }


@router.get(
    "/properties",
    auth=TokenAuth("properties:read"),
    response=responses({200: PropertyList}),
    summary="List custom property definitions",
    operation_id="listProperties",
)
def list_properties(request: HttpRequest, object_type: Literal["contact", "company"] | None = Query(None)):
    access.require_allowed(request.user, "property", Verb.VIEW)
    object_types = [object_type] if object_type else ["contact", "company"]
    definitions = [d for name in object_types for d in selectors.property_definitions(name)]
    return {"results": [property_data(definition) for definition in definitions]}


@router.post(
    "/properties",
    auth=TokenAuth("properties:write"),
    response=responses({201: PropertyOut}),
    summary="Define a custom property (admins)",
    operation_id="createProperty",
)
def create_property(request: HttpRequest, payload: PropertyWrite):
    definition = services.create_property(actor=request.user, **payload.model_dump())
    return Status(201, property_data(definition))
