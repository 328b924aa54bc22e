"""Search: any word or part of a word of a contact's name, email (and its domain, in either IDN form),
phone digits and job title, or of its company's name; a company's name, domain and phone digits.

How it is indexed, and why there:

- Each record has one search *document*: its searchable columns joined by spaces, with accents folded
  (é → e, ß → ss) so "societe" finds "Société". The document is a pure function of the row's own columns;
  the company name is not copied into contacts (a rename would re-index thousands of rows), so a contact
  matches a word if its own document or its company's document holds it.
- SQLite: an FTS5 table per record type with the trigram tokenizer (substrings of three or more
  characters, case-insensitive), *external content* pointing at a view of the live rows and kept in sync by
  triggers on the table itself. Triggers are the one place every writer passes through: the services, the
  set-based import writer (executemany into the table), merges, trash and restore (an update of
  deleted_at), hard deletes and the demo generator all write rows, and the index follows without any of them
  knowing. External content keeps the text once (in the table), and the view lets a bulk load drop the
  triggers and build the whole index in one 'rebuild' (see `search_index_deferred`).
- PostgreSQL: a STORED generated column `search_document` (an IMMUTABLE SQL function of the same columns)
  with a partial GIN trigram index (pg_trgm), queried with LIKE '%word%'. PostgreSQL computes the column
  itself on every write path, COPY included, so nothing can drift (see DOCUMENT_COLUMN for why a column).
- Words of one or two characters have no trigram; they fall back to the prefix search on names and email
  (index range scans), as before.

The query side never builds FTS or LIKE syntax from what was typed without quoting it: an FTS5 phrase is
always one double-quoted string (inner quotes doubled), a LIKE pattern always has %, _ and \\ escaped, so
quotes, `*`, NEAR, `-` or column filters in a search box are just characters to find.
"""

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import idna
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Case, Expression, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Upper

from tandem.contacts.normalize import normalize_domain
from tandem.core.folding import FOLD_MAP, fold, postgresql_fold
from tandem.core.pagination import count_up_to

MAX_WORDS = 5
MAX_WORD_LENGTH = 64
TRIGRAM = 3

CONTACT_TABLE = "contacts_contact"
COMPANY_TABLE = "contacts_company"
CONTACT_INDEX = "contacts_contact_search"
COMPANY_INDEX = "contacts_company_search"
# The columns each document is built from, in order. Changing a document needs a new migration.
CONTACT_COLUMNS = ("first_name", "last_name", "email", "email_domain", "phone", "job_title")
COMPANY_COLUMNS = ("name", "domain", "phone")
PHONE_COLUMN = "phone"


# ---------------------------------------------------------------------------------------------------------
# The index: SQL shared by the migration and the bulk loader.


def _sqlite_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# SQLite's parser takes about 30 nested calls; the folding table is applied in steps of this many
# replace() calls, one view per step (views are flattened into one expression when queried).
FOLD_STEP = 25


def _sqlite_views(table: str, index: str, columns: tuple[str, ...]) -> list[str]:
    """A chain of views ending in `{index}_source`: (id, document) of every live row, folded."""
    parts = []
    for column in columns:
        value = f"coalesce({column}, '')"
        parts.append(f"replace({value}, '+', '')" if column == PHONE_COLUMN else value)
    joined = " || ' ' || ".join(parts)
    # Nearly every row is plain ASCII: only rows with another character pay for the folding.
    statements = [
        f"CREATE VIEW {index}_fold_0 AS SELECT id, {joined} AS document,"
        f" ({joined}) GLOB '*[^ -~]*' AS wide FROM {table} WHERE deleted_at IS NULL"
    ]
    pairs = list(FOLD_MAP.items())
    steps = range(0, len(pairs), FOLD_STEP)
    for number, start in enumerate(steps, start=1):
        folded = "document"
        for source, target in pairs[start : start + FOLD_STEP]:
            folded = f"replace({folded}, {_sqlite_string(source)}, {_sqlite_string(target)})"
        name = f"{index}_source" if number == len(steps) else f"{index}_fold_{number}"
        statements.append(
            f"CREATE VIEW {name} AS SELECT id, wide, CASE WHEN wide THEN {folded} ELSE document END AS document"
            f" FROM {index}_fold_{number - 1}"
        )
    return statements


def _sqlite_view_names(index: str) -> list[str]:
    steps = len(range(0, len(FOLD_MAP), FOLD_STEP))
    return [f"{index}_source", *(f"{index}_fold_{number}" for number in reversed(range(steps)))]


