"""Timelines: a contact's or company's activities, newest first, and notes added to them."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from tandem.api.auth import TokenAuth
from tandem.api.errors import responses
from tandem.api.v1.paging import checked_cursor
from tandem.api.v1.schemas import MAX_ID, ActivityOut, ActivityPage, NoteWrite, Text
from tandem.contacts import selectors, services
from tandem.contacts.models import Activity, Company, Contact
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import SortKey

router = Router(tags=["activities"])

READ = TokenAuth("activities:read")
WRITE = TokenAuth("activities:write")
# The order selectors.timeline pages in; the cursor is checked against it.
TIMELINE_SORT = SortKey(("occurred_at", "id"), descending=True)


def activity_data(activity: Activity) -> dict:
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "occurred_at": activity.occurred_at,
        "contact_id": activity.contact_id,
        "company_id": activity.company_id,
        "actor_id": activity.actor_id,
        "subject_type": activity.subject_type,
        "subject_id": activity.subject_id,
        "campaign_id": activity.campaign_id,
        "body": activity.body,
        "details": activity.details,
    }


def _page(page) -> dict:
    return {"results": [activity_data(row) for row in page.rows], "next_cursor": page.next_cursor}


@router.get(
    "/contacts/{contact_id}/activities",
    auth=READ,
    response=responses({200: ActivityPage}),
    summary="A contact's timeline",
    operation_id="listContactActivities",
)
def contact_activities(
    request: HttpRequest,
    contact_id: int = Path(..., ge=1, le=MAX_ID),
    cursor: Annotated[Text | None, Query(None)] = None,
    limit: Annotated[int, Query(25, ge=1, le=200)] = 25,
):
    contact = selectors.contact_detail(request.user, contact_id)
    cursor = checked_cursor(cursor, TIMELINE_SORT)
    return _page(selectors.timeline(reader=request.user, contact=contact, cursor=cursor, limit=limit))


@router.get(
    "/companies/{company_id}/activities",
    auth=READ,
    response=responses({200: ActivityPage}),
    summary="A company's timeline",
    operation_id="listCompanyActivities",
)
def company_activities(
    request: HttpRequest,
    company_id: int = Path(..., ge=1, le=MAX_ID),
    cursor: Annotated[Text | None, Query(None)] = None,
    limit: Annotated[int, Query(25, ge=1, le=200)] = 25,
):
    company = selectors.company_detail(request.user, company_id)
    cursor = checked_cursor(cursor, TIMELINE_SORT)
    return _page(selectors.timeline(reader=request.user, company=company, cursor=cursor, limit=limit))


@router.post(
    "/contacts/{contact_id}/notes",
    auth=WRITE,
    response=responses({201: ActivityOut}),
    summary="Add a note to a contact",
    operation_id="addContactNote",
)
def add_contact_note(request: HttpRequest, payload: NoteWrite, contact_id: int = Path(..., ge=1, le=MAX_ID)):
    contact = access.get_object_or_deny(
        request.user, Verb.CHANGE, Contact.objects.filter(deleted_at__isnull=True), pk=contact_id
    )
    return Status(
        201, activity_data(services.add_note(actor=request.user, body=payload.body, contact=contact))
    )


@router.post(
    "/companies/{company_id}/notes",
    auth=WRITE,
    response=responses({201: ActivityOut}),
    summary="Add a note to a company",
    operation_id="addCompanyNote",
)
def add_company_note(request: HttpRequest, payload: NoteWrite, company_id: int = Path(..., ge=1, le=MAX_ID)):
    company = access.get_object_or_deny(
        request.user, Verb.CHANGE, Company.objects.filter(deleted_at__isnull=True), pk=company_id
    )
    return Status(
        201, activity_data(services.add_note(actor=request.user, body=payload.body, company=company))
    )
