"""A streaming reader for the first worksheet of an .xlsx workbook, in bounded memory.

openpyxl's read-only mode loads the whole shared-strings table into a Python list (and keeps the table's
parsed items alive while reading it): an 11.8 MB workbook took 1.2 GB; bench/import_xlsx_memory.py measures
134 MB against 8 MB here for a 150,000-row one. Here:
- the shared strings are parsed once with an iterparse that drops each element as soon as it is read, and
  written to a temporary file read back through mmap (the page cache, not the heap); memory holds only their
  offsets (8 bytes a string) and a small cache;
- the sheet is parsed the same way, row by row, and each row's elements are dropped after it is yielded.

XML is parsed by defusedxml (no entities, no DTDs, no external references). Cell values are given as
openpyxl gives them in read-only mode with data_only=False: strings, numbers, booleans, dates (numbers in a
date format, converted with the workbook's epoch) and formulas as their text ("=SUM(A1:A2)"), never computed.
"""

import datetime
import mmap
import os
import posixpath
import re
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from defusedxml.ElementTree import iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SHARED_STRINGS_TYPE = "/sharedStrings"
STYLES_TYPE = "/styles"
CELL_REFERENCE = re.compile(r"([A-Z]+)(\d+)")
# Shared strings past this count are refused: their offsets alone would take 8 bytes each.
MAX_SHARED_STRINGS = 50_000_000
# Repeated values (a country, a stage, a tag) are common; a few thousand cached strings cover them.
STRING_CACHE_SIZE = 4096


class WorkbookError(Exception):
    """The workbook's structure cannot be read; the caller words the message for the user."""


class TooManyStrings(WorkbookError):
    pass


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - 64)
    return number


def _text_of(element) -> str:
    """A string item's text: its <t> and the <t> of each rich-text run, leaving out phonetic runs (<rPh>)."""
    parts = []
    for child in element:
        if child.tag == f"{MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{MAIN}r":
            for run_child in child:
                if run_child.tag == f"{MAIN}t":
                    parts.append(run_child.text or "")
    # openpyxl removes the escape Excel writes before a literal "_x....": do the same.
    return "".join(parts).replace("x005F_", "")


class SharedStrings:
    """The shared-strings table on disk: `strings[index]` reads one string by its offset."""

    def __init__(self, archive: zipfile.ZipFile, member: str | None):
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close(), it outlives __init__)
        self._offsets = array("q", [0])
        self._map: mmap.mmap | None = None
        if member is not None:
            self._load(archive, member)
        self._file.flush()
        if self._offsets[-1]:
            # Read through the page cache: a string is a slice, not a system call.
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        self._read = lru_cache(maxsize=STRING_CACHE_SIZE)(self._read_uncached)

    def _load(self, archive: zipfile.ZipFile, member: str) -> None:
        position = 0
        with archive.open(member) as source:
            events = iterparse(source, events=("start", "end"))
            root = None
            for event, element in events:
                if root is None:
                    root = element
                    continue
                if event != "end" or element.tag != f"{MAIN}si":
                    continue
                encoded = _text_of(element).encode("utf-8")
                self._file.write(encoded)
                position += len(encoded)
                self._offsets.append(position)
                if len(self._offsets) > MAX_SHARED_STRINGS:
                    raise TooManyStrings(f"more than {MAX_SHARED_STRINGS:,} shared strings")
                # Drop what was read: the root would otherwise keep every string item alive.
                root.clear()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def _read_uncached(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1]
        if self._map is None:
            return ""
        return self._map[start:end].decode("utf-8")

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self):
            raise WorkbookError(f"a cell refers to shared string {index}, which the workbook does not have")
        return self._read(index)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        self._file.close()


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{relationship id: (type, target path inside the archive)} of a part."""
    directory, name = posixpath.split(part)
    rels_path = posixpath.join(directory, "_rels", f"{name}.rels")
    if rels_path not in archive.NameToInfo:
        return {}
    result = {}
    with archive.open(rels_path) as source:
        for _event, element in iterparse(source):
            if element.tag == f"{PACKAGE_RELATIONSHIPS}Relationship":
                target = element.get("Target", "")
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(directory, target))
                )
                result[element.get("Id", "")] = (element.get("Type", ""), path)
    return result


def _date_styles(archive: zipfile.ZipFile, member: str | None) -> set[int]:
    """The cell-format indices (the `s` attribute of a cell) whose number format shows a date or time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    if member is None or member not in archive.NameToInfo:
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    with archive.open(member) as source:
        inside_cell_formats = False
        for event, element in iterparse(source, events=("start", "end")):
            if element.tag == f"{MAIN}cellXfs":
                inside_cell_formats = event == "start"
            elif event == "end" and element.tag == f"{MAIN}numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif event == "end" and element.tag == f"{MAIN}xf" and inside_cell_formats:
                formats.append(int(element.get("numFmtId", "0")))
    dates = set()
    for index, format_id in enumerate(formats):
        code = custom.get(format_id) or BUILTIN_FORMATS.get(format_id, "")
        if code and is_date_format(code):
            dates.add(index)
    return dates