def _sqlite_triggers(table: str, index: str, columns: tuple[str, ...]) -> list[str]:
    """Triggers that read the document from the source view by id. The old entry is removed BEFORE an
    update or delete (the row still holds its old values then) and the new one added AFTER: FTS5 needs
    exactly the text it indexed to remove an entry, and the view is the one definition of that text."""
    source = f"{index}_source"
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
    watched = ", ".join((*columns, "deleted_at"))
    # An update that changes the document of a live row, or the row's liveness (trash, restore).
    relevant = f"(OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL) OR (NEW.deleted_at IS NULL AND ({changed}))"
    remove = f"INSERT INTO {index} ({index}, rowid, document) SELECT 'delete', id, document FROM {source}"
    add = f"INSERT INTO {index} (rowid, document) SELECT id, document FROM {source}"
    return [
        f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} WHEN NEW.deleted_at IS NULL BEGIN"
        f" {add} WHERE id = NEW.id; END",
        f"CREATE TRIGGER {index}_update_before BEFORE UPDATE OF {watched} ON {table} WHEN {relevant} BEGIN"
        f" {remove} WHERE id = OLD.id; END",
        f"CREATE TRIGGER {index}_update_after AFTER UPDATE OF {watched} ON {table} WHEN {relevant} BEGIN"
        f" {add} WHERE id = NEW.id; END",
        f"CREATE TRIGGER {index}_delete BEFORE DELETE ON {table} WHEN OLD.deleted_at IS NULL BEGIN"
        f" {remove} WHERE id = OLD.id; END",
    ]


TRIGGER_EVENTS = ("insert", "update_before", "update_after", "delete")


def _sqlite_statements(table: str, index: str, columns: tuple[str, ...]) -> list[str]:
    return [
        *_sqlite_views(table, index, columns),
        f"CREATE VIRTUAL TABLE {index} USING fts5(document, content='{index}_source', content_rowid='id',"
        " tokenize='trigram')",
        *_sqlite_triggers(table, index, columns),
    ]


def _postgresql_function(name: str, columns: tuple[str, ...]) -> str:
    arguments = ", ".join(f"{column} text" for column in columns)
    parts = [
        f"replace(coalesce({column}, ''), '+', '')" if column == PHONE_COLUMN else f"coalesce({column}, '')"
        for column in columns
    ]
    body = postgresql_fold(" || ' ' || ".join(parts))
    # IMMUTABLE (a function of its arguments only) so it can be indexed; a plain SQL function is inlined
    # into the query, so the planner matches the query's expression against the index's.
    return (
        f"CREATE OR REPLACE FUNCTION {name}({arguments}) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE"
        f" AS $$ SELECT {body} $$"
    )


def _postgresql_call(name: str, columns: tuple[str, ...], alias: str) -> str:
    return f"{name}({', '.join(f'{alias}.{column}' for column in columns)})"


def _postgresql_statements(table: str, index: str, columns: tuple[str, ...]) -> list[str]:
    return [
        _postgresql_function(f"{index}_document", columns),
        f"CREATE INDEX {index}_trigram ON {table} USING gin ({_postgresql_call(f'{index}_document', columns, table)}"
        " gin_trgm_ops) WHERE deleted_at IS NULL",
    ]


# PostgreSQL, second form (migration 0010): the document is a STORED generated column of each table, and
# the trigram index is on the column. With the index on the function call, every row the index proposed
# was rechecked by computing its document again (the fold, about 9 µs a row: 220 ms for the 24,000 rows
# of a common fragment), and the planner had no statistics for LIKE on it (it guessed 1,600 rows for any
# word, so a word no company holds was looked for by scanning every company). A column has statistics
# (with a larger sample, so a fragment's share of rows is known to a tenth of a percent), the recheck is a
# plain LIKE, and with a good estimate the planner walks the list's own sort index for a common fragment
# and reads the index for a rare one. Generated by PostgreSQL on every write (COPY included), so it cannot
# drift; Django does not know the column, so no model or form carries it.
DOCUMENT_COLUMN = "search_document"
DOCUMENT_STATISTICS = 1000


def document_column_statements() -> list[str]:
    statements = []
    for table, index, columns in (
        (CONTACT_TABLE, CONTACT_INDEX, CONTACT_COLUMNS),
        (COMPANY_TABLE, COMPANY_INDEX, COMPANY_COLUMNS),
    ):
        call = f"{index}_document({', '.join(columns)})"
        statements += [
            f"ALTER TABLE {table} ADD COLUMN {DOCUMENT_COLUMN} text GENERATED ALWAYS AS ({call}) STORED",
            f"ALTER TABLE {table} ALTER COLUMN {DOCUMENT_COLUMN} SET STATISTICS {DOCUMENT_STATISTICS}",
            f"DROP INDEX IF EXISTS {index}_trigram",
            f"CREATE INDEX {index}_column_trigram ON {table} USING gin ({DOCUMENT_COLUMN} gin_trgm_ops)"
            " WHERE deleted_at IS NULL",
            f"ANALYZE {table}",
        ]
    return statements


def document_column_reverse_statements() -> list[str]:
    statements = []
    for table, index, columns in (
        (CONTACT_TABLE, CONTACT_INDEX, CONTACT_COLUMNS),
        (COMPANY_TABLE, COMPANY_INDEX, COMPANY_COLUMNS),
    ):
        statements += [
            f"DROP INDEX IF EXISTS {index}_column_trigram",
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS {DOCUMENT_COLUMN}",
            f"CREATE INDEX {index}_trigram ON {table} USING gin"
            f" ({_postgresql_call(f'{index}_document', columns, table)} gin_trgm_ops) WHERE deleted_at IS NULL",
        ]
    return statements


