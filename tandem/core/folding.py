"""Folding accents for search: one table, applied the same way in Python and inside each database, so what
an index stores and what a typed word is turned into always agree ("societe" finds "Société", "Zurich" finds
"Zürich", "strasse" finds "Straße").

Unicode decomposition (NFKD) gives most of the table; a few letters have no decomposition and are written out.
The contacts search folds its documents with it on both engines; the playbook search on PostgreSQL (SQLite's
FTS5 tokenizer removes diacritics itself).
"""

import unicodedata


def _fold_map() -> dict[str, str]:
    """Latin letters with diacritics (Latin-1 Supplement and Latin Extended-A) to their plain lower-case
    letters, plus the letters Unicode does not decompose. Both engines apply exactly this table (SQLite
    as nested replace(), PostgreSQL as translate()), and the query is folded with it in Python."""
    mapping = {
        **dict.fromkeys("ßẞ", "ss"),
        **dict.fromkeys("æÆ", "ae"),
        **dict.fromkeys("œŒ", "oe"),
        **dict.fromkeys("þÞ", "th"),
        **dict(zip("øØđĐðÐłŁıħĦŧŦ", "ooddddllihhtt", strict=True)),
    }
    for code in range(0xC0, 0x180):
        character = chr(code)
        if character in mapping:
            continue
        base = "".join(
            part for part in unicodedata.normalize("NFKD", character) if not unicodedata.combining(part)
        )
        if base != character and base.isascii() and base.isalpha():
            mapping[character] = base.lower()
    return mapping


FOLD_MAP = _fold_map()
_FOLD_TABLE = str.maketrans(FOLD_MAP)


def fold(text: str) -> str:
    """`text` with its accented letters folded to plain lower-case ones (other letters keep their case): what
    an index stores for `text`, and what a typed word is turned into before it is looked up."""
    return text.translate(_FOLD_TABLE)


def postgresql_fold(expression: str) -> str:
    """SQL folding `expression` (a text column or expression) with FOLD_MAP and lower-casing it; IMMUTABLE
    functions only, so it may define a generated column or an index."""
    singles = {source: target for source, target in FOLD_MAP.items() if len(target) == 1}
    multiples = {source: target for source, target in FOLD_MAP.items() if len(target) > 1}
    folded = f"translate({expression}, '{''.join(singles)}', '{''.join(singles.values())}')"
    for source, target in multiples.items():
        folded = f"replace({folded}, '{source}', '{target}')"
    # translate() with a long table costs ~100 µs a row: only rows with a character beyond ASCII (more
    # bytes than characters) pay for it; the rest are only lower-cased (~5 µs).
    ascii_only = f"octet_length({expression}) = length({expression})"
    return f"CASE WHEN {ascii_only} THEN lower({expression}) ELSE lower({folded}) END"
