"""Contacts: list (filtered, sorted, cursor-paged), read, create, partial update, delete to the trash."""

from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from tandem.api.auth import TokenAuth
from tandem.api.errors import BadRequest, ErrorOut, error_body, responses
from tandem.api.v1.openapi import property_filter_parameter
from tandem.api.v1.paging import (
    OWNER,
    OWNER_ID,
    TEAM,
    TEAM_ID,
    checked_cursor,
    owner_filter,
    property_filters,
)
from tandem.api.v1.schemas import (
    MAX_FILTER_VALUES,
    MAX_ID,
    ContactOut,
    ContactPage,
    ContactPatch,
    ContactWrite,
    CountryCode,
    Day,
    OwnerValue,
    RecordId,
    Stage,
    Text,
)
from tandem.contacts import selectors, services
from tandem.contacts.models import Contact
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import paginate

router = Router(tags=["contacts"])

READ = TokenAuth("contacts:read")
WRITE = TokenAuth("contacts:write")
Sort = Literal[tuple(selectors.CONTACT_SORTS)]  # type: ignore[valid-type]


def contact_data(contact: Contact, tags: list[str] | None = None) -> dict:
    return {
        "id": contact.pk,
        "external_id": contact.external_id,
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": contact.phone,
        "job_title": contact.job_title,
        "company_id": contact.company_id,
        "country": str(contact.country or ""),
        "lifecycle_stage": contact.lifecycle_stage,
        "lead_status": contact.lead_status,
        "score": contact.score,
        "owner_id": contact.owner_id,
        "team_id": contact.team_id,
        "tags": tags if tags is not None else sorted(tag.name for tag in contact.tags.all()),
        "source": contact.source,
        "source_medium": contact.source_medium,
        "source_campaign": contact.source_campaign,
        "source_referrer": contact.source_referrer,
        "source_landing_page": contact.source_landing_page,
        "properties": contact.properties,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


IDENTIFYING_FIELDS = ("email", "first_name", "last_name")


def require_email_or_name(values: dict, current: Contact | None = None) -> None:
    """The contact form's rule: a contact needs an email address or a name. `values` are the fields sent;
    on a change, the ones not sent keep the contact's current values."""
    merged = {name: values.get(name, getattr(current, name, None)) for name in IDENTIFYING_FIELDS}
    if not any(str(value or "").strip() for value in merged.values()):
        message = "Give an email address, a first name or a last name."
        raise BadRequest(
            "A contact needs an email address or a name.", {name: message for name in IDENTIFYING_FIELDS}
        )


IF_MATCH_DESCRIPTION = (
    "The ETag of the record as you read it (GET or a previous PATCH). The change is made only if the record "
    "is still that version; otherwise 412 and nothing is written."
)
# 412 answers a stale If-Match in the one error format (code "precondition_failed").
PRECONDITION_FAILED = {412: ErrorOut}


def etag(record) -> str:
    """The strong ETag of a contact or company: its version (services.record_version), quoted."""
    return f'"{services.record_version(record)}"'


def expected_version(if_match: str | None) -> str | None:
    """The version an If-Match header asks for; None for no header or "*" (any version)."""
    value = (if_match or "").strip()
    if not value or value == "*":
        return None
    # A list names acceptable versions; a client editing one record sends one. If-Match compares strongly:
    # a weak tag (W/"…") never matches, so it is passed on as is and refused as stale.
    first = value.split(",")[0].strip()
    return first if first.startswith("W/") else first.strip('"')


def precondition_failed(response: HttpResponse, stale) -> Status:
    response["ETag"] = f'"{stale.current_version}"'
    return Status(412, error_body("precondition_failed", stale.messages[0]))


def _service_values(payload: dict) -> dict:
    """API field names to the service's: company_id -> company, owner_id -> owner."""
    values = dict(payload)
    for api_name, service_name in (("company_id", "company"), ("owner_id", "owner")):
        if api_name in values:
            values[service_name] = values.pop(api_name)
    return values


@router.get(
    "/contacts",
    auth=READ,
    response=responses({200: ContactPage}),
    summary="List contacts",
    operation_id="listContacts",
    openapi_extra=property_filter_parameter("contact"),
)
def list_contacts(
    request: HttpRequest,
    q: Annotated[
        Text, Query("", description="Any part of a word of the name, email, phone, job title or company.")
    ] = "",
    stage: Annotated[list[Stage] | None, Query(None, max_length=MAX_FILTER_VALUES)] = None,  # type: ignore[valid-type]
    owner: Annotated[
        list[OwnerValue] | None, Query(None, max_length=MAX_FILTER_VALUES, description=OWNER)
    ] = None,
    team: Annotated[
        list[RecordId] | None, Query(None, max_length=MAX_FILTER_VALUES, description=TEAM)
    ] = None,
    company: Annotated[RecordId | None, Query(None, description="A company's id: its contacts.")] = None,
    country: Annotated[list[CountryCode] | None, Query(None, max_length=MAX_FILTER_VALUES)] = None,
    tag: Annotated[Text, Query("")] = "",
    created_from: Annotated[Day | None, Query(None)] = None,
    created_to: Annotated[Day | None, Query(None)] = None,
    sort: Annotated[Sort, Query("newest")] = "newest",  # type: ignore[valid-type]
    cursor: Annotated[Text | None, Query(None, description="next_cursor of the previous page.")] = None,
    limit: Annotated[int, Query(50, ge=1, le=200)] = 50,
    owner_id: Annotated[RecordId | None, Query(None, deprecated=True, description=OWNER_ID)] = None,
    team_id: Annotated[RecordId | None, Query(None, deprecated=True, description=TEAM_ID)] = None,
):
    """The same filters as the contacts list page, by the same names; a parameter may repeat
    (`stage=lead&stage=mql`) to match any of its values. Filter by custom properties with
    `property.<name>=value`, or `property.<name>.gte=` / `.lte=` for numbers and dates. Pages follow
    `next_cursor` until it is null."""
    owner_ids, unowned = owner_filter(owner, owner_id)
    filters = selectors.ContactFilters(
        search=q,
        stages=list(stage or []),
        owner_ids=owner_ids,
        unowned=unowned,
        team_ids=[*(team or []), *([team_id] if team_id else [])],
        company_id=company,
        countries=[code.upper() for code in country or []],
        tag=tag,
        created_from=created_from,
        created_to=created_to,
        properties=property_filters(request.GET, "contact"),
    )
    sort_key = selectors.CONTACT_SORTS[sort][1]
    queryset = selectors.filter_contacts(selectors.visible_contacts(request.user), filters)
    page = paginate(queryset.prefetch_related("tags"), sort_key, checked_cursor(cursor, sort_key), limit)
    return {"results": [contact_data(contact) for contact in page.rows], "next_cursor": page.next_cursor}


@router.get(
    "/contacts/{contact_id}",
    auth=READ,
    response=responses({200: ContactOut}),
    summary="Get a contact",
    operation_id="getContact",
)
def get_contact(request: HttpRequest, response: HttpResponse, contact_id: int = Path(..., ge=1, le=MAX_ID)):
    """The ETag header is the contact's version: send it back as If-Match on PATCH."""
    contact = selectors.contact_detail(request.user, contact_id)
    response["ETag"] = etag(contact)
    return contact_data(contact)


@router.post(
    "/contacts",
    auth=WRITE,
    response=responses({201: ContactOut}),
    summary="Create a contact",
    operation_id="createContact",
)
def create_contact(request: HttpRequest, payload: ContactWrite):
    # Only what the client sent: the service applies its own defaults (the owner is the token's user).
    values = payload.model_dump(exclude_unset=True)
    require_email_or_name(values)
    tags = values.pop("tags", [])
    contact = services.create_contact(
        actor=request.user, values=_service_values(values), tags=tags, cause_type="api", request=request
    )
    return Status(201, contact_data(contact))


@router.patch(
    "/contacts/{contact_id}",
    operation_id="updateContact",
    auth=WRITE,
    response=responses({200: ContactOut, **PRECONDITION_FAILED}),
    summary="Change a contact",
)
def update_contact(
    request: HttpRequest,
    payload: ContactPatch,
    response: HttpResponse,
    contact_id: int = Path(..., ge=1, le=MAX_ID),
    if_match: Annotated[Text | None, Header(None, alias="If-Match", description=IF_MATCH_DESCRIPTION)] = None,
):
    """Send If-Match with the ETag you read to refuse the change (412) if someone changed the contact since."""
    contact = access.get_object_or_deny(
        request.user, Verb.CHANGE, Contact.objects.filter(deleted_at__isnull=True), pk=contact_id
    )
    values = payload.model_dump(exclude_unset=True)
    require_email_or_name(values, current=contact)
    tags = values.pop("tags", None)
    try:
        contact = services.update_contact(
            actor=request.user,
            contact=contact,
            values=_service_values(values),
            tags=tags,
            cause_type="api",
            request=request,
            expected_version=expected_version(if_match),
        )
    except services.StaleRecord as stale:
        return precondition_failed(response, stale)
    response["ETag"] = etag(contact)
    return contact_data(contact)


@router.delete(
    "/contacts/{contact_id}",
    auth=WRITE,
    response=responses({204: None}),
    summary="Move a contact to the trash",
    operation_id="deleteContact",
)
def delete_contact(request: HttpRequest, contact_id: int = Path(..., ge=1, le=MAX_ID)):
    contact = access.get_object_or_deny(
        request.user, Verb.DELETE, Contact.objects.filter(deleted_at__isnull=True), pk=contact_id
    )
    services.delete_contact(actor=request.user, contact=contact, request=request)
    return Status(204, None)