def install_statements(vendor: str) -> list[str]:
    """The SQL that creates the search indexes (run by the migration; idempotent only through it)."""
    if vendor == "sqlite":
        return [
            *_sqlite_statements(CONTACT_TABLE, CONTACT_INDEX, CONTACT_COLUMNS),
            *_sqlite_statements(COMPANY_TABLE, COMPANY_INDEX, COMPANY_COLUMNS),
            f"INSERT INTO {CONTACT_INDEX} ({CONTACT_INDEX}) VALUES ('rebuild')",
            f"INSERT INTO {COMPANY_INDEX} ({COMPANY_INDEX}) VALUES ('rebuild')",
        ]
    if vendor == "postgresql":
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            *_postgresql_statements(CONTACT_TABLE, CONTACT_INDEX, CONTACT_COLUMNS),
            *_postgresql_statements(COMPANY_TABLE, COMPANY_INDEX, COMPANY_COLUMNS),
        ]
    return []


def uninstall_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        statements = []
        for index in (CONTACT_INDEX, COMPANY_INDEX):
            statements += [f"DROP TRIGGER IF EXISTS {index}_{event}" for event in TRIGGER_EVENTS]
            statements.append(f"DROP TABLE IF EXISTS {index}")
            statements += [f"DROP VIEW IF EXISTS {name}" for name in _sqlite_view_names(index)]
        return statements
    if vendor == "postgresql":
        return [
            f"DROP INDEX IF EXISTS {CONTACT_INDEX}_trigram",
            f"DROP INDEX IF EXISTS {COMPANY_INDEX}_trigram",
            f"DROP FUNCTION IF EXISTS {CONTACT_INDEX}_document",
            f"DROP FUNCTION IF EXISTS {COMPANY_INDEX}_document",
        ]
    return []


@contextlib.contextmanager
def search_index_deferred() -> Iterator[None]:
    """For a bulk load into an empty contacts table: on SQLite, drop the contact triggers for the block and
    build the index once from the loaded rows at the end ('rebuild'), which is several times faster than a
    trigger per row. PostgreSQL's expression index is a plain index: the loader's `indexes_dropped` already
    builds it once at the end."""
    if connection.vendor != "sqlite":
        yield
        return
    triggers = _sqlite_triggers(CONTACT_TABLE, CONTACT_INDEX, CONTACT_COLUMNS)
    with connection.cursor() as cursor:
        for event in TRIGGER_EVENTS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {CONTACT_INDEX}_{event}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {CONTACT_INDEX} ({CONTACT_INDEX}) VALUES ('rebuild')")
            for statement in triggers:
                cursor.execute(statement)


# ---------------------------------------------------------------------------------------------------------
# The query side.

# Punctuation around a word is how people write ("Solar," or "(555)"), not part of what they look for.
EDGE_PUNCTUATION = "-^~\"'“”‘’«»()[]{}<>,;:!?*`"
PHONE_LIKE = re.compile(r"[+\d\s().\-/]+")
# A phone number typed with spaces ("+1 (555) 555-0123") is one thing to find, not four words.
PHONE_RUN = re.compile(r"(?<!\S)\+?\(?\d[\d\s().\-/]*\d\)?(?!\S)")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _unicode_domain(word: str) -> str:
    """A word with punycode labels (xn--) in its Unicode form, so either spelling finds the address."""
    local, at, domain = word.rpartition("@")
    try:
        return f"{local}{at}{idna.decode(domain)}"
    except (idna.IDNAError, UnicodeError, ValueError):
        return word


def _typed_words(text: str) -> list[tuple[str, str]]:
    """(as typed, as the index stores text) per word: folded, phone numbers as digits, punycode domains in
    Unicode. Words with no letter or digit are dropped; at most five words of 64 characters."""
    words = []
    text = PHONE_RUN.sub(lambda run: "".join(filter(str.isdigit, run[0])), CONTROL.sub(" ", text))
    for raw in text.split():
        word = raw.strip(EDGE_PUNCTUATION)
        if not any(character.isalnum() for character in word):
            continue
        typed = word
        if PHONE_LIKE.fullmatch(word):
            word = "".join(character for character in word if character.isdigit())
        elif "xn--" in word.lower():
            word = _unicode_domain(word.lower())
        words.append((typed, fold(word).lower()[:MAX_WORD_LENGTH]))
        if len(words) == MAX_WORDS:
            break
    return words


def search_words(text: str) -> list[str]:
    """The words to find, as the index stores text (see _typed_words)."""
    return [folded for _, folded in _typed_words(text)]


DOMAIN_SHAPE = re.compile(r"@?(?P<domain>[^\s@]+\.[^\s@.\d]{2,})")


