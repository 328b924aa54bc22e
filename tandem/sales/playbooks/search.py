"""Answer search: the best recommended answers for a question a buyer asked, ranked by relevance.

How it is indexed, and why there:

- An answer's search document is its objection's text, category and tags, its own text and its proof points.
  Stemming and English stop words (Porter on SQLite, the `english` configuration on PostgreSQL) make
  "expensive" find "too expensive" and "price too high" find a price objection.
- Two indexes on both engines, one of objections (text; category and tags as labels) and one of answers
  (text, proof points); an answer's relevance is its objection's score plus its own. So the answers of one
  objection that match only through it tie exactly, on both engines, and keep the order reps gave them
  (position), and an objection's rewording costs one index entry, not one per answer.
- SQLite: FTS5 tables with the Porter tokenizer, *external content* over a view of each table, kept in sync by
  triggers on the table. Triggers are the one place every writer passes through (services, the demo
  generator, a queryset's update()). The old entry is removed BEFORE an update or delete, while the view still
  yields the exact text that was indexed (FTS5 needs it to remove an entry), and the new one added AFTER.
  A migration that rebuilds `playbooks_answer` or `playbooks_objection` on SQLite (most AlterFields do: SQLite
  copies the table) drops these triggers: such a migration must end with `RunPython(reinstall)` below.
  `tests/test_search.py` checks that every trigger exists after all migrations.
- PostgreSQL: a STORED generated `tsvector` column on each table (weights A..C) with a GIN index, queried with
  `@@` and ranked with `ts_rank`; PostgreSQL computes the column on every write path. The text's accents are
  folded (core.folding) before the `english` configuration stems it, and so are the query's words, so
  "Zurich" finds "Zürich" on both engines (PostgreSQL's own `unaccent` would need an extension installed).

What was typed is never query syntax: it is split into words (letters and digits), each passed as data (an FTS5
phrase in double quotes, or a parameter of `plainto_tsquery`), joined with OR, so quotes, `*`, NEAR, `-`, `&`
or `:` in the box are just characters. Highlights come back wrapped in two private-use marker characters,
which the services strip from stored text; `highlight()` escapes the text first and only then turns the markers
into `<mark>`, so an answer holding markup shows it as text.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tandem.core.folding import fold, postgresql_fold

ANSWER_TABLE = "playbooks_answer"
OBJECTION_TABLE = "playbooks_objection"
ANSWER_INDEX = "playbooks_answer_search"
OBJECTION_INDEX = "playbooks_objection_search"
MARK_START = "\ue000"
MARK_END = "\ue001"
MAX_WORDS = 12
MAX_WORD_LENGTH = 40
TRIGGER_EVENTS = ("insert", "update_before", "update_after", "delete")
TRIGGER_NAMES = tuple(
    f"{index}_{event}" for index in (OBJECTION_INDEX, ANSWER_INDEX) for event in TRIGGER_EVENTS
)
# English stop words for SQLite, which has no stop list: PostgreSQL's `english` configuration drops these, so
# a question full of "is it too ..." ranks the same on both engines (PostgreSQL's own list is longer; these
# are the ones buyers' questions are made of).
STOP_WORDS = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be but by can do does for from had has have how i if in is it its me my no not of on or"
        " our so than that the their them then there these they this to too us was we were what when which who why"
        " will with would you your"
        # the pieces of contractions ("that's", "we'll", "don't"), which PostgreSQL's list holds too
        " s t d m ll re ve don doesn didn isn aren wasn won",
    )
)


def words_of(query: str) -> list[str]:
    """The words of what was typed that can match: letters and digits, lower case, no stop words, no repeats."""
    words: list[str] = []
    for word in re.findall(r"\w+", query.lower()):
        word = word[:MAX_WORD_LENGTH]
        if word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_WORDS]


# ---------------------------------------------------------------------------------------------- installing


def _sqlite_index(table: str, index: str, columns: dict[str, str]) -> list[str]:
    """The view, the FTS5 table and its four triggers for one table; `columns` maps index column to SQL."""
    names = ", ".join(columns)
    source = f"{index}_source"
    watched = ", ".join(
        sorted({column for sql in columns.values() for column in re.findall(r"[a-z_]+", sql)} - {"coalesce"})
    )
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in watched.split(", "))
    remove = f"INSERT INTO {index} ({index}, rowid, {names}) SELECT 'delete', id, {names} FROM {source}"
    add = f"INSERT INTO {index} (rowid, {names}) SELECT id, {names} FROM {source}"
    selected = ", ".join(f"{sql} AS {name}" for name, sql in columns.items())
    return [
        f"CREATE VIEW IF NOT EXISTS {source} AS SELECT id, {selected} FROM {table}",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {index} USING fts5({names}, content='{source}', content_rowid='id',"
        " tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS {index}_insert AFTER INSERT ON {table} BEGIN {add} WHERE id = NEW.id; END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_update_before BEFORE UPDATE OF {watched} ON {table} WHEN {changed}"
        f" BEGIN {remove} WHERE id = OLD.id; END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_update_after AFTER UPDATE OF {watched} ON {table} WHEN {changed}"
        f" BEGIN {add} WHERE id = NEW.id; END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_delete BEFORE DELETE ON {table} BEGIN {remove} WHERE id = OLD.id; END",
    ]


def _sqlite_statements() -> list[str]:
    return [
        # Tags are a JSON list: the tokenizer reads `["budget", "roi"]` as the words budget and roi.
        *_sqlite_index(
            OBJECTION_TABLE, OBJECTION_INDEX, {"objection": "text", "labels": "category || ' ' || tags"}
        ),
        *_sqlite_index(ANSWER_TABLE, ANSWER_INDEX, {"answer": "text", "proof": "proof_points"}),
    ]


def _folded_vector(expression: str) -> str:
    # The text's accents folded before stemming, as FTS5's remove_diacritics does on SQLite; the query's words
    # are folded the same way (`postgresql_words`).
    text = postgresql_fold(f"coalesce({expression}, '')")
    return f"to_tsvector('english', {text})"


def _postgresql_statements() -> list[str]:
    return [
        f"ALTER TABLE {OBJECTION_TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
        f" setweight({_folded_vector('text')}, 'A')"
        f" || setweight({_folded_vector('category')}, 'A')"
        f" || setweight({_folded_vector('tags::text')}, 'A')) STORED",
        f"ALTER TABLE {ANSWER_TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
        f" setweight({_folded_vector('text')}, 'C')"
        f" || setweight({_folded_vector('proof_points')}, 'D')) STORED",
        f"CREATE INDEX IF NOT EXISTS {OBJECTION_TABLE}_search ON {OBJECTION_TABLE} USING gin (search_vector)",
        f"CREATE INDEX IF NOT EXISTS {ANSWER_TABLE}_search ON {ANSWER_TABLE} USING gin (search_vector)",
    ]


def install_statements(vendor: str) -> list[str]:
    """The SQL that creates the index (idempotent: a later migration may run it again after a table rebuild)."""
    if vendor == "sqlite":
        return [
            *_sqlite_statements(),
            f"INSERT INTO {OBJECTION_INDEX} ({OBJECTION_INDEX}) VALUES ('rebuild')",
            f"INSERT INTO {ANSWER_INDEX} ({ANSWER_INDEX}) VALUES ('rebuild')",
        ]
    if vendor == "postgresql":
        return _postgresql_statements()
    return []


def uninstall_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [
            *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES),
            *(f"DROP TABLE IF EXISTS {index}" for index in (OBJECTION_INDEX, ANSWER_INDEX)),
            *(f"DROP VIEW IF EXISTS {index}_source" for index in (OBJECTION_INDEX, ANSWER_INDEX)),
        ]
    if vendor == "postgresql":
        return [
            f"DROP INDEX IF EXISTS {OBJECTION_TABLE}_search",
            f"DROP INDEX IF EXISTS {ANSWER_TABLE}_search",
            f"ALTER TABLE {OBJECTION_TABLE} DROP COLUMN IF EXISTS search_vector",
            f"ALTER TABLE {ANSWER_TABLE} DROP COLUMN IF EXISTS search_vector",
        ]
    return []


def reinstall(apps, schema_editor) -> None:
    """For a migration that rebuilt a table on SQLite: put the triggers back and rebuild the index."""
    for statement in install_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor) -> None:
    for statement in uninstall_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


# ---------------------------------------------------------------------------------------------- querying


@dataclass(frozen=True)
class Marked:
    """The parts of one found answer with marker characters around the words that matched."""

    objection: str
    answer: str
    proof: str


# Ranking, on both engines: the objections matching the question, each scored once, give their score to each of
# their answers (one index lookup per objection); the answers matching it give their own; an answer's relevance
# is the sum of the (one or two) scores it got, grouped by answer: one pass over the matches, no join of matches
# with matches (joining the two match lists row by row was quadratic: 250 ms for 2,000 matches). Then the best
# `limit`; the highlights are computed afterwards for the answers shown only (`marked`).
#
# SQLite: bm25 weights per column in the proportions of PostgreSQL's default weights for A, C, D (1, 0.2, 0.1):
# the objection and its labels (category and tags: the words the team chose to find it by) are what a buyer's
# question most resembles, then the answer, then its proof points. bm25() is lower for better: negated.
_SQLITE_RANKED = (
    f"WITH o AS (SELECT rowid AS id, -bm25({OBJECTION_INDEX}, 10.0, 10.0) AS score FROM {OBJECTION_INDEX}"
    f" WHERE {OBJECTION_INDEX} MATCH %s),"
    f" a AS (SELECT rowid AS id, -bm25({ANSWER_INDEX}, 2.0, 1.0) AS score FROM {ANSWER_INDEX}"
    f" WHERE {ANSWER_INDEX} MATCH %s),"
    # Each branch reads the answer's position where it is at hand (the first from the index on objection_id,
    # position, id), so the grouped rows need no join at the end.
    f" scores AS (SELECT answer.id AS id, answer.position AS position, o.score AS score FROM o"
    f" JOIN {ANSWER_TABLE} answer ON answer.objection_id = o.id"
    f" UNION ALL SELECT answer.id, answer.position, a.score FROM a JOIN {ANSWER_TABLE} answer ON answer.id = a.id)"
    " SELECT id, sum(score) AS relevance FROM scores GROUP BY id, position"
    " ORDER BY relevance DESC, position, id LIMIT %s"
)
# PostgreSQL: each `@@` on one table, so each reads its GIN index (an OR across the joined tables would test
# every row of the join); ts_rank as before (the same scores as the former join, to the last bit).
_POSTGRESQL_RANKED = (
    "WITH q AS (SELECT ({query}) AS query),"
    f" o AS (SELECT objection.id, ts_rank(objection.search_vector, q.query) AS score FROM {OBJECTION_TABLE}"
    " objection CROSS JOIN q WHERE objection.search_vector @@ q.query),"
    f" scores AS (SELECT answer.id, answer.position, o.score FROM o JOIN {ANSWER_TABLE} answer"
    " ON answer.objection_id = o.id"
    f" UNION ALL SELECT answer.id, answer.position, ts_rank(answer.search_vector, q.query)"
    f" FROM {ANSWER_TABLE} answer CROSS JOIN q WHERE answer.search_vector @@ q.query)"
    " SELECT id, sum(score) AS relevance FROM scores GROUP BY id, position"
    " ORDER BY relevance DESC, position, id LIMIT %s"
)


def fts5_expression(words: list[str]) -> str:
    """The FTS5 query for `words`: each one phrase in double quotes (words hold only letters, digits and `_`,
    so there is nothing to double and no operator, prefix or column filter), joined with OR."""
    return " OR ".join(f'"{word}"' for word in words)


def tsquery_sql(words: list[str]) -> str:
    """The tsquery for `words`, one `plainto_tsquery` parameter per word, joined with OR (`||`)."""
    return " || ".join("plainto_tsquery('english', %s)" for _ in words)


def postgresql_words(words: list[str]) -> list[str]:
    """`words` with their accents folded as the PostgreSQL vectors are (`_folded_vector`), without repeats."""
    return list(dict.fromkeys(fold(word) for word in words))


def ranked_sql(vendor: str, words: list[str], limit: int) -> tuple[str, list]:
    """The ranking statement and its parameters: (answer id, relevance) rows, best first, at most `limit`."""
    if vendor == "postgresql":
        words = postgresql_words(words)
        return _POSTGRESQL_RANKED.format(query=tsquery_sql(words)), [*words, limit]
    expression = fts5_expression(words)
    return _SQLITE_RANKED, [expression, expression, limit]


def ranked(words: list[str], *, limit: int) -> list[tuple[int, float]]:
    """(answer id, relevance) of the answers matching any of `words`, best first (higher is better), ties in
    the order reps gave the answers, at most `limit` (see the module docstring)."""
    if not words:
        return []
    sql, params = ranked_sql(connection.vendor, words, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def _sqlite_marked(words: list[str], answer_ids: list[int]) -> list[tuple]:
    # highlight() needs the MATCH; the rowid lists keep FTS5 to the answers shown (one seek each).
    expression = fts5_expression(words)
    marks = f"'{MARK_START}', '{MARK_END}'"
    placeholders = ", ".join(["%s"] * len(answer_ids))
    sql = (
        "SELECT answer.id, coalesce(o.marked, objection.text), coalesce(a.marked, answer.text),"
        f" coalesce(a.proof, answer.proof_points) FROM {ANSWER_TABLE} answer"
        f" JOIN {OBJECTION_TABLE} objection ON objection.id = answer.objection_id"
        f" LEFT JOIN (SELECT rowid AS id, highlight({OBJECTION_INDEX}, 0, {marks}) AS marked FROM {OBJECTION_INDEX}"
        f" WHERE {OBJECTION_INDEX} MATCH %s AND rowid IN (SELECT objection_id FROM {ANSWER_TABLE}"
        f" WHERE id IN ({placeholders}))) o ON o.id = answer.objection_id"
        f" LEFT JOIN (SELECT rowid AS id, highlight({ANSWER_INDEX}, 0, {marks}) AS marked,"
        f" highlight({ANSWER_INDEX}, 1, {marks}) AS proof FROM {ANSWER_INDEX} WHERE {ANSWER_INDEX} MATCH %s"
        f" AND rowid IN ({placeholders})) a ON a.id = answer.id"
        f" WHERE answer.id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [expression, *answer_ids, expression, *answer_ids, *answer_ids])
        return cursor.fetchall()


def _postgresql_marked(words: list[str], answer_ids: list[int]) -> list[tuple]:
    options = f'StartSel="{MARK_START}", StopSel="{MARK_END}", HighlightAll=true'
    # ts_headline parses the stored text unfolded: the words as typed mark "Zürich" when "zürich" was typed,
    # their folded forms the plain words. ("zurich" typed finds "Zürich" but leaves it unmarked.)
    words = list(dict.fromkeys([*words, *postgresql_words(words)]))
    sql = (
        f"WITH q AS (SELECT ({tsquery_sql(words)}) AS query)"
        " SELECT answer.id, ts_headline('english', objection.text, q.query, %s),"
        " ts_headline('english', answer.text, q.query, %s), ts_headline('english', answer.proof_points, q.query, %s)"
        f" FROM {ANSWER_TABLE} answer JOIN {OBJECTION_TABLE} objection ON objection.id = answer.objection_id"
        " CROSS JOIN q WHERE answer.id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*words, options, options, options, list(answer_ids)])
        return cursor.fetchall()


def marked(words: list[str], answer_ids: list[int]) -> dict[int, Marked]:
    """The objection's text, the answer's text and its proof points of each of these answers, with markers
    around the words of `words` that matched (each text as it is where nothing matched). Meant for the few
    answers shown: highlighting costs more per row than ranking."""
    if not words or not answer_ids:
        return {}
    if connection.vendor == "postgresql":
        rows = _postgresql_marked(words, answer_ids)
    else:
        rows = _sqlite_marked(words, answer_ids)
    return {row[0]: Marked(row[1] or "", row[2] or "", row[3] or "") for row in rows}


def highlight(marked: str) -> SafeString:
    """Text with marker characters around matched words, as HTML: the text escaped, the matches in <mark>."""
    escaped = escape(marked)
    # A marker pair the engine split oddly never leaves an open <mark>: count what we open.
    html = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    if html.count("<mark>") != html.count("</mark>"):
        html = escape(strip_markers(marked))
    return mark_safe(html)  # noqa: S308 - escaped above; only our own <mark> tags are added


def strip_markers(text: str) -> str:
    """Stored text never holds the highlight markers (a hostile answer could otherwise open a <mark>)."""
    return text.replace(MARK_START, "").replace(MARK_END, "")
