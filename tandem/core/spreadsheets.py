"""Spreadsheet-formula protection, in one place: every file Tandem writes for a spreadsheet (export headers
and cells, CSV and XLSX, the import's bad-rows file) neutralises with `neutralise`, and an import of such a
file takes the protection off again with `unneutralise`.

A spreadsheet treats a cell starting with one of FORMULA_STARTS as a formula (or, for tab and CR, a cell that a
second paste turns into one); a leading single quote makes it text (OWASP, "CSV injection").
"""

FORMULA_STARTS = frozenset("=+-@\t\r")
FORMULA_PREFIXES = tuple(FORMULA_STARTS)
GUARD = "'"


def neutralise(text: str | None) -> str | None:
    """`text` with a leading ' if a spreadsheet would read it as a formula; None stays None (an empty cell)."""
    if text and text[0] in FORMULA_STARTS:
        return GUARD + text
    return text


def neutralise_cell(value: object) -> str:
    """Any value as neutralised text ("" for None): for writers that take cells of any type."""
    return neutralise("" if value is None else str(value)) or ""


def unneutralise(text: str) -> str:
    """Undo `neutralise`: a cell that is ' followed by something a spreadsheet reads as a formula is that
    something (a file Tandem exported, imported again). Any other text, quotes included, stays as it is."""
    if len(text) > 1 and text[0] == GUARD and text[1] in FORMULA_STARTS:
        return text[1:]
    return text