def _domain(typed: str) -> str:
    """The ASCII domain a word names ("example.org", "@bücher.example"), or "" if it is not one."""
    match = DOMAIN_SHAPE.fullmatch(typed)
    if match is None:
        return ""
    try:
        return normalize_domain(match["domain"])
    except ValidationError:
        return ""


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _like_pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _contact_ids_sql(word: str) -> tuple[str, list[str]]:
    """Ids of contacts whose document holds `word`, or whose live company's does (one subquery)."""
    if connection.vendor == "sqlite":
        phrase = _fts_phrase(word)
        return (
            f"SELECT rowid FROM {CONTACT_INDEX} WHERE {CONTACT_INDEX} MATCH %s"
            f" UNION ALL SELECT id FROM {CONTACT_TABLE} WHERE company_id IN"
            f" (SELECT rowid FROM {COMPANY_INDEX} WHERE {COMPANY_INDEX} MATCH %s)",
            [phrase, phrase],
        )
    pattern = _like_pattern(word)
    contact_document = company_document = f"searched.{DOCUMENT_COLUMN}"
    return (
        f"SELECT searched.id FROM {CONTACT_TABLE} searched WHERE searched.deleted_at IS NULL"
        f" AND {contact_document} LIKE %s"
        f" UNION ALL SELECT employee.id FROM {CONTACT_TABLE} employee WHERE employee.company_id IN"
        f" (SELECT searched.id FROM {COMPANY_TABLE} searched WHERE searched.deleted_at IS NULL"
        f" AND {company_document} LIKE %s)",
        [pattern, pattern],
    )


def _company_ids_sql(word: str) -> tuple[str, list[str]]:
    if connection.vendor == "sqlite":
        return f"SELECT rowid FROM {COMPANY_INDEX} WHERE {COMPANY_INDEX} MATCH %s", [_fts_phrase(word)]
    document = f"searched.{DOCUMENT_COLUMN}"
    return (
        f"SELECT searched.id FROM {COMPANY_TABLE} searched WHERE searched.deleted_at IS NULL"
        f" AND {document} LIKE %s",
        [_like_pattern(word)],
    )


def _prefix(lowered: str, word: str) -> Q:
    """`lowered` starts with `word`, written as an index range: lower(column) >= word < next word.

    LIKE cannot use an expression index on SQLite, but a range on lower(column) can, on both engines; the
    startswith recheck drops anything a linguistic collation sorts into the range without the prefix.
    """
    after = word[:-1] + chr(ord(word[-1]) + 1)
    return Q(**{f"{lowered}__gte": word, f"{lowered}__lt": after, f"{lowered}__startswith": word})


def _short_word_contact_ids(word: str) -> QuerySet:
    """Ids of live contacts whose first name, last name, email or company name starts with a word too
    short for a trigram, as one UNION of four index range scans."""
    from tandem.contacts.models import Company, Contact

    live = Contact.objects.filter(deleted_at__isnull=True)
    by_first = live.annotate(search=Lower("first_name")).filter(_prefix("search", word)).values("id")
    by_last = live.annotate(search=Lower("last_name")).filter(_prefix("search", word)).values("id")
    by_email = live.annotate(search=Lower("email")).filter(_prefix("search", word)).values("id")
    companies = Company.objects.filter(deleted_at__isnull=True).annotate(search=Lower("name"))
    by_company = live.filter(company_id__in=companies.filter(_prefix("search", word)).values("id")).values(
        "id"
    )
    return by_first.union(by_last, by_email, by_company)


# A whole domain ("example.org", "@gmail.com") is looked up as that domain when some contact or company has
# it: an equality on the indexed email_domain / company domain answers at once however many contacts share
# it, where a trigram phrase over a domain that ends like every other (".com") reads long posting lists.
# A domain nobody has is searched as text, so "wind.example" still finds "northwind.example".


def _company_domain(domain: str) -> Q:
    """Live companies with this domain, spelled with the unique index's own condition (live, domain not
    blank): SQLite uses a partial index only when the query repeats its WHERE terms."""
    return Q(domain=domain, deleted_at__isnull=True) & ~Q(domain="")


def _contact_domain_exists(domain: str) -> bool:
    from tandem.contacts.models import Company, Contact

    return (
        Contact.objects.filter(email_domain=domain, deleted_at__isnull=True).exists()
        or Company.objects.filter(_company_domain(domain)).exists()
    )


def _contact_ids_at_domain(domain: str) -> QuerySet:
    from tandem.contacts.models import Company, Contact

    at_domain = Contact.objects.filter(email_domain=domain).values("id")
    companies = Company.objects.filter(_company_domain(domain)).values("id")
    return at_domain.union(Contact.objects.filter(company_id__in=companies).values("id"), all=True)


@dataclass(frozen=True)
class ContactSearch:
    """What finding a text takes, decided once per list view (each decision is a small index query): the
    lists of ids every match is in (SQL and params: one per word or whole domain, the words no company holds
    as one; `long` when it holds MANY ids or more), and the conditions on the row itself (words too short for
    a trigram). `usable` is False when the text has no word at all (only punctuation): nothing matches."""

    id_lists: tuple[tuple[str, tuple, bool], ...] = ()
    row_conditions: tuple[Callable[[QuerySet], QuerySet], ...] = ()
    usable: bool = True
    # PostgreSQL: the same conditions written for the capped count (see _postgresql_plan); None: the same.
    count_conditions: tuple[Callable[[QuerySet], QuerySet], ...] | None = None
    # PostgreSQL: one word's condition as two disjoint conditions (own document; company only), counted
    # one after the other; the word is then not among count_conditions.
    count_split: tuple[Expression, Expression] | None = None


