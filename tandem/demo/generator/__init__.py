"""The demo company: one deterministic generator of a B2B analytics-software business with a year of history.

Northwind Analytics sells dashboards and forecasting to other companies. Its marketing team brings in
subscribers and leads (search, paid social, webinars, events, referrals), sales qualifies and works them,
customer success keeps the customers. The generator builds that business: teams, one user per role plus
more reps, companies, contacts through every lifecycle stage with their stage history, consents,
suppressions, and the timeline of every touch.

Determinism: the same `GeneratorConfig` (seed, sizes and `today`) always writes the same rows. Every
timestamp is computed from `config.today`, never from the clock, and every step draws from its own random
stream (`context.random(name)`), so a step added later does not change what earlier steps produce.

Extending it: a later issue (deals, tickets, campaigns...) appends a function to `STEPS` (runs once, after
the contacts exist) or to `CONTACT_STEPS` (runs for every chunk of contacts with their plans in hand). Each
takes the `GeneratorContext`; rows go through `context.writer`.

This is a loader, not a write path: it writes rows in bulk (executemany, or COPY on PostgreSQL) and bypasses
the services on purpose. Services are for what users do; they would cost seconds per thousand rows here.
"""

import contextlib
import datetime
import itertools
from collections.abc import Callable

from django.core.management.color import no_style
from django.db import connection, transaction

from tandem.contacts.models import Activity, Company, Consent, Contact, ContactTag, StageChange
from tandem.contacts.search import search_index_deferred
from tandem.demo.generator.activities import write_activities
from tandem.demo.generator.brand import create_brand_kit
from tandem.demo.generator.catalog import create_catalog
from tandem.demo.generator.company import (
    create_companies,
    create_property_definitions,
    create_tags,
    create_teams_and_users,
    next_id,
)
from tandem.demo.generator.contacts import (
    plan_contacts,
    write_consents_and_suppressions,
    write_contacts,
    write_stage_changes,
    write_tags,
)
from tandem.demo.generator.context import (
    COMPANY_NAME,
    DEFAULT_SEED,
    DEMO_EMAIL_DOMAIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    GENERATOR_VERSION,
    ContactPlan,
    GeneratorConfig,
    GeneratorContext,
)
from tandem.demo.generator.deals import create_deals
from tandem.demo.generator.engagements import create_engagements
from tandem.demo.generator.forecast import create_forecast
from tandem.demo.generator.history import create_exports, create_imports, plant_duplicates
from tandem.demo.generator.inbound import create_replies
from tandem.demo.generator.mail import create_mail_settings
from tandem.demo.generator.notifications import (
    create_notifications,
    create_reply_notifications,
    email_notifications,
)
from tandem.demo.generator.personal_email import create_mail_setup, write_personal_emails
from tandem.demo.generator.playbooks import create_playbooks
from tandem.demo.generator.quotes import create_quotes
from tandem.demo.indexes import indexes_dropped
from tandem.demo.writer import RowWriter
from tandem.mail.models import Message

__all__ = [
    "COMPANY_NAME",
    "CONTACT_STEPS",
    "DEFAULT_SEED",
    "DEMO_EMAIL_DOMAIN",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "GENERATOR_VERSION",
    "STEPS",
    "GeneratorConfig",
    "GeneratorContext",
    "generate",
]


def create_contacts(context: GeneratorContext) -> None:
    """Contacts in chunks of `chunk_size`: plan a chunk, let every CONTACT_STEPS step write its rows."""
    config = context.config
    first_id = next_id(Contact)
    plans = plan_contacts(context, first_id)
    while True:
        chunk = list(itertools.islice(plans, config.chunk_size))
        if not chunk:
            break
        with transaction.atomic() if config.commit_per_chunk else contextlib.nullcontext():
            for step in CONTACT_STEPS:
                step(context, chunk)
            context.writer.flush()
        context.contacts_written += len(chunk)


def reset_sequences(context: GeneratorContext) -> None:
    """Rows were written with explicit ids: move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Company, Contact, Message])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


STEPS: list[Callable[[GeneratorContext], None]] = [
    create_teams_and_users,
    create_tags,
    create_property_definitions,
    create_companies,
    create_mail_setup,
    create_contacts,
    plant_duplicates,
    create_imports,
    create_exports,
    create_brand_kit,
    create_mail_settings,
    create_notifications,
    create_catalog,
    create_playbooks,
    reset_sequences,
    # Deals after the contacts and their sequences (bulk_create takes ids from the sequences).
    create_deals,
    # Quotes on a share of the deals: after the deals and the catalog they read.
    create_quotes,
    # Calls, meetings and tasks on the deals (and the deals' next steps from their tasks), after the deals.
    create_engagements,
    # Forecast categories, quotas and the companies' lifecycle stages: after the deals they follow.
    create_forecast,
    # Replies to the 1:1 emails: after the step that writes the sent ones (it reads them from the ledger).
    create_replies,
    # The reps are told of the latest replies; then every notification its user wants by email is emailed.
    create_reply_notifications,
    email_notifications,
]
CONTACT_STEPS: list[Callable[[GeneratorContext, list[ContactPlan]], None]] = [
    write_contacts,
    write_tags,
    write_stage_changes,
    write_consents_and_suppressions,
    write_activities,
    write_personal_emails,
]


# Tables the large seed loads from empty; later steps that load big tables add their models here.
BULK_LOADED_MODELS = [Contact, Activity, StageChange, ContactTag, Consent]


def generate(config: GeneratorConfig, *, progress: Callable[[str], None] | None = None) -> GeneratorContext:
    """Build the company described by `config` in the default database; returns the context (row counts
    in `context.writer.counts`). Loads everything in one transaction unless `commit_per_chunk`."""
    end_at = datetime.datetime.combine(config.today, datetime.time.min, tzinfo=datetime.UTC)
    context = GeneratorContext(
        config=config,
        writer=RowWriter(),
        start_at=end_at - datetime.timedelta(days=365),
        end_at=end_at,
    )
    # A large load (commit_per_chunk) builds the big tables' indexes once at the end instead of row by row.
    big_tables = [model._meta.db_table for model in BULK_LOADED_MODELS] if config.commit_per_chunk else []
    with (
        transaction.atomic() if not config.commit_per_chunk else contextlib.nullcontext(),
        indexes_dropped(big_tables),
        # The search index likewise: one set-based build from the loaded rows instead of a trigger per row.
        search_index_deferred() if config.commit_per_chunk else contextlib.nullcontext(),
    ):
        for step in STEPS:
            if progress:
                progress(step.__name__.replace("_", " "))
            # With commit_per_chunk every step commits on its own; create_contacts commits per chunk.
            own_transaction = config.commit_per_chunk and step is not create_contacts
            with transaction.atomic() if own_transaction else contextlib.nullcontext():
                step(context)
                context.writer.flush()
    return context
