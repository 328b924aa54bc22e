"""Planning contacts (who, where, which stage, which path through the funnel) and the per-chunk steps that
write them with their tags, stage history, consents and suppressions."""

import bisect
import datetime
import hashlib
import random
from collections.abc import Iterator

from tandem.contacts.models import Consent, Contact, ContactTag, StageChange, Suppression
from tandem.contacts.normalize import address_hash
from tandem.contacts.services.bulk import address_hashes
from tandem.core.models import Role, User
from tandem.demo import vocabulary as words
from tandem.demo.generator.context import (
    CONSENT_WORDING,
    CONTACT_PROPERTIES,
    FUNNEL,
    LEAD_STATUSES,
    SCORE_RANGES,
    STAGE_WEIGHTS,
    ContactPlan,
    GeneratorContext,
    weighted,
)


def plan_contacts(context: GeneratorContext, first_id: int) -> Iterator[ContactPlan]:
    """Yield every contact in the order of creation (ids grow with created_at, as in a real database)."""
    rng = context.random("contacts")
    config = context.config
    total_seconds = (context.end_at - context.start_at).total_seconds()
    stage_weights = list(STAGE_WEIGHTS.items())
    source = weighted(rng, words.SOURCES, weight_at=-1, whole=True)
    country = weighted(rng, words.COUNTRIES)
    team_of_country = {code: team for code, _, team in words.COUNTRIES}
    marketers = context.users_with(Role.MARKETING)
    reps = {team: context.users_with(Role.SALES, team) for team in ("Sales East", "Sales West")}
    success = context.users_with(Role.SERVICE)
    name_count = len(words.FIRST_NAMES) * len(words.LAST_NAMES)
    for index in range(config.contacts):
        # Growth: more contacts arrive in recent months (the square root bends the curve).
        fraction = ((index + rng.random()) / config.contacts) ** 0.8
        created_seconds = int(total_seconds * fraction * 0.995)
        created_at = context.at(created_seconds)
        age = 1 - fraction  # 1 = a year old, 0 = today
        stage = _pick_stage(rng, stage_weights, age)
        company = None
        if context.companies and rng.random() < (0.72 if stage in ("subscriber", "other") else 0.9):
            upper = bisect.bisect_right(context.company_created_seconds, created_seconds) or 1
            company = context.companies[int(upper * rng.random() ** 1.6)]
        if company is not None:
            ordinal = company.contact_count
            company.contact_count += 1
            # Distinct (first, last) pairs within a company: a step coprime with the number of pairs.
            pair = (company.name_offset + ordinal * 7919) % name_count
            first_name = words.FIRST_NAMES[pair % len(words.FIRST_NAMES)]
            last_name = words.LAST_NAMES[pair // len(words.FIRST_NAMES)]
            local = _local_part(first_name, last_name, company.email_style)
            email = f"{local}@{company.domain}"
            code = company.country if rng.random() < 0.85 else country()
        else:
            first_name = rng.choice(words.FIRST_NAMES)
            last_name = rng.choice(words.LAST_NAMES)
            # The contact's index keeps free-mail addresses unique without remembering every address.
            email = f"{first_name}.{last_name}{index}@{words.FREE_MAIL_DOMAINS[index % 3]}".lower()
            code = country()
        owner = _pick_owner(rng, stage, company, code, team_of_country, marketers, reps, success)
        plan = ContactPlan(
            id=first_id + index,
            index=index,
            email=email,
            first_name=first_name,
            last_name=last_name,
            company=company,
            country=code,
            stage=stage,
            owner_id=owner.id if owner else None,
            team_id=owner.team_id if owner else None,
            created_at=created_at,
            source=source(),
        )
        plan.stage_path = _stage_path(context, rng, plan, owner)
        yield plan


def _pick_stage(rng: random.Random, stage_weights, age: float) -> str:
    # Older contacts had time to move down the funnel; new ones are mostly at the top.
    total = 0.0
    cumulative = []
    for stage, weight in stage_weights:
        depth = FUNNEL.index(stage) if stage in FUNNEL else 1
        factor = (0.25 + 1.5 * age) if depth >= 2 else 1.0
        total += weight * factor
        cumulative.append((total, stage))
    point = rng.random() * total
    for edge, stage in cumulative:
        if point < edge:
            return stage
    return cumulative[-1][1]


def _local_part(first_name: str, last_name: str, style: int) -> str:
    separator = (".", "", "_")[style]
    return f"{first_name}{separator}{last_name}".lower()


def _pick_owner(rng, stage, company, code, team_of_country, marketers, reps, success) -> User | None:
    if stage in ("subscriber", "other") or (stage == "lead" and rng.random() < 0.6):
        return rng.choice(marketers) if rng.random() < 0.35 else None
    if stage in ("lead", "mql") and rng.random() < 0.3:
        return rng.choice(marketers)
    if stage in ("customer", "evangelist") and rng.random() < 0.6:
        return rng.choice(success)
    if company is not None and rng.random() < 0.8:
        return next(user for team in reps.values() for user in team if user.id == company.owner_id)
    return rng.choice(reps[team_of_country[code]])


def _stage_path(context: GeneratorContext, rng, plan: ContactPlan, owner: User | None):
    """The stage changes that led to `plan.stage`, with increasing dates between creation and today."""
    entry = "subscriber" if plan.stage == "subscriber" or rng.random() < 0.35 else "lead"
    if plan.stage == "other":
        stages = [entry, "other"] if entry == "lead" else [entry, "lead", "other"]
    else:
        stages = list(FUNNEL[FUNNEL.index(entry) : FUNNEL.index(plan.stage) + 1])
    created = plan.created_at
    room = (context.end_at - created).total_seconds()
    moves = len(stages) - 1
    # Each move lands somewhere in the time left, in order; at least a minute apart.
    offsets = sorted(rng.random() * room * 0.95 for _ in range(moves))
    path = [("", stages[0], created, None)]
    for position, offset in enumerate(offsets):
        at = created + datetime.timedelta(seconds=int(offset) + 60 * (position + 1))
        to_stage = stages[position + 1]
        # Marketing automation qualifies leads; people accept, win and promote them.
        actor = None if to_stage in ("lead", "mql") else (owner.id if owner else None)
        path.append((stages[position], to_stage, at, actor))
    return path


# --- steps that run per chunk of contacts -----------------------------------------------------------

CONTACT_COLUMNS = (
    "id", "email", "email_domain", "address_hash", "first_name", "last_name", "phone", "job_title", "company_id",
    "country", "lifecycle_stage", "lead_status", "score", "source", "source_medium", "source_campaign",
    "source_referrer", "source_landing_page", "owner_id", "team_id", "properties", "created_at", "updated_at",
    "deleted_at",
)  # fmt: skip


def write_contacts(context: GeneratorContext, chunk: list[ContactPlan]) -> None:
    rng = context.random("contact_fields")
    table = Contact._meta.db_table
    # The suppression key, as every writer of an email stores it (not left for the minute sweep to fill).
    hashes = address_hashes(plan.email for plan in chunk)
    for plan, address_hash_of_email in zip(chunk, hashes, strict=True):
        seniority = rng.choices(("junior", "manager", "executive"), (45, 40, 15))[0]
        low, high = SCORE_RANGES[plan.stage]
        source_name, medium, campaign, referrer, landing, _ = plan.source
        updated_at = plan.stage_path[-1][2]
        context.writer.add(
            table,
            CONTACT_COLUMNS,
            (
                plan.id, plan.email, plan.email.rpartition("@")[2], address_hash_of_email, plan.first_name,
                plan.last_name,
                _phone(context, rng, plan.country), rng.choice(words.JOB_TITLES[seniority]) if plan.company else "",
                plan.company.id if plan.company else None, plan.country, plan.stage,
                rng.choice(LEAD_STATUSES[plan.stage]) if plan.stage in LEAD_STATUSES else "",
                rng.randint(low, high), source_name, medium, campaign, referrer, landing,
                plan.owner_id, plan.team_id, _contact_properties(context, rng, plan), plan.created_at, updated_at, None,
            ),
        )  # fmt: skip


def _phone(context: GeneratorContext, rng: random.Random, country: str) -> str:
    # Six in ten people of a country with fictional number ranges give a phone (phones.py), each their own.
    if context.phones.has_numbers_for(country) and rng.random() < 0.6:
        return context.phones.next_number(country)
    return ""


def _contact_properties(context: GeneratorContext, rng: random.Random, plan: ContactPlan) -> dict:
    values: dict = {}
    if rng.random() < 0.45:
        interests = [name for name in CONTACT_PROPERTIES[3][3] if rng.random() < 0.3]
        if interests:
            values["product_interests"] = interests
    if plan.stage in ("customer", "evangelist"):
        values["plan_tier"] = rng.choices(("Starter", "Growth", "Enterprise"), (40, 45, 15))[0]
        values["seats"] = {"Starter": 5, "Growth": 25, "Enterprise": 150}[values["plan_tier"]] * rng.randint(
            1, 4
        )
        renewal = context.config.today + datetime.timedelta(days=rng.randint(5, 360))
        values["renewal_date"] = renewal.isoformat()
    elif plan.stage in ("lead", "mql", "sql", "opportunity") and rng.random() < 0.3:
        values["plan_tier"] = "Free"
    if plan.source[0] == "partner" or rng.random() < 0.03:
        values["is_partner"] = plan.source[0] == "partner"
    return values


def write_tags(context: GeneratorContext, chunk: list[ContactPlan]) -> None:
    rng = context.random("tags")
    table = ContactTag._meta.db_table
    by_source = {"newsletter": "newsletter", "webinar": "webinar-attendee", "events": "trade-show"}
    for plan in chunk:
        names = set()
        if plan.source[0] in by_source:
            names.add(by_source[plan.source[0]])
        if plan.source[0] == "events" and rng.random() < 0.5:
            names.add("event-data-summit")
        if plan.source[0] == "partner":
            names.add("partner")
        if plan.stage in ("sql", "opportunity", "customer") and rng.random() < 0.25:
            names.add("decision-maker")
        if plan.stage == "evangelist" or (plan.stage == "customer" and rng.random() < 0.15):
            names.add("champion")
        if plan.stage in ("mql", "sql", "opportunity") and rng.random() < 0.2:
            names.add("trial")
        if plan.stage == "customer" and rng.random() < 0.08:
            names.add("churn-risk")
        if rng.random() < 0.02:
            names.add("beta-program")
        for name in sorted(names):
            context.writer.add(table, ("contact_id", "tag_id"), (plan.id, context.tags[name]))


def write_stage_changes(context: GeneratorContext, chunk: list[ContactPlan]) -> None:
    table = StageChange._meta.db_table
    columns = ("contact_id", "from_stage", "to_stage", "changed_at", "actor_id", "cause_type", "cause_id")
    for plan in chunk:
        for from_stage, to_stage, at, actor in plan.stage_path:
            cause = "form" if not from_stage else ("user" if actor else "score_rule")
            context.writer.add(table, columns, (plan.id, from_stage, to_stage, at, actor, cause, None))


def write_consents_and_suppressions(context: GeneratorContext, chunk: list[ContactPlan]) -> None:
    """Marketing consent for most subscribers and leads (by form), tracking consent for some; a few
    addresses unsubscribed, bounced or complained, and those are suppressed."""
    rng = context.random("consents")
    wording_hash = hashlib.sha256(CONSENT_WORDING.encode()).hexdigest()
    consent_columns = (
        "contact_id", "purpose", "status", "method", "recorded_at", "ip_address", "user_agent", "source",
        "wording_hash", "confirmed_at",
    )  # fmt: skip
    for plan in chunk:
        if rng.random() < 0.62:
            roll = rng.random()
            status = "granted" if roll < 0.88 else ("pending" if roll < 0.95 else "withdrawn")
            plan.marketing_consent = status
            recorded_at = plan.created_at + datetime.timedelta(seconds=5)
            ip = f"203.0.113.{rng.randrange(1, 255)}"  # TEST-NET-3: documentation addresses
            context.writer.add(
                Consent._meta.db_table,
                consent_columns,
                (
                    plan.id, "marketing_email", status, "form", recorded_at, ip, rng.choice(words.USER_AGENTS),
                    plan.source[4], wording_hash, recorded_at if status == "granted" else None,
                ),
            )  # fmt: skip
            if rng.random() < 0.45:
                context.writer.add(
                    Consent._meta.db_table,
                    consent_columns,
                    (plan.id, "tracking", "granted", "cookie banner", plan.created_at, ip,
                     rng.choice(words.USER_AGENTS), "/", "", plan.created_at),
                )  # fmt: skip
        roll = rng.random()
        if plan.marketing_consent == "withdrawn":
            plan.suppressed = "unsubscribed"
        elif roll < 0.008:
            plan.suppressed = "hard_bounce"
        elif roll < 0.01:
            plan.suppressed = "complaint"
        if plan.suppressed:
            context.writer.add(
                Suppression._meta.db_table,
                ("address_hash", "reason", "source", "created_at"),
                (address_hash(plan.email), plan.suppressed, "demo history", plan.stage_path[-1][2]),
            )