def plan_contact_search(text: str) -> ContactSearch:
    words = _typed_words(text)
    if not words:
        return ContactSearch(usable=False)
    if connection.vendor == "postgresql":
        return _postgresql_plan(words)
    own_words, id_lists, row_conditions = [], [], []
    for typed, word in words:
        domain = _domain(typed)
        if domain and _contact_domain_exists(domain):
            sql, params = _contact_ids_at_domain(domain).query.sql_with_params()
            id_lists.append((sql, list(params)))
        elif len(word) >= TRIGRAM and not _company_holds(word):
            own_words.append(word)
        elif len(word) >= TRIGRAM:
            id_lists.append(_contact_ids_sql(word))
        else:
            row_conditions.append(_short_word_condition(word))
    if own_words:
        id_lists.insert(0, _own_document_ids_sql(own_words))
    return ContactSearch(
        id_lists=tuple((sql, tuple(params), _at_least(sql, params, MANY)) for sql, params in id_lists),
        row_conditions=tuple(row_conditions),
    )


def _short_word_condition(word: str) -> Callable[[QuerySet], QuerySet]:
    if len(word) > 1:
        return lambda queryset: queryset.filter(pk__in=_short_word_contact_ids(word))
    return lambda queryset: _single_letter(queryset, word)


# On PostgreSQL every word is a condition on the contact row itself, not a list of ids: the document
# column holds the word, or the contact's company is among the (few) companies holding it, written as
# `company_id = ANY(ARRAY(<companies>))` so that an index can serve it. With the column's statistics the
# planner then picks per question: for a common fragment it walks the list's own sort index and tests
# each row (a page of "mobil" tests 2,000 rows, 1 ms), for a rare one it combines the trigram index and
# the company index (a bitmap OR). A list of ids (`id IN (SELECT ...)`) would always collect every match
# first: 24,000 rows read and sorted for a page of 50.


class _RowCondition(Expression):
    """A condition on the contact row, in SQL with `{table}` for the contact table's alias in the query."""

    conditional = True

    def __init__(self, template: str, params):
        super().__init__(output_field=BooleanField())
        self.template, self.params = template, list(params)
        self.column = F("pk")

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, expressions):
        (self.column,) = expressions

    def as_sql(self, compiler, connection):
        column, _ = compiler.compile(self.column)
        table = column.rsplit(".", 1)[0]  # the alias Django gave the table ('"contacts_contact"', 'U0')
        return "(" + self.template.replace("{table}", table) + ")", self.params


MANY_COMPANIES = 100


def _companies_holding(word: str) -> int:
    """How many live companies hold `word`, counting no further than MANY_COMPANIES."""
    sql, params = _company_ids_sql(word)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT {MANY_COMPANIES}) listed", params)  # noqa: S608
        return cursor.fetchone()[0]


def _postgresql_plan(words: list[tuple[str, str]]) -> ContactSearch:
    page_conditions: list[Callable[[QuerySet], QuerySet]] = []
    count_conditions: list[Callable[[QuerySet], QuerySet]] = []
    split = None
    for typed, word in words:
        domain = _domain(typed)
        if domain and _contact_domain_exists(domain):
            # One company at most has the domain (a unique index): the array is one id.
            page = count = (
                "{table}.email_domain = %s OR {table}.company_id = ANY(ARRAY(SELECT company.id FROM"
                f" {COMPANY_TABLE} company WHERE company.domain = %s AND company.deleted_at IS NULL"
                " AND NOT company.domain = ''))"
            )
            params = [domain, domain]
        elif len(word) >= TRIGRAM:
            pattern = _like_pattern(word)
            page = count = f"{{table}}.{DOCUMENT_COLUMN} LIKE %s"
            params = [pattern]
            companies = _companies_holding(word)
            if companies:
                holding = (
                    f"SELECT company.id FROM {COMPANY_TABLE} company"
                    f" WHERE company.deleted_at IS NULL AND company.{DOCUMENT_COLUMN} LIKE %s"
                )
                # The count reads rows found through the indexes (a bitmap OR of the trigram index and the
                # company index, which needs the companies as an array). A page of a common fragment walks
                # the sort index and tests each row: against many companies, `IN`, which PostgreSQL tests
                # against a hash table (an array of 4,889 companies, tested row by row, took 100 ms a page).
                array_test = f" OR {{table}}.company_id = ANY(ARRAY({holding}))"
                count += array_test
                page += (
                    array_test if companies < MANY_COMPANIES else f" OR {{table}}.company_id IN ({holding})"
                )
                params.append(pattern)
                if companies >= MANY_COMPANIES and split is None:
                    # Counted as two disjoint parts, one after the other, stopping at the cap: the contacts
                    # whose own document holds the word (the trigram index alone), then those only their
                    # company holds. A bitmap of the contacts of 4,889 companies took 60 ms to build.
                    own = f"{{table}}.{DOCUMENT_COLUMN} LIKE %s"
                    split = (
                        _RowCondition(own, [pattern]),
                        _RowCondition(
                            f"{{table}}.company_id IN ({holding}) AND NOT ({own})", [pattern, pattern]
                        ),
                    )
                    page_conditions.append(_filter_by(_RowCondition(page, params)))
                    continue
        else:
            page_conditions.append(_short_word_condition(word))
            count_conditions.append(_short_word_condition(word))
            continue
        page_conditions.append(_filter_by(_RowCondition(page, params)))
        count_conditions.append(_filter_by(_RowCondition(count, params)))
    return ContactSearch(
        row_conditions=tuple(page_conditions), count_conditions=tuple(count_conditions), count_split=split
    )


