"""Owners and companies named by a batch's rows, resolved with one query each."""

from django.db.models.functions import Lower

from tandem.contacts.models import (
    Company,
)
from tandem.contacts.services.bulk.rows import CleanedRow, Problem, Spec, UpsertContext
from tandem.core.models import User


def resolve_related(spec: Spec, rows: list[CleanedRow], context: UpsertContext) -> None:
    """Owners by email and (for contacts) companies by domain or name, one query each for the batch."""
    owner_emails = {row.fields["owner"] for row in rows if "owner" in row.fields}
    owners: dict[str, tuple[int, int | None]] = {}
    if owner_emails:
        owners = {
            email: (pk, team_id)
            for pk, team_id, email in User.objects.filter(is_active=True)
            .annotate(lower_email=Lower("email"))
            .filter(lower_email__in=owner_emails)
            .values_list("pk", "team_id", "lower_email")
        }
    domains = {row.fields["company_domain"] for row in rows if "company_domain" in row.fields}
    names = {row.fields["company_name"] for row in rows if "company_name" in row.fields}
    by_domain: dict[str, int] = {}
    by_name: dict[str, int] = {}
    if domains:
        by_domain = dict(
            Company.objects.filter(deleted_at__isnull=True, domain__in=domains).values_list("domain", "pk")
        )
    if names:
        for pk, lower_name in (
            Company.objects.filter(deleted_at__isnull=True)
            .annotate(lower_name=Lower("name"))
            .filter(lower_name__in=names)
            .order_by("-pk")
            .values_list("pk", "lower_name")
        ):
            by_name[lower_name] = pk  # ordered newest first, so the oldest company of a name wins
    actor_id = context.actor.pk if context.actor is not None else None
    for row in rows:
        if "owner" in row.fields:
            email = row.fields.pop("owner")
            found = owners.get(email)
            if found is None:
                row.errors.append(
                    (Problem.INVALID, f"No active user has the email address “{email[:80]}” (owner).")
                )
            elif not context.may_reassign and found[0] != actor_id:
                row.errors.append((Problem.DENIED, "You can only assign records to yourself."))
            else:
                row.fields["owner_id"], row.fields["team_id"] = found
        domain = row.fields.pop("company_domain", None)
        name = row.fields.pop("company_name", None)
        # Linked to an existing company only: by domain first (as HubSpot does), else by exact name.
        company_id = (by_domain.get(domain) if domain else None) or (by_name.get(name) if name else None)
        if company_id is not None:
            row.fields["company_id"] = company_id
