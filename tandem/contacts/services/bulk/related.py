"""Owners and companies named by a batch's rows, resolved with one query each."""

from django.db.models.functions import Lower
from django.utils import timezone

from tandem.contacts.models import (
    Company,
)
from tandem.contacts.normalize import company_name_key
from tandem.contacts.services.bulk.rows import CleanedRow, Problem, Spec, UpsertContext
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import User


def resolve_related(
    spec: Spec, rows: list[CleanedRow], context: UpsertContext, *, dry_run: bool = False
) -> None:
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
    companies = _resolve_companies(rows, context, dry_run=dry_run) if spec.model is not Company else {}
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
        if domain is None and name is None:
            continue
        company_id, action, company_key = companies.get((domain, name), (None, "", ""))
        row.company_action, row.company_key = action, company_key
        if company_id is not None:
            row.fields["company_id"] = company_id


def _resolve_companies(
    rows: list[CleanedRow], context: UpsertContext, *, dry_run: bool
) -> dict[tuple[str | None, str | None], tuple[int | None, str, str]]:
    """{(domain, name) of a row: (company id, "linked" | "created" | "", company key)}, set-based.

    An existing live company is linked by domain first (as HubSpot does), else by name (case- and
    accent-insensitive, the oldest of that name). A company that does not exist yet is created once per
    batch, owned by the importing user, when that user may create companies; in a dry run it is counted,
    not created (id None, action "created"). The key names the company across batches ("domain:…" or
    "name:…") so a dry run counts each new company once.
    """
    # In file order: a new company takes the spelling of the first row that names it.
    wanted = dict.fromkeys(
        (row.fields.get("company_domain"), row.fields.get("company_name"))
        for row in rows
        if row.fields.get("company_domain") or row.fields.get("company_name")
    )
    if not wanted:
        return {}
    domains = {domain for domain, _ in wanted if domain}
    names = {name for _, name in wanted if name}
    by_domain: dict[str, int] = {}
    if domains:
        by_domain = dict(
            Company.objects.filter(deleted_at__isnull=True, domain__in=domains).values_list("domain", "pk")
        )
    by_name: dict[str, int] = {}
    if names:
        # The stored key (company_live_name_key index), folded by the same function on both databases.
        for pk, name_key in (
            Company.objects.filter(
                deleted_at__isnull=True, name_key__in={company_name_key(name) for name in names}
            )
            .order_by("-pk")
            .values_list("pk", "name_key")
        ):
            by_name[name_key] = pk  # newest first, so the oldest of a name wins
    may_create = context.actor is None or access.allows(context.actor, "company", Verb.CREATE)
    resolved: dict[tuple[str | None, str | None], tuple[int | None, str, str]] = {}
    to_create: dict[str, tuple[str | None, str]] = {}  # company key -> (domain, display name)
    for domain, name in wanted:
        name_key = company_name_key(name) if name else ""
        company_id = (by_domain.get(domain) if domain else None) or (
            by_name.get(name_key) if name_key else None
        )
        company_key = f"domain:{domain}" if domain else f"name:{name_key}"
        if company_id is not None:
            resolved[(domain, name)] = (company_id, "linked", company_key)
        elif may_create:
            to_create.setdefault(company_key, (domain, name or domain or ""))
            resolved[(domain, name)] = (None, "created", company_key)
        else:
            resolved[(domain, name)] = (None, "", company_key)
    if to_create and not dry_run:
        now = timezone.now()
        owner_id = context.actor.pk if context.actor is not None else None
        team_id = context.actor.team_id if context.actor is not None else None
        created = Company.objects.bulk_create(
            [
                Company(
                    name=display_name[:200],
                    domain=domain or "",
                    owner_id=owner_id,
                    team_id=team_id,
                    created_at=now,
                    updated_at=now,
                )
                for domain, display_name in to_create.values()
            ]
        )
        ids = {company_key: company.pk for company_key, company in zip(to_create, created, strict=True)}
        if any(pk is None for pk in ids.values()):  # a database that does not return ids from bulk inserts
            ids = {
                company_key: by_domain_or_name
                for company_key, by_domain_or_name in _created_ids(to_create, now).items()
            }
        context.created_company_ids.extend(pk for pk in ids.values() if pk is not None)
        resolved = {
            pair: (ids.get(company_key) if action == "created" else company_id, action, company_key)
            for pair, (company_id, action, company_key) in resolved.items()
        }
    return resolved


def _created_ids(to_create: dict[str, tuple[str | None, str]], now) -> dict[str, int]:
    found: dict[str, int] = {}
    for pk, domain, name_key in Company.objects.filter(created_at=now, deleted_at__isnull=True).values_list(
        "pk", "domain", "name_key"
    ):
        found.setdefault(f"domain:{domain}" if domain else f"name:{name_key}", pk)
    return {company_key: found[company_key] for company_key in to_create if company_key in found}