def _filter_by(condition: Expression) -> Callable[[QuerySet], QuerySet]:
    return lambda queryset: queryset.filter(condition)


def search_contacts(queryset: QuerySet, text: str, plan: ContactSearch | None = None) -> QuerySet:
    """Contacts of `queryset` holding every word of `text` (any part of a word of three or more characters,
    the start of a name or email for shorter ones). No usable word (only punctuation): no contact.
    `plan`: the text's plan_contact_search, when the caller has it already."""
    plan = plan or plan_contact_search(text)
    if not plan.usable:
        return queryset.none()
    for condition in plan.row_conditions:
        queryset = condition(queryset)
    for sql, params, long in plan.id_lists:
        queryset = queryset.filter(_IdAmong(sql, params, many=long))
    return queryset


# The capped count of a search ("10,000+"), on SQLite. Written as `id IN (<ids>)`, SQLite first collects
# every id of the list into a temporary index, then looks each one up: a common word at a million
# contacts is a posting list of 290,000 ids (170 ms) read to count to 10,001. Driven from the index
# instead, FTS5 hands out ids one at a time, each is looked up and tested against the rest of the list's
# conditions (access, filters, the other words), and counting stops at the cap: a few milliseconds of
# index and 10,001 row lookups. PostgreSQL plans its count from its statistics and needs none of this.


def count_contacts(queryset: QuerySet, plan: ContactSearch, cap: int) -> tuple[int, bool] | None:
    """(count up to `cap`, more than `cap`) of the contacts of `queryset` matching the search `plan`:
    on SQLite driven from the search index, on PostgreSQL with the conditions written for a count. None
    when neither applies (no id list on SQLite) and the caller counts `search_contacts(...)` itself."""
    if not plan.usable:
        return 0, False
    if plan.count_conditions is not None:
        for condition in plan.count_conditions:
            queryset = condition(queryset)
        if plan.count_split is not None:
            own, company_only = plan.count_split
            queryset = (
                queryset.filter(own).values("pk").union(queryset.filter(company_only).values("pk"), all=True)
            )
        return count_up_to(queryset, cap)
    if connection.vendor != "sqlite" or not plan.id_lists:
        return None
    (driving_sql, driving_params, _long), others = plan.id_lists[0], plan.id_lists[1:]
    for condition in plan.row_conditions:
        queryset = condition(queryset)
    for sql, params, _long in others:
        queryset = queryset.filter(_IdAmong(sql, params, many=False))
    # The list's own UNION ALL (a contact whose document and company both hold the word) may repeat an
    # id: DISTINCT drops the repeat as the ids stream by, without waiting for the whole list.
    matching = queryset.order_by().filter(pk=RawSQL("matched.id", ())).values("pk")  # noqa: S611
    row_sql, row_params = matching.query.sql_with_params()
    counted_sql = (
        f"WITH listed(id) AS ({driving_sql}) SELECT count(*) FROM (SELECT 1 FROM"  # noqa: S608
        f" (SELECT DISTINCT id FROM listed) matched WHERE EXISTS ({row_sql}) LIMIT {int(cap) + 1})"
    )
    with connection.cursor() as cursor:
        cursor.execute(counted_sql, [*driving_params, *row_params])
        counted = cursor.fetchone()[0]
    return min(counted, cap), counted > cap


# How the database finds a page of matches: with a short list of ids, by fetching each match and sorting
# them; with thousands, that costs a row read per match (a common word at a million contacts: 24,000 reads,
# 200 ms), so the list page instead walks its own sort index and tests each row against the list, and stops
# after a page (40 ms). SQLite's planner always guesses 25 ids for "IN (SELECT ...)", so it is told: the
# column is written "+id", which cannot drive the query. Only for ordered queries (a page: the list's sort,
# or global search's name groups); the capped count, unordered, still drives from the list, its better plan.
# PostgreSQL estimates the list from its statistics and chooses by itself.
MANY = 2000


def _at_least(sql: str, params, number: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT {int(number)}) listed", list(params))  # noqa: S608
        return cursor.fetchone()[0] >= number


# A query can say which of its conditions should find its rows (SQLite): `SEARCH_DRIVES` False when
# another list of ids drives (a ranked group of "Best match" is found through the name indexes and only
# tested against the search's list). Set on the Query object, so it follows the queryset's clones.
SEARCH_DRIVES = "search_list_drives"


