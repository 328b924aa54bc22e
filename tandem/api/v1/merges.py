"""Duplicates and merges: suggested duplicate pairs per reason, merging two records, undoing a merge.

The same reads and services as the duplicates pages: pairs hold only records the token's user may see, a
merge needs change on the survivor and delete on the other (the service checks), and merges are undone
newest first. Registered before the contacts and companies routers, so /contacts/duplicates is not read as
/contacts/{contact_id}.
"""

import datetime
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from tandem.api.auth import TokenAuth
from tandem.api.errors import MissingScope, responses
from tandem.api.v1.schemas import MAX_ID, RecordId, Text, WriteSchema
from tandem.contacts import duplicates
from tandem.contacts.models import MergeRecord
from tandem.contacts.services import merge as merge_services
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import InvalidCursor, decode_cursor

router = Router(tags=["duplicates and merges"])

PLURALS = {"contact": "contacts", "company": "companies"}
WRITE_SCOPES = {"contact": "contacts:write", "company": "companies:write"}
Side = Literal["survivor", "other"]
ReasonName = Literal[  # type: ignore[valid-type]
    tuple(dict.fromkeys([*duplicates.reasons_for("contact"), *duplicates.reasons_for("company")]))
]
ObjectTypeName = Literal["contact", "company"]


class RecordRef(Schema):
    id: int
    name: str


class DuplicatePair(Schema):
    reason: ReasonName  # type: ignore[valid-type]
    first: RecordRef
    second: RecordRef


class DuplicatePage(Schema):
    results: list[DuplicatePair]
    next_cursor: str | None


class MergeWrite(WriteSchema):
    survivor_id: RecordId = Field(description="The record that stays.")
    other_id: RecordId = Field(description="The record merged into it (it goes to the trash).")
    choices: dict[Text, Side] = Field(
        default_factory=dict,
        description='Per field (or "properties.<name>"), whose value the survivor keeps: "survivor" or '
        "\"other\". Fields not named keep the survivor's value, or take the other's where the survivor "
        "has none (and the further lifecycle stage).",
    )


class MergeOut(Schema):
    id: int
    object_type: ObjectTypeName
    survivor_id: int
    other_id: int
    other_name: str
    choices: dict[str, Side]
    merged_at: datetime.datetime
    undone_at: datetime.datetime | None


def merge_data(merge: MergeRecord) -> dict:
    return {
        "id": merge.pk,
        "object_type": merge.object_type,
        "survivor_id": merge.survivor_id,
        "other_id": merge.other_id,
        "other_name": merge.other_name,
        "choices": dict(merge.choices or {}),
        "merged_at": merge.merged_at,
        "undone_at": merge.undone_at,
    }


def _checked_cursor(cursor: str | None, reason: duplicates.Reason) -> str | None:
    """A cursor holds the last group's key; its values must have the key fields' types before any query
    (a company id is a number, the rest are text), so a forged cursor is a 400, not a database error."""
    if not cursor:
        return None
    values, _backwards = decode_cursor(cursor, len(reason.fields))
    for name, value in zip(reason.fields, values, strict=True):
        if name == "company_id":
            fits = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
        else:
            fits = isinstance(value, str) and "\x00" not in value and len(value) <= 1000
        if not fits:
            raise InvalidCursor("This page link is no longer valid.")
    return cursor


def _live(object_type: str):
    return duplicates.model_for(object_type).objects.filter(deleted_at__isnull=True)


def _add_record_operations(object_type: str) -> None:
    """The duplicates list and the merge of one object type: the same lines for contacts and companies."""
    plural = PLURALS[object_type]
    read = TokenAuth(f"{plural}:read")
    write = TokenAuth(WRITE_SCOPES[object_type])
    Reason = Literal[tuple(duplicates.reasons_for(object_type))]  # type: ignore[valid-type]
    default_reason = next(iter(duplicates.reasons_for(object_type)))

    @router.get(
        f"/{plural}/duplicates",
        auth=read,
        response=responses({200: DuplicatePage}),
        summary=f"List likely duplicate {plural}",
        operation_id=f"list{object_type.title()}Duplicates",
    )
    def list_duplicates(
        request: HttpRequest,
        reason: Annotated[Reason, Query(default_reason)] = default_reason,  # type: ignore[valid-type]
        cursor: Annotated[Text | None, Query(None, description="next_cursor of the previous page.")] = None,
    ):
        """Pairs that share the reason's key, among the records the token's user may see; dismissed pairs
        are left out. A page holds up to 25 groups (each up to 5 records, so up to 10 pairs); follow
        `next_cursor` until it is null."""
        access.require_allowed(request.user, object_type, Verb.VIEW)
        reasons = duplicates.reasons_for(object_type)
        page, groups = duplicates.duplicate_groups(
            request.user, object_type, reason, cursor=_checked_cursor(cursor, reasons[reason])
        )
        results = [
            {
                "reason": reason,
                "first": {"id": first.pk, "name": str(first)},
                "second": {"id": second.pk, "name": str(second)},
            }
            for group in groups
            for first, second in group.pairs
        ]
        return {"results": results, "next_cursor": page.next_cursor}

    @router.post(
        f"/{plural}/merge",
        auth=write,
        response=responses({201: MergeOut}),
        summary=f"Merge two {plural}",
        operation_id=f"merge{plural.title()}",
    )
    def merge(request: HttpRequest, payload: MergeWrite):
        """Needs change on the survivor and delete on the other. The other's timeline and related rows
        move to the survivor; undo with POST /merges/{id}/undo."""
        survivor = access.get_object_or_deny(
            request.user, Verb.VIEW, _live(object_type), pk=payload.survivor_id
        )
        other = access.get_object_or_deny(request.user, Verb.VIEW, _live(object_type), pk=payload.other_id)
        service = (
            merge_services.merge_contacts if object_type == "contact" else merge_services.merge_companies
        )
        record = service(
            actor=request.user, survivor=survivor, other=other, choices=dict(payload.choices), request=request
        )
        return Status(201, merge_data(record))


_add_record_operations("contact")
_add_record_operations("company")


@router.post(
    "/merges/{merge_id}/undo",
    auth=TokenAuth(*WRITE_SCOPES.values()),
    response=responses({200: MergeOut}),
    summary="Undo a merge",
    operation_id="undoMerge",
)
def undo_merge(request: HttpRequest, merge_id: int = Path(..., ge=1, le=MAX_ID)):
    """Puts both records back as they were. Needs contacts:write (companies:write for a company merge);
    merges into a record are undone newest first."""
    merge = MergeRecord.objects.filter(pk=merge_id).first()
    if merge is None:
        raise Http404("Not found.")
    # The merge is reached through its survivor: a merge into a record the user cannot see is not found.
    access.get_object_or_deny(request.user, Verb.VIEW, _live(merge.object_type), pk=merge.survivor_id)
    scope = WRITE_SCOPES[merge.object_type]
    if scope not in request.auth.scopes:
        raise MissingScope(scope)
    return merge_data(merge_services.undo_merge(actor=request.user, merge=merge, request=request))