class Workbook:
    """The first worksheet of a workbook, opened for streaming. Use as a context manager."""

    def __init__(self, path: str | os.PathLike):
        try:
            self._archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise WorkbookError(str(error)) from error
        try:
            self._open()
        except BaseException:
            self._archive.close()
            raise

    def _open(self) -> None:
        workbook_part = "xl/workbook.xml"
        relationships = _relationships(self._archive, workbook_part)
        sheet_target = None
        self.epoch = datetime.datetime(1899, 12, 30)
        with self._archive.open(workbook_part) as source:
            for _event, element in iterparse(source):
                if element.tag == f"{MAIN}workbookPr" and element.get("date1904") in ("1", "true"):
                    self.epoch = datetime.datetime(1904, 1, 1)
                elif element.tag == f"{MAIN}sheet" and sheet_target is None:
                    relation = relationships.get(element.get(f"{RELATIONSHIPS}id", ""))
                    if relation is not None:
                        sheet_target = relation[1]
        if sheet_target is None or sheet_target not in self._archive.NameToInfo:
            raise WorkbookError("no worksheet")
        self.sheet_part = sheet_target
        strings_part = next(
            (path for kind, path in relationships.values() if kind.endswith(SHARED_STRINGS_TYPE)), None
        )
        styles_part = next(
            (path for kind, path in relationships.values() if kind.endswith(STYLES_TYPE)), None
        )
        self.date_styles = _date_styles(self._archive, styles_part)
        self.strings = SharedStrings(
            self._archive, strings_part if strings_part in self._archive.NameToInfo else None
        )
        self.max_row = 0

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self.strings.close()
        self._archive.close()

    def dimension_rows(self) -> int:
        """The last row number the sheet's <dimension> records (0 if it records none); reads only its start."""
        with self._archive.open(self.sheet_part) as source:
            for _event, element in iterparse(source, events=("start",)):
                if element.tag == f"{MAIN}dimension":
                    match = CELL_REFERENCE.search(element.get("ref", "").split(":")[-1])
                    return int(match.group(2)) if match else 0
                if element.tag == f"{MAIN}sheetData":
                    return 0
        return 0

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) for each row the sheet stores, values by column (None where no cell)."""
        shared_formulas: dict[str, tuple[str, str]] = {}
        with self._archive.open(self.sheet_part) as source:
            parents: list = []
            expected_row = 0
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start":
                    parents.append(element)
                    continue
                parents.pop()
                if element.tag != f"{MAIN}row":
                    continue
                reference = element.get("r")
                row_number = int(reference) if reference else expected_row + 1
                expected_row = row_number
                values: dict[int, Any] = {}
                next_column = 1
                for cell in element:
                    if cell.tag != f"{MAIN}c":
                        continue
                    match = CELL_REFERENCE.fullmatch(cell.get("r", ""))
                    column = _column_number(match.group(1)) if match else next_column
                    next_column = column + 1
                    values[column] = self._value(cell, shared_formulas)
                width = max(values) if values else 0
                yield row_number, [values.get(column) for column in range(1, width + 1)]
                # Drop the row from its parent (<sheetData>): a cleared element still costs memory.
                element.clear()
                if parents:
                    parents[-1].remove(element)

    def _value(self, cell, shared_formulas: dict[str, tuple[str, str]]) -> Any:
        kind = cell.get("t", "n")
        value_element = cell.find(f"{MAIN}v")
        formula = cell.find(f"{MAIN}f")
        if formula is not None:
            text = self._formula(cell, formula, shared_formulas)
            if text is not None:
                return text
        raw = value_element.text if value_element is not None else None
        if kind == "inlineStr":
            inline = cell.find(f"{MAIN}is")
            return _text_of(inline) if inline is not None else None
        if raw is None:
            return None
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except ValueError as error:
                raise WorkbookError(f"a shared-string cell holds “{raw[:20]}”") from error
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            try:
                return from_ISO8601(raw)
            except ValueError:
                return raw
        try:
            number: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
        except ValueError:
            return raw
        style = cell.get("s")
        if style is not None and int(style) in self.date_styles:
            return self._date(number)
        return number

    def _date(self, serial: float) -> Any:
        from openpyxl.utils.datetime import from_excel

        try:
            epoch = datetime.datetime(1904, 1, 1) if self.epoch.year == 1904 else None
            return from_excel(serial, epoch) if epoch else from_excel(serial)
        except (OverflowError, ValueError):
            return serial

    @staticmethod
    def _formula(cell, formula, shared_formulas: dict[str, tuple[str, str]]) -> str | None:
        text = formula.text
        if formula.get("t") == "shared":
            index = formula.get("si", "")
            if text:
                shared_formulas[index] = (f"={text}", cell.get("r", ""))
                return f"={text}"
            origin = shared_formulas.get(index)
            if origin is None:
                return None
            from openpyxl.formula.translate import Translator

            try:
                return Translator(origin[0], origin=origin[1]).translate_formula(cell.get("r", ""))
            except Exception:  # a formula the translator cannot shift: give the original's text
                return origin[0]
        return f"={text}" if text else None