def _ordered_by_other_than_id(query) -> bool:
    """Whether a long list of ids should only test rows, not find them: when the query says so, or when
    it is ordered by something other than the id (ordered by id, the list itself is the best driver: its
    ids are in order, and SQLite stops after a page)."""
    drives = getattr(query, SEARCH_DRIVES, None)
    if drives is not None:
        return not drives
    order = [str(item).lstrip("-") for item in query.order_by]
    return bool(order) and order[0] not in ("id", "pk")


class _IdAmong(Expression):
    """`id IN (<ids>)` for a list of ids from the search index (see MANY for the "+id" form)."""

    conditional = True

    def __init__(self, sql: str, params, *, many: bool):
        super().__init__(output_field=BooleanField())
        self.sql, self.params, self.many = sql, list(params), many
        self.column = F("pk")

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, expressions):
        (self.column,) = expressions

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        if self.many and connection.vendor == "sqlite" and _ordered_by_other_than_id(compiler.query):
            column = f"+{column}"
        return f"{column} IN ({self.sql})", [*column_params, *self.params]


# Words no company holds can only be in the contact's own document: they are looked up together, in one
# index query ("camille" AND "hahn" reads two posting lists and returns the few contacts holding both),
# instead of one list of ids per word intersected afterwards (thousands of Camilles, thousands of Hahns).


def _company_holds(word: str) -> bool:
    sql, params = _company_ids_sql(word)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS ({sql})", params)  # noqa: S608 (our SQL, the word is bound)
        return bool(cursor.fetchone()[0])


def _own_document_ids_sql(words: list[str]) -> tuple[str, list[str]]:
    if connection.vendor == "sqlite":
        query = " AND ".join(_fts_phrase(word) for word in words)
        return f"SELECT rowid FROM {CONTACT_INDEX} WHERE {CONTACT_INDEX} MATCH %s", [query]
    conditions = " AND ".join(f"searched.{DOCUMENT_COLUMN} LIKE %s" for _ in words)
    return (
        f"SELECT searched.id FROM {CONTACT_TABLE} searched WHERE searched.deleted_at IS NULL AND {conditions}",
        [_like_pattern(word) for word in words],
    )


def _single_letter(queryset: QuerySet, letter: str) -> QuerySet:
    """A single letter matches so many rows that walking the list's own sort index and testing each row
    finds a page sooner than collecting every matching id."""
    from tandem.contacts.models import Company

    companies = Company.objects.filter(deleted_at__isnull=True).annotate(search=Lower("name"))
    return queryset.annotate(
        search_first=Lower("first_name"), search_last=Lower("last_name"), search_email=Lower("email")
    ).filter(
        _prefix("search_first", letter)
        | _prefix("search_last", letter)
        | _prefix("search_email", letter)
        | Q(company_id__in=companies.filter(_prefix("search", letter)).values("id"))
    )


def search_companies(queryset: QuerySet, text: str) -> QuerySet:
    """Companies of `queryset` whose name, domain or phone holds every word of `text`."""
    words = _typed_words(text)
    if not words:
        return queryset.none()
    for typed, word in words:
        domain = _domain(typed)
        if domain and queryset.model.objects.filter(_company_domain(domain)).exists():
            queryset = queryset.filter(_company_domain(domain))
        elif len(word) >= TRIGRAM:
            sql, params = _company_ids_sql(word)
            queryset = queryset.filter(pk__in=RawSQL(sql, params))  # noqa: S611 (our SQL, the word is bound)
        else:
            queryset = queryset.annotate(search_name=Lower("name")).filter(
                _prefix("search_name", word) | Q(domain__startswith=word)
            )
    return queryset


def _typed(text: str) -> str:
    return " ".join(CONTROL.sub(" ", text).split()).lower()[:200]


def best_contacts(matching: QuerySet, text: str, limit: int) -> list:
    """Up to `limit` + 1 contacts of `matching`, best first: those whose last, first or whole name is what
    was typed, then those whose last or first name starts with its first word, then every other match
    (email, company, phone, job title, part of a word); by name within each group.

    Each group is one query of at most `limit` + 1 rows: the name groups are found through one name index
    each (lower(last_name), lower(first_name): SQLite does not combine the two for an OR) and tested against
    the search's id lists, sorted by upper(name) so that no index serves the order (which would tempt the
    planner to walk every contact in name order looking for a rare name); the last group walks the name
    order itself. Ranking every match with a CASE instead would read all of them (24,000 rows for a common
    fragment at a million contacts)."""
    typed = _typed(text)
    first_word, _, rest = typed.partition(" ")
    named = matching.alias(rank_first=Lower("first_name"), rank_last=Lower("last_name"))
    groups = [Q(rank_last=typed), Q(rank_first=typed)]
    if rest:
        groups.append(Q(rank_first=first_word, rank_last=rest))
    if first_word:
        groups += [_prefix("rank_last", first_word), _prefix("rank_first", first_word)]
    by_name = [Upper("last_name"), Upper("first_name"), "id"]
    found: list = []
    earlier = Q(pk__in=[])
    for condition in groups:
        if len(found) > limit:
            return found
        found += list(named.filter(condition & ~earlier).order_by(*by_name)[: limit + 1 - len(found)])
        earlier |= condition
    if len(found) <= limit:
        rows = named.filter(~earlier).order_by("last_name", "first_name", "id")
        found += list(rows[: limit + 1 - len(found)])
    return found


