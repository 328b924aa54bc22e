"""Steps that run once, before the contacts: teams and users, tags, custom properties, companies."""

from django.contrib.auth.hashers import make_password
from django.db import connection

from tandem.contacts.models import Company, PropertyDefinition, Tag
from tandem.contacts.normalize import company_name_key
from tandem.core.models import Role, Team, User
from tandem.demo import vocabulary as words
from tandem.demo.generator.context import (
    COMPANY_PROPERTIES,
    CONTACT_PROPERTIES,
    DAY,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    TEAMS,
    USERS,
    CompanyPlan,
    GeneratorContext,
    weighted,
)


def create_teams_and_users(context: GeneratorContext) -> None:
    """Teams and the demo users, reused when they exist (a seed after the demo keeps its logins)."""
    for name in TEAMS:
        context.teams[name], _ = Team.objects.get_or_create(name=name)
    existing = {user.email: user for user in User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")}
    # One hash for every demo user: hashing is deliberately slow, and they share the one documented password.
    password = make_password(DEMO_PASSWORD)
    missing = []
    for local, first_name, last_name, role, team in USERS:
        email = f"{local}@{DEMO_EMAIL_DOMAIN}"
        if email not in existing:
            missing.append(
                User(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    role=role,
                    team=context.teams[team] if team else None,
                    password=password,
                    is_staff=role == Role.ADMIN,
                    is_superuser=role == Role.ADMIN,
                )
            )
    User.objects.bulk_create(missing)
    users = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").select_related("team")
    context.users = {user.email.partition("@")[0]: user for user in users}
    _add_allauth_addresses([user for user in context.users.values() if user.email not in existing])


def _add_allauth_addresses(users: list[User]) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users],
        ignore_conflicts=True,
    )


def create_tags(context: GeneratorContext) -> None:
    Tag.objects.bulk_create([Tag(name=name) for name in words.TAGS], ignore_conflicts=True)
    context.tags = dict(Tag.objects.filter(name__in=words.TAGS).values_list("name", "id"))


def create_property_definitions(context: GeneratorContext) -> None:
    for object_type, definitions in (("contact", CONTACT_PROPERTIES), ("company", COMPANY_PROPERTIES)):
        for position, (name, label, value_type, choices) in enumerate(definitions):
            PropertyDefinition.objects.get_or_create(
                object_type=object_type,
                name=name,
                defaults={"label": label, "value_type": value_type, "choices": choices, "position": position},
            )


def next_id(model) -> int:
    """The first free id of `model`: generated rows carry explicit ids so that later rows can refer to them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        return cursor.fetchone()[0] + 1


def create_companies(context: GeneratorContext) -> None:
    """Companies, created over the first ten months, owned by the sales rep of their region."""
    rng = context.random("companies")
    count = context.config.companies
    first_id = next_id(Company)
    industry = weighted(rng, words.INDUSTRIES)
    size = weighted(rng, words.COMPANY_SIZES)
    country = weighted(rng, words.COUNTRIES)
    team_of_country = {code: team for code, _, team in words.COUNTRIES}
    reps = {team: context.users_with(Role.SALES, team) for team in ("Sales East", "Sales West")}
    seen_domains: set[str] = set()
    span = 300 * DAY
    columns = (
        "id", "name", "name_key", "domain", "industry", "size", "country", "phone", "owner_id", "team_id",
        "properties", "created_at", "updated_at", "deleted_at",
    )  # fmt: skip
    for index in range(count):
        first_word = rng.choice(words.COMPANY_FIRST_WORDS)
        second_word = rng.choice(words.COMPANY_SECOND_WORDS)
        suffix = rng.choice(words.COMPANY_SUFFIXES)
        base = f"{first_word}{second_word}".lower()
        domain, number = f"{base}.example", 1
        while domain in seen_domains:
            number += 1
            domain = f"{base}{number}.example"
        seen_domains.add(domain)
        name = " ".join(part for part in (first_word, second_word, suffix) if part)
        if number > 1:
            name = f"{name} ({number})"
        code = country()
        owner = rng.choice(reps[team_of_country[code]])
        created_seconds = int(span * (index + rng.random()) / count)
        created_at = context.at(created_seconds)
        company_size = size()
        revenue = {"1-9": 1, "10-49": 5, "50-249": 30, "250-999": 150, "1000+": 900}[company_size]
        plan = CompanyPlan(
            id=first_id + index,
            name=name,
            domain=domain,
            country=code,
            owner_id=owner.id,
            team_id=owner.team_id,
            email_style=rng.randrange(3),
            name_offset=rng.randrange(len(words.FIRST_NAMES) * len(words.LAST_NAMES)),
        )
        context.companies.append(plan)
        context.company_created_seconds.append(created_seconds)
        # Most companies list a switchboard, from the same book as people's numbers: never shared by chance.
        switchboard = context.phones.next_number(code) if rng.random() < 0.7 else ""
        context.writer.add(
            Company._meta.db_table,
            columns,
            (
                plan.id, name, company_name_key(name), domain, industry(), company_size, code, switchboard,
                owner.id, owner.team_id, {"annual_revenue": int(revenue * rng.uniform(0.5, 1.5)) * 1_000_000},
                created_at, created_at, None,
            ),
        )  # fmt: skip
    context.writer.flush()
