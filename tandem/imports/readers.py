"""Reading uploaded CSV and XLSX files: refuse what is dangerous or unreadable, guess the format, stream the rows.

Contract for the import engine:
- `inspect_file(path, original_name)` looks at a stored upload once and returns a `FileInfo` (kind, encoding,
  delimiter, cleaned headers, the first rows, a row estimate), or raises `ImportFileError` with a sentence
  the user can act on.
- `iter_rows(path, kind=..., encoding=..., delimiter=...)` streams the data rows as `(row_number, cells)`,
  numbered as a spreadsheet shows them (the header is row 1), every row exactly as wide as the header. It
  never holds the file in memory: CSV is read through a text stream, XLSX through tandem.imports.workbook.

Cells are always text. Nothing is evaluated: a CSV cell "=1+1" stays "=1+1", and an XLSX formula cell gives
its formula text (as openpyxl gives it with data_only=False), never a computed value.
"""

import codecs
import csv
import datetime
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

from tandem.core import spreadsheets

MAX_COLUMNS = 500
SAMPLE_ROW_COUNT = 5
# Enough text to see the header, a few rows and the delimiter, and to find a binary file's NUL bytes.
SNIFF_BYTES = 64 * 1024
DECODE_CHUNK_BYTES = 1024 * 1024
DELIMITERS = ",;\t|"
# A real workbook's XML compresses 5-30x; a ratio above this is how a zip bomb looks. Small members are
# exempt: a few kilobytes of repeated XML compress far better than 100x and can never exhaust anything.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
CSV_NAMES = (".csv", ".txt", ".tsv")
XLSX_NAMES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