def rank_companies(queryset: QuerySet, text: str) -> QuerySet:
    """`search_rank`: 0 the name is what was typed, 1 the name starts with it, 2 the domain does, 3 else."""
    typed = _typed(text)
    return queryset.annotate(search_name_lower=Lower("name")).annotate(
        search_rank=Case(
            When(search_name_lower=typed, then=Value(0)),
            When(search_name_lower__startswith=typed, then=Value(1)),
            When(domain__startswith=typed, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    )


# ---------------------------------------------------------------------------------------------------------
# "Best match": the list's ranked sort when a search is given.
#
# Ranked = a contact whose first name, last name, whole name or email is exactly what was typed first, then
# those whose first name, last name or email starts with the first typed word, then every other match
# (a word of the company, the job title, the phone, part of a word); the most recently added first within
# each group (by id, which follows the order records were added).
# A company: the name exactly, then a name or domain starting with the text, then the rest.
#
# Each group is its own query of at most a page. The first two are lists of ids from the name and email
# indexes, one index range per column (SQLite does not combine indexes for an OR), and a contact of the
# list is fetched by id, newest id first, so a page reads the index entries of the group and 51 rows.
# The last is the search's own page with the first two groups left out, in id order: on SQLite the
# search's id list drives it from its highest id and stops after a page; on PostgreSQL the planner walks
# the primary key or reads the indexes, as for any page. So a page costs about what the newest-first page
# costs, however many contacts match; ranking every match (a score per row, then a sort) would read them
# all, 24,000 rows for a common fragment at a million. The trade-off: the rank knows only these three
# groups (no weighting by how many words matched or where), and within a group the order is the order
# records were added rather than their created_at (an import may backdate created_at), which is what
# lets the id index serve it.

RANK_GROUPS = 3  # exact, starts with, the rest


def _contact_ids_where(expression_name: str, condition: Q) -> QuerySet:
    from tandem.contacts.models import Contact

    column = {"rank_first": "first_name", "rank_last": "last_name", "rank_email": "email"}[expression_name]
    return (
        Contact.objects.filter(deleted_at__isnull=True)
        .alias(**{expression_name: Lower(column)})
        .filter(condition)
        .values("id")
    )


def contact_rank_groups(text: str) -> list[Q]:
    """The ranked groups above the rest, best first, each as `id IN (<ids from the name and email
    indexes>)`."""
    typed = _typed(text)
    first_word, _, rest = typed.partition(" ")
    if not typed:
        return [Q(pk__in=[]), Q(pk__in=[])]
    exact = [
        _contact_ids_where("rank_first", Q(rank_first=typed)),
        _contact_ids_where("rank_last", Q(rank_last=typed)),
        _contact_ids_where("rank_email", Q(rank_email=typed)),
    ]
    if rest:
        exact.append(
            _contact_ids_where("rank_first", Q(rank_first=first_word)).filter(last_name__iexact=rest)
        )
    starts = [
        _contact_ids_where(name, _prefix(name, first_word))
        for name in ("rank_first", "rank_last", "rank_email")
    ]
    return [_among(exact[0].union(*exact[1:])), _among(starts[0].union(*starts[1:]))]


def company_rank_groups(text: str) -> list[Q]:
    from tandem.contacts.models import Company

    typed = _typed(text)
    if not typed:
        return [Q(pk__in=[]), Q(pk__in=[])]
    named = Company.objects.filter(deleted_at__isnull=True).alias(rank_name=Lower("name"))
    by_name = named.filter(_prefix("rank_name", typed)).values("id")
    by_domain = Company.objects.filter(_company_domain_prefix(typed)).values("id")
    return [_among(named.filter(rank_name=typed).values("id")), _among(by_name.union(by_domain))]


def _among(ids: QuerySet) -> Q:
    """The rows whose id is in `ids` (a short list from the name indexes), written so that the list finds
    them. PostgreSQL estimates `id IN (<union>)` from its default guesses (5,000 rows per name) and may
    plan a sequential scan for it; `id = ANY(ARRAY(<ids>))` it reads through the primary key. SQLite is
    told by SEARCH_DRIVES which list drives."""
    if connection.vendor != "postgresql":
        return Q(pk__in=ids)
    sql, params = ids.query.sql_with_params()
    return Q(_RowCondition(f"{{table}}.id = ANY(ARRAY({sql}))", params))


def _company_domain_prefix(typed: str) -> Q:
    after = typed[:-1] + chr(ord(typed[-1]) + 1)
    return Q(deleted_at__isnull=True, domain__gte=typed, domain__lt=after, domain__startswith=typed) & ~Q(
        domain=""
    )
