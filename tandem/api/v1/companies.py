"""Companies: list (filtered, sorted, cursor-paged), read, create, partial update, delete to the trash."""

from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from tandem.api.auth import TokenAuth
from tandem.api.errors import responses
from tandem.api.v1.contacts import (
    IF_MATCH_DESCRIPTION,
    PRECONDITION_FAILED,
    etag,
    expected_version,
    precondition_failed,
)
from tandem.api.v1.openapi import property_filter_parameter
from tandem.api.v1.paging import OWNER, OWNER_ID, TEAM, TEAM_ID, checked_cursor, property_filters
from tandem.api.v1.schemas import (
    MAX_FILTER_VALUES,
    MAX_ID,
    CompanyOut,
    CompanyPage,
    CompanyPatch,
    CompanyWrite,
    CountryCode,
    Day,
    RecordId,
    Text,
)
from tandem.contacts import selectors, services
from tandem.contacts.models import Company
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import paginate

router = Router(tags=["companies"])

READ = TokenAuth("companies:read")
WRITE = TokenAuth("companies:write")
Sort = Literal[tuple(selectors.COMPANY_SORTS)]  # type: ignore[valid-type]


def company_data(company: Company) -> dict:
    return {
        "id": company.pk,
        "external_id": company.external_id,
        "name": company.name,
        "domain": company.domain,
        "industry": company.industry,
        "size": company.size,
        "country": str(company.country or ""),
        "phone": company.phone,
        "owner_id": company.owner_id,
        "team_id": company.team_id,
        "properties": company.properties,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }


def _service_values(payload: dict) -> dict:
    values = dict(payload)
    if "owner_id" in values:
        values["owner"] = values.pop("owner_id")
    return values


@router.get(
    "/companies",
    auth=READ,
    response=responses({200: CompanyPage}),
    summary="List companies",
    operation_id="listCompanies",
    openapi_extra=property_filter_parameter("company"),
)
def list_companies(
    request: HttpRequest,
    q: Annotated[Text, Query("", description="Words, or parts of words, of the name, domain or phone.")] = "",
    owner: Annotated[
        list[RecordId] | None, Query(None, max_length=MAX_FILTER_VALUES, description=OWNER)
    ] = None,
    team: Annotated[
        list[RecordId] | None, Query(None, max_length=MAX_FILTER_VALUES, description=TEAM)
    ] = None,
    country: Annotated[list[CountryCode] | None, Query(None, max_length=MAX_FILTER_VALUES)] = None,
    industry: Annotated[Text, Query("")] = "",
    created_from: Annotated[Day | None, Query(None)] = None,
    created_to: Annotated[Day | None, Query(None)] = None,
    sort: Annotated[Sort, Query("newest")] = "newest",  # type: ignore[valid-type]
    cursor: Annotated[Text | None, Query(None, description="next_cursor of the previous page.")] = None,
    limit: Annotated[int, Query(50, ge=1, le=200)] = 50,
    owner_id: Annotated[RecordId | None, Query(None, deprecated=True, description=OWNER_ID)] = None,
    team_id: Annotated[RecordId | None, Query(None, deprecated=True, description=TEAM_ID)] = None,
):
    """The same filters as the companies list page, by the same names; a parameter may repeat
    (`country=DE&country=FR`) to match any of its values. Filter by custom properties with
    `property.<name>=value`, or `property.<name>.gte=` / `.lte=` for numbers and dates. Pages follow
    `next_cursor` until it is null."""
    filters = selectors.CompanyFilters(
        search=q,
        owner_ids=[*(owner or []), *([owner_id] if owner_id else [])],
        team_ids=[*(team or []), *([team_id] if team_id else [])],
        countries=[code.upper() for code in country or []],
        industry=industry,
        created_from=created_from,
        created_to=created_to,
        properties=property_filters(request.GET, "company"),
    )
    sort_key = selectors.COMPANY_SORTS[sort][1]
    queryset = selectors.filter_companies(selectors.visible_companies(request.user), filters)
    page = paginate(queryset, sort_key, checked_cursor(cursor, sort_key), limit)
    return {"results": [company_data(company) for company in page.rows], "next_cursor": page.next_cursor}


@router.get(
    "/companies/{company_id}",
    auth=READ,
    response=responses({200: CompanyOut}),
    summary="Get a company",
    operation_id="getCompany",
)
def get_company(request: HttpRequest, response: HttpResponse, company_id: int = Path(..., ge=1, le=MAX_ID)):
    """The ETag header is the company's version: send it back as If-Match on PATCH."""
    company = selectors.company_detail(request.user, company_id)
    response["ETag"] = etag(company)
    return company_data(company)


@router.post(
    "/companies",
    auth=WRITE,
    response=responses({201: CompanyOut}),
    summary="Create a company",
    operation_id="createCompany",
)
def create_company(request: HttpRequest, payload: CompanyWrite):
    company = services.create_company(
        actor=request.user, values=_service_values(payload.model_dump(exclude_unset=True)), request=request
    )
    return Status(201, company_data(company))


@router.patch(
    "/companies/{company_id}",
    operation_id="updateCompany",
    auth=WRITE,
    response=responses({200: CompanyOut, **PRECONDITION_FAILED}),
    summary="Change a company",
)
def update_company(
    request: HttpRequest,
    payload: CompanyPatch,
    response: HttpResponse,
    company_id: int = Path(..., ge=1, le=MAX_ID),
    if_match: Annotated[Text | None, Header(None, alias="If-Match", description=IF_MATCH_DESCRIPTION)] = None,
):
    """Send If-Match with the ETag you read to refuse the change (412) if someone changed the company since."""
    company = access.get_object_or_deny(
        request.user, Verb.CHANGE, Company.objects.filter(deleted_at__isnull=True), pk=company_id
    )
    try:
        company = services.update_company(
            actor=request.user,
            company=company,
            values=_service_values(payload.model_dump(exclude_unset=True)),
            request=request,
            expected_version=expected_version(if_match),
        )
    except services.StaleRecord as stale:
        return precondition_failed(response, stale)
    response["ETag"] = etag(company)
    return company_data(company)


@router.delete(
    "/companies/{company_id}",
    auth=WRITE,
    response=responses({204: None}),
    summary="Move a company to the trash",
    operation_id="deleteCompany",
)
def delete_company(request: HttpRequest, company_id: int = Path(..., ge=1, le=MAX_ID)):
    company = access.get_object_or_deny(
        request.user, Verb.DELETE, Company.objects.filter(deleted_at__isnull=True), pk=company_id
    )
    services.delete_company(actor=request.user, company=company, request=request)
    return Status(204, None)