class ImportFileError(Exception):
    """The file cannot be imported; the message is a sentence to show the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class FileInfo:
    kind: str  # "csv" | "xlsx"
    encoding: str  # "utf-8", "utf-8-sig" (with a byte order mark), "cp1252" or "latin-1"; "" for xlsx
    delimiter: str  # "," ";" "\t" "|"; "" for xlsx
    headers: list[str] = field(default_factory=list)
    sample_rows: list[list[str]] = field(default_factory=list)
    row_estimate: int = 0


def max_file_bytes() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_BYTES", 512 * 1024 * 1024))


def describe_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:,.1f} {unit}"
    return f"{size:,} bytes"


def inspect_file(path: str | os.PathLike, original_name: str) -> FileInfo:
    """Check an uploaded file and describe it; raises ImportFileError when it cannot or must not be read."""
    size = os.path.getsize(path)
    limit = max_file_bytes()
    if size > limit:
        raise ImportFileError(
            f"This file is {describe_size(size)}; Tandem imports files up to {describe_size(limit)}. "
            "Split it into smaller files."
        )
    if size == 0:
        raise ImportFileError("This file is empty.")
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    kind = detect_kind(original_name, head)
    if kind == "xlsx":
        return inspect_xlsx(path)
    return inspect_csv(path, head, size)


def detect_kind(original_name: str, head: bytes) -> str:
    name = (original_name or "").lower()
    if name.endswith(".xls") or head.startswith(OLE_MAGIC):
        raise ImportFileError(
            "This is an old Excel (.xls) file. Save it as .xlsx or .csv in your spreadsheet program, then upload it."
        )
    if name.endswith(XLSX_NAMES):
        return "xlsx"
    if name.endswith(CSV_NAMES):
        return "csv"
    # No telling extension: a zip is a workbook, anything else is tried as text.
    return "xlsx" if head.startswith(ZIP_MAGIC) else "csv"


# --- headers ----------------------------------------------------------------------------------------


def clean_headers(raw: list[str]) -> list[str]:
    """Headers as the user will see them: trimmed, blanks named "Column 3", repeats named "Email (2)"."""
    headers: list[str] = []
    seen: set[str] = set()
    for index, value in enumerate(raw, start=1):
        text = " ".join(spreadsheets.unneutralise(str(value)).split()) if value is not None else ""
        if not text:
            text = f"Column {index}"
        candidate, counter = text, 1
        while candidate.casefold() in seen:
            counter += 1
            candidate = f"{text} ({counter})"
        seen.add(candidate.casefold())
        headers.append(candidate)
    return headers


def check_width(width: int) -> None:
    if width > MAX_COLUMNS:
        raise ImportFileError(f"This file has {width:,} columns; Tandem imports at most {MAX_COLUMNS}.")


def fit(cells: list[str], width: int) -> list[str]:
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    return cells[:width]


# --- CSV --------------------------------------------------------------------------------------------


NOT_TEXT = "This file is not a text file (it contains binary data). Upload a CSV file or an Excel (.xlsx) workbook."


def inspect_csv(path, head: bytes, size: int) -> FileInfo:
    if b"\x00" in head:
        raise ImportFileError(NOT_TEXT)
    # The whole file, not only the sniffed head: a NUL byte on row 900,000 is as binary as one on row 2
    # (Python's csv reader would pass it into a cell and on into the database).
    offset = find_nul(path)
    if offset is not None:
        raise ImportFileError(
            f"This file is not a text file (it contains binary data: a NUL byte at byte {offset:,}). "
            "Upload a CSV file or an Excel (.xlsx) workbook."
        )
    encoding = detect_encoding(path, head)
    sample_text = decode_sample(head, encoding, complete=size <= len(head))
    delimiter = detect_delimiter(sample_text)
    rows = iter_csv_records(path, encoding=encoding, delimiter=delimiter)
    try:
        raw_headers = next(rows, None)
        if raw_headers is None or not any(cell.strip() for cell in raw_headers):
            raise ImportFileError("This file has no header row: the first row must name the columns.")
        # Trailing empty header cells (a stray delimiter at the end of the line) are not columns.
        while raw_headers and not raw_headers[-1].strip():
            raw_headers.pop()
        check_width(len(raw_headers))
        headers = clean_headers(raw_headers)
        sample_rows = []
        for _row_number, cells in rows:
            sample_rows.append(fit(cells, len(headers)))
            if len(sample_rows) == SAMPLE_ROW_COUNT:
                break
    finally:
        rows.close()
    return FileInfo(
        kind="csv",
        encoding=encoding,
        delimiter=delimiter,
        headers=headers,
        sample_rows=sample_rows,
        row_estimate=estimate_csv_rows(sample_text, delimiter, size, len(head)),
    )


def find_nul(path) -> int | None:
    """The offset of the file's first NUL byte, or None; read in blocks, never whole."""
    position = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(DECODE_CHUNK_BYTES):
            index = chunk.find(b"\x00")
            if index >= 0:
                return position + index
            position += len(chunk)
    return None


def detect_encoding(path, head: bytes) -> str:
    """UTF-8 if the whole file decodes strictly as UTF-8, else Windows-1252 (or Latin-1 for its five holes).

    The whole file is checked, in chunks, because one accented name on row 900,000 decides it."""
    bom = head.startswith(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(DECODE_CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    decoder = codecs.getincrementaldecoder("cp1252")(errors="strict")
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(DECODE_CHUNK_BYTES):
                decoder.decode(chunk)
        return "cp1252"
    except UnicodeDecodeError:
        # Bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D are undefined in Windows-1252; Latin-1 reads everything.
        return "latin-1"


def decode_sample(head: bytes, encoding: str, *, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    # final=False drops a multi-byte character cut off by the sample's end instead of mangling it.
    return decoder.decode(head, final=complete)


def detect_delimiter(sample_text: str) -> str:
    lines = sample_text.splitlines()
    # The sample's last line may be cut mid-row; the sniffer sees only whole lines.
    text = "\n".join(lines[:-1] if len(lines) > 1 else lines)
    try:
        dialect = csv.Sniffer().sniff(text, delimiters=DELIMITERS)
        if dialect.delimiter in DELIMITERS and consistent_width(text, dialect.delimiter) > 1:
            return dialect.delimiter
    except csv.Error:
        pass
    # The sniffer gives up on one-column files and on files with few rows; the delimiter that splits the
    # header into the most columns, and the rows into the same number, is the next best guess.
    best, best_width = ",", 1
    for candidate in DELIMITERS:
        width = consistent_width(text, candidate)
        if width > best_width:
            best, best_width = candidate, width
    return best


def consistent_width(text: str, delimiter: str) -> int:
    """How many columns the header has with this delimiter, or 0 when most rows disagree with it."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row][:20]
    except csv.Error:
        return 0
    if not rows:
        return 0
    width = len(rows[0])
    matching = sum(1 for row in rows[1:] if len(row) == width)
    if len(rows) > 1 and matching * 2 < len(rows) - 1:
        return 0
    return width


def estimate_csv_rows(sample_text: str, delimiter: str, size: int, sample_bytes: int) -> int:
    if not sample_text:
        return 0
    complete = size <= sample_bytes
    text = sample_text if complete else sample_text[: sample_text.rfind("\n") + 1]
    try:
        records = sum(1 for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row)
    except csv.Error:
        records = text.count("\n")
    if complete:
        return max(records - 1, 0)
    used_bytes = len(text.encode("utf-8", errors="replace")) or 1
    return max(round(records * size / used_bytes) - 1, 0)


def iter_csv_records(path, *, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Every non-blank record with its spreadsheet row number (record count, not line count: a quoted
    newline keeps a record on one spreadsheet row). The first yield is the header row, without a number."""
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        row_number = 0
        try:
            for cells in reader:
                row_number += 1
                if row_number == 1:
                    yield cells
                    continue
                if not cells or not any(cells):
                    continue
                yield row_number, cells
        except csv.Error as error:
            raise ImportFileError(f"Row {row_number + 1} could not be read ({error}).") from error
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"Row {row_number + 1} is not valid {encoding} text. Save the file as UTF-8 and upload it again."
            ) from error


# --- XLSX -------------------------------------------------------------------------------------------


def check_zip(path) -> None:
    """Refuse a zip bomb or a non-workbook before anything is expanded."""
    invalid = "This file is not a valid Excel (.xlsx) workbook. Save it again as .xlsx or .csv and upload it."
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(invalid) from error
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportFileError(invalid)
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ImportFileError(
            f"This workbook expands to {describe_size(total)}; Tandem reads workbooks up to "
            f"{describe_size(MAX_UNCOMPRESSED_BYTES)} unpacked. Save it as CSV and upload that instead."
        )
    for member in members:
        if member.file_size < RATIO_CHECK_MIN_BYTES:
            continue
        if member.compress_size == 0 or member.file_size / member.compress_size > MAX_COMPRESSION_RATIO:
            raise ImportFileError(
                "This workbook is compressed in a way real spreadsheets never are (it may be a zip bomb), "
                "so Tandem will not open it. Save it as CSV and upload that instead."
            )


UNREADABLE_WORKBOOK = "This workbook could not be read. Save it again as .xlsx or .csv and upload it."


def open_sheet(path):
    """The first worksheet, streamed in bounded memory (tandem.imports.workbook). The caller closes it.

    Opened by its content, never by its name: uploads are stored under a random name without an extension."""
    from tandem.imports import workbook

    try:
        return workbook.Workbook(path)
    except workbook.TooManyStrings as error:
        raise ImportFileError(
            "This workbook holds more distinct texts than Tandem reads from a workbook. "
            "Save it as CSV and upload that instead."
        ) from error
    except workbook.WorkbookError as error:
        if str(error) == "no worksheet":
            raise ImportFileError("This workbook has no worksheet.") from error
        raise ImportFileError(UNREADABLE_WORKBOOK) from error
    except Exception as error:  # malformed XML, a missing part, a broken zip member
        raise ImportFileError(UNREADABLE_WORKBOOK) from error


def cell_text(value) -> str:
    """A cell's value as the text a person typed; formulas stay formulas (strings starting with "=")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        # Phone numbers and ids typed as numbers come back as floats; 4930123456.0 is "4930123456".
        return str(int(value))
    # ArrayFormula and other openpyxl objects carry their formula text in .text
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text
    return str(value)


def xlsx_records(book) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of each stored row; a workbook that breaks midway is an ImportFileError."""
    from tandem.imports import workbook

    try:
        for row_number, values in book.rows():
            yield row_number, [cell_text(value) for value in values]
    except ImportFileError:
        raise
    except (workbook.WorkbookError, Exception) as error:
        raise ImportFileError(UNREADABLE_WORKBOOK) from error


def inspect_xlsx(path) -> FileInfo:
    check_zip(path)
    book = open_sheet(path)
    try:
        records = xlsx_records(book)
        first = next(records, None)
        raw_headers = first[1] if first is not None else None
        if raw_headers is None or not any(cell.strip() for cell in raw_headers):
            raise ImportFileError("This file has no header row: the first row must name the columns.")
        while raw_headers and not raw_headers[-1].strip():
            raw_headers.pop()
        check_width(len(raw_headers))
        headers = clean_headers(raw_headers)
        sample_rows = []
        for _row_number, cells in records:
            if not any(cells):
                continue
            sample_rows.append(fit(cells, len(headers)))
            if len(sample_rows) == SAMPLE_ROW_COUNT:
                break
        records.close()
        # The sheet's recorded dimension; a workbook written without one reports nothing, and the import's
        # progress then counts without a total.
        max_row = book.dimension_rows()
    finally:
        book.close()
    return FileInfo(
        kind="xlsx",
        encoding="",
        delimiter="",
        headers=headers,
        sample_rows=sample_rows,
        row_estimate=max(max_row - 1, len(sample_rows)),
    )


# --- streaming --------------------------------------------------------------------------------------


def iter_rows(path, *, kind: str, encoding: str = "", delimiter: str = "") -> Iterator[tuple[int, list[str]]]:
    """Data rows as (row_number, cells), header excluded, blank rows skipped (their numbers too), every row
    padded or cut to the header's width. Raises ImportFileError if the file turns out unreadable midway."""
    if kind == "xlsx":
        yield from iter_xlsx_rows(path)
        return
    records = iter_csv_records(path, encoding=encoding or "utf-8-sig", delimiter=delimiter or ",")
    try:
        raw_headers = next(records, None)
        if raw_headers is None:
            return
        width = header_width(raw_headers)
        for row_number, cells in records:
            yield row_number, fit(cells, width)
    finally:
        records.close()


def header_width(raw_headers: list[str]) -> int:
    width = len(raw_headers)
    while width and not str(raw_headers[width - 1] or "").strip():
        width -= 1
    return width


def iter_xlsx_rows(path) -> Iterator[tuple[int, list[str]]]:
    book = open_sheet(path)
    try:
        records = xlsx_records(book)
        first = next(records, None)
        if first is None:
            return
        width = header_width(first[1])
        for row_number, cells in records:
            if not any(cells):
                continue
            yield row_number, fit(cells, width)
    finally:
        book.close()


def first_rows(
    path, *, kind: str, encoding: str = "", delimiter: str = "", count: int = SAMPLE_ROW_COUNT
) -> list[list[str]]:
    """The first data rows of a stored upload (for the mapping page), or [] if the file is gone or unreadable."""
    rows = iter_rows(path, kind=kind, encoding=encoding, delimiter=delimiter)
    sample: list[list[str]] = []
    try:
        for _row_number, cells in rows:
            sample.append(cells)
            if len(sample) == count:
                break
    except (ImportFileError, OSError):
        return sample
    finally:
        rows.close()
    return sample
